"""How the report prints numbers, and Markdown pipe tables in Quarto's syntax (caption line with its ``#tbl-`` label)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import pandas as pd

from digitbench.report.escape import markdown_plain

Formatter = Callable[[object], str]
# A "|" not already escaped (preceded by an even number of backslashes) would end the cell.
_BARE_PIPE_RE = re.compile(r"(?<!\\)((?:\\\\)*)\|")


def acc(x: float) -> str:
    """An accuracy on the test set: 4 decimals hold one of up to 10,000 images exactly."""
    return f"{x:.4f}"


def fmt_signed(x: float, decimals: int = 2) -> str:
    """A signed difference: a sign, and a real minus sign (U+2212), not a hyphen.

    A value that rounds to zero gets up to two more decimals ("−0.004", not "−0.00"); one that still
    rounds to zero is printed as an unsigned zero."""
    shown = decimals
    while x != 0 and round(abs(x), shown) == 0 and shown < decimals + 2:
        shown += 1
    text = f"{x:+.{shown}f}"
    if float(text) == 0:
        return f"{0:.{shown}f}"
    return text.replace("-", "\u2212")


def fmt_p(p: float | None) -> str:
    """A p-value as every table prints it: 3 decimals, and "< 0.001" below that (one rule in the whole paper)."""
    if p is None or pd.isna(p):
        return "not computed"
    return "< 0.001" if p < 1e-3 else f"{p:.3f}"


def p_clause(p: float | None, label: str = "p") -> str:
    """A p-value in a sentence: "p = 0.023", "p < 0.001" (the same rule as :func:`fmt_p`)."""
    shown = fmt_p(p)
    return f"{label} {shown}" if shown.startswith("<") else f"{label} = {shown}"


def fmt_int(value: object) -> str:
    """Integer with thousands separators."""
    return f"{int(value):,}"


def fmt_fixed(decimals: int) -> Formatter:
    """Formatter with a fixed number of decimals."""
    return lambda value: f"{float(value):.{decimals}f}"


def markdown_table(df: pd.DataFrame, caption: str, label: str,
                   formats: Mapping[str, Formatter] | None = None,
                   headers: Mapping[str, str] | None = None,
                   align: Mapping[str, str] | None = None,
                   max_widths: Mapping[str, int] | None = None) -> str:
    """Render ``df`` as a pipe table followed by ``: caption {#tbl-label}``.

    Args:
        df: Rows to show, columns in display order.
        caption: Table caption (no number: the renderer numbers tables).
        label: Cross-reference id; must start with ``tbl-``.
        formats: Per-column formatter; other columns use ``str``.
        headers: Display name per column.
        align: ``l``/``r``/``c`` per column; numbers default to right, text to left.
        max_widths: Per-column cap on the width pandoc gives the column (in characters, relative
            to the others), so that a column of long values wraps instead of squeezing the rest.

    Returns:
        Markdown text ending with a newline.
    """
    if not label.startswith("tbl-"):
        raise ValueError(f"table labels must start with 'tbl-'. Received: {label}")
    formats, headers, align, caps = dict(formats or {}), dict(headers or {}), dict(align or {}), dict(max_widths or {})
    cols = list(df.columns)
    names = [headers.get(c, c) for c in cols]
    # to_dict keeps each column's own dtype; iterrows would upcast integers to floats.
    body = [[_BARE_PIPE_RE.sub(r"\1\\|", formats.get(c, str)(row[c])) for c in cols]
            for row in df.to_dict("records")]
    rule = []
    for j, c in enumerate(cols):
        a = align.get(c, "r" if pd.api.types.is_numeric_dtype(df[c]) else "l")
        # pandoc sizes wide pipe tables by the dash counts, so they follow the width of the content
        # as shown (without the backslashes of escaped characters).
        width = max([3, len(names[j]), *(len(markdown_plain(r[j])) for r in body)])
        width = max(3, min(width, caps.get(c, width)))
        dashes = "-" * width
        rule.append({"l": f":{dashes}", "r": f"{dashes}:", "c": f":{dashes}:"}[a])
    lines = ["| " + " | ".join(names) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines) + f"\n\n: {caption} {{#{label}}}\n"
