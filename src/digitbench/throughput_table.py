"""The throughput benchmark's table, without Keras: collecting it must not pay for a backend import."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

COLUMNS = ["architecture", "pipeline", "backend", "device", "batch_size", "steps", "repeats", "compiled",
           "images_per_second", "ratio_to_notebook", "ratio_to_ceiling"]


def with_ratios(rows: Iterable[dict]) -> pd.DataFrame:
    """The throughput table: each pipeline's rate divided by the notebook's and by the ceiling's."""
    df = pd.DataFrame(list(rows))
    key = ["architecture", "backend", "device", "batch_size"]
    ref = df.pivot_table(index=key, columns="pipeline", values="images_per_second")
    df = df.join(ref[["notebook_cpu", "no_augmentation"]], on=key)
    df["ratio_to_notebook"] = df["images_per_second"] / df.pop("notebook_cpu")
    df["ratio_to_ceiling"] = df["images_per_second"] / df.pop("no_augmentation")
    return df[COLUMNS]


def combine(paths: Iterable[str]) -> pd.DataFrame:
    """One table from the per-backend files, in the order given."""
    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)[COLUMNS]
