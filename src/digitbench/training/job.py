"""One Snakemake training job: config in, model, history, predictions and metrics out."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any


from digitbench import preprocess
from digitbench.atomic import savez, write_atomic
from digitbench.data import load_npz
from digitbench.training import checkpoint
from digitbench.training.data import prepare
from digitbench.training.evaluate import predict_proba, runtime_info, test_metrics
from digitbench.training.runtime import enable_determinism, limit_threads
from digitbench.training.trainer import TrainParams, train


def run(architecture: str, seed: int, cfg: dict[str, Any], *, data_path: str, split_seed: int, preprocessing: str,
        percentiles: tuple[float, float], test_set: dict[str, Any], outputs: dict[str, str],
        log: logging.Logger, threads: int | None = None) -> dict[str, Any]:
    """Train and evaluate one model and write its four outputs.

    Args:
        architecture: Registry name.
        seed: Replicate seed.
        cfg: The validated ``training`` config section.
        data_path: ``resources/mnist/mnist.npz``.
        split_seed: Study seed for the subset and validation split.
        preprocessing: Preprocessing method shared with the baselines.
        percentiles: Percentiles of the robust method.
        test_set: Keyword arguments of :func:`digitbench.preprocess.subsample_test_set` (``data.test_size``).
        outputs: Paths for ``model``, ``history``, ``predictions``, ``metrics``.
        log: Job log.
        threads: CPU threads the job may use (Snakemake's ``threads``); None leaves the backend's default.

    Returns:
        The metrics written to ``metrics.json``.
    """
    if threads is not None:
        limit_threads(threads, log)
    if cfg["deterministic"]:
        enable_determinism(log)
    arrays = preprocess.subsample_test_set(load_npz(data_path), **test_set)
    split = prepare(arrays, train_size=cfg["train_size"], validation_split=cfg["validation_split"],
                    split_seed=split_seed, preprocessing=preprocessing, percentiles=percentiles)
    params = TrainParams.from_config(architecture, seed, cfg)
    log.info("%s seed %d: %d training, %d validation, %d test images; %s", architecture, seed, len(split.y_train),
             len(split.y_val), len(split.y_test), runtime_info())
    out_dir = Path(outputs["model"]).parent
    tic = time.perf_counter()
    outcome = train(params, {"x_train": split.x_train, "y_train": split.y_train, "x_val": split.x_val,
                             "y_val": split.y_val}, out_dir / "checkpoint", log)
    wall = time.perf_counter() - tic
    proba, ms = predict_proba(outcome.model, split.x_test)
    result = {
        "architecture": architecture, "seed": int(seed), **test_metrics(split.y_test, proba),
        "parameters": int(outcome.model.count_params()), "epochs_run": int(len(outcome.history)),
        "best_epoch": int(outcome.best_epoch),
        "training_seconds": float(outcome.history["seconds"].sum()),
        "wall_seconds_this_session": float(wall), "resumed_from_epoch": outcome.resumed_from,
        "images_per_second": float(len(split.y_train) * len(outcome.history) / outcome.history["seconds"].sum()),
        "train_step_compiled": outcome.compiled, "inference_ms_per_image": float(ms),
        "n_train": int(len(split.y_train)), "n_val": int(len(split.y_val)),
        "n_test": int(len(split.y_test)), "preprocessing": split.scaler_method, **runtime_info(),
        "params": asdict(params),
    }
    write_atomic(outputs["history"], lambda p: outcome.history.to_csv(p, index=False))
    write_atomic(outputs["predictions"], lambda p: savez(p, compressed=True, y_true=split.y_test,
                                                         y_pred=proba.argmax(axis=1), proba=proba))
    write_atomic(outputs["model"], outcome.model.save)
    # metrics.json last: its presence means the job finished.
    write_atomic(outputs["metrics"], lambda p: p.write_text(json.dumps(result, indent=2)))
    checkpoint.clear(out_dir / "checkpoint")
    log.info("%s seed %d: test accuracy %.4f after %d epochs (best %d), %.1f s training, %.3f ms/image inference",
             architecture, seed, result["accuracy"], result["epochs_run"], result["best_epoch"],
             result["training_seconds"], ms)
    return result
