"""Rule train_cnn: train one (architecture, seed), resuming from its checkpoint if it was killed."""

from digitbench import compile_cache
from digitbench.gpus import bind_gpu, configure_memory
from digitbench.ledger import start_job, write_digests

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake, append=True)
# Before the backend is imported, which reads these variables once: the memory policy lets several
# jobs share one GPU, and on a machine with several GPUs each job takes one of its own.
for line in configure_memory():
    log.info("GPU memory policy: %s", line)
# A scheduling setting, read from the config rather than params so that changing it retrains nothing.
gpu = bind_gpu(snakemake.config["training"]["jobs_per_gpu"])
log.info("device: %s", gpu.how)
log.info("%s", compile_cache.configure(snakemake.config["training"]["compilation_cache"]))
cached = compile_cache.entries(compile_cache.folder())
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
    test_set=p.test_set,
    outputs={name: str(path) for name, path in snakemake.output.items() if name != "digests"},
    log=log,
    threads=snakemake.threads,
)
write_digests(snakemake.output.digests, [str(f) for name, f in snakemake.output.items() if name != "digests"])
import keras  # noqa: E402 -- already loaded by the training code

log.info("compilation: %s", compile_cache.describe(cached, compile_cache.entries(compile_cache.folder()),
                                                   keras.backend.backend(), compile_cache.folder()))
