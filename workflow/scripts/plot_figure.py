"""Figure rules: draw the figure named in params.figure from the rule's named inputs."""

from digitbench.ledger import start_job
from digitbench.plotting import plot

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)

inputs = {name: str(path) for name, path in snakemake.input.items()}
plot(snakemake.params.figure, inputs, list(snakemake.output))
log.info("figure %s drawn from %s into %s", snakemake.params.figure, inputs, list(snakemake.output))
