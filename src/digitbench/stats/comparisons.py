"""Study-level comparisons: pairwise test families, seed summaries and the ranking data behind them."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from digitbench.stats.bootstrap import accuracy_on, error_difference, two_level_difference
from digitbench.stats.predictions import Predictions, Study, check_aligned
from digitbench.stats.tests import holm, mcnemar

TWO_LEVEL = "two-level paired bootstrap (seeds and test items)"


def compare_pair(name_a: str, a: list[Predictions], name_b: str, b: list[Predictions], n_resamples: int,
                 seed: int, exact_below: int, confidence: float) -> dict[str, object]:
    """Test of equal test error between two models, each given by all its prediction sets (seeds).

    Two single prediction sets (baselines, ensembles) are compared by McNemar's test with a paired
    BCa interval of the error difference; when either side has several seeds, by a two-level paired
    bootstrap that resamples each side's seeds and the shared test items, so that the test sees
    the spread between training runs, and no seed is picked.
    """
    check_aligned(a + b)
    row: dict[str, object] = {"model_a": name_a, "model_b": name_b, "n_seeds_a": len(a), "n_seeds_b": len(b),
                              "n_test": len(a[0].y_true), "error_a": 1 - float(np.mean([m.accuracy for m in a])),
                              "error_b": 1 - float(np.mean([m.accuracy for m in b])), "confidence": confidence}
    if len(a) == len(b) == 1:
        test = mcnemar(a[0].correct, b[0].correct, exact_below)
        return {**row, **test, "test": "McNemar", **error_difference(a[0], b[0], n_resamples, seed, confidence)}
    return {**row, **two_level_test(np.array([m.correct for m in a]), np.array([m.correct for m in b]),
                                    n_resamples, seed, confidence)}


def two_level_test(correct_a: np.ndarray, correct_b: np.ndarray, n_resamples: int, seed: int,
                   confidence: float) -> dict[str, object]:
    """The bootstrap columns of a comparison row, from each side's (seeds, items) correctness on shared items."""
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
                      exact_below: int = 25, confidence: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both families of pairwise comparisons of the study, each Holm-corrected.

    ``models``: every pair among the baselines and the architectures, an architecture given by all
    its seeds (:func:`compare_pair`). ``ensembles``: each soft-vote ensemble against its member runs
    (all of them, seeds resampled), i.e. against a typical single run of the same models; no run
    is chosen on the test set.

    Returns:
        ``(tests, models)``: the test table, and which predictions stand for each compared model.
    """
    compared = [(b.name, [b]) for b in study.baselines] + [(a, study.runs_of(a)) for a in study.architectures]
    rows = [compare_pair(*compared[i], *compared[j], n_resamples, seed, exact_below, confidence)
            for i, j in itertools.combinations(range(len(compared)), 2)]
    ensembles = [(e, study.runs_of(e.architecture) if e.architecture else study.runs) for e in study.ensembles()]
    ens_rows = [compare_pair(e.name, [e], f"runs/{e.architecture or 'all_cnns'}", members, n_resamples, seed,
                             exact_below, confidence) for e, members in ensembles]
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
