"""The figures' colours, shared by the static (matplotlib) and the interactive (plotly) figures.

Kept apart from both plotting packages so that neither imports the other's library to agree on colour.
"""

from __future__ import annotations

PALETTE = ["#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]


def colours(names: list[str]) -> dict[str, str]:
    """One palette colour per name, in order (cycling after eight)."""
    return {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
