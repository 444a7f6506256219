"""Shared figure style and saving. Imports matplotlib only (never a deep-learning framework)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # rules run headless
import matplotlib.pyplot as plt  # noqa: E402

from digitbench.atomic import write_atomic  # noqa: E402
from digitbench.palette import PALETTE  # noqa: E402,F401 -- the plotting modules take it from here
PNG_DPI = 200


# The width a figure is shown at: the PDF's text column (A4, 2.5 cm margins), about the HTML's too.
# A wider figure is scaled down, and its text with it (tests/test_plotting.py holds text to >= 6 pt).
TEXT_WIDTH_IN = 6.3


def apply_style() -> None:
    """Set one consistent look for every figure of the report."""
    plt.rcParams.update(
        {
            "figure.dpi": 100,
            "font.size": 9,
            "axes.titlesize": 10,
            "axes.labelsize": 9,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
            "savefig.bbox": "tight",
            "pdf.fonttype": 42,
        }
    )


def clear_image_axes(ax: plt.Axes) -> None:
    """An image tile: no ticks, grid or frame (a row label set with ``set_ylabel`` still shows)."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)


def save_figure(fig: plt.Figure, paths: Iterable[str | Path]) -> None:
    """Save ``fig`` to every path (format from the extension), atomically, then close it.

    A figure interrupted half-way must not look finished to Snakemake or to a reader, so each
    file is written under a temporary name and renamed.
    """
    for path in map(Path, paths):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Fixed metadata keeps PDFs byte-identical across reruns of the same data.
        meta = {"CreationDate": None} if path.suffix == ".pdf" else {}
        write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=PNG_DPI, metadata=meta))
    plt.close(fig)
