"""Calibration of predicted confidences: reliability bins and expected calibration error (Guo et al. 2017)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from digitbench.stats.bootstrap import two_level_difference
from digitbench.stats.comparisons import DESCRIPTIVE, descriptive_columns, too_few_seeds
from digitbench.stats.predictions import Predictions
from digitbench.stats.tests import holm


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


def _ece(confidence: np.ndarray, correct: np.ndarray, n_bins: int, axis: int = -1) -> np.ndarray:
    # ECE of each row of (resamples, items) arrays at once: one bincount with an offset per row.
    confidence = np.moveaxis(np.atleast_2d(confidence), axis, -1)
    correct = np.moveaxis(np.atleast_2d(correct), axis, -1)
    rows, n = confidence.shape[0], confidence.shape[-1]
    index = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1) + n_bins * np.arange(rows)[:, None]
    size = rows * n_bins
    gap = (np.bincount(index.ravel(), weights=confidence.ravel(), minlength=size)
           - np.bincount(index.ravel(), weights=correct.ravel().astype(float), minlength=size)).reshape(rows, n_bins)
    return np.abs(gap).sum(axis=1) / n  # sum over bins of count/n * |mean confidence - accuracy|


def ece_interval(y_true: np.ndarray, proba: np.ndarray, n_bins: int, n_resamples: int, confidence: float,
                 seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of the ECE over test items (SciPy's ``bootstrap``).

    Percentile rather than BCa: BCa's jackknife would re-bin the test set once per item, and the ECE
    is a biased, binning-dependent estimate whose interval describes test-set sampling only.
    """
    proba = np.asarray(proba, dtype=float)
    data = (proba.max(axis=1), proba.argmax(axis=1) == np.asarray(y_true))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        res = stats.bootstrap(data, lambda conf, corr, axis: _ece(conf, corr, n_bins, axis), n_resamples=n_resamples,
                              batch=100, vectorized=True, paired=True, confidence_level=confidence,
                              method="percentile", rng=np.random.default_rng(seed))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def calibration_tables(models: list[Predictions], n_bins: int = 15,
                       interval: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ECE of every model, with its bootstrap interval, and the reliability bins of each model.

    Args:
        models: Test-set predictions.
        n_bins: Equal-width confidence bins.
        interval: Keyword arguments of :func:`ece_interval` (``n_resamples``, ``confidence``, ``seed``);
            None leaves the interval columns empty.

    Returns:
        ``(summary, bins)``: summary has one row per model (``ece``, ``ece_ci_low``, ``ece_ci_high``,
        mean ``confidence``, ``accuracy``, ``n_bins``); bins the rows of ``reliability_bins`` with
        model, kind, architecture and seed.
    """
    summary, frames = [], []
    for m in models:
        bins = reliability_bins(m.y_true, m.proba, n_bins)
        low, high = (ece_interval(m.y_true, m.proba, n_bins, **interval) if interval is not None
                     else (np.nan, np.nan))
        summary.append({"model": m.name, "kind": m.kind, "architecture": m.architecture, "seed": m.seed,
                        "ece": expected_calibration_error(m.y_true, m.proba, n_bins),
                        "ece_ci_low": low, "ece_ci_high": high,
                        "confidence": float(m.proba.max(axis=1).mean()), "accuracy": m.accuracy, "n_bins": n_bins,
                        "n_test": len(m.y_true)})
        frames.append(bins.assign(model=m.name, kind=m.kind, architecture=m.architecture, seed=m.seed))
    summary, bins = pd.DataFrame(summary), pd.concat(frames, ignore_index=True)
    summary["seed"], bins["seed"] = summary["seed"].astype("Int64"), bins["seed"].astype("Int64")
    return summary, bins


def ece_on(y_true: np.ndarray, probas: list[np.ndarray], n_bins: int = 15):
    """Per-seed statistic for the two-level bootstrap: each run's ECE on weighted test items.

    ECE = sum over bins of |sum of w * (confidence - correct)| / sum of w, so one product of the
    item weights with a (items, runs x bins) matrix of signed gaps gives every run's ECE at once.
    """
    y_true = np.asarray(y_true)
    n = len(y_true)
    gaps = np.zeros((n, len(probas) * n_bins))
    for r, proba in enumerate(probas):
        proba = np.asarray(proba, dtype=float)
        confidence = proba.max(axis=1)
        index = np.clip(np.ceil(confidence * n_bins).astype(int) - 1, 0, n_bins - 1)
        gaps[np.arange(n), r * n_bins + index] = confidence - (proba.argmax(axis=1) == y_true)

    def statistic(weights: np.ndarray) -> np.ndarray:
        per_bin = (weights @ gaps).reshape(len(weights), len(probas), n_bins)
        return np.abs(per_bin).sum(axis=2) / weights.sum(axis=1, keepdims=True)
    return statistic


def calibration_tests(runs_by_architecture: dict[str, list[Predictions]], n_bins: int, n_resamples: int,
                      confidence: float, seed: int, alpha: float, min_seeds: int = 2) -> pd.DataFrame:
    """The architecture with the lowest mean ECE against every other, two-level bootstrap, Holm-corrected.

    Below ``min_seeds`` seeds (``comparisons.too_few_seeds``) a pair is described, not tested: its
    difference of mean ECEs without p-value or interval.

    Returns:
        One row per other architecture: ``model_a`` (lowest mean ECE), ``model_b``, their mean ECEs,
        ``ece_difference`` (a - b) with its percentile interval, ``p``, ``p_holm``, ``reject``.
    """
    stats_ = {a: ece_on(runs[0].y_true, [r.proba for r in runs], n_bins) for a, runs in runs_by_architecture.items()}
    full = {a: float(s(np.ones((1, len(runs_by_architecture[a][0].y_true)))).mean()) for a, s in stats_.items()}
    best = min(full, key=full.get)
    rows = []
    for other in (a for a in runs_by_architecture if a != best):
        n_a, n_b = len(runs_by_architecture[best]), len(runs_by_architecture[other])
        if too_few_seeds(n_a, n_b, min_seeds):
            rows.append({"model_a": best, "model_b": other, "n_seeds_a": n_a, "n_seeds_b": n_b, "ece_a": full[best],
                         "ece_b": full[other], "ece_difference": full[best] - full[other], "ci_low": np.nan,
                         "ci_high": np.nan, "confidence": confidence, "p": np.nan, "method": DESCRIPTIVE,
                         "note": descriptive_columns(0.0, min(n_a, n_b), min_seeds)["note"]})
            continue
        diff = two_level_difference(stats_[best], len(runs_by_architecture[best]), stats_[other],
                                    len(runs_by_architecture[other]), len(runs_by_architecture[best][0].y_true),
                                    n_resamples, seed, confidence)
        rows.append({"model_a": best, "model_b": other, "n_seeds_a": len(runs_by_architecture[best]),
                     "n_seeds_b": len(runs_by_architecture[other]), "ece_a": full[best], "ece_b": full[other],
                     "ece_difference": diff["difference"], "ci_low": diff["ci_low"], "ci_high": diff["ci_high"],
                     "confidence": confidence, "p": diff["p"],
                     "method": "two-level paired bootstrap (seeds and test items)"})
    table = pd.DataFrame(rows, columns=["model_a", "model_b", "n_seeds_a", "n_seeds_b", "ece_a", "ece_b",
                                        "ece_difference", "ci_low", "ci_high", "confidence", "p", "method", "note"])
    table["p_holm"], table["reject"] = holm(table["p"].to_numpy(), alpha) if len(table) else ([], [])
    return table
