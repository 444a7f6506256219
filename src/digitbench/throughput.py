"""Training throughput: this workflow's compiled step against the original notebook's pipeline.

Three pipelines train the same architecture with the same batch size through ``Model.fit``:

- ``augment_in_model``: what ``train_cnn`` runs; augmentation is a layer of the model, so on JAX
  (and on TensorFlow where XLA has the kernel) the whole step compiles into one device program.
- ``notebook_cpu``: the original notebook's way; ``ImageDataGenerator``-style augmentation on the
  CPU, image by image (``augment_cpu.NotebookPipeline``), feeding an un-augmented model batch by batch.
- ``no_augmentation``: the same model without augmentation, from arrays in memory: the ceiling.

Timings alternate between the pipelines for ``repeats`` rounds and report the median, so that
drift in a busy machine's speed touches all three alike. Images are synthetic: the cost of a step
does not depend on what the pixels show.
"""

from __future__ import annotations

import logging
import statistics
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import keras
import numpy as np

from digitbench.config import training_images
from digitbench.training.augment_cpu import NotebookPipeline
from digitbench.training.evaluate import runtime_info
from digitbench.training.trainer import TrainParams, new_training_model

PIPELINES = {
    "augment_in_model": "augmentation in the model (this workflow)",
    "notebook_cpu": "CPU augmentation feeding fit (original notebook)",
    "no_augmentation": "no augmentation (ceiling)",
}


class _EpochTimer(keras.callbacks.Callback):
    """Epoch time without ``fit``'s set-up, but with the batches' loading (the notebook's augmentation)."""

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):  # logs hold host values: the last step has finished
        self.seconds = time.perf_counter() - self.start


def _fit_seconds(model: keras.Model, data, batch_size: int) -> float:
    timer = _EpochTimer()
    if isinstance(data, keras.utils.PyDataset):
        model.fit(data, epochs=1, verbose=0, callbacks=[timer])
    else:
        model.fit(data[0], data[1], batch_size=batch_size, epochs=1, shuffle=True, verbose=0, callbacks=[timer])
    return timer.seconds


def benchmark_params(architecture: str, training: Mapping[str, Any], batch_size: int, seed: int) -> TrainParams:
    """The training run a benchmark times: the ``training`` config, at the benchmark's batch size, augmented."""
    augmentation = {**training["augmentation"], "enabled": True}  # the pipelines compare ways to augment
    return TrainParams.from_config(architecture, seed, {**training, "batch_size": batch_size,
                                                        "augmentation": augmentation})


def measure_architecture(params: TrainParams, *, steps: int, warmup_steps: int, repeats: int,
                         log: logging.Logger | None = None) -> list[dict]:
    """Images per second of the three pipelines for one architecture, medians over ``repeats``.

    Args:
        params: The training run to time (see :func:`benchmark_params`); its augmentation, batch
            size and seed (of the weights, the synthetic images and the augmentation draws).
        steps: Timed steps per repeat.
        warmup_steps: Untimed steps first, which include tracing and compilation.
        repeats: Timed rounds; the pipelines take turns within each.
        log: Progress log.

    Returns:
        One row per pipeline (without the ratio columns).
    """
    architecture, batch_size, seed, augment = params.architecture, params.batch_size, params.seed, params.augment
    if augment is None:
        raise ValueError(f"measure_architecture times augmentation pipelines; params.augment is None. Received: {params}")
    for key, value in (("batch_size", batch_size), ("steps", steps), ("warmup_steps", warmup_steps),
                       ("repeats", repeats)):
        if value < 1:
            raise ValueError(f"benchmark.{key} must be a positive integer. Received: {value}")
    log = log or logging.getLogger(__name__)
    rng = np.random.default_rng(seed)
    n = batch_size * steps  # whole batches only: a ragged last batch would retrace the compiled step
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)
    keras.utils.set_random_seed(seed)
    plain = replace(params, augment=None)
    models = {"augment_in_model": new_training_model(params, x.shape[1:]),
              "notebook_cpu": new_training_model(plain, x.shape[1:]),
              "no_augmentation": new_training_model(plain, x.shape[1:])}
    data = {"augment_in_model": (x, y), "no_augmentation": (x, y),
            "notebook_cpu": NotebookPipeline(x, y, augment, batch_size, seed, steps=steps)}
    warm = {"augment_in_model": (x[:batch_size * warmup_steps], y[:batch_size * warmup_steps]),
            "no_augmentation": (x[:batch_size * warmup_steps], y[:batch_size * warmup_steps]),
            "notebook_cpu": NotebookPipeline(x, y, augment, batch_size, seed + 1, steps=warmup_steps)}
    for name, model in models.items():
        _fit_seconds(model, warm[name], batch_size)
    seconds: dict[str, list[float]] = {name: [] for name in models}
    for _ in range(repeats):
        for name, model in models.items():
            seconds[name].append(_fit_seconds(model, data[name], batch_size))
    info = runtime_info()
    rows = []
    for name, model in models.items():
        rate = n / statistics.median(seconds[name])
        rows.append({"architecture": architecture, "pipeline": name, "backend": info["backend"],
                     "device": info["device"], "batch_size": batch_size, "steps": steps, "repeats": repeats,
                     "compiled": bool(model.jit_compile), "images_per_second": rate})
        log.info("%s %-16s %8.0f img/s (compiled: %s; %s)", architecture, name, rate, model.jit_compile,
                 ", ".join(f"{s:.2f}" for s in seconds[name]))
    return rows


def estimate_hours(rates: dict[str, float], jobs: Iterable[tuple[str, int]], images_per_epoch: int,
                   epochs: int) -> float:
    """Hours that training jobs would take at measured rates, if none stopped early.

    Args:
        rates: Images per second of each architecture's training step.
        jobs: ``(architecture, seed)`` of every pending job.
        images_per_epoch: Training images per epoch.
        epochs: Maximum epochs.
    """
    return sum(images_per_epoch * epochs / rates[arch] for arch, _ in jobs) / 3600


def training_rates(architectures: Iterable[str], training: Mapping[str, Any], steps: int = 3,
                   warmup_steps: int = 1) -> dict[str, float]:
    """Images per second of each architecture's training step, from a few timed steps (for estimates).

    Args:
        architectures: Registry names.
        training: The validated ``training`` config section (batch size, augmentation, optimizer).
        steps: Timed steps.
        warmup_steps: Untimed steps first (tracing and compilation).
    """
    batch_size = training["batch_size"]
    rng = np.random.default_rng(0)
    x, y = rng.random((batch_size, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, batch_size)
    rates = {}
    for arch in architectures:
        model = new_training_model(TrainParams.from_config(arch, 0, training), x.shape[1:])
        for _ in range(warmup_steps):  # tracing and compilation
            model.train_on_batch(x, y)
        tic = time.perf_counter()
        for _ in range(steps):  # train_on_batch returns host values, so each step has finished
            model.train_on_batch(x, y)
        rates[arch] = batch_size * steps / (time.perf_counter() - tic)
    return rates


def cpu_training_message(training: dict, pending: list[str], rates: dict[str, float]) -> str:
    """The warning for a paper-profile run without a GPU: how long its training jobs would take.

    Args:
        training: The ``training`` config section.
        pending: Architecture of every training job this run will execute.
        rates: Measured images per second of each of those architectures.
    """
    per_epoch = training_images(training)
    hours = estimate_hours(rates, [(arch, 0) for arch in pending], per_epoch, training["epochs"])
    measured = ", ".join(f"{arch} {rate:,.0f} img/s" for arch, rate in rates.items())
    return (f"WARNING: no GPU found. The paper profile's {len(pending)} pending training jobs ({training['epochs']} "
            f"epochs x {per_epoch:,} images each) would take about {hours:,.0f} hours ({hours / 24:,.1f} days) on this "
            f"machine, unless early stopping ends them sooner (measured: {measured}). For a CPU run, stop now "
            "(Ctrl-C) and use `make report`, i.e. --configfile config/quick.yaml (about 21 minutes on 2 cores); for "
            "the paper profile, see the README's GPU section.")


def warn_if_training_on_cpu(config: dict, pending: list[str], gpus: list[str] | None = None) -> str | None:
    """Print ``cpu_training_message`` at the start of a paper-profile run that found no GPU.

    The rates come from a few steps timed in a subprocess (``python -m digitbench.throughput``),
    so that Snakemake's own process never imports a deep-learning backend.

    Args:
        config: The validated workflow config.
        pending: Architecture of every training job this run will execute.
        gpus: Visible GPUs (default: ``digitbench.gpus.visible_gpus()``).

    Returns:
        The message printed, or None when there was nothing to say.
    """
    import json
    import subprocess
    import sys

    from digitbench.gpus import visible_gpus

    if config["profile"] != "paper" or not pending or (visible_gpus() if gpus is None else gpus):
        return None
    t = config["training"]
    archs = sorted(set(pending))
    print(f"No GPU found: timing a few training steps of {', '.join(archs)} to estimate the run ...", file=sys.stderr)
    proc = subprocess.run([sys.executable, "-m", "digitbench.throughput", *archs, "--training", json.dumps(t),
                           "--threads", str(t["threads"])], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        message = f"(no GPU found, and timing a training step failed: {proc.stderr.strip()[-500:]})"
    else:
        message = cpu_training_message(t, pending, json.loads(proc.stdout.strip().splitlines()[-1]))
    print(message, file=sys.stderr)
    return message


def main(argv: list[str] | None = None) -> None:
    """``python -m digitbench.throughput ARCH [ARCH ...]``: measured training rates as JSON on stdout.

    Run in a subprocess by the workflow's start-up check, so that Snakemake's own process never
    imports a deep-learning backend.
    """
    import argparse
    import json

    from digitbench.training.runtime import limit_threads

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("architectures", nargs="+")
    parser.add_argument("--training", required=True, help="the validated training config section, as JSON")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.threads:
        limit_threads(args.threads)
    print(json.dumps(training_rates(args.architectures, json.loads(args.training))))


if __name__ == "__main__":
    main()
