"""Tables over all CNN jobs: per run, per architecture (mean, SD and n over seeds), curves, errors.

Reads only the files the training jobs wrote (no deep-learning import), so figures and the report
can be rebuilt without retraining.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from digitbench.metrics import confusion_table, per_class_table

RUN_COLUMNS = ["architecture", "seed", "accuracy", "macro_precision", "macro_recall", "macro_f1", "top3_accuracy",
               "top5_accuracy", "loss", "parameters", "epochs_run", "best_epoch", "training_seconds",
               "images_per_second", "inference_ms_per_image", "n_train", "n_val", "n_test", "backend", "device"]
SUMMARY_METRICS = ["accuracy", "macro_f1", "top3_accuracy", "top5_accuracy", "loss", "training_seconds",
                   "inference_ms_per_image", "epochs_run", "images_per_second"]


def collect_runs(metric_files: list[str | Path]) -> pd.DataFrame:
    """One row per (architecture, seed) from the jobs' ``metrics.json``."""
    rows = []
    for path in metric_files:
        with open(path, encoding="utf-8") as fh:
            m = json.load(fh)
        rows.append({c: m.get(c) for c in RUN_COLUMNS})
    return pd.DataFrame(rows, columns=RUN_COLUMNS).sort_values(["architecture", "seed"], ignore_index=True)


def summarize_runs(runs: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Mean, sample SD and n over seeds of each metric, one row per architecture in ``order``.

    With a single seed the SD is undefined and left empty rather than reported as 0.
    """
    grouped = runs.groupby("architecture")
    out = pd.DataFrame({"architecture": order})
    out["n_seeds"] = [int(grouped.size().get(a, 0)) for a in order]
    out["parameters"] = [int(runs.loc[runs["architecture"] == a, "parameters"].iloc[0]) for a in order]
    for metric in SUMMARY_METRICS:
        out[f"{metric}_mean"] = [grouped[metric].mean().get(a) for a in order]
        out[f"{metric}_sd"] = [grouped[metric].std(ddof=1).get(a) for a in order]
    return out


def best_architecture(summary: pd.DataFrame) -> str:
    """Architecture with the highest mean test accuracy (ties: fewer parameters)."""
    ranked = summary.sort_values(["accuracy_mean", "parameters"], ascending=[False, True])
    return str(ranked["architecture"].iloc[0])


def collect_histories(history_files: list[str | Path], keys: list[tuple[str, int]]) -> pd.DataFrame:
    """All epochs of all jobs in long format, with ``architecture`` and ``seed`` columns."""
    frames = [pd.read_csv(path).assign(architecture=arch, seed=seed) for path, (arch, seed) in zip(history_files, keys,
                                                                                                      strict=True)]
    return pd.concat(frames, ignore_index=True)


def _load_predictions(path: str | Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def per_class_f1(prediction_files: list[str | Path], keys: list[tuple[str, int]]) -> pd.DataFrame:
    """Per-digit precision, recall and F1 of every job."""
    frames = []
    for path, (arch, seed) in zip(prediction_files, keys, strict=True):
        p = _load_predictions(path)
        frames.append(per_class_table(p["y_true"], p["y_pred"]).assign(architecture=arch, seed=seed))
    return pd.concat(frames, ignore_index=True)


def pooled_confusion(prediction_files: list[str | Path]) -> pd.DataFrame:
    """Confusion matrix summed over the given jobs (the seeds of one architecture)."""
    total = None
    for path in prediction_files:
        p = _load_predictions(path)
        cm = confusion_table(p["y_true"], p["y_pred"])
        total = cm if total is None else total + cm
    return total


def confident_errors(prediction_files: list[str | Path], seeds: list[int], x_test: np.ndarray,
                     k: int = 16) -> dict[str, np.ndarray]:
    """The ``k`` test errors made with the highest confidence by any of the given jobs.

    Returns:
        ``images`` (k, 28, 28) uint8, ``index``, ``true``, ``pred``, ``confidence`` and ``seed``.
    """
    rows = []
    for path, seed in zip(prediction_files, seeds, strict=True):
        p = _load_predictions(path)
        wrong = np.flatnonzero(p["y_pred"] != p["y_true"])
        conf = p["proba"][wrong, p["y_pred"][wrong]]
        rows += [(float(c), int(i), int(p["y_true"][i]), int(p["y_pred"][i]), int(seed)) for c, i in zip(conf, wrong)]
    rows.sort(key=lambda r: -r[0])
    top = rows[:k]
    idx = np.array([r[1] for r in top], dtype=int)
    return {"images": x_test[idx] if len(idx) else np.zeros((0, *x_test.shape[1:]), x_test.dtype), "index": idx,
            "true": np.array([r[2] for r in top], dtype=int), "pred": np.array([r[3] for r in top], dtype=int),
            "confidence": np.array([r[0] for r in top]), "seed": np.array([r[4] for r in top], dtype=int)}


def confusion_examples(prediction_files: list[str | Path], x_test: np.ndarray, k: int = 5) -> dict[str, np.ndarray]:
    """Up to ``k`` test images of every cell of the pooled confusion matrix (for the interactive one).

    An item lands in a cell once per job that predicted it so; it is shown once, and the first items of
    each cell in test-set order are taken, so the examples depend on the predictions only.

    Returns:
        ``true``, ``pred`` (cells), ``index`` (cells, k) into the test set, -1 where a cell has fewer
        than ``k`` items, and ``images`` (cells, k, 28, 28), blank where ``index`` is -1.
    """
    if k < 1:
        raise ValueError(f"k must be a positive number of examples per cell. Received: {k}")
    cells: dict[tuple[int, int], list[int]] = {}
    for path in prediction_files:
        p = _load_predictions(path)
        for i, (t, q) in enumerate(zip(p["y_true"].tolist(), p["y_pred"].tolist())):
            items = cells.setdefault((int(t), int(q)), [])
            if len(items) < k and i not in items:
                items.append(i)
    keys = sorted(cells)
    index = np.full((len(keys), k), -1, dtype=int)
    for row, key in enumerate(keys):
        index[row, :len(cells[key])] = sorted(cells[key])
    images = np.where((index >= 0)[..., None, None], x_test[np.maximum(index, 0)], 0).astype(x_test.dtype)
    return {"true": np.array([t for t, _ in keys], dtype=int), "pred": np.array([q for _, q in keys], dtype=int),
            "index": index, "images": images}
