"""Interactive versions of report figures, for the HTML report (the PDF keeps each static twin).

Each function here is named in the figure table (``digitbench.figure_table``, field ``interactive``)
next to its static twin and reads the same results files. It returns an HTML fragment: the plotly
figure's ``<div>`` and the script that draws it, without plotly.js itself, which the report embeds once
(:func:`digitbench.interactive.html.plotly_library`), so the HTML works offline. Nothing here imports
matplotlib or a Keras backend.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from digitbench.figure_table import FIGURES as TABLE
# Imported by name, not looked up by string: the rules' code inputs follow these imports.
from digitbench.interactive import baselines, cnn

_FAMILIES = {"baselines": baselines, "cnn": cnn}

FIGURES: dict[str, Callable[[str, Mapping[str, str]], str]] = {
    name: getattr(_FAMILIES[spec.interactive.partition(".")[0]], spec.interactive.partition(".")[2])
    for name, spec in TABLE.items() if spec.interactive
}


def draw(name: str, inputs: Mapping[str, str], stem: str | None = None) -> str:
    """The interactive fragment of the figure ``name``, from the rule's named inputs.

    Args:
        name: Figure name in the figure table.
        inputs: The rule's named inputs.
        stem: The file's stem, for a figure drawn per wildcard value (``baseline_confusion_logreg``);
            it names the element in the page. Default: ``name``.

    Raises:
        ValueError: The figure has no interactive version in the figure table.
    """
    if name not in FIGURES:
        raise ValueError(f"Figure has no interactive version; expected one of {', '.join(sorted(FIGURES))}. "
                         f"Received: {name}")
    return FIGURES[name](stem or name, inputs)


def write(name: str, inputs: Mapping[str, str], output: str | Path, stem: str | None = None) -> None:
    """Draw the figure ``name`` and write its HTML fragment to ``output``."""
    Path(output).write_text(draw(name, inputs, stem), encoding="utf-8")
