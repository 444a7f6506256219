"""Rule benchmark_throughput: images per second of three training pipelines on one Keras backend."""

import importlib.util
import os

from digitbench.gpus import bind_gpu, configure_memory
from digitbench.ledger import start_job

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
backend, p = snakemake.wildcards.backend, snakemake.params
# Keras reads KERAS_BACKEND once, at import: set it (and the GPU settings) before importing it.
if backend != "default":
    if importlib.util.find_spec("torch" if backend == "torch" else backend) is None:
        raise SystemExit(f"benchmark.backends asks for {backend}, which is not installed: install it "
                         f"(pip install {backend}) or remove it from benchmark.backends")
    os.environ["KERAS_BACKEND"] = backend
configure_memory()
log.info("device: %s", bind_gpu(snakemake.config["training"]["jobs_per_gpu"]).how)
from digitbench.throughput import benchmark_params, measure_architecture  # noqa: E402
from digitbench.throughput_table import with_ratios  # noqa: E402
from digitbench.training.runtime import limit_threads  # noqa: E402

limit_threads(snakemake.threads, log)
rows = []
for arch in p.architectures:
    rows += measure_architecture(benchmark_params(arch, p.training, p.batch_size, p.seed), steps=p.steps,
                                 warmup_steps=p.warmup_steps, repeats=p.repeats, log=log)
table = with_ratios(rows)
table.to_csv(snakemake.output.table, index=False)
log.info("throughput on %s:\n%s", backend, table.to_string(index=False))
