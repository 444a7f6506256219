"""Rule render_report: re-check the generated files against the results, render HTML and PDF, check them."""

from pathlib import Path

from digitbench.ledger import start_job
from digitbench.report.metadata import stage_figures, write_metadata
from digitbench.report.render import render_report, resolve_renderer
from digitbench.report.validate import check_generated
from digitbench.report.variables import build, inputs_from

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, p = snakemake.input, snakemake.params
project = Path(p.project)

# The numbers must be the ones the results files give now, whoever last touched _generated.
inputs = inputs_from(i, figures=list(p.figure_names), tables=[Path(t).stem for t in i.tables])
check_generated(project, *build(inputs, p.config, p.commit))
log.info("generated variables, tables and texts match the results files")

renderer = resolve_renderer(p.renderer)
stage_figures(list(i.figures), project / "_generated" / "figures")
write_metadata(project / "_generated" / "metadata.yml", title=p.title, authors=list(p.authors), profile=p.profile,
               commit=p.commit, renderer=renderer)
used = render_report(project, snakemake.output.html, snakemake.output.pdf, renderer=renderer, log=log)
log.info("report rendered by %s: %s, %s", used, snakemake.output.html, snakemake.output.pdf)
