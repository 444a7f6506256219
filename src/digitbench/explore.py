"""A finished results folder for interactive exploration (``notebooks/explore_results.ipynb``).

The runs, one run's test predictions with the images they are of, and two runs compared item by
item. Everything goes through the functions the workflow's own rules call (``cnn_results``,
``stats.predictions``, ``stats.tests``, ``data``, ``preprocess``), with the config that made the
folder, so a notebook shows what the report was computed from. No deep-learning import;
matplotlib only inside :func:`plot_disagreements`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from digitbench.cnn_results import collect_runs
from digitbench.config import layered_config, load_schema
from digitbench.data import load_npz
from digitbench.preprocess import subsample_test_set
from digitbench.stats.predictions import Predictions, check_aligned, load_predictions
from digitbench.stats.tests import mcnemar
from digitbench.workdir import STAMP, snakemake_command

SCHEMA = Path("workflow/schemas/config.schema.yaml")
MNIST = Path("resources/mnist/mnist.npz")  # rule download_mnist's output, whatever the source


@dataclass(frozen=True)
class ResultsFolder:
    """A results folder and the validated config of the run that wrote it.

    Attributes:
        results: The results folder (``results/`` or a renamed copy such as ``results-quick/``).
        root: The project directory the workflow ran in (``results``' parent): config files and
            ``resources/mnist/mnist.npz`` are relative to it.
        configfiles: The ``--configfile`` files layered over ``config/config.yaml``.
        config: The config with the schema's defaults filled in.
    """

    results: Path
    root: Path
    configfiles: tuple[str, ...]
    config: dict[str, Any]

    @property
    def architectures(self) -> list[str]:
        """Architectures in config order."""
        return list(self.config["training"]["architectures"])

    @property
    def seeds(self) -> list[int]:
        """Training seeds in config order."""
        return [int(s) for s in self.config["training"]["seeds"]]

    @property
    def run_keys(self) -> list[tuple[str, int]]:
        """Every (architecture, seed), in the order the workflow expands them."""
        return [(a, s) for a in self.architectures for s in self.seeds]

    def run_file(self, architecture: str, seed: int, name: str) -> Path:
        """One file a training job wrote (``metrics.json``, ``predictions.npz``, ``history.csv``)."""
        return self.results / "models" / architecture / f"seed{seed}" / name

    def not_found(self, path: Path) -> FileNotFoundError:
        """The error for a result that is not there, with the command that makes it."""
        target = path.relative_to(self.root) if path.is_relative_to(self.root) else path
        return FileNotFoundError(f"{path} does not exist; this folder's run has not written it yet. Make it with "
                                 f"{snakemake_command(self.configfiles, [str(target)])}")


def open_results(results: str | Path, configfiles: Sequence[str] | None = None) -> ResultsFolder:
    """Open a finished results folder with the config that made it.

    Args:
        results: The results folder (its parent is the project directory the workflow ran in).
        configfiles: The run's ``--configfile`` files, relative to the project directory; by
            default those the folder's profile stamp (``.profile.json``) records.

    Returns:
        The folder, with its config layered as Snakemake layers it and completed with defaults.

    Raises:
        ValueError: ``results`` holds no training results, or has no stamp and no config files were given.
    """
    results = Path(results).resolve()
    if not (results / "models").is_dir():
        raise ValueError(f"results must be a workflow's results folder (with models/ in it). Received: {results}")
    root = results.parent
    if configfiles is None:
        stamp = results / STAMP.name
        if not stamp.is_file():
            raise ValueError(f"{stamp} is missing, so the run's config files are unknown; pass configfiles "
                             f"(e.g. ['config/quick.yaml']). Received: {results}")
        configfiles = json.loads(stamp.read_text(encoding="utf-8")).get("configfiles", [])
    # The project's own schema made the results; a results folder copied out of its project falls
    # back to the schema of this package's repository.
    schema = next((p for p in (root / SCHEMA, Path(__file__).resolve().parents[2] / SCHEMA) if p.is_file()), None)
    if schema is None:
        raise ValueError(f"no {SCHEMA} in the project directory or beside this package, so the config's defaults are "
                         f"unknown. Received: {results}")
    config = layered_config([root / "config/config.yaml", *(root / f for f in configfiles)], load_schema(schema),
                            " + ".join(["config/config.yaml", *configfiles]))
    return ResultsFolder(results, root, tuple(str(f) for f in configfiles), config)


def runs_table(folder: ResultsFolder) -> pd.DataFrame:
    """One row per training run (``cnn_results.RUN_COLUMNS`` and ``run``, e.g. ``se_cnn/seed1``), in config order.

    Raises:
        FileNotFoundError: A configured run has no ``metrics.json``; the message gives the command.
    """
    paths = [folder.run_file(a, s, "metrics.json") for a, s in folder.run_keys]
    for path in paths:
        if not path.is_file():
            raise folder.not_found(path)
    runs = collect_runs(paths)
    order = {a: i for i, a in enumerate(folder.architectures)}
    runs = runs.sort_values(["architecture", "seed"], key=lambda c: c.map(order) if c.name == "architecture" else c,
                            ignore_index=True)
    runs.insert(0, "run", [f"{a}/seed{s}" for a, s in zip(runs["architecture"], runs["seed"])])
    return runs


def load_run(folder: ResultsFolder, architecture: str, seed: int) -> Predictions:
    """One run's test-set predictions (labels and class probabilities), named ``<architecture>/seed<seed>``.

    Raises:
        ValueError: The run is not one of the config's (architecture, seed) pairs.
        FileNotFoundError: Its ``predictions.npz`` is missing; the message gives the command.
    """
    if (architecture, int(seed)) not in folder.run_keys:
        runs = ", ".join(f"{a}/seed{s}" for a, s in folder.run_keys)
        raise ValueError(f"architecture and seed must be a run of this folder's config ({runs}). "
                         f"Received: {architecture}/seed{seed}")
    path = folder.run_file(architecture, int(seed), "predictions.npz")
    if not path.is_file():
        raise folder.not_found(path)
    return load_predictions(path, f"{architecture}/seed{seed}", "cnn", architecture, int(seed))


def default_pair(folder: ResultsFolder) -> tuple[tuple[str, int], tuple[str, int]]:
    """Two runs worth comparing on any profile: the first two architectures at the first seed, or, with a
    single architecture, its first two seeds.

    Raises:
        ValueError: The config has a single run.
    """
    archs, seeds = folder.architectures, folder.seeds
    if len(archs) >= 2:
        return (archs[0], seeds[0]), (archs[1], seeds[0])
    if len(seeds) >= 2:
        return (archs[0], seeds[0]), (archs[0], seeds[1])
    raise ValueError(f"comparing runs needs two of them; the config has one. Received: {folder.run_keys}")


def load_test_images(folder: ResultsFolder, runs: Sequence[Predictions] = ()) -> np.ndarray:
    """The test images every run was evaluated on, item i being item i of each run's predictions.

    Loaded and verified as the rules load them (``data.load_npz``), cut to the config's
    ``data.test_size`` with the study seed (``preprocess.subsample_test_set``).

    Args:
        folder: The results folder.
        runs: Predictions whose labels must match the images' labels, item by item.

    Raises:
        FileNotFoundError: The project has no ``resources/mnist/mnist.npz``.
        ValueError: The labels differ from a run's (other data or another test subset than the run's).
    """
    path = folder.root / MNIST
    if not path.is_file():
        raise folder.not_found(path)
    size = folder.config["data"]["test_size"]
    arrays = subsample_test_set(load_npz(path), size, folder.config["seed"] if size else None)
    for run in runs:
        if not np.array_equal(arrays["y_test"], run.y_true):
            raise ValueError(f"the test labels of {path} (data.test_size {size}, seed {folder.config['seed']}) differ "
                             f"from those of {run.name}; was the folder made with other config files? "
                             f"Received: {run.source}")
    return arrays["x_test"]


@dataclass(frozen=True)
class Comparison:
    """Two runs on the same test items.

    Attributes:
        a, b: The runs' predictions.
        table: 2x2 counts of items each run got right or wrong (rows: ``a``, columns: ``b``).
        test: Exact McNemar test of equal error rates (``stats.tests.mcnemar``: counts, ``statistic``, ``p``).
        disagreements: The items the runs predict differently (see :func:`compare_runs`).
    """

    a: Predictions
    b: Predictions
    table: pd.DataFrame
    test: dict[str, Any]
    disagreements: pd.DataFrame


def compare_runs(a: Predictions, b: Predictions) -> Comparison:
    """Contingency table, exact McNemar test and disagreements of two runs.

    ``disagreements`` has one row per item whose predicted digits differ: ``item`` (index into the
    test set), ``label``, ``pred_a``, ``proba_a`` (``a``'s probability of its prediction),
    ``pred_b``, ``proba_b`` and ``right`` (``a.name``, ``b.name`` or ``neither``). Items exactly one
    run gets right (those McNemar's test counts) come first, then those both get wrong; by item within.

    Raises:
        PredictionsError: The runs were not scored on the same test items.
    """
    check_aligned([a, b])
    # Exact at any count: with discordant < exact_below the binomial test is used.
    test = mcnemar(a.correct, b.correct, exact_below=len(a.y_true) + 1)
    table = pd.DataFrame([[test["both_correct"], test["only_a_correct"]], [test["only_b_correct"], test["both_wrong"]]],
                         index=pd.Index(["right", "wrong"], name=a.name),
                         columns=pd.Index(["right", "wrong"], name=b.name))
    items = np.flatnonzero(a.y_pred != b.y_pred)
    right = np.where(a.correct[items], a.name, np.where(b.correct[items], b.name, "neither"))
    rows = pd.DataFrame({"item": items, "label": a.y_true[items], "pred_a": a.y_pred[items],
                         "proba_a": a.proba[items, a.y_pred[items]], "pred_b": b.y_pred[items],
                         "proba_b": b.proba[items, b.y_pred[items]], "right": right})
    rows = rows.sort_values(["right", "item"], key=lambda c: c.eq("neither") if c.name == "right" else c,
                            kind="stable", ignore_index=True)
    return Comparison(a, b, table, test, rows)


def plot_disagreements(comparison: Comparison, images: np.ndarray, max_items: int = 24, columns: int = 8):
    """A grid of the first ``max_items`` disagreements: each image with its label and both runs' predictions.

    Args:
        comparison: From :func:`compare_runs`.
        images: The test images (:func:`load_test_images`), indexed by ``item``.
        max_items: Tiles at most.
        columns: Tiles per row.

    Returns:
        The matplotlib figure (``A`` is ``comparison.a``, ``B`` ``comparison.b``, named in the title).

    Raises:
        ValueError: ``max_items`` or ``columns`` is below 1, or ``images`` does not cover the test items.
    """
    import matplotlib.pyplot as plt  # only here: the rest of the module is tables

    if max_items < 1 or columns < 1:
        raise ValueError(f"max_items and columns must be at least 1. Received: {max_items}, {columns}")
    if len(images) != len(comparison.a.y_true):
        raise ValueError(f"images must be the {len(comparison.a.y_true)} test images of the runs. "
                         f"Received: {len(images)} images")
    shown = comparison.disagreements.head(max_items)
    cols = max(1, min(columns, len(shown)))
    rows = max(1, -(-len(shown) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols, 1.75 * rows + 0.4), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, r in zip(axes.flat, shown.itertuples()):
        ax.imshow(images[r.item], cmap="gray_r")
        ax.set_title(f"#{r.item} true {r.label}\nA {r.pred_a} ({r.proba_a:.2f})\nB {r.pred_b} ({r.proba_b:.2f})",
                     fontsize=7, color="black" if r.right == "neither" else "#C44E52" if r.right == comparison.b.name
                     else "#4C72B0")
    if shown.empty:
        axes[0, 0].text(0.5, 0.5, "the runs never disagree", ha="center", va="center")
    fig.suptitle(f"A = {comparison.a.name}, B = {comparison.b.name}: {len(shown)} of "
                 f"{len(comparison.disagreements)} disagreements (blue: A right, red: B right, black: neither)",
                 fontsize=8)
    fig.tight_layout()
    return fig


def seed_summary(folder: ResultsFolder, metric: str = "accuracy") -> pd.DataFrame:
    """Mean, SD, min, max and n over seeds of one metric per architecture (``stats/seed_summary.csv``), in config order.

    Raises:
        FileNotFoundError: The statistics have not been computed yet; the message gives the command.
        ValueError: The file has no rows of ``metric``.
    """
    path = folder.results / "stats/seed_summary.csv"
    if not path.is_file():
        raise folder.not_found(path)
    table = pd.read_csv(path)
    rows = table[table["metric"] == metric].drop(columns="metric")
    if rows.empty:
        raise ValueError(f"metric must be one of {', '.join(dict.fromkeys(table['metric']))}. Received: {metric}")
    order = {a: i for i, a in enumerate(folder.architectures)}
    return rows.sort_values("architecture", key=lambda c: c.map(order), ignore_index=True)
