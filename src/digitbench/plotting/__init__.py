"""Figure registry: every figure of the report is one function of its input files.

The figure rules look the plotting function up here by name; rules and registry are both generated
from :mod:`digitbench.figure_table`, so adding a figure means one function and one table row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt

from digitbench.figure_table import FIGURES as TABLE
# Imported by name, not looked up by string: the figure rules' code inputs follow these imports.
from digitbench.plotting import baselines, benchmark, cnn, eda, robustness, stats
from digitbench.plotting.style import apply_style, save_figure

_FAMILIES = {module.__name__.rpartition(".")[2]: module for module in (baselines, benchmark, cnn, eda, robustness, stats)}

# Generated from the table (digitbench.figure_table), which the figure rules are made from too.
FIGURES: dict[str, Callable[[Mapping[str, str]], plt.Figure]] = {
    name: getattr(_FAMILIES[spec.draw.partition(".")[0]], spec.draw.partition(".")[2]) for name, spec in TABLE.items()
}


def plot(name: str, inputs: Mapping[str, str], outputs: list[str]) -> None:
    """Draw figure ``name`` from ``inputs`` and save it to every path in ``outputs``."""
    if name not in FIGURES:
        raise ValueError(f"Unknown figure; expected one of {', '.join(sorted(FIGURES))}. Received: {name}")
    apply_style()
    save_figure(FIGURES[name](inputs), outputs)
