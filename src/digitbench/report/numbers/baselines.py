"""Numbers of the classical baselines (Methods and Results), from summarize_baselines' metrics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from digitbench.report.numbers.format import acc, fmt_fixed, fmt_int, fmt_signed, markdown_table
from digitbench.section_table import Built, ReportContext

# Xiao et al. (2017), benchmark of scikit-learn classifiers on MNIST: best LogisticRegression
# (one-vs-rest, C = 1) and RandomForestClassifier (100 trees) test accuracies, quoted beside this run's.
BASELINE_ANCHORS = {
    "logreg": {"accuracy": 0.917, "cite": "xiao2017fashion"},
    "random_forest": {"accuracy": 0.970, "cite": "xiao2017fashion"},
}

_STRATEGIES = {"ovr": "one-vs-rest", "multinomial": "multinomial (softmax)"}


def _model_variables(row: pd.Series) -> dict[str, str]:
    entry = {
        "label": row["label"], "accuracy": acc(row["accuracy"]), "accuracy_pct": f"{100 * row['accuracy']:.2f}",
        "error_pct": f"{100 * (1 - row['accuracy']):.2f}",
        "top3": acc(row["top3_accuracy"]), "top5": acc(row["top5_accuracy"]),
        "macro_f1": f"{row['macro_f1']:.4f}", "cv_mean": f"{row['cv_mean']:.4f}", "cv_sd": f"{row['cv_sd']:.4f}",
        "cv_folds": str(int(row["cv_folds"])), "fit_seconds": f"{row['fit_seconds']:.1f}",
        "n_train": fmt_int(row["n_train"]),
    }
    if "n_iter" in row and pd.notna(row["n_iter"]):
        entry["n_iter"] = str(int(row["n_iter"]))
    anchor = BASELINE_ANCHORS.get(row["model"])
    if anchor:
        entry["anchor"] = f"{anchor['accuracy']:.3f}"
        entry["anchor_diff_pp"] = fmt_signed(100 * (row["accuracy"] - anchor["accuracy"]))
    return entry


def _comparison(ranked: pd.DataFrame) -> str:
    # A sentence, not a label dropped into a template: lower case mid-sentence, and a tie said as one.
    names = [label[:1].lower() + label[1:] for label in ranked["label"]]
    if len(names) == 1:
        return f"Only the {names[0]} was fitted."
    top = ranked["accuracy"].to_numpy()
    if top[0] == top[1]:
        return f"The {names[0]} and the {names[1]} are equally accurate on the test set."
    more = "the more accurate of the two" if len(names) == 2 else "the most accurate"
    return f"The {names[0]} is {more} on the test set."


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables under ``baselines`` and the ``baselines`` table.

    Args:
        files: ``metrics``: ``baseline_metrics.csv`` (one row per model).
        ctx: The report's context (the ``baselines`` config section).
    """
    metrics, baselines = pd.read_csv(files["metrics"]), ctx.config["baselines"]
    variables: dict[str, Any] = {row["model"]: _model_variables(row) for _, row in metrics.iterrows()}
    ranked = metrics.sort_values("accuracy", ascending=False)
    n_test = fmt_int(metrics["n_test"].iloc[0])
    variables.update({
        "best_label": ranked["label"].iloc[0], "comparison": _comparison(ranked), "n_test": n_test,
        "train_size": fmt_int(metrics["n_train"].iloc[0]), "cv_folds": str(baselines["cv_folds"]),
        "logreg_max_iter": fmt_int(baselines["logreg_max_iter"]), "logreg_c": f"{baselines['logreg_c']:g}",
        "logreg_strategy": _STRATEGIES[baselines["logreg_strategy"]],
        "rf_n_estimators": str(baselines["rf_n_estimators"]),
    })
    table = markdown_table(
        metrics[["label", "accuracy", "top3_accuracy", "top5_accuracy", "macro_f1", "cv_mean", "cv_sd", "fit_seconds"]],
        f"Classical baselines: test-set metrics (n = {n_test} images) and {baselines['cv_folds']}-fold stratified "
        "cross-validation accuracy on the training set.", "tbl-baselines",
        formats={"accuracy": acc, "top3_accuracy": acc, "top5_accuracy": acc, "macro_f1": fmt_fixed(4),
                 "cv_mean": fmt_fixed(4), "cv_sd": fmt_fixed(4), "fit_seconds": fmt_fixed(1)},
        headers={"label": "Model", "accuracy": "Test accuracy", "top3_accuracy": "Top-3", "top5_accuracy": "Top-5",
                 "macro_f1": "Macro F1", "cv_mean": "CV mean", "cv_sd": "CV SD", "fit_seconds": "Fit (s)"})
    return Built({"baselines": variables}, {"baselines": table})
