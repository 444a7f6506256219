"""Bootstrap confidence intervals (BCa, Efron 1987) for test-set metrics, via scipy.stats.bootstrap.

Pairing: every call draws its resamples from a generator seeded with the same seed over the same
number of test items, so every model is evaluated on the same resampled test sets; differences
between two models are bootstrapped jointly (``paired=True``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from digitbench.metrics import topk_correct
from digitbench.stats.predictions import Predictions, check_aligned

METRICS = ("accuracy", "macro_f1", "top3_accuracy", "top5_accuracy")
# Jackknife (for the BCa acceleration) and resamples are evaluated this many rows at a time, which
# bounds memory at about batch x n x 8 bytes per array instead of n x n.
BATCH = 200


def _confusion_counts(codes: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrices of many resamples at once: codes (..., n) = true * classes + pred."""
    lead, n = codes.shape[:-1], codes.shape[-1]
    flat = codes.reshape(-1, n)
    cells = n_classes * n_classes
    offsets = (np.arange(len(flat))[:, None] * cells + flat).ravel()
    counts = np.bincount(offsets, minlength=len(flat) * cells)
    return counts.reshape(*lead, n_classes, n_classes)


def macro_f1_from_counts(counts: np.ndarray) -> np.ndarray:
    """Macro F1 from confusion matrices (..., k, k), averaging over classes present in truth or prediction.

    Same convention as scikit-learn's ``f1_score(average="macro", zero_division=0)`` without ``labels``.
    """
    tp = np.diagonal(counts, axis1=-2, axis2=-1).astype(np.float64)
    fp = counts.sum(axis=-2) - tp
    fn = counts.sum(axis=-1) - tp
    denom = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return f1.sum(axis=-1) / np.maximum((denom > 0).sum(axis=-1), 1)


def _metric_statistic(n_classes: int):
    def statistic(codes, top3, top5, axis=-1):
        counts = _confusion_counts(np.moveaxis(codes, axis, -1), n_classes)
        accuracy = np.trace(counts, axis1=-2, axis2=-1) / codes.shape[axis]
        return np.stack([accuracy, macro_f1_from_counts(counts), top3.mean(axis=axis), top5.mean(axis=axis)])
    return statistic


def _interval(data: tuple[np.ndarray, ...], statistic, n_resamples: int, seed: int,
              confidence: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """BCa interval of a (possibly vector-valued) paired statistic; degenerate cases are named, not NaN."""
    with warnings.catch_warnings():
        # A degenerate bootstrap distribution (all resamples equal) is handled below.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap(data, statistic, n_resamples=n_resamples, batch=BATCH, vectorized=True, paired=True,
                              confidence_level=confidence, method="BCa", rng=np.random.default_rng(seed))
    estimate = np.atleast_1d(statistic(*data, axis=-1)).astype(float)
    low = np.atleast_1d(res.confidence_interval.low).astype(float)
    high = np.atleast_1d(res.confidence_interval.high).astype(float)
    dist = np.atleast_2d(res.bootstrap_distribution)
    notes = []
    for i in range(len(estimate)):
        if np.ptp(dist[i]) == 0:
            # Every resample gives the same value (e.g. two models that never disagree): the interval is
            # that point, which BCa cannot compute because its bias correction divides by zero.
            low[i] = high[i] = dist[i][0]
            notes.append("all resamples equal; interval is a point")
        elif not (np.isfinite(low[i]) and np.isfinite(high[i])):
            notes.append("BCa undefined for this sample; interval not reported")
        else:
            notes.append("")
    return estimate, low, high, notes


def metric_intervals(model: Predictions, n_resamples: int = 2000, seed: int = 42,
                     confidence: float = 0.95) -> pd.DataFrame:
    """Accuracy, macro F1, top-3 and top-5 accuracy of one model with BCa bootstrap intervals.

    Args:
        model: Test-set predictions.
        n_resamples: Bootstrap resamples of the test set.
        seed: Seed of the resampling generator; the same seed gives every model the same resamples.
        confidence: Confidence level of the intervals.

    Returns:
        One row per metric: ``metric``, ``estimate``, ``ci_low``, ``ci_high``, ``note``.
    """
    n_classes = model.proba.shape[1]
    codes = model.y_true * n_classes + model.y_pred
    data = (codes, topk_correct(model.y_true, model.proba, min(3, n_classes)).astype(np.float64),
            topk_correct(model.y_true, model.proba, min(5, n_classes)).astype(np.float64))
    estimate, low, high, notes = _interval(data, _metric_statistic(n_classes), n_resamples, seed, confidence)
    return pd.DataFrame({"metric": METRICS, "estimate": estimate, "ci_low": low, "ci_high": high, "note": notes})


def error_difference(a: Predictions, b: Predictions, n_resamples: int = 2000, seed: int = 42,
                     confidence: float = 0.95) -> dict[str, float | str]:
    """Test error rate of ``a`` minus that of ``b`` with a paired BCa interval (negative: ``a`` errs less)."""
    check_aligned([a, b])

    def statistic(err_a, err_b, axis=-1):
        return np.mean(err_a, axis=axis) - np.mean(err_b, axis=axis)

    data = ((~a.correct).astype(np.float64), (~b.correct).astype(np.float64))
    estimate, low, high, notes = _interval(data, statistic, n_resamples, seed, confidence)
    return {"error_difference": float(estimate[0]), "ci_low": float(low[0]), "ci_high": float(high[0]),
            "ci_note": notes[0]}


def _item_weights(rng: np.random.Generator, b: int, n: int) -> np.ndarray:
    """How often each of ``n`` test items is drawn in each of ``b`` resamples (rows sum to n)."""
    items = rng.integers(0, n, size=(b, n)) + n * np.arange(b)[:, None]
    return np.bincount(items.ravel(), minlength=b * n).reshape(b, n)


def accuracy_on(correct: np.ndarray):
    """Per-seed statistic for the two-level bootstrap: each seed's accuracy on weighted test items."""
    hits = np.asarray(correct, dtype=np.float64).T  # (items, seeds)
    return lambda weights: weights @ hits / hits.shape[0]


def two_level_distribution(correct: np.ndarray, n_resamples: int, seed: int, statistic=None) -> np.ndarray:
    """Bootstrap distribution of the seed-mean accuracy, resampling seeds and test items together.

    Each resample draws the seeds with replacement and, independently, the test items with
    replacement, and averages the drawn seeds' accuracies on the drawn items: the distribution
    covers both the spread between training runs and test-set sampling (a two-level bootstrap).

    Args:
        correct: Boolean array (seeds, test items): whether each seed's model got each item right.
        n_resamples: Resamples.
        seed: Seed of the draws.
        statistic: Per-seed statistic of item weights (resamples, items) -> (resamples, seeds);
            accuracy when None.
    """
    statistic = statistic or accuracy_on(correct)
    rng = np.random.default_rng(seed)
    n_seeds, n = np.shape(correct)
    out = []
    for start in range(0, n_resamples, BATCH):
        b = min(BATCH, n_resamples - start)
        per_seed = statistic(_item_weights(rng, b, n))  # (resamples, seeds)
        seeds = rng.integers(0, n_seeds, size=(b, n_seeds))
        out.append(np.take_along_axis(per_seed, seeds, axis=1).mean(axis=1))
    return np.concatenate(out)


def two_level_difference(stat_a, n_a: int, stat_b, n_b: int, n_items: int, n_resamples: int, seed: int,
                         confidence: float) -> dict[str, float]:
    """Seed-mean statistic of ``a`` minus that of ``b``, bootstrapped over both sides' seeds and shared test items.

    Each resample draws the test items once for both sides (the comparison is paired on items) and
    each side's seeds with replacement, independently (seeds of different architectures are not
    paired). The p-value is the two-sided percentile-bootstrap p of "no difference" with the usual
    +1 correction (Davison and Hinkley 1997), so it is never 0 and at least 2 / (n_resamples + 1).

    Args:
        stat_a, stat_b: Per-seed statistics of item weights (see :func:`accuracy_on`).
        n_a, n_b: Seeds (prediction sets) of each side; 1 for a baseline or an ensemble.
        n_items: Test items.
        n_resamples: Resamples.
        seed: Seed of the draws.
        confidence: Level of the percentile interval.

    Returns:
        ``difference`` (on the full test set, seeds averaged), ``ci_low``, ``ci_high``, ``p``.
    """
    rng = np.random.default_rng(seed)
    out = []
    for start in range(0, n_resamples, BATCH):
        b = min(BATCH, n_resamples - start)
        weights = _item_weights(rng, b, n_items)
        a, c = stat_a(weights), stat_b(weights)
        pick_a, pick_b = rng.integers(0, n_a, size=(b, n_a)), rng.integers(0, n_b, size=(b, n_b))
        out.append(np.take_along_axis(a, pick_a, axis=1).mean(axis=1)
                   - np.take_along_axis(c, pick_b, axis=1).mean(axis=1))
    dist = np.concatenate(out)
    full = np.ones((1, n_items), dtype=np.int64)
    estimate = float(stat_a(full).mean() - stat_b(full).mean())
    low, high = np.quantile(dist, [(1 - confidence) / 2, (1 + confidence) / 2])
    tail = min(int(np.sum(dist <= 0)), int(np.sum(dist >= 0)))
    return {"difference": estimate, "ci_low": float(low), "ci_high": float(high),
            "p": float(min(1.0, 2 * (tail + 1) / (len(dist) + 1)))}


def two_level_interval(correct: np.ndarray, n_resamples: int, seed: int, confidence: float) -> tuple[float, float]:
    """Percentile interval of the seed-mean accuracy from :func:`two_level_distribution`."""
    low, high = np.quantile(two_level_distribution(correct, n_resamples, seed),
                            [(1 - confidence) / 2, (1 + confidence) / 2])
    return float(low), float(high)


def seed_mean_intervals(runs_by_architecture: dict[str, list[Predictions]], n_resamples: int = 2000,
                        seed: int = 42, confidence: float = 0.95) -> pd.DataFrame:
    """Interval of each architecture's mean test accuracy over its seeds, from a two-level bootstrap.

    The interval is the percentile interval of :func:`two_level_distribution`, so it covers the
    seed-to-seed spread as well as test-set sampling; with one seed it is the test-set interval.
    """
    rows = []
    for arch, runs in runs_by_architecture.items():
        check_aligned(runs)
        correct = np.array([r.correct for r in runs])
        low, high = two_level_interval(correct, n_resamples, seed, confidence)
        rows.append({"model": f"seeds/{arch}", "kind": "seed_mean", "architecture": arch, "seed": None,
                     "metric": "accuracy", "estimate": float(correct.mean()), "ci_low": float(low),
                     "ci_high": float(high), "confidence": confidence, "n_resamples": n_resamples,
                     "n_test": correct.shape[1], "method": "two-level percentile (seeds and test items)",
                     "note": f"mean over {len(runs)} seeds"})
    return pd.DataFrame(rows)


def intervals_table(models: list[Predictions], n_resamples: int = 2000, seed: int = 42,
                    confidence: float = 0.95) -> pd.DataFrame:
    """``metric_intervals`` of every model in one long table with model, kind, architecture and seed."""
    check_aligned(models)
    frames = []
    for m in models:
        frame = metric_intervals(m, n_resamples, seed, confidence)
        frames.append(frame.assign(model=m.name, kind=m.kind, architecture=m.architecture, seed=m.seed,
                                   n_test=len(m.y_true), n_resamples=n_resamples, confidence=confidence,
                                   method="BCa"))
    columns = ["model", "kind", "architecture", "seed", "metric", "estimate", "ci_low", "ci_high", "confidence",
               "n_resamples", "n_test", "method", "note"]
    table = pd.concat(frames, ignore_index=True)[columns]
    table["seed"] = table["seed"].astype("Int64")  # empty for baselines and ensembles, not 1.0
    return table
