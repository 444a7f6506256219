"""Rule evaluate_baseline_behaviour: one fitted classical baseline on the perturbed test images and the UCI digits."""

from digitbench.atomic import savez, write_atomic
from digitbench.ledger import start_job
from digitbench.robustness.behaviour import evaluate_baseline

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
p = snakemake.params

arrays = evaluate_baseline(snakemake.input.model, snakemake.input.data, p.config, p.test_set, p.robustness,
                           snakemake.input.predictions, log)
write_atomic(snakemake.output.arrays, lambda path: savez(path, compressed=True, **arrays))
