"""Interactive figure rules: the HTML report's version of params.figure, from the static twin's inputs."""

from digitbench.interactive import write
from digitbench.ledger import start_job

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)

inputs = {name: str(path) for name, path in snakemake.input.items() if name != "code"}
write(snakemake.params.figure, inputs, snakemake.output.html, stem=snakemake.params.stem)
log.info("interactive figure %s drawn from %s into %s", snakemake.params.figure, inputs, snakemake.output.html)
