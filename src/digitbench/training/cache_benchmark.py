"""How much JAX's persistent compilation cache saves: first-epoch time of one job, with and without it.

``python -m digitbench.training.cache_benchmark --arch enhanced_cnn --out cache.json`` (from the
project root) runs three jobs, each in a fresh process that starts JAX anew: without the cache, with
an empty cache that it fills, and with the filled cache; each trains one epoch on random images
(compilation does not depend on the data) and the three results are written as JSON rows.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time

RUNS = ("without cache", "empty cache", "filled cache")


def one_job(architecture: str, images: int, batch_size: int, schema: str) -> dict[str, object]:
    """Train ``architecture`` for one epoch on random images in this process, with the cache the environment sets."""
    from digitbench import compile_cache

    before = compile_cache.entries(compile_cache.folder())
    import keras
    import numpy as np

    from digitbench.config import load_schema, validate_config
    from digitbench.training.trainer import TrainParams, train

    training = validate_config({"training": {"epochs": 1, "warmup_epochs": 0, "batch_size": batch_size}},
                               load_schema(schema))["training"]
    rng = np.random.default_rng(0)
    x = rng.random((images, 28, 28, 1)).astype("float32")
    y = rng.integers(0, 10, images)
    data = {"x_train": x, "y_train": y, "x_val": x[: images // 4], "y_val": y[: images // 4]}
    tic = time.perf_counter()
    out = train(TrainParams.from_config(architecture, 1, training), data, tempfile.mkdtemp(),
                logging.getLogger(__name__))
    return {"architecture": architecture, "backend": keras.backend.backend(), "compiled": out.compiled,
            "first_epoch_seconds": round(float(out.history["seconds"].iloc[0]), 2),
            "job_seconds": round(time.perf_counter() - tic, 2),
            "cache": compile_cache.describe(before, compile_cache.entries(compile_cache.folder()),
                                            keras.backend.backend(), compile_cache.folder())}


def main(argv: list[str] | None = None) -> None:
    """Run the three jobs in fresh processes and write their rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="enhanced_cnn")
    parser.add_argument("--images", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--schema", default="workflow/schemas/config.schema.yaml")
    parser.add_argument("--out", required=True)
    parser.add_argument("--one", choices=("job",), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_job(args.arch, args.images, args.batch_size, args.schema)))
        return
    rows, cache = [], tempfile.mkdtemp(prefix="jax-cache-")
    for run in RUNS:
        env = {k: v for k, v in os.environ.items() if k != "JAX_COMPILATION_CACHE_DIR"}
        env["KERAS_BACKEND"] = "jax"
        if run != RUNS[0]:
            env["JAX_COMPILATION_CACHE_DIR"] = cache
        out = subprocess.run([sys.executable, "-m", "digitbench.training.cache_benchmark", "--one", "job", "--arch", args.arch, "--images",
                              str(args.images), "--batch-size", str(args.batch_size), "--schema", args.schema,
                              "--out", args.out], env=env, capture_output=True, text=True, check=True)
        rows.append({"run": run, **json.loads(out.stdout.strip().splitlines()[-1])})
        print(json.dumps(rows[-1]), flush=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(rows, fh, indent=1)


if __name__ == "__main__":
    main()
