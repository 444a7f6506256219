"""The one table of report sections: each section's numbers function, the results files it reads, what it writes.

The report rules (``workflow/rules/report.smk``: the collecting rule's inputs and outputs), the
assembler (``digitbench.report.numbers.assemble``) and the tests all read this table, so a new
number from a new results file changes three places: its row here, its numbers module, and the
.qmd that quotes it. Like ``figure_table``, it imports nothing heavy: Snakemake reads it while
parsing the workflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SectionSpec:
    """One section of the report's numbers.

    Attributes:
        build: ``module.function`` in ``digitbench.report.numbers``, called as
            ``function(files, context)`` and returning a :class:`Built`.
        inputs: Input name -> ``rule.output`` of the results file it reads (the name the function
            looks up in ``files``).
        variables: Top-level keys of ``_variables.yml`` it writes, in the file's order.
        tables: Generated tables it writes (``report/_generated/tables/<name>.md``).
        texts: Generated sentences it writes (``report/_generated/text/<name>.md``).
    """

    build: str
    inputs: dict[str, str] = field(default_factory=dict)
    variables: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()


@dataclass
class ReportContext:
    """What the sections read besides results files.

    Attributes:
        config: The validated, resolved configuration.
        schema: The config schema (its defaults are the paper profile).
        commit: Git commit the results were produced at.
        project: Folder against which paths are shown (None: the current directory).
        configfiles: This run's ``--configfile`` files (repeated by the targets table's commands).
        figures: File stems of the report's figures (the targets table).
        tables: Names of the generated tables (the targets table).
        benchmarks: Snakemake benchmark files of the report's jobs (run times).
    """

    config: dict[str, Any]
    schema: dict[str, Any]
    commit: str
    project: str | None = None
    configfiles: Sequence[str] = ()
    figures: Sequence[str] = ()
    tables: Sequence[str] = ()
    benchmarks: Sequence[str] = ()


@dataclass
class Built:
    """What a section function returns: top-level variables, tables and texts by name."""

    variables: dict[str, Any]
    tables: dict[str, str] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


_CNN = {"summary": "summarize_cnns.summary", "runs": "summarize_cnns.runs", "best": "summarize_cnns.best",
        "architectures": "describe_architectures.table"}
_STATS = {"bootstrap": "bootstrap_metrics.table", "comparisons": "compare_models.tests",
          "compared_models": "compare_models.models", "friedman": "test_seeds.friedman",
          "wilcoxon": "test_seeds.wilcoxon", "calibration": "compute_calibration.summary",
          "claims": "collect_claims.claims", "cnn_summary": "summarize_cnns.summary", "runs": "summarize_cnns.runs",
          "baseline_metrics": "summarize_baselines.metrics"}
_CLAIM_TEXTS = ("pairwise_models", "pairwise_ensembles", "best_accuracy", "calibration", "best_calibration",
                "wilcoxon_seeds", "friedman_seeds", "cv_5x2_baselines", "untested", "critical_difference")

# In the order of _variables.yml and of the report's targets table.
SECTIONS: dict[str, SectionSpec] = {
    "profile": SectionSpec("profile.build", variables=("study", "profile"), tables=("profile",)),
    "tuning": SectionSpec("tuning.build", {"table": "adopt_tuning_results.table"}, variables=("tuning",),
                          tables=("tuning",)),
    "data": SectionSpec("data.build", {"summary": "compute_eda.summary",
                                       "class_distribution": "compute_eda.class_distribution",
                                       "class_statistics": "compute_eda.class_statistics",
                                       "pixel_statistics": "compute_eda.pixel_statistics"},
                        variables=("data", "preprocessing"), tables=("class_distribution", "class_statistics")),
    "baselines": SectionSpec("baselines.build", {"metrics": "summarize_baselines.metrics"}, variables=("baselines",),
                             tables=("baselines",)),
    "environment": SectionSpec("appendix.environment", variables=("env", "runtime"),
                               tables=("packages", "runtimes", "config")),
    "cnn": SectionSpec("cnn.build", _CNN, variables=("cnn",), tables=("cnn_architectures",)),
    "stats": SectionSpec("stats.build", _STATS, variables=("stats",),
                         tables=("main_results", "seed_accuracies", "significance", "ensembles", "calibration"),
                         texts=_CLAIM_TEXTS),
    "literature": SectionSpec("literature.build", {"cnn_summary": "summarize_cnns.summary"}, variables=("literature",),
                              tables=("published",)),
    "original": SectionSpec("original.build", {"bootstrap": "bootstrap_metrics.table",
                                               "cnn_summary": "summarize_cnns.summary",
                                               "architectures": "describe_architectures.table",
                                               "notebook_baselines": "summarize_notebook_baselines.summary"},
                            variables=("original",), tables=("original_claims",)),
    "targets": SectionSpec("appendix.targets", tables=("targets",)),
    "throughput": SectionSpec("throughput.build", {"table": "collect_throughput.table"}, variables=("throughput",),
                              tables=("throughput",)),
    "robustness": SectionSpec("robustness.build", {"summary": "summarize_robustness.summary",
                                                   "tests": "summarize_robustness.tests",
                                                   "claims": "collect_claims.claims",
                                                   "runs": "summarize_robustness.runs",
                                                   "occlusion": "summarize_occlusion.summary"},
                              variables=("robustness",), tables=("robustness",),
                              texts=("robustness_tests", "robustness_behaviour")),
    "reruns": SectionSpec("reruns.build", {"table": "adopt_rerun_check.table"}, variables=("reruns",),
                          tables=("reruns",)),
}


def report_tables() -> list[str]:
    """Every generated table, in table order."""
    return [t for spec in SECTIONS.values() for t in spec.tables]


def report_texts() -> list[str]:
    """Every generated text, in table order."""
    return [t for spec in SECTIONS.values() for t in spec.texts]


def input_key(ref: str) -> str:
    """The collecting rule's input name of a ``rule.output`` reference (``summarize_cnns.summary`` -> ``summarize_cnns__summary``)."""
    rule, _, output = ref.partition(".")
    if not rule or not output:
        raise ValueError(f"A section input must be 'rule.output'. Received: {ref!r}")
    return f"{rule}__{output}"


def report_inputs() -> dict[str, str]:
    """Every results file the sections read, once: input name -> ``rule.output``."""
    return {input_key(ref): ref for spec in SECTIONS.values() for ref in spec.inputs.values()}
