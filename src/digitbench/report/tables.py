"""Markdown pipe tables in Quarto's syntax, with a caption line carrying the ``#tbl-`` label."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

Formatter = Callable[[object], str]


def fmt_int(value: object) -> str:
    """Integer with thousands separators."""
    return f"{int(value):,}"


def fmt_fixed(decimals: int) -> Formatter:
    """Formatter with a fixed number of decimals."""
    return lambda value: f"{float(value):.{decimals}f}"


def markdown_table(df: pd.DataFrame, caption: str, label: str,
                   formats: Mapping[str, Formatter] | None = None,
                   headers: Mapping[str, str] | None = None,
                   align: Mapping[str, str] | None = None) -> str:
    """Render ``df`` as a pipe table followed by ``: caption {#tbl-label}``.

    Args:
        df: Rows to show, columns in display order.
        caption: Table caption (no number: the renderer numbers tables).
        label: Cross-reference id; must start with ``tbl-``.
        formats: Per-column formatter; other columns use ``str``.
        headers: Display name per column.
        align: ``l``/``r``/``c`` per column; numbers default to right, text to left.

    Returns:
        Markdown text ending with a newline.
    """
    if not label.startswith("tbl-"):
        raise ValueError(f"table labels must start with 'tbl-'. Received: {label}")
    formats, headers, align = dict(formats or {}), dict(headers or {}), dict(align or {})
    cols = list(df.columns)
    names = [headers.get(c, c) for c in cols]
    rule = []
    for c in cols:
        a = align.get(c, "r" if pd.api.types.is_numeric_dtype(df[c]) else "l")
        rule.append({"l": ":---", "r": "---:", "c": ":---:"}[a])
    lines = ["| " + " | ".join(names) + " |", "|" + "|".join(rule) + "|"]
    for _, row in df.iterrows():
        cells = [formats.get(c, str)(row[c]) for c in cols]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + f"\n\n: {caption} {{#{label}}}\n"
