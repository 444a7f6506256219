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
    # to_dict keeps each column's own dtype; iterrows would upcast integers to floats.
    body = [[formats.get(c, str)(row[c]).replace("|", "\\|") for c in cols] for row in df.to_dict("records")]
    rule = []
    for j, c in enumerate(cols):
        a = align.get(c, "r" if pd.api.types.is_numeric_dtype(df[c]) else "l")
        # pandoc sizes wide pipe tables by the dash counts, so they follow the content width.
        width = max([3, len(names[j]), *(len(r[j]) for r in body)])
        dashes = "-" * width
        rule.append({"l": f":{dashes}", "r": f"{dashes}:", "c": f":{dashes}:"}[a])
    lines = ["| " + " | ".join(names) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines) + f"\n\n: {caption} {{#{label}}}\n"
