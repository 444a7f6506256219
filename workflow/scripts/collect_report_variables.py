"""Rule collect_report_variables: every number the report quotes, as _variables.yml and tables."""

from pathlib import Path

from digitbench.logs import setup_script_logging
from digitbench.report.variables import ReportInputs, build, write

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = setup_script_logging(snakemake.log[0], snakemake.rule)

i = snakemake.input
inputs = ReportInputs(
    eda_summary=i.eda_summary, class_distribution=i.class_distribution, class_statistics=i.class_statistics,
    pixel_statistics=i.pixel_statistics, baseline_metrics=i.baseline_metrics, cnn_summary=i.cnn_summary,
    cnn_runs=i.cnn_runs, cnn_best=i.cnn_best, cnn_architectures=i.cnn_architectures, benchmarks=list(i.benchmarks),
)
variables, tables = build(inputs, snakemake.params.config, snakemake.params.commit)
write(variables, tables, snakemake.output.variables, Path(snakemake.output.tables[0]).parent)
log.info("wrote %s and %d tables", snakemake.output.variables, len(tables))
