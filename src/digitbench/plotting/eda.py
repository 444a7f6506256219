"""Figures of the exploratory analysis; each reads the EDA rule's CSV/NPZ outputs."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from digitbench.plotting.style import TEXT_WIDTH_IN, clear_image_axes


def _arrays(inputs: Mapping[str, str]) -> dict[str, np.ndarray]:
    with np.load(inputs["arrays"]) as data:
        return {k: data[k] for k in data.files}


def _image_grid(images: np.ndarray, titles: list[str], ncols: int, cmap: str,
                colorbar: str | None = None) -> plt.Figure:
    # colorbar: the label of a shared colour bar (None: no colour bar).
    nrows = int(np.ceil(len(images) / ncols))
    cell = min(1.3, (TEXT_WIDTH_IN - (0.6 if colorbar else 0)) / ncols)  # the grid fits the text width
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell * ncols + (0.6 if colorbar else 0), (cell + 0.15) * nrows),
                             squeeze=False)
    vmin, vmax = float(images.min()), float(images.max())
    for ax, img, title in zip(axes.flat, images, titles):
        im = ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax)
        ax.set_title(title, fontsize=8)
    for ax in axes.flat:
        clear_image_axes(ax)
    if colorbar:
        fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.8, label=colorbar)
    return fig


def class_distribution(inputs: Mapping[str, str]) -> plt.Figure:
    """Bar chart of the share of each digit in the training and test sets."""
    df = pd.read_csv(inputs["class_distribution"])
    fig, ax = plt.subplots(figsize=(6, 2.8))
    width = 0.4
    ax.bar(df["digit"] - width / 2, df["train_pct"], width, label=f"train (n = {df['train_count'].sum():,})")
    ax.bar(df["digit"] + width / 2, df["test_pct"], width, label=f"test (n = {df['test_count'].sum():,})")
    ax.axhline(10, color="0.3", lw=0.8, ls="--", label="uniform (10%)")
    ax.set_xticks(df["digit"])
    ax.set_xlabel("digit")
    ax.set_ylabel("share of images (%)")
    ax.legend(frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return fig


def mean_images(inputs: Mapping[str, str]) -> plt.Figure:
    """Mean training image of each digit."""
    arr = _arrays(inputs)
    return _image_grid(arr["mean_images"], [f"{d}" for d in range(10)], 5, "viridis",
                       colorbar="mean pixel intensity (0-255)")


def std_images(inputs: Mapping[str, str]) -> plt.Figure:
    """Pixel-wise standard deviation of the training images of each digit."""
    arr = _arrays(inputs)
    return _image_grid(arr["std_images"], [f"{d}" for d in range(10)], 5, "magma",
                       colorbar="SD of pixel intensity (0-255)")


def pixel_variance(inputs: Mapping[str, str]) -> plt.Figure:
    """Pixel-variance map with the most/least variable pixels marked, and the variance histogram."""
    arr = _arrays(inputs)
    var = arr["pixel_variance"]
    most, least = arr["most_variable"], arr["least_variable"]
    n = len(most)
    fig, (ax_map, ax_hist) = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 3.2), gridspec_kw={"width_ratios": [1, 1.3]},
                                          layout="constrained")
    im = ax_map.imshow(var, cmap="hot")
    for idx, colour, label in ((most, "#00d5ff", f"{n} most variable"), (least, "#2ca02c", f"{n} least variable")):
        rows, cols = np.unravel_index(idx, var.shape)
        ax_map.scatter(cols, rows, s=6, marker="s", facecolors="none", edgecolors=colour, linewidths=0.6, label=label)
    clear_image_axes(ax_map)
    ax_map.legend(frameon=False, fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2)
    fig.colorbar(im, ax=ax_map, shrink=0.8, label="variance", pad=0.02)
    flat = var.ravel()
    ax_hist.hist(flat, bins=50, color="#8172B3", alpha=0.85)
    ax_hist.axvline(flat[most].min(), color="#C44E52", ls="--", label=f"threshold of the {n} most variable")
    ax_hist.axvline(flat[least].max(), color="#4C72B0", ls="--", label=f"threshold of the {n} least variable")
    ax_hist.set_xlabel("pixel variance (intensity$^2$)")
    ax_hist.set_ylabel("number of pixels")
    ax_hist.legend(frameon=False, fontsize=7)
    return fig


def sample_grid(inputs: Mapping[str, str]) -> plt.Figure:
    """The first training image of each digit."""
    arr = _arrays(inputs)
    return _image_grid(arr["sample_images"], [f"label {int(y)}" for y in arr["sample_labels"]], 5, "gray_r")


def digit_variations(inputs: Mapping[str, str]) -> plt.Figure:
    """The first 16 training images of one digit."""
    arr = _arrays(inputs)
    images = arr["variation_images"]
    return _image_grid(images, [f"#{i + 1}" for i in range(len(images))], 8, "gray_r")
