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
