"""Robustness results of all runs: accuracy per condition with two-level intervals, what the runs predict
(the most-predicted class and its share), and the architectures compared at each family's strongest
perturbation and on the UCI digits, leaving out architectures that collapsed onto one class there."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from digitbench.robustness.behaviour import collapsed, top_class
from digitbench.stats.bootstrap import two_level_interval
from digitbench.stats.comparisons import holm_family, two_level_test

UCI = "uci_digits"
# The columns of results/stats/comparisons.csv that claims read, and the perturbation's strength.
TEST_COLUMNS = ["model_a", "model_b", "n_seeds_a", "n_seeds_b", "n_test", "error_a", "error_b", "confidence", "test",
                "method", "statistic", "p", "discordant", "note", "error_difference", "ci_low", "ci_high", "ci_note",
                "family", "p_holm", "reject", "strength"]


@dataclass(frozen=True)
class RunRobustness:
    """One run's correctness and predictions on every condition (rule evaluate_behaviour's
    ``seed{seed}.npz``, or evaluate_baseline_behaviour's ``{model}.npz`` for a baseline).

    Attributes:
        architecture, seed: The run (a baseline: its model name, seed 0).
        conditions: ``(family, strength)`` per row of ``correct``; ``("clean", 0)`` first.
        correct: Boolean (conditions, test items).
        uci_correct: Boolean (UCI digits,).
        predicted: Predicted labels (conditions, test items).
        uci_predicted: Predicted labels (UCI digits,).
        kind: ``cnn`` or ``baseline`` (a reference, never compared).
    """

    architecture: str
    seed: int
    conditions: list[tuple[str, float]]
    correct: np.ndarray
    uci_correct: np.ndarray
    predicted: np.ndarray
    uci_predicted: np.ndarray
    kind: str = "cnn"


def load_runs(paths: Sequence[str], keys: Sequence[tuple[str, int]], kind: str = "cnn") -> list[RunRobustness]:
    """Read the runs' behaviour files; ``keys`` are their (architecture, seed), in the same order.

    Raises:
        ValueError: The runs were not evaluated on the same conditions and images.
    """
    runs = []
    for path, (arch, seed) in zip(paths, keys):
        with np.load(path) as z:
            conds = [(str(f), float(s)) for f, s in zip(z["family"], z["strength"])]
            runs.append(RunRobustness(arch, int(seed), conds, z["correct"].astype(bool),
                                      z["uci_predicted"] == z["uci_y_true"], z["predicted"], z["uci_predicted"], kind))
    for r in runs[1:]:
        if r.conditions != runs[0].conditions or r.correct.shape != runs[0].correct.shape:
            raise ValueError(f"{paths[runs.index(r)]} was evaluated on other conditions than {paths[0]}: rerun rule "
                             "evaluate_behaviour for every run with the same robustness config.")
    return runs


def check_same_images(runs: list[RunRobustness], references: list[RunRobustness]) -> None:
    """Refuse references (the baselines) evaluated on other conditions or images than the runs.

    Raises:
        ValueError: A reference's conditions or array shapes differ from the first run's.
    """
    for r in references:
        if r.conditions != runs[0].conditions or r.correct.shape != runs[0].correct.shape:
            raise ValueError(f"{r.architecture} was evaluated on other conditions or images than the CNNs: rerun "
                             "rules evaluate_baseline_behaviour and evaluate_behaviour with the same robustness "
                             f"config. Received: {len(r.conditions)} conditions x {r.correct.shape[1]} images")


def _by_architecture(runs: list[RunRobustness]) -> dict[str, list[RunRobustness]]:
    grouped: dict[str, list[RunRobustness]] = {}
    for r in runs:
        grouped.setdefault(r.architecture, []).append(r)
    return grouped


def _correct(runs: list[RunRobustness], condition: int | None) -> np.ndarray:
    """(seeds, items) correctness of one condition (None: the UCI digits)."""
    return np.array([r.uci_correct if condition is None else r.correct[condition] for r in runs])


def _predicted(runs: list[RunRobustness], condition: int | None) -> np.ndarray:
    """(seeds, items) predicted labels on one condition (None: the UCI digits)."""
    return np.array([r.uci_predicted if condition is None else r.predicted[condition] for r in runs])


def _targets(conditions: list[tuple[str, float]]) -> list[tuple[str, float, int | None]]:
    """``(family, strength, row)`` of every condition, then the UCI digits (row None)."""
    return [(f, s, i) for i, (f, s) in enumerate(conditions)] + [(UCI, 0.0, None)]


def runs_table(runs: list[RunRobustness], collapse_share: float) -> pd.DataFrame:
    """One row per run and condition: accuracy, the most-predicted class, its share of the images, and
    whether the run collapsed there (that class takes ``collapse_share`` or more of the predictions)."""
    rows = []
    for r in runs:
        for family, strength, index in _targets(r.conditions):
            predicted = r.uci_predicted if index is None else r.predicted[index]
            correct = r.uci_correct if index is None else r.correct[index]
            cls, share = top_class(predicted)
            rows.append({"kind": r.kind, "architecture": r.architecture, "seed": r.seed, "family": family,
                         "strength": strength, "accuracy": float(correct.mean()), "top_class": int(cls),
                         "top_share": float(share), "collapsed": bool(collapsed(share, collapse_share)),
                         "n_images": len(predicted)})
    return pd.DataFrame(rows)


def summary_table(runs: list[RunRobustness], n_resamples: int, seed: int, confidence: float,
                  collapse_share: float) -> pd.DataFrame:
    """Accuracy of each architecture (or baseline, ``kind``) on each condition: mean, SD, min and max over
    seeds, and the two-level percentile interval (seeds and images resampled), as for the main results;
    and what it predicts: the most-predicted class over all its seeds' predictions (``top_class``,
    ``top_share``), the largest single run's top-class share and how many runs collapsed (``n_collapsed``:
    one class takes ``collapse_share`` or more of a run's predictions)."""
    rows = []
    for arch, group in _by_architecture(runs).items():
        for family, strength, index in _targets(group[0].conditions):
            correct = _correct(group, index)
            per_seed = correct.mean(axis=1)
            low, high = two_level_interval(correct, n_resamples, seed, confidence)
            predicted = _predicted(group, index)
            pooled_class, pooled_share = top_class(predicted.ravel())
            shares = top_class(predicted)[1]
            rows.append({"kind": group[0].kind, "architecture": arch, "family": family, "strength": strength,
                         "accuracy": float(per_seed.mean()), "sd": float(per_seed.std(ddof=1)) if len(group) > 1
                         else np.nan, "min": float(per_seed.min()), "max": float(per_seed.max()),
                         "ci_low": float(low), "ci_high": float(high), "confidence": confidence,
                         "n_seeds": len(group), "n_images": correct.shape[1], "n_resamples": n_resamples,
                         "top_class": int(pooled_class), "top_share": float(pooled_share),
                         "top_share_max": float(shares.max()),
                         "n_collapsed": int(collapsed(shares, collapse_share).sum())})
    return pd.DataFrame(rows)


def tests_table(runs: list[RunRobustness], alpha: float, n_resamples: int, seed: int,
                confidence: float, collapse_share: float, min_seeds: int = 2) -> pd.DataFrame:
    """Every pair of architectures at each family's strongest perturbation and on the UCI digits, by the
    two-level paired bootstrap of the main comparisons; Holm within each family (one family per condition).

    An architecture with a run that collapsed on the condition (one class takes ``collapse_share`` or more
    of its predictions) is left out of that condition's comparisons and its Holm family: its accuracy
    there is about that class's share of the images, not a graded measure of robustness.

    Returns:
        Rows in the format of ``results/stats/comparisons.csv`` (family ``robustness_<family>`` or
        ``uci_digits``), plus ``strength``; a condition has no rows when fewer than two architectures
        are left, and the table is empty with fewer than two architectures.
    """
    grouped = _by_architecture(runs)
    if len(grouped) < 2:
        return pd.DataFrame(columns=TEST_COLUMNS)
    conds = runs[0].conditions
    strongest = {f: max(i for i, (g, _) in enumerate(conds) if g == f) for f, _ in conds if f != "clean"}
    targets = [(f"robustness_{f}", i, conds[i][1]) for f, i in strongest.items()] + [(UCI, None, 0.0)]
    frames = []
    for family, index, strength in targets:
        graded = [a for a, group in grouped.items()
                  if not collapsed(top_class(_predicted(group, index))[1], collapse_share).any()]
        rows = []
        for a, b in itertools.combinations(graded, 2):
            ca, cb = _correct(grouped[a], index), _correct(grouped[b], index)
            rows.append({"model_a": a, "model_b": b, "n_seeds_a": len(ca), "n_seeds_b": len(cb),
                         "n_test": ca.shape[1], "error_a": 1 - float(ca.mean()), "error_b": 1 - float(cb.mean()),
                         "confidence": confidence, **two_level_test(ca, cb, n_resamples, seed, confidence, min_seeds)})
        if rows:
            frames.append(holm_family(rows, family, alpha).assign(strength=strength))
    return pd.concat(frames, ignore_index=True)[TEST_COLUMNS] if frames else pd.DataFrame(columns=TEST_COLUMNS)
