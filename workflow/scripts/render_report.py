"""Rule render_report: stage figures, write the title page, render HTML and PDF, check them."""

from pathlib import Path

from digitbench.logs import setup_script_logging
from digitbench.report.metadata import stage_figures, write_metadata
from digitbench.report.render import render_report, resolve_renderer

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = setup_script_logging(snakemake.log[0], snakemake.rule)
p = snakemake.params
project = Path(p.project)

renderer = resolve_renderer(p.renderer)
stage_figures(list(snakemake.input.figures), project / "_generated" / "figures")
write_metadata(project / "_generated" / "metadata.yml", title=p.title, authors=list(p.authors), profile=p.profile,
               commit=p.commit, renderer=renderer)
used = render_report(project, snakemake.output.html, snakemake.output.pdf, renderer=renderer, log=log)
log.info("report rendered by %s: %s, %s", used, snakemake.output.html, snakemake.output.pdf)
