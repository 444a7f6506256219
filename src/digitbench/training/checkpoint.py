"""Per-epoch checkpoints so that a killed training job resumes at its next epoch, not from zero.

A checkpoint is the training model's weights (``last.weights.h5``), its optimizer variables
(``optimizer.npz``: step count, moments), the best weights so far (``best.weights.h5``) and
``state.json`` (epoch, learning-rate and early-stopping state, history, and a fingerprint of the
settings). The model itself is rebuilt from the settings on resume: whole-model ``.keras`` files
are avoided because Keras 3.15 cannot reload a ``RandomShear`` layer it saved. ``state.json`` is
written last and atomically: a checkpoint without it, or with another fingerprint, is ignored.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import keras
import numpy as np

from digitbench.atomic import savez, write_atomic

STATE, LAST, OPTIMIZER, BEST = "state.json", "last.weights.h5", "optimizer.npz", "best.weights.h5"


def fingerprint(settings: dict[str, Any]) -> str:
    """Stable hash of the settings a checkpoint is valid for."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def save(directory: Path, train_model: keras.Model, state: dict[str, Any]) -> None:
    """Write the weights, the optimizer variables and then ``state.json``, each atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(directory / LAST, train_model.save_weights)
    arrays = {f"v{i}": keras.ops.convert_to_numpy(v) for i, v in enumerate(train_model.optimizer.variables)}
    write_atomic(directory / OPTIMIZER, lambda p: savez(p, **arrays))
    write_atomic(directory / STATE, lambda p: p.write_text(json.dumps(state, indent=1)))


def save_best(directory: Path, model: keras.Model) -> None:
    """Write the best weights so far, atomically."""
    directory.mkdir(parents=True, exist_ok=True)
    write_atomic(directory / BEST, model.save_weights)


def load_state(directory: Path, expected_fingerprint: str) -> dict[str, Any] | None:
    """The saved state, or None when there is no complete checkpoint for these settings."""
    state_path = directory / STATE
    if not all((directory / f).exists() for f in (STATE, LAST, OPTIMIZER)):
        return None
    state = json.loads(state_path.read_text())
    return state if state.get("fingerprint") == expected_fingerprint else None


def restore(directory: Path, train_model: keras.Model) -> None:
    """Load the saved weights and optimizer variables into a freshly built, compiled training model."""
    train_model.optimizer.build(train_model.trainable_variables)
    train_model.load_weights(directory / LAST)
    with np.load(directory / OPTIMIZER) as saved:
        variables = train_model.optimizer.variables
        if len(saved.files) != len(variables):
            raise ValueError(f"optimizer checkpoint has {len(saved.files)} variables, the model "
                             f"{len(variables)}. Received: {directory / OPTIMIZER}")
        for i, var in enumerate(variables):
            var.assign(saved[f"v{i}"])


def clear(directory: Path) -> None:
    """Remove a checkpoint folder (after a finished run, or when its settings are stale)."""
    shutil.rmtree(directory, ignore_errors=True)
