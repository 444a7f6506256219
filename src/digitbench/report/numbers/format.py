"""How the report prints numbers, and Markdown pipe tables in Quarto's syntax (caption line with its ``#tbl-`` label)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from digitbench.config import validate_config
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


# Names and intervals, shared by every section that names a model or prints an estimate.

BASELINE_LABELS = {"logreg": "logistic regression", "random_forest": "random forest"}


def display(name: str) -> str:
    """Reader-facing name of a model id (``ensemble/x``, ``x/seed1``, a baseline or an architecture)."""
    if name in BASELINE_LABELS:
        return BASELINE_LABELS[name]
    if name == "ensemble/all_cnns":
        return "the ensemble of all CNN runs"
    if name == "runs/all_cnns":
        return "a single CNN run"
    if name.startswith("runs/"):
        return f"a single `{name.split('/', 1)[1]}` run"
    if name.startswith("ensemble/"):
        return f"the `{name.split('/', 1)[1]}` seed ensemble"
    if "/seed" in name:
        arch, seed = name.split("/seed")
        return f"`{arch}` seed {seed}"
    return f"`{name}`"


def interval(low: float, high: float, decimals: int = 4) -> str:
    """``[low, high]`` with a fixed number of decimals."""
    return f"[{low:.{decimals}f}, {high:.{decimals}f}]"


def pp(x: float | None) -> str:
    """Percentage points with a sign (None: n/a)."""
    return "n/a" if x is None else fmt_signed(100 * x)


def mean_sd(mean: float, sd: float, decimals: int = 4) -> str:
    """``mean ± sd``; a single seed has no SD, which is said rather than printed as 0."""
    if pd.isna(sd):
        return f"{mean:.{decimals}f} (one seed, no SD)"
    if sd > 0 and round(sd, decimals) == 0:  # "± 0.0000" would claim identical seeds
        return f"{mean:.{decimals}f} ± < {10 ** -decimals:.{decimals}f}"
    return f"{mean:.{decimals}f} ± {sd:.{decimals}f}"


# Config values and departures from the paper profile, as the profile, original and literature sections show them.

# Config keys holding a file or folder path (by their name), shown relative to the project.
_PATH_SUFFIXES = ("_path", "_dir", "_file")
OUTSIDE_PROJECT = "(outside the project)"
# Long values (URLs, lists) wrap; keys, which have no spaces to break at, keep the room they need.
VALUE_WIDTH = 48


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


def flatten(config: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """``(dotted key, value)`` for every leaf of a nested config, in its order."""
    rows: list[tuple[str, Any]] = []
    for key, value in config.items():
        if isinstance(value, Mapping) and value:
            rows += flatten(value, f"{prefix}{key}.")
        else:
            rows.append((f"{prefix}{key}", value))
    return rows


def shown_value(key: str, value: Any, project: str | os.PathLike[str]) -> str:
    """A config value as the report shows it (YAML spelling; paths through :func:`display_path`), unescaped."""
    if key.endswith(_PATH_SUFFIXES) and isinstance(value, str):
        value = display_path(value, project)
    return _config_text(value)


# Not part of the protocol: the profile's name, the paper's title, where MNIST is read from (every
# source is verified to be the same arrays), how many threads or GPU slots a job takes, and the
# tuning grid (whose runs no reported number comes from).
NOT_PROTOCOL = ("profile", "data.sources", "data.local_path", "data.keras_url", "data.npm_package",
                "baselines.threads", "training.threads", "training.jobs_per_gpu", "training.compilation_cache",
                "tensorboard.enabled")


def departures(config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(dotted key, paper value, this run's value)`` for every setting that differs from the paper profile."""
    paper = dict(flatten(validate_config({}, schema)))
    return [(key, paper.get(key), value) for key, value in flatten(config)
            if not (key in NOT_PROTOCOL or key.startswith(("report.", "tuning."))) and paper.get(key) != value]


# The settings an accuracy depends on: the model's training (or fitting) and the test set.
_DEPENDS_ON = {"cnn": ("training.", "preprocessing.", "data.", "seed"),
               "baseline": ("baselines.", "preprocessing.", "data.", "seed")}


def changed_settings(kind: str, config: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """The settings a ``kind`` ("cnn" or "baseline") result depends on in which this run departs from the paper's."""
    changed = {key for key, _, _ in departures(config, schema)}
    return sorted(key for key in changed if any(key == p or key.startswith(p) for p in _DEPENDS_ON[kind]))


def comparable_to_paper(kind: str, config: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
    """Whether this run's ``kind`` ("cnn" or "baseline") results are obtained as the paper profile obtains them."""
    return not changed_settings(kind, config, schema)
