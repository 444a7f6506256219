"""Rule tune_training: train one tuning candidate for one architecture; validation split only."""

from digitbench.ledger import start_job

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake, append=True)
from digitbench.data import load_npz  # noqa: E402
from digitbench.training.tuning import run_candidate  # noqa: E402

p = snakemake.params
mnist = load_npz(snakemake.input.data)
result = run_candidate(
    snakemake.wildcards.arch,
    p.overrides,
    p.training,
    p.seed,
    arrays={"x_train": mnist["x_train"], "y_train": mnist["y_train"]},
    split_seed=p.split_seed,
    preprocessing=p.preprocessing,
    percentiles=tuple(p.robust_percentiles),
    out=snakemake.output.result,
    log=log,
    threads=snakemake.threads,
)
log.info("best validation accuracy %.4f at epoch %d", result["best_val_accuracy"], result["best_epoch"])
