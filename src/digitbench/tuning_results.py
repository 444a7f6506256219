"""The tuning results that chose a profile's settings, as shipped with the project (config ``tuning.results``).

Tuning trains every candidate of ``tuning.grid`` (``digitbench.training.tuning``): too long for
``make report``, so its table (``results/tuning/validation.csv``) is run once, copied into the
repository and named in the config with its SHA-256. :func:`adopt` verifies that copy, checks that
it was made with this config's grid, architectures and seed, marks the candidate whose settings the
profile uses, and adds what the report states about it (seed, validation images, file, digest).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import Any

import pandas as pd

from digitbench.config import MNIST_TRAIN_IMAGES, tuning_candidates
from digitbench.shipped import ShippedFileError, read_verified
from digitbench.workdir import snakemake_command

RESULT_COLUMNS = ["candidate", "architecture", "best_val_accuracy", "best_val_loss", "best_epoch", "epochs_run",
                  "training_seconds"]
RANK_COLUMNS = ["mean_best_val_accuracy", "rank"]
ADDED_COLUMNS = ["kept", "seed", "n_validation", "file", "sha256"]


def columns(grid: Mapping[str, Any]) -> list[str]:
    """The columns of an adopted table: the tuning table's (its settings are the grid's keys), then :data:`ADDED_COLUMNS`."""
    return [*RESULT_COLUMNS, *grid, *RANK_COLUMNS, *ADDED_COLUMNS]


def validation_images(training: Mapping[str, Any]) -> int:
    """Validation images of a training config: its subset's stratified share, rounded up as ``train_test_split`` does."""
    return math.ceil((training["train_size"] or MNIST_TRAIN_IMAGES) * training["validation_split"])


def _same(a: Any, b: Any) -> bool:
    # CSV gives numpy scalars and floats back through their shortest repr, so == is exact for config values.
    return bool(a == b)


def adopt(tuning: Mapping[str, Any], training: Mapping[str, Any], fix: str,
          root: str | os.PathLike[str] = ".") -> pd.DataFrame:
    """The shipped tuning table, verified and checked against the config, with the kept candidate marked.

    Args:
        tuning: The validated ``tuning`` section (``results``, ``results_sha256``, ``grid``, ``architectures``, ``seed``).
        training: The validated ``training`` section: the profile's values of the grid's keys are the kept ones.
        fix: How to regenerate the file and where to copy it (part of every error message).
        root: The project directory that ``tuning.results`` is read against.

    Returns:
        One row per (candidate, architecture) in the file's order, in :func:`columns` order; no rows
        when ``tuning.results`` is empty (a profile that tunes nothing).

    Raises:
        ShippedFileError: The file is missing or changed, or was made with another grid or other
            architectures, or none of its candidates has the profile's settings.
    """
    grid, path = tuning["grid"], tuning["results"]
    base = [*RESULT_COLUMNS, *grid, *RANK_COLUMNS]
    table = read_verified(path, tuning["results_sha256"], "tuning.results", fix, base, root)
    if not path:
        return pd.DataFrame(columns=columns(grid))
    expected = dict(tuning_candidates(grid))
    found = {row["candidate"]: {k: row[k] for k in grid} for row in table.to_dict("records")}
    if set(found) != set(expected) or any(not all(_same(found[c][k], v) for k, v in expected[c].items())
                                          for c in expected):
        raise ShippedFileError(f"{path} (config key tuning.results) holds the candidates {found}, but tuning.grid "
                               f"makes {expected}: it was tuned with another grid. {fix}")
    archs = sorted(set(table["architecture"]))
    if archs != sorted(tuning["architectures"]) or len(table) != len(expected) * len(archs):
        raise ShippedFileError(f"{path} (config key tuning.results) has results for {archs}, but tuning.architectures "
                               f"is {list(tuning['architectures'])}, one result each per candidate. {fix}")
    kept = [c for c, overrides in expected.items() if all(_same(training[k], v) for k, v in overrides.items())]
    if not kept:
        raise ShippedFileError(f"The profile's settings {({k: training[k] for k in grid})} are none of the candidates "
                               f"in {path} (config key tuning.results): these results did not choose them. Set the "
                               "training values to the candidate the table ranks first, or tune again. " + fix)
    return table.assign(kept=table["candidate"] == kept[0], seed=int(tuning["seed"]),
                        n_validation=validation_images(training), file=path, sha256=tuning["results_sha256"])


def fix_message(path: str, configfiles: list[str]) -> str:
    """What to do when the shipped tuning table is missing or changed: the command that makes it, and where it goes."""
    command = snakemake_command(configfiles, ["results/tuning/validation.csv"])
    return (f"To regenerate it, run `{command}` (every tuning.grid candidate is trained), copy "
            f"results/tuning/validation.csv to {path or 'the file tuning.results names'} and set "
            "tuning.results_sha256 to its `sha256sum`.")
