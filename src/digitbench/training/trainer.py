"""Train one (architecture, seed) job: the original study's protocol, resumable epoch by epoch."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import pandas as pd

from digitbench.models import build
from digitbench.training import checkpoint
from digitbench.training.augment import AugmentParams, build_augmentation
from digitbench.training.augment import params_from_config as augment_params
from digitbench.training.schedule import EarlyStopping, LearningRateController, ScheduleParams

HISTORY_COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"]


class TrainingError(RuntimeError):
    """A training job that cannot go on; the message says why and what to change."""


@dataclass(frozen=True)
class TrainParams:
    """Everything that defines a training run (config keys under ``training``; defaults in the schema)."""

    architecture: str
    seed: int
    batch_size: int
    schedule: ScheduleParams
    early_stopping_patience: int
    early_stopping_min_delta: float
    augment: AugmentParams | None
    beta_1: float
    beta_2: float
    epsilon: float
    clipnorm: float
    bn_momentum: float
    recalibrate_bn: bool
    recalibrate_bn_images: int = 2048

    @classmethod
    def from_config(cls, architecture: str, seed: int, training: Mapping[str, Any]) -> TrainParams:
        """Build for one (architecture, seed) from the validated ``training`` config section, by keyword."""
        augmentation = training["augmentation"]
        return cls(architecture=architecture, seed=int(seed), batch_size=training["batch_size"],
                   schedule=ScheduleParams.from_config(training),
                   early_stopping_patience=training["early_stopping_patience"],
                   early_stopping_min_delta=training["early_stopping_min_delta"],
                   augment=augment_params(augmentation) if augmentation["enabled"] else None,
                   beta_1=training["adam_beta_1"], beta_2=training["adam_beta_2"], epsilon=training["adam_epsilon"],
                   clipnorm=training["clipnorm"], bn_momentum=training["bn_momentum"],
                   recalibrate_bn=training["recalibrate_bn"],
                   recalibrate_bn_images=training["recalibrate_bn_images"])


@dataclass
class TrainOutcome:
    """The trained model (best weights restored), its history and bookkeeping."""

    model: keras.Model
    history: pd.DataFrame
    best_epoch: int
    resumed_from: int | None
    compiled: bool = False


def _check(params: TrainParams, n_train: int) -> None:
    if params.schedule.epochs <= 0:
        raise ValueError(f"training.epochs must be a positive integer. Received: {params.schedule.epochs}")
    if not 0 < params.batch_size <= n_train:
        raise ValueError(f"training.batch_size must be between 1 and the {n_train} training images. "
                         f"Received: {params.batch_size}")


def _compile(train_model: keras.Model, params: TrainParams) -> None:
    optimizer = keras.optimizers.Adam(learning_rate=params.schedule.max_lr, beta_1=params.beta_1,
                                      beta_2=params.beta_2, epsilon=params.epsilon, clipnorm=params.clipnorm)
    train_model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def set_bn_momentum(model: keras.Model, momentum: float) -> int:
    """Set the moving-average momentum of every BatchNormalization layer; returns how many were set.

    Keras' default 0.99 needs several hundred steps before the moving statistics used at inference
    forget their initial values; short runs need a smaller momentum or they predict one class.
    """
    if not 0 <= momentum < 1:
        raise ValueError(f"bn_momentum must be in [0, 1). Received: {momentum}")
    layers = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in layers:
        layer.momentum = momentum
    return len(layers)


def recalibrate_batch_norm(model: keras.Model, x: np.ndarray, batch_size: int = 256) -> int:
    """Replace BatchNormalization moving statistics by their average over clean training batches.

    During training the moving averages follow augmented batches while the weights are still
    changing; recomputing them once with the final weights on un-augmented images ("precise BN",
    Wu & Johnson 2021) fixes inference without touching any weight. Dropout is disabled meanwhile,
    since it would change the activations the statistics describe.

    Returns:
        The number of batches averaged.
    """
    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    drops = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    saved = [(layer, layer.momentum) for layer in bns], [(layer, layer.rate) for layer in drops]
    for layer in drops:
        layer.rate = 0.0
    try:
        for i, start in enumerate(range(0, len(x), batch_size)):
            for layer in bns:
                layer.momentum = i / (i + 1)  # a running mean: batch i gets weight 1 / (i + 1)
            model(x[start:start + batch_size], training=True)
    finally:
        for layer, momentum in saved[0]:
            layer.momentum = momentum
        for layer, rate in saved[1]:
            layer.rate = rate
    return i + 1


def new_training_model(params: TrainParams, input_shape) -> keras.Model:
    """The compiled training model: an ``image`` input, the augmentation layer (if any), the network.

    ``jit_compile`` is left at Keras' "auto", which compiles the train step whenever every layer
    allows it (always on JAX; on TensorFlow only with a GPU and the XLA image-transform kernel).
    """
    model = build(params.architecture, input_shape=input_shape)
    set_bn_momentum(model, params.bn_momentum)
    stack = [keras.Input(shape=input_shape, name="image")]
    if params.augment is not None:
        stack.append(build_augmentation(params.augment, params.seed, input_shape))
    train_model = keras.Sequential([*stack, model], name=f"train_{params.architecture}")
    _compile(train_model, params)
    return train_model


def recalibration_images(params: TrainParams, x_train: np.ndarray) -> np.ndarray:
    """The fixed clean training images whose batch-norm statistics the run's model uses (seeded by the run).

    One subset for every epoch: per-epoch recalibration then costs, over the run, about what a single
    pass over the whole training split would, and every epoch's model is judged with statistics drawn
    from the same images.
    """
    n = min(params.recalibrate_bn_images, len(x_train))
    order = np.random.default_rng(params.seed).permutation(len(x_train))[:n]
    return x_train[np.sort(order)]


def _fit_epoch(train_model, data, epoch: int, params: TrainParams) -> dict[str, float]:
    # With precise BN the tested model has recomputed statistics; the best epoch and early stopping
    # must be chosen on that model, so validation follows a recalibration instead of running in fit.
    validation = None if params.recalibrate_bn else (data["x_val"], data["y_val"])
    try:
        h = train_model.fit(data["x_train"], data["y_train"], batch_size=params.batch_size, epochs=epoch + 1,
                            initial_epoch=epoch, validation_data=validation, shuffle=True,
                            verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()])
        metrics = {k: float(v[-1]) for k, v in h.history.items()}
        if validation is None:
            recalibrate_batch_norm(train_model.get_layer(params.architecture), data["x_recalibrate"])
            val = train_model.evaluate(data["x_val"], data["y_val"], batch_size=params.batch_size, verbose=0,
                                       return_dict=True)
            metrics.update(val_loss=float(val["loss"]), val_accuracy=float(val["accuracy"]))
    except Exception as err:  # backends raise different types for the same device condition
        text = str(err)
        if "RESOURCE_EXHAUSTED" in text or "out of memory" in text.lower():
            raise TrainingError(f"the device ran out of memory with batch size {params.batch_size}; set a smaller "
                                f"training.batch_size (e.g. {max(params.batch_size // 2, 1)}) and rerun") from err
        raise
    return metrics


def run_fingerprint(params: TrainParams, n_train: int, n_val: int) -> str:
    """What a checkpoint must match to be resumed: every setting and the data sizes."""
    return checkpoint.fingerprint({**asdict(params), "n_train": n_train, "n_val": n_val})


def train(params: TrainParams, data: dict[str, np.ndarray], checkpoint_dir: str | Path,
          log: logging.Logger | None = None) -> TrainOutcome:
    """Train with warm-up cosine LR, plateau reductions, early stopping and per-epoch checkpoints.

    Args:
        params: The run's settings.
        data: ``x_train``, ``y_train``, ``x_val``, ``y_val`` (images with a channel axis, integer labels).
        checkpoint_dir: Where per-epoch checkpoints live; a matching checkpoint there is resumed.
        log: Progress log (one line per epoch).

    Returns:
        A ``TrainOutcome`` whose model carries the best validation-accuracy weights.

    Raises:
        ValueError: on impossible settings (epochs, batch size, unknown architecture).
        TrainingError: on a NaN loss (the last good checkpoint is kept) or a device out of memory.
    """
    log = log or logging.getLogger(__name__)
    _check(params, len(data["y_train"]))
    checkpoint_dir = Path(checkpoint_dir)
    fp = run_fingerprint(params, len(data["y_train"]), len(data["y_val"]))
    keras.utils.set_random_seed(params.seed)
    controller = LearningRateController(params.schedule)
    stopper = EarlyStopping(params.early_stopping_patience, params.early_stopping_min_delta)
    rows: list[dict[str, float]] = []
    start, resumed_from = 0, None
    state = checkpoint.load_state(checkpoint_dir, fp)
    if state is None and checkpoint_dir.exists():
        log.info("ignoring a checkpoint made with other settings (or incomplete) in %s", checkpoint_dir)
        checkpoint.clear(checkpoint_dir)
    train_model = new_training_model(params, data["x_train"].shape[1:])
    if state is not None:
        checkpoint.restore(checkpoint_dir, train_model)
        controller.load_state(state["lr_controller"])
        stopper.load_state(state["early_stopping"])
        rows, start = state["history"], int(state["epoch"]) + 1
        resumed_from = start
        # Re-seed from the epoch so the resumed run's randomness does not repeat epoch 1's.
        keras.utils.set_random_seed(params.seed * 1000 + start)
        log.info("resuming %s seed %d from its checkpoint at epoch %d of %d", params.architecture, params.seed,
                 start + 1, params.schedule.epochs)
    model = train_model.get_layer(params.architecture)
    compiled = bool(train_model.jit_compile)  # resolves "auto": what fit will actually do
    log.info("train step %s (backend %s)", "jit-compiled with XLA" if compiled else "not jit-compiled",
             keras.backend.backend())
    n = len(data["y_train"])
    if params.recalibrate_bn:
        data = {**data, "x_recalibrate": recalibration_images(params, data["x_train"])}
        log.info("batch-norm statistics recomputed before each validation on %d fixed clean training images",
                 len(data["x_recalibrate"]))
    for epoch in range(start, params.schedule.epochs):
        if stopper.wait >= stopper.patience:
            break
        lr = controller.lr(epoch)
        train_model.optimizer.learning_rate.assign(lr)
        tic = time.perf_counter()
        metrics = _fit_epoch(train_model, data, epoch, params)
        seconds = time.perf_counter() - tic
        if not all(math.isfinite(metrics.get(k, math.nan)) for k in ("loss", "val_loss")):
            kept = f"epoch {rows[-1]['epoch']}" if rows else "none yet"
            raise TrainingError(f"{params.architecture} seed {params.seed}: loss became NaN in epoch {epoch + 1} "
                                f"(last good checkpoint: {kept}, in {checkpoint_dir}); lower training.max_lr or check "
                                "the preprocessing")
        row = {"epoch": epoch + 1, **{k: metrics[k] for k in HISTORY_COLUMNS[1:5]}, "lr": lr, "seconds": seconds}
        rows.append(row)
        improved, stop = stopper.update(epoch, row["val_accuracy"])
        if improved:
            checkpoint.save_best(checkpoint_dir, model)
        reduced = controller.update(row["val_loss"])
        checkpoint.save(checkpoint_dir, train_model, {
            "fingerprint": fp, "epoch": epoch, "history": rows, "lr_controller": controller.state(),
            "early_stopping": stopper.state()})
        log.info("%s seed %d epoch %d/%d: loss %.4f acc %.4f val_loss %.4f val_acc %.4f lr %.2e %.1f s (%.0f img/s)%s%s",
                 params.architecture, params.seed, epoch + 1, params.schedule.epochs, row["loss"], row["accuracy"],
                 row["val_loss"], row["val_accuracy"], lr, seconds, n / seconds,
                 " *best*" if improved else "", " (plateau: LR scale halved)" if reduced else "")
        if stop:
            log.info("early stopping after epoch %d: no val_accuracy gain > %g for %d epochs", epoch + 1,
                     stopper.min_delta, stopper.patience)
            break
    # With precise BN the best checkpoint already holds the recomputed statistics it was validated with.
    model.load_weights(checkpoint_dir / checkpoint.BEST)
    return TrainOutcome(model, pd.DataFrame(rows, columns=HISTORY_COLUMNS), stopper.best_epoch + 1, resumed_from,
                        compiled)
