"""Numbers of the appendix: environment, run time, packages, configuration, and the targets that regenerate each item."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from digitbench.report.escape import markdown_literal
from digitbench.report.numbers.format import VALUE_WIDTH, display_path, flatten, fmt_fixed, markdown_table, shown_value
from digitbench.report.numbers.provenance import benchmark_table, hardware, package_versions, wall_minutes
from digitbench.section_table import Built, ReportContext
from digitbench.workdir import snakemake_command


def environment(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables under ``env`` and ``runtime``, and the appendix tables of packages, job times and configuration.

    The hardware description is data: it is escaped with
    :func:`~digitbench.report.escape.markdown_literal` here, once, so that the report shows it literally.

    Args:
        files: None (the benchmark files come in ``ctx.benchmarks``).
        ctx: The report's context: benchmarks (run times), config and project (the configuration table).
    """
    runtimes = benchmark_table(list(ctx.benchmarks))
    variables = {
        "env": {**{key: markdown_literal(value) for key, value in hardware().items()},
                **lock_variables(Path(ctx.project or ".") / "uv.lock")},
        "runtime": {"total_minutes": f"{runtimes['seconds'].sum() / 60:.1f}", "n_jobs": str(len(runtimes)),
                    "wall_minutes": f"{wall_minutes(runtimes):.1f}"},
    }
    tables = {
        "packages": markdown_table(package_versions(), "Package versions used for this report.", "tbl-packages",
                                   headers={"package": "Package", "version": "Version"}),
        "runtimes": markdown_table(
            runtimes[["job", "seconds", "max_rss_mb"]], "Wall time and peak memory of each job, from Snakemake's "
            "benchmark files (the rendering jobs themselves are not included).", "tbl-runtimes",
            formats={"seconds": fmt_fixed(1), "max_rss_mb": fmt_fixed(0)},
            headers={"job": "Job", "seconds": "Seconds", "max_rss_mb": "Peak RSS (MB)"}),
        "config": config_table(ctx.config, ctx.project),
    }
    return Built(variables, tables)


def lock_variables(lock: Path, installed: Mapping[str, str] | None = None) -> dict[str, str]:
    """``lock_digest`` (the first 12 hex digits of uv.lock's SHA-256) and ``lock_state``, a clause saying
    whether every installed package has the version the lock pins, or which do not."""
    from digitbench.envlock import differences, digest

    if not lock.is_file():
        return {"lock_digest": "none", "lock_state": "there is no uv.lock, so the environment is not known to be the "
                                                    "locked one"}
    found = differences(lock, installed)
    if not found:
        return {"lock_digest": digest(lock)[:12], "lock_state": "every installed package has the version it pins"}
    shown = "; ".join(f"{name} {installed_v} ({'not in the lock' if locked == 'not locked' else f'locked {locked}'})"
                      for name, locked, installed_v in found[:12])
    more = f"; and {len(found) - 12} more" if len(found) > 12 else ""
    return {"lock_digest": digest(lock)[:12],
            "lock_state": markdown_literal(f"{len(found)} installed package(s) differ from it, so this is not the "
                                           f"locked environment: {shown}{more}")}


def targets(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """The ``targets`` table: the command that regenerates each of the report's figures and tables.

    Args:
        files: None.
        ctx: The report's context: figures, tables, and this run's config files shown against the project.
    """
    shown = [display_path(f, ctx.project or ".") for f in ctx.configfiles]
    return Built({}, {"targets": targets_table(list(ctx.figures), list(ctx.tables), shown)})


def targets_table(figures: list[str], tables: list[str], configfiles: Sequence[str] = ()) -> str:
    """The Snakemake target and command that regenerate each figure and table (``#tbl-targets``).

    The commands carry this run's config files: without them Snakemake would read the paper
    profile's config, which the workflow refuses to run over another profile's results.
    """
    def command(target: str) -> str:
        return f"`{snakemake_command(configfiles, [target])}`"

    # The target, the command's first argument, names the figure or table: a column of names beside it
    # would repeat it, and columns of unbreakable names and paths overprinted each other in the PDF.
    rows = [{"command": command(f"results/figures/{name}.pdf")} for name in figures]
    rows += [{"command": command(f"report/_generated/tables/{name}.md")} for name in tables]
    return markdown_table(pd.DataFrame(rows, columns=["command"]),
                          "The Snakemake command that regenerates each figure (PDF; the PNG comes with it) and table "
                          "of this report, with this run's config files; Snakemake reruns only the jobs whose inputs "
                          "changed, so none of these retrains a model.",
                          "tbl-targets", headers={"command": "Command"})


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
                          headers={"key": "Key", "value": "Value"}, max_widths={"value": VALUE_WIDTH})
