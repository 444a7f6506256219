"""Everything the report quotes, built from the results files into ``_variables.yml`` and tables.

The report sources contain no numbers: each one reaches the text through ``{{< var >}}`` from the
mapping built here, or through a generated table, so re-running the workflow updates them all.
Each report section's numbers come from one module of this package; this one only calls them
and writes what they return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from digitbench.config import load_schema
from digitbench.report.numbers import (appendix, baselines, cnn, data, literature, original, profile, robustness, stats,
                                       throughput)


@dataclass
class ReportInputs:
    """Paths of the results files the report is built from."""

    eda_summary: str
    class_distribution: str
    class_statistics: str
    pixel_statistics: str
    baseline_metrics: str
    cnn_summary: str
    cnn_runs: str
    cnn_best: str
    cnn_architectures: str
    benchmarks: list[str] = field(default_factory=list)
    stats: stats.StatsInputs | None = None
    throughput: str | None = None
    robustness: str | None = None  # results/stats/robustness.csv
    robustness_tests: str | None = None  # results/stats/robustness_tests.csv
    occlusion: str | None = None  # results/occlusion/summary.npz
    figures: list[str] = field(default_factory=list)  # names of the report's figures, for the targets table
    tables: list[str] = field(default_factory=list)  # names of the generated tables, same
    schema: str | None = None  # the config schema, whose defaults are the paper profile


def build(inputs: ReportInputs, config: dict[str, Any], commit: str, project: str | Path | None = None,
          configfiles: list[str] | tuple[str, ...] = ()) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Build the report variables, the Markdown tables and the generated sentences.

    Args:
        inputs: Results files.
        config: The validated, resolved configuration.
        commit: Git commit the results were produced at.
        project: The project (workflow) directory, against which the configuration table shows
            paths; the current directory, where Snakemake runs jobs, when None.
        configfiles: This run's ``--configfile`` files (the commands of the targets table).

    Returns:
        ``(variables, tables, texts)``: the nested mapping for ``_variables.yml``, table name to
        Markdown table, and text name to generated Markdown prose (sentences from ``claims.json``).
    """
    metrics = pd.read_csv(inputs.baseline_metrics)
    summary = pd.read_csv(inputs.cnn_summary)
    variables: dict[str, Any] = {}
    tables: dict[str, str] = {}
    texts: dict[str, str] = {}

    def add(name: str, built: tuple) -> None:
        variables[name] = built[0]
        tables.update(built[1])
        if len(built) > 2:
            texts.update(built[2])

    schema = load_schema(inputs.schema) if inputs.schema is not None else None
    front, back = appendix.build(config, commit, inputs.benchmarks, inputs.figures, inputs.tables, project,
                                 configfiles)
    tables.update(back)
    variables["study"] = front["study"]
    if schema is not None:
        add("profile", profile.build(config, schema, project))
    add("data", data.build(inputs.eda_summary, inputs.class_distribution, inputs.class_statistics,
                           inputs.pixel_statistics))
    variables["preprocessing"] = front["preprocessing"]
    add("baselines", baselines.build(metrics, config["baselines"]))
    variables.update(env=front["env"], runtime=front["runtime"])
    add("cnn", cnn.build(inputs.cnn_summary, inputs.cnn_runs, inputs.cnn_best, inputs.cnn_architectures,
                         config["training"]))
    if inputs.stats is not None:
        add("stats", stats.build(inputs.stats, summary, metrics, config["stats"]))
    add("literature", literature.build(summary, schema is None or original.comparable_to_paper("cnn", config, schema)))
    if schema is not None and inputs.stats is not None:
        add("original", original.build(config, schema, pd.read_csv(inputs.stats.bootstrap), summary,
                                       pd.read_csv(inputs.cnn_architectures)))
    if inputs.throughput is not None:
        add("throughput", throughput.build(inputs.throughput))
    if inputs.robustness is not None and inputs.stats is not None:
        occlusion = (inputs.occlusion, config["occlusion"]) if inputs.occlusion is not None else None
        add("robustness", robustness.build(inputs.robustness, inputs.robustness_tests, inputs.stats.claims,
                                           config["robustness"], occlusion))
    return variables, tables, texts


def write(variables: dict[str, Any], tables: dict[str, str], variables_path: str | Path, table_dir: str | Path,
          texts: dict[str, str] | None = None, text_dir: str | Path | None = None) -> None:
    """Write ``_variables.yml``, one ``<name>.md`` per table and one ``<name>.md`` per generated text."""
    Path(variables_path).parent.mkdir(parents=True, exist_ok=True)
    with open(variables_path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(variables, fh, sort_keys=False, allow_unicode=True, width=1000)
    table_dir = Path(table_dir)
    table_dir.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (table_dir / f"{name}.md").write_text(text, encoding="utf-8")
    if texts:
        text_dir = Path(text_dir or table_dir)
        text_dir.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (text_dir / f"{name}.md").write_text(text, encoding="utf-8")


def inputs_from(named: Any, figures: list[str], tables: list[str]) -> ReportInputs:
    """``ReportInputs`` from a rule's named inputs (the keys of ``REPORT_RESULTS`` in report.smk)."""
    stats_inputs = stats.StatsInputs(
        bootstrap=named.bootstrap, comparisons=named.comparisons, compared_models=named.compared_models,
        friedman=named.friedman, wilcoxon=named.wilcoxon, calibration=named.calibration, claims=named.claims)
    return ReportInputs(
        eda_summary=named.eda_summary, class_distribution=named.class_distribution,
        class_statistics=named.class_statistics, pixel_statistics=named.pixel_statistics,
        baseline_metrics=named.baseline_metrics, cnn_summary=named.cnn_summary, cnn_runs=named.cnn_runs,
        cnn_best=named.cnn_best, cnn_architectures=named.cnn_architectures, benchmarks=list(named.benchmarks),
        stats=stats_inputs, throughput=getattr(named, "throughput", None), figures=figures, tables=tables,
        schema=named.schema, robustness=getattr(named, "robustness", None),
        robustness_tests=getattr(named, "robustness_tests", None), occlusion=getattr(named, "occlusion", None))
