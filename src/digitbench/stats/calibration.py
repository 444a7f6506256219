"""Calibration of predicted confidences: reliability bins and expected calibration error (Guo et al. 2017)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from digitbench.stats.predictions import Predictions


def reliability_bins(y_true: np.ndarray, proba: np.ndarray, n_bins: int = 15) -> pd.DataFrame:
    """Equal-width confidence bins (lower, upper] of the top-class probability.

    Returns:
        One row per bin: ``bin``, ``lower``, ``upper``, ``count``, ``confidence`` (mean top-class
        probability) and ``accuracy``; the last two are empty for empty bins.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1. Received: {n_bins}")
    y_true, proba = np.asarray(y_true), np.asarray(proba, dtype=float)
    confidence = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y_true
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Bin i holds confidences in (edges[i], edges[i + 1]]; a confidence of exactly 0 joins the first bin.
    index = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    sum_conf = np.bincount(index, weights=confidence, minlength=n_bins)
    sum_correct = np.bincount(index, weights=correct.astype(float), minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_conf = np.where(count > 0, sum_conf / count, np.nan)
        accuracy = np.where(count > 0, sum_correct / count, np.nan)
    return pd.DataFrame({"bin": np.arange(1, n_bins + 1), "lower": edges[:-1], "upper": edges[1:], "count": count,
                         "confidence": mean_conf, "accuracy": accuracy})


def expected_calibration_error(y_true: np.ndarray, proba: np.ndarray, n_bins: int = 15) -> float:
    """ECE: count-weighted mean of |accuracy - confidence| over equal-width confidence bins."""
    bins = reliability_bins(y_true, proba, n_bins)
    used = bins["count"] > 0
    weights = bins.loc[used, "count"] / bins["count"].sum()
    return float(np.sum(weights * np.abs(bins.loc[used, "accuracy"] - bins.loc[used, "confidence"])))


def calibration_tables(models: list[Predictions], n_bins: int = 15) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ECE of every model, and the reliability bins of each model.

    Returns:
        ``(summary, bins)``: summary has one row per model (``ece``, mean ``confidence``, ``accuracy``,
        ``n_bins``); bins the rows of ``reliability_bins`` with model, kind, architecture and seed.
    """
    summary, frames = [], []
    for m in models:
        bins = reliability_bins(m.y_true, m.proba, n_bins)
        summary.append({"model": m.name, "kind": m.kind, "architecture": m.architecture, "seed": m.seed,
                        "ece": expected_calibration_error(m.y_true, m.proba, n_bins),
                        "confidence": float(m.proba.max(axis=1).mean()), "accuracy": m.accuracy, "n_bins": n_bins,
                        "n_test": len(m.y_true)})
        frames.append(bins.assign(model=m.name, kind=m.kind, architecture=m.architecture, seed=m.seed))
    summary, bins = pd.DataFrame(summary), pd.concat(frames, ignore_index=True)
    summary["seed"], bins["seed"] = summary["seed"].astype("Int64"), bins["seed"].astype("Int64")
    return summary, bins
