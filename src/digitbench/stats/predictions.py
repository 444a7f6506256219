"""Load, check and combine the test-set predictions that every statistic is computed from."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitbench.workdir import snakemake_command


class PredictionsError(ValueError):
    """Predictions that cannot be compared: missing, malformed or not on the same test items."""


@dataclass(frozen=True)
class Predictions:
    """Class probabilities of one model on the test set.

    Attributes:
        name: Unique identifier, e.g. ``logreg``, ``resnet_inspired/seed1``, ``ensemble/resnet_inspired``.
        kind: ``baseline``, ``cnn`` (one training run) or ``ensemble``.
        y_true: Test labels, shape (n,).
        proba: Class probabilities, shape (n, classes).
        architecture: CNN architecture (runs and per-architecture ensembles).
        seed: Training seed (runs only).
        source: File the predictions came from, for error messages.
    """

    name: str
    kind: str
    y_true: np.ndarray
    proba: np.ndarray
    architecture: str | None = None
    seed: int | None = None
    source: str = ""

    @property
    def y_pred(self) -> np.ndarray:
        """Predicted labels (arg-max of the probabilities)."""
        return self.proba.argmax(axis=1)

    @property
    def correct(self) -> np.ndarray:
        """Boolean vector: test item classified correctly."""
        return self.y_pred == self.y_true

    @property
    def accuracy(self) -> float:
        """Test accuracy."""
        return float(np.mean(self.correct))


def load_predictions(path: str | Path, name: str, kind: str, architecture: str | None = None,
                     seed: int | None = None) -> Predictions:
    """Read a ``predictions.npz`` written by a baseline or training job.

    Raises:
        PredictionsError: naming the file when ``y_true`` or ``proba`` is missing or malformed.
    """
    path = str(path)
    try:
        with np.load(path) as data:
            missing = {"y_true", "proba"} - set(data.files)
            if missing:
                raise PredictionsError(f"{path} lacks {', '.join(sorted(missing))}; rerun the rule that wrote it "
                                       f"(snakemake --forcerun <rule> {path}).")
            y_true, proba = np.asarray(data["y_true"]).astype(np.int64), np.asarray(data["proba"], np.float64)
    except FileNotFoundError as err:
        raise PredictionsError(f"predictions of {name} not found: {path}. Run its rule first.") from err
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
        # A truncated or overwritten file: numpy's own message names neither the file nor the fix.
        raise PredictionsError(f"{path} is not a readable predictions file ({err}); regenerate it with "
                               f"{snakemake_command()} --forcerun {path}") from err
    if proba.ndim != 2 or len(proba) != len(y_true):
        raise PredictionsError(f"{path}: proba has shape {proba.shape} but y_true has {len(y_true)} labels.")
    if not np.all(np.isfinite(proba)):
        raise PredictionsError(f"{path}: proba contains NaN or infinite values.")
    return Predictions(name, kind, y_true, proba, architecture, seed, path)


def check_aligned(models: Sequence[Predictions]) -> None:
    """Require every model to be scored on the same test items, in the same order.

    Paired tests and paired resampling compare item i of one model with item i of another, so a
    shorter file or a shuffled label vector would silently compare different images.

    Raises:
        PredictionsError: naming the first model that differs from the first one.
    """
    if not models:
        raise PredictionsError("no predictions to compare: the study config lists no models.")
    ref = models[0]
    for m in models[1:]:
        if len(m.y_true) != len(ref.y_true):
            raise PredictionsError(
                f"{m.name} ({m.source}) has {len(m.y_true)} test predictions but {ref.name} ({ref.source}) has "
                f"{len(ref.y_true)}; all models must be evaluated on the same test set.")
        if not np.array_equal(m.y_true, ref.y_true):
            first = int(np.flatnonzero(m.y_true != ref.y_true)[0])
            raise PredictionsError(
                f"{m.name} ({m.source}) lists its test labels in a different order from {ref.name} ({ref.source}): "
                f"first difference at item {first}. Regenerate both from the same data file.")
        if m.proba.shape[1] != ref.proba.shape[1]:
            raise PredictionsError(f"{m.name} ({m.source}) has {m.proba.shape[1]} classes, {ref.name} "
                                   f"{ref.proba.shape[1]}.")


def soft_vote(models: Sequence[Predictions], name: str, architecture: str | None = None) -> Predictions:
    """Ensemble by averaging class probabilities (soft voting)."""
    check_aligned(models)
    proba = np.mean([m.proba for m in models], axis=0)
    return Predictions(name, "ensemble", models[0].y_true, proba, architecture,
                       source=", ".join(m.name for m in models))


@dataclass
class Study:
    """All predictions of one study: baselines and CNN runs, checked to share one test set."""

    baselines: list[Predictions]
    runs: list[Predictions]

    def __post_init__(self) -> None:
        check_aligned(self.baselines + self.runs)

    @property
    def architectures(self) -> list[str]:
        """Architectures in config order."""
        return list(dict.fromkeys(r.architecture for r in self.runs))

    def runs_of(self, architecture: str) -> list[Predictions]:
        """The training runs (seeds) of one architecture."""
        return [r for r in self.runs if r.architecture == architecture]

    def architecture_ensembles(self) -> list[Predictions]:
        """Soft vote over the seeds of each architecture."""
        return [soft_vote(self.runs_of(a), f"ensemble/{a}", a) for a in self.architectures]

    def ensembles(self) -> list[Predictions]:
        """Soft vote over the seeds of each architecture, then over every CNN run."""
        out = self.architecture_ensembles()
        if len(self.architectures) > 1:
            out.append(soft_vote(self.runs, "ensemble/all_cnns"))
        return out


def load_study(baseline_paths: Sequence[str], baseline_names: Sequence[str], run_paths: Sequence[str],
               run_keys: Sequence[Sequence]) -> Study:
    """Load baseline and CNN-run predictions (paths and names in the same order) and check alignment.

    ``run_keys`` are ``(architecture, seed)`` pairs, as tuples or as the lists Snakemake params hold.
    """
    if len(baseline_paths) != len(baseline_names) or len(run_paths) != len(run_keys):
        raise ValueError(f"paths and names differ in length. Received: {len(baseline_paths)} baseline paths for "
                         f"{len(baseline_names)} names, {len(run_paths)} run paths for {len(run_keys)} keys")
    baselines = [load_predictions(p, n, "baseline") for p, n in zip(baseline_paths, baseline_names, strict=True)]
    runs = [load_predictions(p, f"{a}/seed{s}", "cnn", a, int(s)) for p, (a, s) in zip(run_paths, run_keys,
                                                                                         strict=True)]
    return Study(baselines, runs)
