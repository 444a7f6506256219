"""Figures of the robustness evaluation: accuracy against perturbation strength, and what the
perturbed test digits and the resampled UCI digits look like. They read summarize_robustness' files."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from digitbench.plotting.style import PALETTE, TEXT_WIDTH_IN, clear_image_axes

UNITS = {"rotation": "rotation (degrees)", "shift": "shift (pixels)", "blur": "Gaussian blur σ (pixels)",
         "noise": "noise SD (share of full intensity)"}


def _curves(inputs: Mapping[str, str], family: str) -> plt.Figure:
    """Mean accuracy over seeds against strength, per architecture; band = range over seeds; strength 0 = clean.
    A cross marks a condition where a run collapsed onto one class (its accuracy is that class's share, not a
    graded score); the classical baselines are dashed grey references."""
    table = pd.read_csv(inputs["robustness"])
    cnn, refs = table[table["kind"] == "cnn"], table[table["kind"] == "baseline"]
    fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN * 0.75, 3.0), layout="constrained")
    for k, arch in enumerate(dict.fromkeys(cnn["architecture"])):
        t = cnn[(cnn["architecture"] == arch) & cnn["family"].isin(["clean", family])].sort_values("strength")
        colour = PALETTE[k % len(PALETTE)]
        ax.plot(t["strength"], t["accuracy"], marker="o", ms=3, color=colour,
                label=f"{arch} (n = {int(t['n_seeds'].iloc[0])})")
        ax.fill_between(t["strength"], t["min"], t["max"], color=colour, alpha=0.2, lw=0)
        hit = t[t["n_collapsed"] > 0]
        ax.plot(hit["strength"], hit["accuracy"], ls="none", marker="x", ms=7, mew=1.5, color=colour)
    for k, model in enumerate(dict.fromkeys(refs["architecture"])):
        t = refs[(refs["architecture"] == model) & refs["family"].isin(["clean", family])].sort_values("strength")
        ax.plot(t["strength"], t["accuracy"], ls=("--", "-.")[k % 2], color="0.45", lw=1, label=f"{model} (reference)")
    if (cnn[cnn["family"] == family]["n_collapsed"] > 0).any():
        ax.plot([], [], ls="none", marker="x", color="0.3", label="a run collapsed onto one class")
    ax.set_xlabel(UNITS[family])
    ax.set_ylabel("test accuracy")
    ax.set_ylim(0, 1.02)
    ax.axhline(0.1, color="0.6", lw=0.8, ls=":")  # chance level of ten classes
    ax.legend(frameon=False, fontsize=7)
    return fig


def rotation(inputs: Mapping[str, str]) -> plt.Figure:
    """Accuracy on rotated test digits."""
    return _curves(inputs, "rotation")


def shift(inputs: Mapping[str, str]) -> plt.Figure:
    """Accuracy on shifted test digits."""
    return _curves(inputs, "shift")


def blur(inputs: Mapping[str, str]) -> plt.Figure:
    """Accuracy on blurred test digits."""
    return _curves(inputs, "blur")


def noise(inputs: Mapping[str, str]) -> plt.Figure:
    """Accuracy on test digits with added Gaussian noise."""
    return _curves(inputs, "noise")


def examples(inputs: Mapping[str, str]) -> plt.Figure:
    """One test digit under every condition: a row per family, a column per strength (first column clean)."""
    with np.load(inputs["robustness_examples"]) as z:
        family, strength, images = z["family"], z["strength"], z["perturbed"][:, 0]
    families = [f for f in dict.fromkeys(family) if f != "clean"]
    cols = 1 + max(int(np.sum(family == f)) for f in families)
    cell = min(1.0, TEXT_WIDTH_IN / cols)
    fig, axes = plt.subplots(len(families), cols, figsize=(cell * cols, cell * len(families) + 0.3),
                             layout="constrained", squeeze=False)
    for row, f in zip(axes, families):
        picks = [0] + list(np.flatnonzero(family == f))
        for ax, i in zip(row, picks + [None] * (cols - len(picks))):
            if i is not None:
                ax.imshow(images[i], cmap="gray_r", vmin=0, vmax=255)
                ax.set_title("clean" if i == 0 else f"{f} {strength[i]:g}", fontsize=7)
            clear_image_axes(ax)
    return fig


def uci_examples(inputs: Mapping[str, str]) -> plt.Figure:
    """The first UCI digit of each class: the 8 x 8 original above, resampled to MNIST's 28 x 28 below."""
    with np.load(inputs["robustness_examples"]) as z:
        original, resampled = z["uci_original"], z["uci_resampled"]
    cell = TEXT_WIDTH_IN / 10
    fig, axes = plt.subplots(2, 10, figsize=(TEXT_WIDTH_IN, 2 * cell + 0.4), layout="constrained")
    for d in range(10):
        axes[0, d].imshow(original[d], cmap="gray_r", vmin=0, vmax=16)
        axes[1, d].imshow(resampled[d], cmap="gray_r", vmin=0, vmax=255)
        axes[0, d].set_title(str(d), fontsize=8)
        for ax in axes[:, d]:
            clear_image_axes(ax)
    axes[0, 0].set_ylabel("8 × 8", fontsize=7)
    axes[1, 0].set_ylabel("28 × 28", fontsize=7)
    return fig


LABEL_IN = 1.0  # room left of the tiles for an architecture's name, written across, not up


def _row_label(ax: plt.Axes, text: str) -> None:
    ax.set_ylabel(text, fontsize=6.5, rotation=0, ha="right", va="center")


def _heat(ax: plt.Axes, image: np.ndarray, heat: np.ndarray, limit: float) -> None:
    ax.imshow(image, cmap="gray_r", vmin=0, vmax=255)
    ax.imshow(heat, cmap="RdBu_r", vmin=-limit, vmax=limit, alpha=0.6)
    clear_image_axes(ax)


def _colour_scale(fig: plt.Figure, axes: np.ndarray, limit: float) -> None:
    """One colour bar for all tiles: they share the symmetric scale ``[-limit, limit]``. Drawn without the
    overlay's transparency, so the bar shows the map's values, not the blend with the digit."""
    scale = plt.cm.ScalarMappable(norm=mcolors.Normalize(-limit, limit), cmap="RdBu_r")
    bar = fig.colorbar(scale, ax=axes, shrink=0.8, aspect=30, pad=0.01)
    bar.set_label("drop in true-class probability", fontsize=6.5)
    bar.ax.tick_params(labelsize=6)


def occlusion_examples(inputs: Mapping[str, str]) -> plt.Figure:
    """Occlusion maps of the shown digits (columns) for every architecture (rows), means over seeds: red where
    hiding the pixel lowers the true class's probability; the title counts the runs that got the digit wrong."""
    with np.load(inputs["occlusion"]) as z:
        archs, images, y, maps, wrong, seeds, picks = (z["architectures"], z["images"], z["y_true"], z["maps"],
                                                        z["wrong"], z["n_seeds"], z["examples"])
    if len(picks) == 0:
        picks = np.arange(min(4, len(y)))
    limit = max(float(np.abs(maps[:, picks]).max()), 1e-6)
    cell = min(0.85, (TEXT_WIDTH_IN - LABEL_IN) / len(picks))
    fig, axes = plt.subplots(len(archs), len(picks), figsize=(cell * len(picks) + LABEL_IN, cell * len(archs) + 0.3),
                             layout="constrained", squeeze=False)
    for i, arch in enumerate(archs):
        for j, k in enumerate(picks):
            _heat(axes[i, j], images[k], maps[i, k], limit)
            axes[i, j].set_title(f"{y[k]}: {wrong[i, k]}/{seeds[i]} wrong", fontsize=6.5)
        _row_label(axes[i, 0], str(arch))
    _colour_scale(fig, axes, limit)
    return fig


def occlusion_class_means(inputs: Mapping[str, str]) -> plt.Figure:
    """Mean occlusion map of each digit class (columns) for every architecture (rows), over the shown digits
    and seeds, drawn on the class's mean image."""
    with np.load(inputs["occlusion"]) as z:
        archs, images, y, class_maps = z["architectures"], z["images"], z["y_true"], z["class_maps"]
    limit = max(float(np.abs(class_maps).max()), 1e-6)
    cell = (TEXT_WIDTH_IN - LABEL_IN) / 10
    fig, axes = plt.subplots(len(archs), 10, figsize=(TEXT_WIDTH_IN, cell * len(archs) + 0.3),
                             layout="constrained", squeeze=False)
    for i, arch in enumerate(archs):
        for d in range(10):
            _heat(axes[i, d], images[y == d].mean(axis=0), class_maps[i, d], limit)
            if i == 0:
                axes[i, d].set_title(str(d), fontsize=7)
        _row_label(axes[i, 0], str(arch))
    _colour_scale(fig, axes, limit)
    return fig
