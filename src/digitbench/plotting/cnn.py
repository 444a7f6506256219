"""Figures of the CNN study; each reads the summary tables of the training jobs, never a model."""

from __future__ import annotations

import json
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from matplotlib.ticker import MaxNLocator

from digitbench.palette import colours as palette_colours
from digitbench.plotting.style import TEXT_WIDTH_IN, clear_image_axes


def _epoch_axis(ax: plt.Axes, epochs: pd.Series) -> None:
    """Whole epochs on the x axis; with one or two epochs matplotlib would tick fractions, overprinted."""
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    first, last = int(epochs.min()), int(epochs.max())
    if last - first < 2:
        ax.set_xlim(first - 0.5, last + 0.5)
        ax.set_xticks(range(first, last + 1))


def learning_curves(inputs: Mapping[str, str]) -> plt.Figure:
    """Validation accuracy and training loss per epoch: mean over seeds, band = range over seeds."""
    h = pd.read_csv(inputs["histories"])
    archs = list(dict.fromkeys(h["architecture"]))
    colours = palette_colours(archs)
    fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 3.3), layout="constrained")
    for arch in archs:
        g = h[h["architecture"] == arch].groupby("epoch")
        n = h.loc[h["architecture"] == arch, "seed"].nunique()
        for ax, col in zip(axes, ("val_accuracy", "loss")):
            mean, lo, hi = g[col].mean(), g[col].min(), g[col].max()
            # Markers where a line has too few points to be seen (a one-epoch run is one point).
            ax.plot(mean.index, mean, color=colours[arch], label=f"{arch} (n = {n})",
                    marker="o" if len(mean) < 3 else None, ms=3)
            ax.fill_between(mean.index, lo, hi, color=colours[arch], alpha=0.2, lw=0)
    axes[0].set_ylabel("validation accuracy")
    axes[1].set_ylabel("training loss")
    for ax in axes:
        _epoch_axis(ax, h["epoch"])
    # Below the panels: inside, the legend covered the curves of the first epochs.
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncols=min(len(archs), 3),
               frameon=False, fontsize=7)
    return fig


def lr_schedule(inputs: Mapping[str, str]) -> plt.Figure:
    """Learning rate actually used in each epoch (warm-up, cosine, plateau reductions), per architecture."""
    h = pd.read_csv(inputs["histories"])
    archs = list(dict.fromkeys(h["architecture"]))
    colours = palette_colours(archs)
    fig, ax = plt.subplots(figsize=(5.5, 3))
    # Architectures whose schedules are identical (no plateau reduction fired) share one line: five
    # lines drawn on top of each other look like one line with a confusing legend.
    groups: dict[tuple, list[str]] = {}
    for arch in archs:
        g = h[h["architecture"] == arch].groupby("epoch")["lr"].mean()
        groups.setdefault(tuple(zip(g.index, g.round(12))), []).append(arch)
    for series, members in groups.items():
        epochs, lrs = zip(*series)
        label = (members[0] if len(members) == 1 else f"all {len(members)} architectures (identical)"
                 if len(members) == len(archs) else f"{', '.join(members)} (identical)")
        ax.plot(epochs, lrs, marker="o", ms=3, color=colours[members[0]], label=label)
    ax.set_yscale("log")
    _epoch_axis(ax, h["epoch"])
    ax.set_ylabel("learning rate (mean over seeds)")
    ax.legend(frameon=False, fontsize=7)
    return fig


def _tradeoff(inputs: Mapping[str, str], x: str, xlabel: str, log_x: bool) -> plt.Figure:
    s = pd.read_csv(inputs["summary"])
    colours = palette_colours(list(s["architecture"]))
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    for _, row in s.iterrows():
        xerr = row.get(f"{x}_sd") if x != "parameters" else None
        ax.errorbar(row[x if x == "parameters" else f"{x}_mean"], row["accuracy_mean"], yerr=row["accuracy_sd"],
                    xerr=xerr, fmt="o", color=colours[row["architecture"]], capsize=3,
                    label=f"{row['architecture']} (n = {int(row['n_seeds'])})")
    if log_x:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test accuracy (mean ± SD over seeds)")
    fig.legend(loc="outside lower center", ncols=3, frameon=False, fontsize=7)
    return fig


def accuracy_vs_parameters(inputs: Mapping[str, str]) -> plt.Figure:
    """Mean test accuracy against parameter count."""
    return _tradeoff(inputs, "parameters", "parameters", log_x=True)


def accuracy_vs_time(inputs: Mapping[str, str]) -> plt.Figure:
    """Mean test accuracy against training time."""
    return _tradeoff(inputs, "training_seconds", "training time per run (s)", log_x=False)


def confusion_best(inputs: Mapping[str, str]) -> plt.Figure:
    """Test confusion matrix of the best architecture, summed over its seeds."""
    import seaborn as sns

    cm = pd.read_csv(inputs["confusion_best"], index_col=0)
    with open(inputs["best"], encoding="utf-8") as fh:
        best = json.load(fh)
    fig, ax = plt.subplots(figsize=(4.8, 4.0))
    sns.heatmap(cm, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax, annot_kws={"fontsize": 7}, square=True,
                norm=plt.matplotlib.colors.LogNorm(vmin=1, vmax=max(int(cm.to_numpy().max()), 2)))
    ax.set_title(f"{best['architecture']}, summed over {best['n_seeds']} seeds", fontsize=9)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.tick_params(axis="y", labelrotation=0)
    return fig


def per_class_f1(inputs: Mapping[str, str]) -> plt.Figure:
    """Per-digit test F1 of every model: CNNs averaged over seeds, and the baselines."""
    import seaborn as sns

    cnn = pd.read_csv(inputs["cnn_per_class"]).groupby(["architecture", "digit"])["f1"].mean().unstack()
    cnn = cnn.loc[list(dict.fromkeys(pd.read_csv(inputs["cnn_per_class"])["architecture"]))]
    base = pd.read_csv(inputs["baseline_per_class"]).pivot(index="label", columns="digit", values="f1")
    table = pd.concat([cnn, base])
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(table) + 1.2))
    sns.heatmap(table, annot=True, fmt=".3f", cmap="viridis", ax=ax, annot_kws={"fontsize": 7},
                cbar_kws={"label": "test F1"})
    ax.set_xlabel("digit")
    ax.set_ylabel("")
    return fig


def confident_errors(inputs: Mapping[str, str]) -> plt.Figure:
    """The best architecture's most confident test errors: image, true and predicted digit, confidence."""
    with np.load(inputs["errors"]) as e:
        images, true, pred, conf = e["images"], e["true"], e["pred"], e["confidence"]
    n = max(len(images), 1)
    cols = min(8, n)
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.25 * cols, 1.55 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, t, p, c in zip(axes.flat, images, true, pred, conf):
        ax.imshow(img, cmap="gray_r")
        ax.set_title(f"true {t}, pred {p}\n{c:.3f}", fontsize=7)
    if len(images) == 0:
        axes[0, 0].text(0.5, 0.5, "no test errors", ha="center", va="center")
    return fig


def augmentation(inputs: Mapping[str, str]) -> plt.Figure:
    """Each chosen digit's training image followed by its augmented versions."""
    with np.load(inputs["examples"]) as a:
        examples, digits = a["examples"], a["digits"]
    rows, cols = examples.shape[:2]
    cell = min(1.1, TEXT_WIDTH_IN / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(cell * cols, cell * rows + 0.3), squeeze=False)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(examples[r, c], cmap="gray_r", vmin=0, vmax=max(1.0, float(examples.max())))
            clear_image_axes(ax)
            if r == 0:  # one header row: the same titles on every row only crowded the grid
                ax.set_title("original" if c == 0 else f"draw {c}", fontsize=7)
        axes[r, 0].set_ylabel(f"digit {digits[r]}")
    return fig
