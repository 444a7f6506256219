"""Rule evaluate_behaviour: one saved run on perturbed test images, on the UCI digits, and its occlusion maps."""

from digitbench.gpus import bind_gpu, configure_memory
from digitbench.ledger import start_job

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
# Before the backend is imported, as in train_cnn: memory policy, then a GPU of this job's own.
for line in configure_memory():
    log.info("GPU memory policy: %s", line)
log.info("device: %s", bind_gpu(snakemake.config["training"]["jobs_per_gpu"]).how)
from digitbench.atomic import savez, write_atomic  # noqa: E402
from digitbench.robustness.evaluate import evaluate_run  # noqa: E402
from digitbench.training.runtime import limit_threads  # noqa: E402

p = snakemake.params
limit_threads(snakemake.threads, log)
# From the config, not params: the batch size moves only the last digits, so changing it reruns nothing.
batch_size = snakemake.config["robustness"]["batch_size"]
robustness, occlusion = evaluate_run(
    snakemake.input.model, snakemake.input.data, record=snakemake.input.record, training=p.training, split_seed=p.split_seed,
    preprocessing=p.preprocessing, percentiles=tuple(p.robust_percentiles), test_set=p.test_set,
    robustness=p.robustness, occlusion=p.occlusion, batch_size=batch_size, log=log)
write_atomic(snakemake.output.arrays, lambda path: savez(path, compressed=True, **robustness))
write_atomic(snakemake.output.occlusion, lambda path: savez(path, compressed=True, **occlusion))
