"""Learning-rate control: cosine annealing with linear warm-up, scaled down by plateau reductions.

The two controls are combined multiplicatively instead of fighting each other: at the start of
epoch e the learning rate is ``max(schedule(e) * plateau_scale, plateau_min_lr)``. The cosine
schedule sets the shape over the run; each time the validation loss has not improved by
``min_delta`` for ``patience`` epochs, ``plateau_scale`` is multiplied by ``factor``. A plain
Keras ``LearningRateScheduler`` would overwrite every ``ReduceLROnPlateau`` reduction at the next
epoch, which is why neither Keras callback is used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class ScheduleParams:
    """Cosine annealing with warm-up, and the plateau rule (config keys under ``training``; defaults in the schema)."""

    epochs: int
    warmup_epochs: int
    max_lr: float
    min_lr: float
    plateau_factor: float
    plateau_patience: int
    plateau_min_lr: float
    plateau_min_delta: float

    @classmethod
    def from_config(cls, training: Mapping[str, Any]) -> ScheduleParams:
        """Build from the validated ``training`` config section."""
        return cls(**{f.name: training[f.name] for f in fields(cls)})


def warmup_cosine(epoch: int, p: ScheduleParams) -> float:
    """Learning rate of (0-based) ``epoch``: linear warm-up to ``max_lr``, then cosine down to ``min_lr``."""
    if epoch < 0:
        raise ValueError(f"epoch must be >= 0. Received: {epoch}")
    if epoch < p.warmup_epochs:
        return p.max_lr * (epoch + 1) / p.warmup_epochs
    span = max(p.epochs - p.warmup_epochs, 1)
    progress = min((epoch - p.warmup_epochs) / span, 1.0)
    return p.min_lr + (p.max_lr - p.min_lr) * (1 + math.cos(math.pi * progress)) / 2


@dataclass
class LearningRateController:
    """Schedule times plateau scale; its state is saved with every checkpoint so a resumed run continues it."""

    params: ScheduleParams
    scale: float = 1.0
    best_val_loss: float = math.inf
    wait: int = 0
    reductions: int = 0

    def lr(self, epoch: int) -> float:
        """Learning rate to use for ``epoch``."""
        return max(warmup_cosine(epoch, self.params) * self.scale, self.params.plateau_min_lr)

    def update(self, val_loss: float) -> bool:
        """Record an epoch's validation loss; returns True when it triggered a reduction."""
        if val_loss < self.best_val_loss - self.params.plateau_min_delta:
            self.best_val_loss, self.wait = val_loss, 0
            return False
        self.wait += 1
        if self.wait >= self.params.plateau_patience:
            self.scale *= self.params.plateau_factor
            self.wait, self.reductions = 0, self.reductions + 1
            return True
        return False

    def state(self) -> dict[str, float | int]:
        """JSON-serialisable state (params excluded: they come from the config)."""
        return {k: v for k, v in asdict(self).items() if k != "params"}

    def load_state(self, state: dict[str, float | int]) -> None:
        """Restore a saved ``state()``."""
        self.scale, self.best_val_loss = float(state["scale"]), float(state["best_val_loss"])
        self.wait, self.reductions = int(state["wait"]), int(state["reductions"])


@dataclass
class EarlyStopping:
    """Early stopping on validation accuracy (mode max), with the best epoch remembered for restoring."""

    patience: int = 15
    min_delta: float = 1e-4
    best: float = -math.inf
    best_epoch: int = -1
    wait: int = 0

    def update(self, epoch: int, val_accuracy: float) -> tuple[bool, bool]:
        """Record an epoch; returns ``(improved, stop)``."""
        if val_accuracy > self.best + self.min_delta:
            self.best, self.best_epoch, self.wait = val_accuracy, epoch, 0
            return True, False
        self.wait += 1
        return False, self.wait >= self.patience

    def state(self) -> dict[str, float | int]:
        """JSON-serialisable state."""
        return {"best": self.best, "best_epoch": self.best_epoch, "wait": self.wait}

    def load_state(self, state: dict[str, float | int]) -> None:
        """Restore a saved ``state()``."""
        self.best, self.best_epoch, self.wait = float(state["best"]), int(state["best_epoch"]), int(state["wait"])
