"""Rule render_report: the generated files verified by their digests, HTML and PDF rendered and checked."""

from pathlib import Path

from digitbench.envlock import unlocked_warning
from digitbench.ledger import start_job
from digitbench.report.rendering.interactive import HEADER, stage_interactive, write_header
from digitbench.report.rendering.metadata import RENDERED_BY, stage_figures, write_metadata, write_renderer_note
from digitbench.report.rendering.render import publish_record, render_report, resolve_renderer

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, p = snakemake.input, snakemake.params
project = Path(p.project)

# The numbers were derived once, by collect_report_variables: start_job verified the generated
# variables, tables and texts against the digests it recorded, so an edited number stops here.
log.info("generated variables, tables and texts verified against collect_report_variables' digests")

if (unlocked := unlocked_warning("uv.lock")) is not None:
    log.warning("%s", unlocked)
renderer = resolve_renderer(p.renderer)
stage_figures(list(i.figures), project / "_generated" / "figures")
stage_interactive(list(i.interactive), project / "_generated" / "interactive")
write_header(project / "_generated" / HEADER)
write_metadata(project / "_generated" / "metadata.yml", title=p.title, authors=list(p.authors), profile=p.profile,
               commit=p.commit, renderer=renderer)
log.info("%s", write_renderer_note(project / "_generated" / RENDERED_BY, renderer))
used = render_report(project, p.html, p.pdf, renderer=renderer, log=log)
publish_record(snakemake.output.record, [p.html, p.pdf], renderer=used, rule=snakemake.rule)
log.info("report rendered by %s: %s, %s", used, p.html, p.pdf)
