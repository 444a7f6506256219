"""Figure rules: draw the figure named in params.figure from the rule's named inputs."""

from digitbench.logs import setup_script_logging
from digitbench.plotting import plot

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = setup_script_logging(snakemake.log[0], snakemake.rule)

inputs = {name: str(path) for name, path in snakemake.input.items()}
plot(snakemake.params.figure, inputs, list(snakemake.output))
log.info("figure %s drawn from %s into %s", snakemake.params.figure, inputs, list(snakemake.output))
