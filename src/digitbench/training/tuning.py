"""Choose a profile's training settings on the validation split only (config section ``tuning``).

Every combination of the grid's values ("candidate") is trained for a few architectures with a
seed that no reported run uses, and ranked by best validation accuracy. The test set is never
loaded, so the settings a profile keeps cannot have been chosen on it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from digitbench.atomic import write_atomic

RESULT_COLUMNS = ["candidate", "architecture", "best_val_accuracy", "best_val_loss", "best_epoch", "epochs_run",
                  "training_seconds"]


def run_candidate(architecture: str, overrides: Mapping[str, Any], training: Mapping[str, Any], seed: int, *,
                  arrays: Mapping[str, Any], split_seed: int, preprocessing: str, percentiles: tuple[float, float],
                  out: str | Path, log: logging.Logger, threads: int | None = None) -> dict[str, Any]:
    """Train one candidate for one architecture on the train/validation split and write its result (JSON).

    Args:
        architecture: Registry name.
        overrides: The candidate's training settings.
        training: The profile's validated ``training`` section, which the overrides replace key by key.
        seed: The tuning seed.
        arrays: MNIST's ``x_train`` and ``y_train`` only; the test set is not passed, so it cannot be read.
        split_seed: The study seed (the same train/validation split as the reported runs).
        preprocessing: Preprocessing method shared with the study.
        percentiles: Percentiles of the robust method.
        out: The result file; a checkpoint folder beside it lets a killed job resume.
        log: Job log.
        threads: CPU threads the job may use (Snakemake's ``threads``); None leaves the backend's default.
    """
    from digitbench.training.runtime import enable_determinism, limit_threads

    if threads is not None:
        limit_threads(threads, log)
    if training["deterministic"]:
        enable_determinism(log)
    # Keras only here: collect() and check() run in processes that never train.
    from digitbench.training import checkpoint
    from digitbench.training.data import prepare
    from digitbench.training.trainer import TrainParams, train

    no_test = {"x_test": arrays["x_train"][:0], "y_test": arrays["y_train"][:0]}
    split = prepare({"x_train": arrays["x_train"], "y_train": arrays["y_train"], **no_test},
                    train_size=training["train_size"], validation_split=training["validation_split"],
                    split_seed=split_seed, preprocessing=preprocessing, percentiles=percentiles)
    params = TrainParams.from_config(architecture, seed, {**training, **overrides})
    log.info("tuning %s with %s: %d training, %d validation images, seed %d", architecture, dict(overrides),
             len(split.y_train), len(split.y_val), seed)
    out = Path(out)
    outcome = train(params, {"x_train": split.x_train, "y_train": split.y_train, "x_val": split.x_val,
                             "y_val": split.y_val}, out.with_suffix(".checkpoint"), log)
    best = outcome.history.loc[outcome.history["epoch"] == outcome.best_epoch].iloc[0]
    result = {"architecture": architecture, "overrides": dict(overrides), "seed": int(seed),
              "best_val_accuracy": float(best["val_accuracy"]), "best_val_loss": float(best["val_loss"]),
              "best_epoch": int(outcome.best_epoch), "epochs_run": int(len(outcome.history)),
              "training_seconds": float(outcome.history["seconds"].sum())}
    write_atomic(out, lambda p: p.write_text(json.dumps(result, indent=2)))
    checkpoint.clear(out.with_suffix(".checkpoint"))
    return result


def collect(paths: Mapping[str, Sequence[str | Path]]) -> pd.DataFrame:
    """One row per (candidate, architecture) with the candidate's settings, its mean over architectures and rank.

    Args:
        paths: Candidate name -> its result files (one per architecture).

    Returns:
        Rows sorted by rank (1 = highest mean best validation accuracy; ties share the better rank).
    """
    rows = []
    for name, files in paths.items():
        for path in files:
            result = json.loads(Path(path).read_text())
            rows.append({"candidate": name, **{k: result[k] for k in RESULT_COLUMNS[1:]}, **result["overrides"]})
    df = pd.DataFrame(rows)
    mean = df.groupby("candidate")["best_val_accuracy"].mean()
    df["mean_best_val_accuracy"] = df["candidate"].map(mean)
    df["rank"] = df["candidate"].map(mean.rank(ascending=False, method="min").astype(int))
    return df.sort_values(["rank", "candidate", "architecture"], kind="stable").reset_index(drop=True)
