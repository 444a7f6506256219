"""Robustness results of all runs: accuracy per condition with two-level intervals, and the
architectures compared at each family's strongest perturbation and on the UCI digits."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from digitbench.stats.bootstrap import two_level_interval
from digitbench.stats.comparisons import holm_family, two_level_test

UCI = "uci_digits"
# The columns of results/stats/comparisons.csv that claims read, and the perturbation's strength.
TEST_COLUMNS = ["model_a", "model_b", "n_seeds_a", "n_seeds_b", "n_test", "error_a", "error_b", "confidence", "test",
                "method", "statistic", "p", "discordant", "note", "error_difference", "ci_low", "ci_high", "ci_note",
                "family", "p_holm", "reject", "strength"]


@dataclass(frozen=True)
class RunRobustness:
    """One run's correctness on every condition (``robustness.npz`` of rule evaluate_behaviour).

    Attributes:
        architecture, seed: The run.
        conditions: ``(family, strength)`` per row of ``correct``; ``("clean", 0)`` first.
        correct: Boolean (conditions, test items).
        uci_correct: Boolean (UCI digits,).
    """

    architecture: str
    seed: int
    conditions: list[tuple[str, float]]
    correct: np.ndarray
    uci_correct: np.ndarray


def load_runs(paths: Sequence[str], keys: Sequence[tuple[str, int]]) -> list[RunRobustness]:
    """Read the runs' ``robustness.npz`` files; ``keys`` are their (architecture, seed), in the same order.

    Raises:
        ValueError: The runs were not evaluated on the same conditions and images.
    """
    runs = []
    for path, (arch, seed) in zip(paths, keys):
        with np.load(path) as z:
            conds = [(str(f), float(s)) for f, s in zip(z["family"], z["strength"])]
            runs.append(RunRobustness(arch, int(seed), conds, z["correct"].astype(bool),
                                      z["uci_proba"].argmax(axis=1) == z["uci_y_true"]))
    for r in runs[1:]:
        if r.conditions != runs[0].conditions or r.correct.shape != runs[0].correct.shape:
            raise ValueError(f"{paths[runs.index(r)]} was evaluated on other conditions than {paths[0]}: rerun rule "
                             "evaluate_behaviour for every run with the same robustness config.")
    return runs


def _by_architecture(runs: list[RunRobustness]) -> dict[str, list[RunRobustness]]:
    grouped: dict[str, list[RunRobustness]] = {}
    for r in runs:
        grouped.setdefault(r.architecture, []).append(r)
    return grouped


def _correct(runs: list[RunRobustness], condition: int | None) -> np.ndarray:
    """(seeds, items) correctness of one condition (None: the UCI digits)."""
    return np.array([r.uci_correct if condition is None else r.correct[condition] for r in runs])


def summary_table(runs: list[RunRobustness], n_resamples: int, seed: int, confidence: float) -> pd.DataFrame:
    """Accuracy of each architecture on each condition: mean, SD, min and max over seeds, and the
    two-level percentile interval (seeds and images resampled), as for the main results."""
    rows = []
    for arch, group in _by_architecture(runs).items():
        targets = [(f, s, i) for i, (f, s) in enumerate(group[0].conditions)] + [(UCI, 0.0, None)]
        for family, strength, index in targets:
            correct = _correct(group, index)
            per_seed = correct.mean(axis=1)
            low, high = two_level_interval(correct, n_resamples, seed, confidence)
            rows.append({"architecture": arch, "family": family, "strength": strength,
                         "accuracy": float(per_seed.mean()), "sd": float(per_seed.std(ddof=1)) if len(group) > 1
                         else np.nan, "min": float(per_seed.min()), "max": float(per_seed.max()),
                         "ci_low": float(low), "ci_high": float(high), "confidence": confidence,
                         "n_seeds": len(group), "n_images": correct.shape[1], "n_resamples": n_resamples})
    return pd.DataFrame(rows)


def tests_table(runs: list[RunRobustness], alpha: float, n_resamples: int, seed: int,
                confidence: float, min_seeds: int = 2) -> pd.DataFrame:
    """Every pair of architectures at each family's strongest perturbation and on the UCI digits, by the
    two-level paired bootstrap of the main comparisons; Holm within each family (one family per condition).

    Returns:
        Rows in the format of ``results/stats/comparisons.csv`` (family ``robustness_<family>`` or
        ``uci_digits``), plus ``condition`` and ``strength``; empty with fewer than two architectures.
    """
    grouped = _by_architecture(runs)
    if len(grouped) < 2:
        return pd.DataFrame(columns=TEST_COLUMNS)
    conds = runs[0].conditions
    strongest = {f: max(i for i, (g, _) in enumerate(conds) if g == f) for f, _ in conds if f != "clean"}
    targets = [(f"robustness_{f}", i, conds[i][1]) for f, i in strongest.items()] + [(UCI, None, 0.0)]
    frames = []
    for family, index, strength in targets:
        rows = []
        for a, b in itertools.combinations(grouped, 2):
            ca, cb = _correct(grouped[a], index), _correct(grouped[b], index)
            rows.append({"model_a": a, "model_b": b, "n_seeds_a": len(ca), "n_seeds_b": len(cb),
                         "n_test": ca.shape[1], "error_a": 1 - float(ca.mean()), "error_b": 1 - float(cb.mean()),
                         "confidence": confidence, **two_level_test(ca, cb, n_resamples, seed, confidence, min_seeds)})
        frames.append(holm_family(rows, family, alpha).assign(strength=strength))
    return pd.concat(frames, ignore_index=True)[TEST_COLUMNS]
