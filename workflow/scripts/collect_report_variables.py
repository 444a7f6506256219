"""Rule collect_report_variables: every number the report quotes, as _variables.yml, tables and sentences."""

from pathlib import Path

from digitbench.config import load_schema
from digitbench.ledger import start_job
from digitbench.report.numbers.assemble import build, files_from, write
from digitbench.section_table import ReportContext

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, o, p = snakemake.input, snakemake.output, snakemake.params

ctx = ReportContext(config=p.config, schema=load_schema(i.schema), commit=p.commit, configfiles=list(p.configfiles),
                    figures=list(p.figures), tables=[Path(t).stem for t in o.tables], benchmarks=list(i.benchmarks))
variables, tables, texts = build(files_from(i), ctx)
write(variables, tables, o.variables, Path(o.tables[0]).parent, texts, Path(o.texts[0]).parent)
log.info("wrote %s, %d tables and %d generated texts", o.variables, len(tables), len(texts))
