"""Rule train_cnn: train one (architecture, seed), resuming from its checkpoint if it was killed."""

from digitbench.logs import setup_script_logging

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = setup_script_logging(snakemake.log[0], snakemake.rule, append=True)
# Imported after the log is set up: TensorFlow prints its start-up notices on import.
from digitbench.training.job import run  # noqa: E402
p = snakemake.params

run(
    snakemake.wildcards.arch,
    int(snakemake.wildcards.seed),
    p.training,
    data_path=snakemake.input.data,
    split_seed=p.split_seed,
    preprocessing=p.preprocessing,
    percentiles=tuple(p.robust_percentiles),
    outputs={name: str(path) for name, path in snakemake.output.items()},
    log=log,
    threads=snakemake.threads,
)
