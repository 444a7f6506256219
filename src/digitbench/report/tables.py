"""Markdown pipe tables in Quarto's syntax, with a caption line carrying the ``#tbl-`` label."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from digitbench.report.escape import markdown_literal, markdown_plain

Formatter = Callable[[object], str]
# A "|" not already escaped (preceded by an even number of backslashes) would end the cell.
_BARE_PIPE_RE = re.compile(r"(?<!\\)((?:\\\\)*)\|")


def fmt_p(p: float | None) -> str:
    """A p-value as the report prints it everywhere: 3 decimals, 3 significant digits below 0.001,
    and a bound below 1e-10 (never 0, which underflow can give)."""
    if p is None or pd.isna(p):
        return "not computed"
    return "< 1e-10" if p < 1e-10 else (f"{p:.2e}" if p < 1e-3 else f"{p:.3f}")


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


# Config keys holding a file or folder path (by their name), shown relative to the project.
_PATH_SUFFIXES = ("_path", "_dir", "_file")
OUTSIDE_PROJECT = "(outside the project)"
# Long values (URLs, lists) wrap; keys, which have no spaces to break at, keep the room they need.
_VALUE_WIDTH = 48


def display_path(value: str, project: str | os.PathLike[str]) -> str:
    """A configured path as the report shows it: relative to the project, never the user's home.

    Relative paths are read against the project directory, as the workflow reads them (its jobs
    run there). A path inside the project is shown relative to it. A path outside it is shown by
    its file name only, followed by ``(outside the project)``: the absolute path would publish
    the author's user name and directory layout in the paper, and a reader could not use it on
    another machine anyway. The home directory itself and its parents show no name at all.

    Args:
        value: The configured path; empty means unset and stays empty.
        project: The project (workflow) directory.

    Returns:
        The path to show, still to be escaped for Markdown.
    """
    if not value:
        return value
    root = Path(os.path.abspath(project))
    path = Path(os.path.normpath(root / value))
    # Compare as written and with symlinks resolved: either way of reaching the project counts.
    for base, full in ((root, path), (root.resolve(), path.resolve())):
        if full == base or full.is_relative_to(base):
            return full.relative_to(base).as_posix() or "."
    home = Path.home()
    if not path.name or path == home or path in home.parents:
        return OUTSIDE_PROJECT
    return f"{path.name} {OUTSIDE_PROJECT}"


def _config_text(value: Any) -> str:
    # YAML's spelling of scalars, as in the config files; lists in flow style.
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_config_text(v) for v in value) + "]"
    if isinstance(value, str) and not value:
        return '""'
    return str(value)


def _flatten(config: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = []
    for key, value in config.items():
        if isinstance(value, Mapping) and value:
            rows += _flatten(value, f"{prefix}{key}.")
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def config_table(config: Mapping[str, Any], project: str | os.PathLike[str] | None = None) -> str:
    """The resolved configuration as a pipe table of dotted keys and values (``#tbl-config``).

    Every key and value is config text, so each cell is escaped with
    :func:`~digitbench.report.escape.markdown_literal` and shows literally in HTML and PDF;
    paths go through :func:`display_path` first.

    Args:
        config: The validated, resolved configuration.
        project: The project directory that relative paths are read against; the current
            directory (Snakemake runs jobs in the workflow directory) when None.

    Returns:
        Markdown text ending with a newline.
    """
    root = Path.cwd() if project is None else Path(project)
    rows = [{"key": key, "value": _config_text(display_path(value, root) if key.endswith(_PATH_SUFFIXES)
                                              and isinstance(value, str) else value)}
            for key, value in _flatten(config)]
    return markdown_table(pd.DataFrame(rows, columns=["key", "value"]),
                          "The resolved configuration, defaults included; paths are relative to the project "
                          "directory.", "tbl-config", formats={"key": markdown_literal, "value": markdown_literal},
                          headers={"key": "Key", "value": "Value"}, max_widths={"value": _VALUE_WIDTH})
