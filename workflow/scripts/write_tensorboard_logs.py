"""Rule write_tensorboard_logs: one finished run's history and settings as TensorBoard logs (nothing retrains)."""

from digitbench.ledger import start_job
from digitbench.tensorboard_logs import write_run_logs

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
w = snakemake.wildcards

written = write_run_logs(snakemake.input.history, snakemake.input.metrics, snakemake.output.logs)
for run, n in written.items():
    log.info("%s seed %s, %s: %d scalar values", w.arch, w.seed, run, n)
log.info("open with: tensorboard --logdir %s", snakemake.output.logs)
