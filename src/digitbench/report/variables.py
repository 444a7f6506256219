"""Everything the report quotes, computed from the results files into ``_variables.yml`` and tables.

The report sources contain no numbers: each one reaches the text through ``{{< var >}}`` from the
mapping built here, or through a generated table, so re-running the workflow updates them all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from digitbench.cnn_results import best_architecture
from digitbench.report import cnn_variables, stats_variables, throughput_variables
from digitbench.report.literature import BASELINE_ANCHORS, published_table_rows, published_variables
from digitbench.report.provenance import benchmark_table, hardware, package_versions, wall_minutes
from digitbench.report.escape import markdown_literal
from digitbench.report.tables import config_table, fmt_fixed, fmt_int, fmt_p, markdown_table


def acc(x: float) -> str:
    """Accuracy on the 10,000-image test set: 4 decimals hold it exactly."""
    return f"{x:.4f}"


@dataclass
class ReportInputs:
    """Paths of the results files the report is built from."""

    eda_summary: str
    class_distribution: str
    class_statistics: str
    pixel_statistics: str
    baseline_metrics: str
    cnn_summary: str
    cnn_runs: str
    cnn_best: str
    cnn_architectures: str
    benchmarks: list[str] = field(default_factory=list)
    stats: stats_variables.StatsInputs | None = None
    throughput: str | None = None
    figures: list[str] = field(default_factory=list)  # names of the report's figures, for the targets table
    tables: list[str] = field(default_factory=list)  # names of the generated tables, same


def _data_variables(inputs: ReportInputs) -> dict[str, Any]:
    with open(inputs.eda_summary, encoding="utf-8") as fh:
        s = json.load(fh)
    pix = pd.read_csv(inputs.pixel_statistics).set_index("split")
    dist = pd.read_csv(inputs.class_distribution)
    most, least = dist.loc[dist["train_count"].idxmax()], dist.loc[dist["train_count"].idxmin()]
    return {
        "n_train": fmt_int(s["n_train"]), "n_test": fmt_int(s["n_test"]),
        "height": str(s["image_height"]), "width": str(s["image_width"]),
        "balance_train": f"{s['balance_train']:.4f}", "balance_test": f"{s['balance_test']:.4f}",
        "pixel_mean": f"{pix.loc['train', 'mean']:.2f}", "pixel_std": f"{pix.loc['train', 'std']:.2f}",
        "zero_pct": f"{pix.loc['train', 'zero_pct']:.2f}",
        "anova_f": f"{s['anova_f']:.1f}", "anova_p": fmt_p(s["anova_p"]),
        "anova_df1": str(s["anova_df_between"]), "anova_df2": fmt_int(s["anova_df_within"]),
        "n_extreme": str(s["n_extreme_pixels"]), "n_zero_variance": str(s["n_zero_variance_pixels"]),
        "variation_digit": str(s["variation_digit"]),
        "most_common_digit": str(int(most["digit"])), "most_common_count": fmt_int(most["train_count"]),
        "least_common_digit": str(int(least["digit"])), "least_common_count": fmt_int(least["train_count"]),
    }


def _baseline_variables(metrics: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for _, row in metrics.iterrows():
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
            entry["anchor_diff_pp"] = f"{100 * (row['accuracy'] - anchor['accuracy']):+.2f}"
        out[row["model"]] = entry
    best = metrics.loc[metrics["accuracy"].idxmax()]
    out["best_label"] = best["label"]
    out["n_test"] = fmt_int(metrics["n_test"].iloc[0])
    return out


def _published_table(cnn_summary: pd.DataFrame) -> str:
    rows = [{"method": r["method"], "error": f"{r['error_pct']:.2f}", "source": f"[@{r['cite']}]", "note": r["note"]}
            for r in published_table_rows()]
    best = cnn_summary.set_index("architecture").loc[best_architecture(cnn_summary)]
    rows.append({"method": f"This study: `{best.name}` (mean of {int(best['n_seeds'])} seeds)",
                 "error": f"{100 * (1 - best['accuracy_mean']):.2f}", "source": "this report",
                 "note": "profile and training budget in the Methods section"})
    return markdown_table(pd.DataFrame(rows), "Published MNIST test errors, as reported by their authors, next to "
                          "this study's best architecture.", "tbl-published",
                          headers={"method": "Method", "error": "Test error (%)", "source": "Source", "note": "Note"},
                          align={"error": "r"})


def _targets_table(figures: list[str], tables: list[str]) -> str:
    rows = [{"item": f"figure `{name}`", "target": f"`results/figures/{name}.pdf` (and `.png`)",
             "command": f"`snakemake --cores 1 results/figures/{name}.pdf`"} for name in figures]
    rows += [{"item": f"table `{name}`", "target": f"`report/_generated/tables/{name}.md`",
              "command": f"`snakemake --cores 1 report/_generated/tables/{name}.md`"} for name in tables]
    return markdown_table(pd.DataFrame(rows, columns=["item", "target", "command"]),
                          "The Snakemake target that regenerates each figure and table of this report; Snakemake "
                          "reruns only the jobs whose inputs changed, so none of these retrains a model.",
                          "tbl-targets", headers={"item": "Figure or table", "target": "File", "command": "Command"})


def build(inputs: ReportInputs, config: dict[str, Any], commit: str,
          project: str | Path | None = None) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Build the report variables, the Markdown tables and the generated sentences.

    Config strings (title, authors, profile, paths, ...) and the hardware description are data:
    they are escaped with :func:`~digitbench.report.escape.markdown_literal` here, once, so that
    the report shows them literally.

    Args:
        inputs: Results files.
        config: The validated, resolved configuration.
        commit: Git commit the results were produced at.
        project: The project (workflow) directory, against which the configuration table shows
            paths; the current directory, where Snakemake runs jobs, when None.

    Returns:
        ``(variables, tables, texts)``: the nested mapping for ``_variables.yml``, table name to
        Markdown table, and text name to generated Markdown prose (sentences from ``claims.json``).
    """
    metrics = pd.read_csv(inputs.baseline_metrics)
    runtimes = benchmark_table(inputs.benchmarks)
    hw = hardware()
    b = config["baselines"]
    lit = markdown_literal
    variables = {
        "study": {"title": lit(config["report"]["title"]),
                  "authors": ", ".join(lit(a) for a in config["report"]["authors"]),
                  "profile": lit(config["profile"]), "commit": lit(commit), "seed": str(config["seed"])},
        "data": _data_variables(inputs),
        "preprocessing": {"method": lit(config["preprocessing"]["method"])},
        "baselines": {
            **_baseline_variables(metrics),
            "train_size": fmt_int(metrics["n_train"].iloc[0]), "cv_folds": str(b["cv_folds"]),
            "logreg_max_iter": fmt_int(b["logreg_max_iter"]), "logreg_c": f"{b['logreg_c']:g}",
            "logreg_strategy": {"ovr": "one-vs-rest", "multinomial": "multinomial (softmax)"}[b["logreg_strategy"]],
            "rf_n_estimators": str(b["rf_n_estimators"]),
        },
        "env": {key: lit(value) for key, value in hw.items()},
        "runtime": {"total_minutes": f"{runtimes['seconds'].sum() / 60:.1f}", "n_jobs": str(len(runtimes)),
                    "wall_minutes": f"{wall_minutes(runtimes):.1f}"},
    }
    cnn_vars, cnn_tables = cnn_variables.build(inputs.cnn_summary, inputs.cnn_runs, inputs.cnn_best,
                                               inputs.cnn_architectures, config["training"])
    variables["cnn"] = cnn_vars
    texts: dict[str, str] = {}
    if inputs.stats is not None:
        variables["stats"], stats_tables, texts = stats_variables.build(
            inputs.stats, pd.read_csv(inputs.cnn_summary), metrics, config["stats"])
        cnn_tables.update(stats_tables)
    variables["literature"] = published_variables()
    cnn_tables["published"] = _published_table(pd.read_csv(inputs.cnn_summary))
    cnn_tables["targets"] = _targets_table(inputs.figures, inputs.tables)
    if inputs.throughput is not None:
        variables["throughput"], throughput_tables = throughput_variables.build(inputs.throughput)
        cnn_tables.update(throughput_tables)
    tables = {
        "class_distribution": markdown_table(
            pd.read_csv(inputs.class_distribution), "Images per digit in the training and test sets.",
            "tbl-class-distribution",
            formats={"digit": str, "train_count": fmt_int, "train_pct": fmt_fixed(2), "test_count": fmt_int,
                     "test_pct": fmt_fixed(2)},
            headers={"digit": "Digit", "train_count": "Train", "train_pct": "Train %", "test_count": "Test",
                     "test_pct": "Test %"}),
        "class_statistics": markdown_table(
            pd.read_csv(inputs.class_statistics), "Pixel intensity (0–255) of the training images of each digit.",
            "tbl-class-statistics",
            formats={"digit": str, "count": fmt_int, "mean_intensity": fmt_fixed(2), "std_intensity": fmt_fixed(2),
                     "zero_pixel_pct": fmt_fixed(2)},
            headers={"digit": "Digit", "count": "Images", "mean_intensity": "Mean", "std_intensity": "SD",
                     "zero_pixel_pct": "Zero pixels %"}),
        "baselines": markdown_table(
            metrics[["label", "accuracy", "top3_accuracy", "top5_accuracy", "macro_f1", "cv_mean", "cv_sd",
                     "fit_seconds"]],
            "Classical baselines: test-set metrics (n = " + fmt_int(metrics["n_test"].iloc[0]) + " images) and "
            + str(b["cv_folds"]) + "-fold stratified cross-validation accuracy on the training set.",
            "tbl-baselines",
            formats={"accuracy": acc, "top3_accuracy": acc, "top5_accuracy": acc, "macro_f1": fmt_fixed(4),
                     "cv_mean": fmt_fixed(4), "cv_sd": fmt_fixed(4), "fit_seconds": fmt_fixed(1)},
            headers={"label": "Model", "accuracy": "Test accuracy", "top3_accuracy": "Top-3", "top5_accuracy": "Top-5",
                     "macro_f1": "Macro F1", "cv_mean": "CV mean", "cv_sd": "CV SD", "fit_seconds": "Fit (s)"}),
        "packages": markdown_table(package_versions(), "Package versions used for this report.", "tbl-packages",
                                   headers={"package": "Package", "version": "Version"}),
        "runtimes": markdown_table(
            runtimes[["job", "seconds", "max_rss_mb"]], "Wall time and peak memory of each job, from Snakemake's benchmark files "
            "(the rendering jobs themselves are not included).", "tbl-runtimes",
            formats={"seconds": fmt_fixed(1), "max_rss_mb": fmt_fixed(0)},
            headers={"job": "Job", "seconds": "Seconds", "max_rss_mb": "Peak RSS (MB)"}),
        "config": config_table(config, project),
        **cnn_tables,
    }
    return variables, tables, texts


def write(variables: dict[str, Any], tables: dict[str, str], variables_path: str | Path, table_dir: str | Path,
          texts: dict[str, str] | None = None, text_dir: str | Path | None = None) -> None:
    """Write ``_variables.yml``, one ``<name>.md`` per table and one ``<name>.md`` per generated text."""
    Path(variables_path).parent.mkdir(parents=True, exist_ok=True)
    with open(variables_path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(variables, fh, sort_keys=False, allow_unicode=True, width=1000)
    table_dir = Path(table_dir)
    table_dir.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (table_dir / f"{name}.md").write_text(text, encoding="utf-8")
    if texts:
        text_dir = Path(text_dir or table_dir)
        text_dir.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (text_dir / f"{name}.md").write_text(text, encoding="utf-8")


def inputs_from(named: Any, figures: list[str], tables: list[str]) -> ReportInputs:
    """``ReportInputs`` from a rule's named inputs (the keys of ``REPORT_RESULTS`` in report.smk)."""
    stats = stats_variables.StatsInputs(
        bootstrap=named.bootstrap, mcnemar=named.mcnemar, mcnemar_models=named.mcnemar_models,
        friedman=named.friedman, wilcoxon=named.wilcoxon, calibration=named.calibration, claims=named.claims)
    return ReportInputs(
        eda_summary=named.eda_summary, class_distribution=named.class_distribution,
        class_statistics=named.class_statistics, pixel_statistics=named.pixel_statistics,
        baseline_metrics=named.baseline_metrics, cnn_summary=named.cnn_summary, cnn_runs=named.cnn_runs,
        cnn_best=named.cnn_best, cnn_architectures=named.cnn_architectures, benchmarks=list(named.benchmarks),
        stats=stats, throughput=getattr(named, "throughput", None), figures=figures, tables=tables)
