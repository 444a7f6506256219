"""Rule collect_report_variables: every number the report quotes, as _variables.yml, tables and sentences."""

from pathlib import Path

from digitbench.ledger import start_job
from digitbench.report.numbers.assemble import build, inputs_from, write

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
o, p = snakemake.output, snakemake.params

inputs = inputs_from(snakemake.input, figures=list(p.figures), tables=[Path(t).stem for t in o.tables])
variables, tables, texts = build(inputs, p.config, p.commit, configfiles=list(p.configfiles))
write(variables, tables, o.variables, Path(o.tables[0]).parent, texts, Path(o.texts[0]).parent)
log.info("wrote %s, %d tables and %d generated texts", o.variables, len(tables), len(texts))
