"""Backend settings that Keras 3 does not expose: op determinism.

This is the one module that reaches into the active backend (imported by name, only when asked),
so that model and training code stay pure ``keras`` and run unchanged on TensorFlow, JAX or
PyTorch.
"""

from __future__ import annotations

import importlib
import logging
import os

import keras


def enable_determinism(log: logging.Logger | None = None) -> str:
    """Ask the active backend for deterministic kernels; returns what was done, for the log."""
    log = log or logging.getLogger(__name__)
    backend = keras.backend.backend()
    if backend == "tensorflow":
        importlib.import_module("tensorflow").config.experimental.enable_op_determinism()
        done = "tensorflow op determinism enabled"
    elif backend == "torch":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        importlib.import_module("torch").use_deterministic_algorithms(True)
        done = "torch deterministic algorithms enabled"
    elif backend == "jax":
        # Read when XLA first compiles for the GPU, which happens after this call.
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_gpu_deterministic_ops=true").strip()
        done = "XLA deterministic GPU ops requested"
    else:
        done = f"no determinism switch known for backend {backend}"
    log.info(done)
    return done


def limit_threads(threads: int, log: logging.Logger | None = None) -> str:
    """Cap the backend's CPU threads at the job's Snakemake ``threads``.

    On a 2-core machine two single-threaded training jobs side by side were measured 1.26 times
    faster in total than one job using both cores, so CPU profiles run them that way.
    """
    log = log or logging.getLogger(__name__)
    if threads < 1:
        raise ValueError(f"threads must be >= 1. Received: {threads}")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        tf = importlib.import_module("tensorflow")
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
        done = f"tensorflow limited to {threads} thread(s)"
    elif backend == "torch":
        importlib.import_module("torch").set_num_threads(threads)
        done = f"torch limited to {threads} thread(s)"
    else:
        done = f"thread cap not applied on backend {backend}"
    log.info(done)
    return done
