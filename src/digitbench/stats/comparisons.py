"""Study-level comparisons: pairwise test families, seed summaries and the ranking data behind them."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from digitbench.stats.bootstrap import accuracy_on, error_difference, two_level_difference
from digitbench.stats.predictions import Predictions, Study, check_aligned
from digitbench.stats.tests import holm, mcnemar

TWO_LEVEL = "two-level paired bootstrap (seeds and test items)"
DESCRIPTIVE = "descriptive (too few seeds to test)"


def too_few_seeds(n_a: int, n_b: int, min_seeds: int) -> bool:
    """Whether a comparison that resamples seeds has fewer than ``min_seeds`` seeds on a side that has several.

    With n seeds the seed level of the two-level bootstrap only recombines n values, so with two
    seeds a pair comes out significant exactly when the two seed ranges do not overlap; below
    ``stats.min_seeds`` such comparisons are described, not tested. A single prediction set
    (a baseline, an ensemble) has no seed level.
    """
    several = [n for n in (n_a, n_b) if n > 1]
    return bool(several) and min(several) < min_seeds


def descriptive_columns(error_difference: float, n_seeds: int, min_seeds: int) -> dict[str, object]:
    """The test columns of a comparison that is described, not tested: no p, no interval, and why."""
    return {"test": "none", "method": DESCRIPTIVE, "statistic": np.nan, "p": np.nan, "discordant": np.nan,
            "note": f"{n_seeds} seeds per architecture, fewer than stats.min_seeds = {min_seeds}",
            "error_difference": error_difference, "ci_low": np.nan, "ci_high": np.nan, "ci_note": ""}


def compare_pair(name_a: str, a: list[Predictions], name_b: str, b: list[Predictions], n_resamples: int,
                 seed: int, exact_below: int, confidence: float, min_seeds: int = 2) -> dict[str, object]:
    """Test of equal test error between two models, each given by all its prediction sets (seeds).

    Two single prediction sets (baselines, ensembles) are compared by McNemar's test with a paired
    BCa interval of the error difference; when either side has several seeds, by a two-level paired
    bootstrap that resamples each side's seeds and the shared test items, so that the test sees
    the spread between training runs, and no seed is picked. With fewer than ``min_seeds`` seeds
    on such a side the pair is described, not tested (:func:`too_few_seeds`).
    """
    check_aligned(a + b)
    row: dict[str, object] = {"model_a": name_a, "model_b": name_b, "n_seeds_a": len(a), "n_seeds_b": len(b),
                              "n_test": len(a[0].y_true), "error_a": 1 - float(np.mean([m.accuracy for m in a])),
                              "error_b": 1 - float(np.mean([m.accuracy for m in b])), "confidence": confidence}
    if len(a) == len(b) == 1:
        test = mcnemar(a[0].correct, b[0].correct, exact_below)
        return {**row, **test, "test": "McNemar", **error_difference(a[0], b[0], n_resamples, seed, confidence)}
    return {**row, **two_level_test(np.array([m.correct for m in a]), np.array([m.correct for m in b]),
                                    n_resamples, seed, confidence, min_seeds)}


def two_level_test(correct_a: np.ndarray, correct_b: np.ndarray, n_resamples: int, seed: int,
                   confidence: float, min_seeds: int = 2) -> dict[str, object]:
    """The bootstrap columns of a comparison row, from each side's (seeds, items) correctness on shared items.

    Below ``min_seeds`` seeds (:func:`too_few_seeds`) the descriptive columns instead: the error
    difference of the seed means, and no p-value or interval.
    """
    if too_few_seeds(len(correct_a), len(correct_b), min_seeds):
        several = min(n for n in (len(correct_a), len(correct_b)) if n > 1)
        return descriptive_columns(float(correct_b.mean(axis=1).mean() - correct_a.mean(axis=1).mean()), several,
                                   min_seeds)
    diff = two_level_difference(accuracy_on(correct_a), len(correct_a), accuracy_on(correct_b), len(correct_b),
                                correct_a.shape[1], n_resamples, seed, confidence)
    # The statistic compares accuracies; an error difference is its negative.
    return {"test": "bootstrap", "method": TWO_LEVEL, "statistic": np.nan, "p": diff["p"],
            "discordant": np.nan, "note": "", "error_difference": -diff["difference"], "ci_low": -diff["ci_high"],
            "ci_high": -diff["ci_low"], "ci_note": ""}


def holm_family(rows: list[dict[str, object]], family: str, alpha: float) -> pd.DataFrame:
    """The rows of one family of tests as a table, with Holm-corrected p-values and decisions."""
    table = pd.DataFrame(rows).assign(family=family)
    table["p_holm"], table["reject"] = holm(table["p"].to_numpy(), alpha)
    return table


def comparison_tables(study: Study, alpha: float = 0.05, n_resamples: int = 2000, seed: int = 42,
                      exact_below: int = 25, confidence: float = 0.95,
                      min_seeds: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both families of pairwise comparisons of the study, each Holm-corrected over the pairs tested.

    ``models``: every pair among the baselines and the architectures, an architecture given by all
    its seeds (:func:`compare_pair`). ``ensembles``: each soft-vote ensemble against the
    architecture with the highest mean test accuracy (all its seeds), the question a user choosing
    between one architecture and an ensemble asks; the best architecture's own seed ensemble is
    compared with that architecture. Pairs with fewer than ``min_seeds`` seeds on a side are
    described, not tested, and left out of the correction.

    Returns:
        ``(tests, models)``: the test table, and which predictions stand for each compared model.
    """
    compared = [(b.name, [b]) for b in study.baselines] + [(a, study.runs_of(a)) for a in study.architectures]
    rows = [compare_pair(*compared[i], *compared[j], n_resamples, seed, exact_below, confidence, min_seeds)
            for i, j in itertools.combinations(range(len(compared)), 2)]
    ensembles = [(e, study.runs_of(e.architecture) if e.architecture else study.runs) for e in study.ensembles()]
    best = max(study.architectures, key=lambda arch: np.mean([m.accuracy for m in study.runs_of(arch)]))
    ens_rows = [compare_pair(e.name, [e], best, study.runs_of(best), n_resamples, seed, exact_below, confidence,
                             min_seeds) for e, _ in ensembles]
    tests = pd.concat([holm_family(rows, "models", alpha), holm_family(ens_rows, "ensembles", alpha)], ignore_index=True)
    models = pd.DataFrame(
        [{"model": name, "predictions": ", ".join(m.name for m in preds), "kind": preds[0].kind,
          "n_seeds": len(preds), "accuracy": float(np.mean([m.accuracy for m in preds])),
          "stands_for": "the baseline itself" if preds[0].kind == "baseline" else "all its seeds, resampled"}
         for name, preds in compared]
        + [{"model": e.name, "predictions": e.source, "kind": e.kind, "n_seeds": 1, "accuracy": e.accuracy,
            "stands_for": "soft vote (mean class probabilities)"} for e, _ in ensembles])
    return tests, models


def seed_scores(runs: pd.DataFrame, metric: str = "accuracy", order: list[str] | None = None) -> pd.DataFrame:
    """Seeds x architectures matrix of one metric (blocks for the Friedman and Wilcoxon tests), columns in ``order``.

    Raises:
        ValueError: when an architecture lacks a seed that others have (the design must be complete).
    """
    scores = runs.pivot_table(index="seed", columns="architecture", values=metric, sort=False)
    order = order or list(dict.fromkeys(runs["architecture"]))
    absent = [a for a in order if a not in scores.columns]
    if absent:
        raise ValueError(f"no runs of {', '.join(absent)} in the runs table; rerun summarize_cnns")
    scores = scores[order]
    missing = scores.isna()
    if missing.any().any():
        gaps = [f"{a} seed {s}" for a in scores.columns for s in scores.index if missing.loc[s, a]]
        raise ValueError(f"every architecture needs the same seeds for paired tests; missing runs: {', '.join(gaps)}")
    return scores


def seed_summary(runs: pd.DataFrame, calibration: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Mean, sample SD, min, max and n over seeds of every metric, one row per (architecture, metric).

    The SD of a single seed is undefined and left empty.
    """
    ece = calibration[calibration["kind"] == "cnn"][["architecture", "seed", "ece"]]
    merged = runs.merge(ece, on=["architecture", "seed"], how="left")
    rows = []
    for arch, group in merged.groupby("architecture", sort=False):
        for metric in [*metrics, "ece"]:
            values = group[metric].astype(float).to_numpy()
            rows.append({"architecture": arch, "metric": metric, "mean": float(np.mean(values)),
                         "sd": float(np.std(values, ddof=1)) if len(values) > 1 else np.nan,
                         "min": float(np.min(values)), "max": float(np.max(values)), "n": len(values)})
    return pd.DataFrame(rows)
