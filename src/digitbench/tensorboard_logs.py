"""TensorBoard logs of a finished training run, written from its files: nothing is retrained.

Each run (rule ``write_tensorboard_logs``) gets the layout of Keras' own TensorBoard callback: a
``train`` and a ``validation`` folder under ``results/tensorboard/{arch}/seed{seed}``, each holding one
event file with a scalar per epoch named as the callback names them (``epoch_loss``,
``epoch_accuracy``, ``epoch_learning_rate``; the ``val_`` columns in ``validation``), at step = epoch
index from 0, as Keras counts. Every value is a column of the run's ``history.csv`` (``seconds``
becomes ``epoch_seconds``); the ``train`` folder also holds a text summary of the run's settings from
its ``metrics.json`` (Text tab). ``tensorboard --logdir results/tensorboard`` opens them.

The history records how long each epoch took, not when: an event's wall time is the training time
elapsed at the end of its epoch (the ``seconds`` summed, from 0), so TensorBoard's Relative axis is the
run's training time and its Wall axis is not a date. Written with TensorBoard's own protos and record
format (no TensorFlow), under a fixed file name: the same files give byte-identical logs.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins.text import metadata as text_metadata
from tensorboard.summary.writer.record_writer import RecordWriter
from tensorboard.util import tensor_util

# The columns train_cnn writes (digitbench.training.trainer.HISTORY_COLUMNS; a test holds them equal).
HISTORY_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")
# Without these there is nothing to plot; seconds only gives the events their times.
REQUIRED_COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr")
REQUIRED_KEYS = ("architecture", "seed", "params")
# metrics.json facts shown after the training parameters, when present.
RUN_FACTS = ("n_train", "n_val", "preprocessing", "backend", "device", "train_step_compiled", "epochs_run",
             "best_epoch", "resumed_from_epoch", "training_seconds")
RUNS = ("train", "validation")
SETTINGS_TAG = "run_settings"
# TensorBoard reads every file whose name contains "tfevents"; a fixed name keeps reruns identical.
EVENT_FILE = "events.out.tfevents.digitbench"
_RENAMED = {"lr": "learning_rate"}


def scalar_tag(column: str) -> tuple[str, str]:
    """The run folder and tag of a history column, as Keras' TensorBoard callback names them.

    Args:
        column: A ``history.csv`` column other than ``epoch``.

    Returns:
        ``("validation", "epoch_<name>")`` for ``val_<name>``, else ``("train", "epoch_<name>")``;
        ``lr`` is ``epoch_learning_rate``.

    Raises:
        ValueError: ``column`` names no metric (``epoch`` is the step).
    """
    if column in ("", "epoch", "val_"):
        raise ValueError(f"column must name a metric of the history, not the step. Received: {column!r}")
    if column.startswith("val_"):
        return "validation", f"epoch_{column.removeprefix('val_')}"
    return "train", f"epoch_{_RENAMED.get(column, column)}"


def read_history(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A run's ``history.csv``, checked: the needed columns, numbers only, epochs 1, 2, ..., n in order.

    Raises:
        ValueError: The file lacks a needed column, has no epoch, a column that is not numeric, or
            epochs that do not count up from 1; the message names the file.
    """
    history = pd.read_csv(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(f"{path} lacks the column(s) {', '.join(missing)} that the TensorBoard logs need "
                         f"(train_cnn writes {', '.join(HISTORY_COLUMNS)}). Received: columns "
                         f"{list(history.columns)}")
    if history.empty:
        raise ValueError(f"{path} has no epoch to log. Received: 0 rows")
    for column in history.columns:
        if not pd.api.types.is_numeric_dtype(history[column]) or pd.api.types.is_bool_dtype(history[column]):
            raise ValueError(f"{path}: column {column} must hold numbers. Received: {history[column].tolist()[:5]}")
    epochs = history["epoch"].tolist()
    if epochs != list(range(1, len(history) + 1)):
        raise ValueError(f"{path}: column epoch must count the epochs 1, 2, ..., {len(history)} in order. "
                         f"Received: {epochs}")
    return history


def read_metrics(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A run's ``metrics.json``, checked for the keys the settings summary needs.

    Raises:
        ValueError: The file is not a JSON object with ``architecture``, ``seed`` and ``params``
            (a mapping); the message names the file.
    """
    metrics = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(metrics, dict):
        raise ValueError(f"{path} must hold a JSON object. Received: {type(metrics).__name__}")
    missing = [k for k in REQUIRED_KEYS if k not in metrics]
    if missing or not isinstance(metrics["params"], dict):
        raise ValueError(f"{path} lacks the key(s) {', '.join(missing or ['params (a mapping)'])} of the run's "
                         f"settings. Received: keys {sorted(metrics)}")
    return metrics


def _flatten(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows = []
    for key, value in params.items():
        if isinstance(value, Mapping):
            rows += _flatten(value, f"{prefix}{key}.")
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def settings_rows(metrics: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(setting, value)`` of the summary: architecture, seed, the training parameters, then the run's facts.

    Values are as ``metrics.json`` holds them (JSON for numbers, lists, booleans and null), never rounded.
    """
    params = [(k, v) for k, v in _flatten(metrics["params"]) if k not in ("architecture", "seed")]
    facts = [(k, metrics[k]) for k in RUN_FACTS if k in metrics]
    return [(k, _shown(v)) for k, v in [("architecture", metrics["architecture"]), ("seed", metrics["seed"]),
                                        *params, *facts]]


def settings_markdown(metrics: Mapping[str, Any]) -> str:
    """The settings summary as a Markdown table (TensorBoard's Text tab renders it)."""
    lines = [f"Settings of {metrics['architecture']} seed {metrics['seed']} (from metrics.json; training "
             "parameters under params).", "", "| setting | value |", "| --- | --- |"]
    lines += [f"| {key} | `{value}` |" for key, value in settings_rows(metrics)]
    return "\n".join(lines)


def wall_times(history: pd.DataFrame) -> np.ndarray:
    """Training seconds elapsed at the end of each epoch (the ``seconds`` column summed); zeros without it."""
    if "seconds" not in history.columns:
        return np.zeros(len(history))
    return history["seconds"].to_numpy(dtype=float).cumsum()


def run_events(history: pd.DataFrame, metrics: Mapping[str, Any]) -> dict[str, list[event_pb2.Event]]:
    """The events of each run folder (``train``, ``validation``), in the order they are written.

    Each file starts with its version record; ``train`` then has the settings text at step 0; every
    epoch adds one event per folder with that folder's scalars.

    Args:
        history: A checked history (:func:`read_history`).
        metrics: The run's ``metrics.json`` (:func:`read_metrics`).
    """
    events: dict[str, list[event_pb2.Event]] = {
        run: [event_pb2.Event(wall_time=0.0, file_version="brain.Event:2",
                              source_metadata=event_pb2.SourceMetadata(writer="digitbench.tensorboard_logs"))]
        for run in RUNS}
    text = summary_pb2.Summary.Value(
        tag=SETTINGS_TAG, tensor=tensor_util.make_tensor_proto(settings_markdown(metrics)),
        metadata=text_metadata.create_summary_metadata(display_name="Run settings",
                                                       description="architecture, seed and training parameters"))
    events["train"].append(event_pb2.Event(wall_time=0.0, step=0, summary=summary_pb2.Summary(value=[text])))
    tags = {column: scalar_tag(column) for column in history.columns if column != "epoch"}
    for (_, row), wall in zip(history.iterrows(), wall_times(history), strict=True):
        for run in RUNS:
            values = [summary_pb2.Summary.Value(tag=tag, simple_value=float(row[column]))
                      for column, (where, tag) in tags.items() if where == run]
            if values:
                events[run].append(event_pb2.Event(wall_time=float(wall), step=int(row["epoch"]) - 1,
                                                   summary=summary_pb2.Summary(value=values)))
    return events


def write_event_file(path: str | os.PathLike[str], events: list[event_pb2.Event]) -> None:
    """Write ``events`` in TensorBoard's record format (length, CRCs, serialized event)."""
    with open(path, "wb") as fh:
        writer = RecordWriter(fh)
        for event in events:
            writer.write(event.SerializeToString())
        writer.flush()


def write_run_logs(history_path: str | os.PathLike[str], metrics_path: str | os.PathLike[str],
                   out_dir: str | os.PathLike[str]) -> dict[str, int]:
    """Write one run's TensorBoard logs into ``out_dir`` (``train/``, ``validation/``), replacing it whole.

    The folders are written beside ``out_dir`` and renamed onto it, so a failed write leaves none.

    Args:
        history_path: The run's ``history.csv``.
        metrics_path: The run's ``metrics.json``.
        out_dir: The run's log folder.

    Returns:
        The number of scalar values written into each run folder.

    Raises:
        ValueError: A file lacks what the logs need (:func:`read_history`, :func:`read_metrics`), or
            the history's epochs are not the ``epochs_run`` of ``metrics.json``.
    """
    history, metrics = read_history(history_path), read_metrics(metrics_path)
    if "epochs_run" in metrics and metrics["epochs_run"] != len(history):
        raise ValueError(f"{history_path} has {len(history)} epochs but {metrics_path} says epochs_run "
                         f"{metrics['epochs_run']}: they are not of the same run. Received: {len(history)} rows")
    events = run_events(history, metrics)
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(4)}-{out.name}")
    try:
        for run, run_list in events.items():
            (tmp / run).mkdir(parents=True)
            write_event_file(tmp / run / EVENT_FILE, run_list)
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {run: sum(v.HasField("simple_value") for e in run_list for v in e.summary.value)
            for run, run_list in events.items()}
