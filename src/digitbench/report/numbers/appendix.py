"""Numbers of the title block and the appendix: study, environment, run time, packages, configuration, targets."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from digitbench.report.escape import markdown_literal
from digitbench.report.numbers.format import fmt_fixed, markdown_table
from digitbench.report.numbers.provenance import benchmark_table, hardware, package_versions, wall_minutes
from digitbench.workdir import snakemake_command


def build(config: Mapping[str, Any], commit: str, benchmarks: list[str], figures: list[str], tables: list[str],
          project: str | os.PathLike[str] | None = None,
          configfiles: Sequence[str] = ()) -> tuple[dict[str, Any], dict[str, str]]:
    """Variables under ``study``, ``preprocessing``, ``env`` and ``runtime``, and the appendix tables.

    Config strings (title, authors, profile, paths, ...) and the hardware description are data:
    they are escaped with :func:`~digitbench.report.escape.markdown_literal` here, once, so that
    the report shows them literally.

    Args:
        config: The validated, resolved configuration.
        commit: Git commit the results were produced at.
        benchmarks: Snakemake benchmark files of the report's jobs.
        figures, tables: Names of the report's figures and generated tables (the targets table).
        configfiles: This run's ``--configfile`` files, which the targets table's commands repeat.
        project: The project directory the configuration table shows paths against; the current
            directory, where Snakemake runs jobs, when None.
    """
    lit = markdown_literal
    runtimes = benchmark_table(benchmarks)
    variables = {
        "study": {"title": lit(config["report"]["title"]),
                  "authors": ", ".join(lit(a) for a in config["report"]["authors"]),
                  "profile": lit(config["profile"]), "commit": lit(commit), "seed": str(config["seed"])},
        "preprocessing": {"method": lit(config["preprocessing"]["method"])},
        "env": {key: lit(value) for key, value in hardware().items()},
        "runtime": {"total_minutes": f"{runtimes['seconds'].sum() / 60:.1f}", "n_jobs": str(len(runtimes)),
                    "wall_minutes": f"{wall_minutes(runtimes):.1f}"},
    }
    out = {
        "packages": markdown_table(package_versions(), "Package versions used for this report.", "tbl-packages",
                                   headers={"package": "Package", "version": "Version"}),
        "runtimes": markdown_table(
            runtimes[["job", "seconds", "max_rss_mb"]], "Wall time and peak memory of each job, from Snakemake's "
            "benchmark files (the rendering jobs themselves are not included).", "tbl-runtimes",
            formats={"seconds": fmt_fixed(1), "max_rss_mb": fmt_fixed(0)},
            headers={"job": "Job", "seconds": "Seconds", "max_rss_mb": "Peak RSS (MB)"}),
        "config": config_table(config, project),
        "targets": targets_table(figures, tables, [display_path(f, project or ".") for f in configfiles]),
    }
    return variables, out


def targets_table(figures: list[str], tables: list[str], configfiles: Sequence[str] = ()) -> str:
    """The Snakemake target and command that regenerate each figure and table (``#tbl-targets``).

    The commands carry this run's config files: without them Snakemake would read the paper
    profile's config, which the workflow refuses to run over another profile's results.
    """
    def command(target: str) -> str:
        return f"`{snakemake_command(configfiles, [target])}`"

    rows = [{"item": f"figure `{name}`", "target": f"`results/figures/{name}.pdf` (and `.png`)",
             "command": command(f"results/figures/{name}.pdf")} for name in figures]
    rows += [{"item": f"table `{name}`", "target": f"`report/_generated/tables/{name}.md`",
              "command": command(f"report/_generated/tables/{name}.md")} for name in tables]
    return markdown_table(pd.DataFrame(rows, columns=["item", "target", "command"]),
                          "The Snakemake target that regenerates each figure and table of this report, with this "
                          "run's config files; Snakemake reruns only the jobs whose inputs changed, so none of these "
                          "retrains a model.",
                          "tbl-targets", headers={"item": "Figure or table", "target": "File", "command": "Command"})


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
    rows = [{"key": key, "value": shown_value(key, value, root)} for key, value in flatten(config)]
    return markdown_table(pd.DataFrame(rows, columns=["key", "value"]),
                          "The resolved configuration, defaults included; paths are relative to the project "
                          "directory.", "tbl-config", formats={"key": markdown_literal, "value": markdown_literal},
                          headers={"key": "Key", "value": "Value"}, max_widths={"value": _VALUE_WIDTH})
