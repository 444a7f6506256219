"""Study-level comparisons: McNemar families, seed summaries and the ranking data behind them."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from digitbench.stats.bootstrap import error_difference
from digitbench.stats.predictions import Predictions, Study
from digitbench.stats.tests import holm, mcnemar

CHOICE_TEXT = {"median_seed": "the median-accuracy seed of each architecture (lower middle for an even count)",
               "ensemble": "the soft-vote ensemble of each architecture's seeds"}


def mcnemar_family(models: list[tuple[str, Predictions]], pairs: list[tuple[int, int]], family: str,
                   alpha: float, n_resamples: int, seed: int, exact_below: int,
                   confidence: float = 0.95) -> pd.DataFrame:
    """McNemar test, Holm correction over ``pairs`` and the paired-bootstrap error difference of each pair."""
    rows = []
    for i, j in pairs:
        (name_a, a), (name_b, b) = models[i], models[j]
        test = mcnemar(a.correct, b.correct, exact_below)
        diff = error_difference(a, b, n_resamples, seed, confidence)
        rows.append({"family": family, "model_a": name_a, "model_b": name_b, "predictions_a": a.name,
                     "predictions_b": b.name, "n_test": len(a.y_true), **test, "error_a": 1 - a.accuracy,
                     "error_b": 1 - b.accuracy, **diff, "confidence": confidence})
    table = pd.DataFrame(rows)
    table["p_holm"], table["reject"] = holm(table["p"].to_numpy(), alpha)
    return table


def mcnemar_tables(study: Study, choice: str, alpha: float = 0.05, n_resamples: int = 2000, seed: int = 42,
                   exact_below: int = 25, confidence: float = 0.95) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both McNemar families of the study.

    ``models``: every pair among the baselines and one prediction set per architecture (``choice``:
    ``median_seed`` or ``ensemble``), Holm-corrected over all those pairs. ``ensembles``: each
    soft-vote ensemble against the best single CNN run, Holm-corrected over the ensembles.

    Returns:
        ``(tests, models)``: the test table, and which predictions stand for each compared model.
    """
    reps = [(r.architecture, r) for r in study.representatives(choice)]
    compared = [(b.name, b) for b in study.baselines] + reps
    table = mcnemar_family(compared, list(itertools.combinations(range(len(compared)), 2)), "models", alpha,
                           n_resamples, seed, exact_below, confidence)
    best = study.best_run()
    ensembles = [(e.name, e) for e in study.ensembles()]
    family = [(best.name, best)] + ensembles
    ens_table = mcnemar_family(family, [(k, 0) for k in range(1, len(family))], "ensembles", alpha, n_resamples,
                               seed, exact_below, confidence)
    models = pd.DataFrame(
        [{"model": name, "predictions": p.name, "kind": p.kind, "accuracy": p.accuracy,
          "stands_for": "the baseline itself" if p.kind == "baseline" else CHOICE_TEXT[choice]}
         for name, p in compared]
        + [{"model": best.name, "predictions": best.name, "kind": best.kind, "accuracy": best.accuracy,
            "stands_for": "best single CNN run by test accuracy (chosen on the test set, which favours it)"}]
        + [{"model": name, "predictions": e.source, "kind": e.kind, "accuracy": e.accuracy,
            "stands_for": "soft vote (mean class probabilities)"} for name, e in ensembles])
    return pd.concat([table, ens_table], ignore_index=True), models


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
