"""Backend settings that Keras 3 does not expose: op determinism, threads, what XLA can compile.

This is the one module that reaches into the active backend (imported by name, only when asked),
so that model and training code stay pure ``keras`` and run unchanged on TensorFlow, JAX or
PyTorch.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os

import keras


def enable_determinism(log: logging.Logger | None = None) -> str:
    """Ask the active backend for deterministic kernels; returns what was done, for the log.

    What each backend then guarantees (also in the schema's ``training.deterministic``): JAX keeps
    the compiled train step and asks XLA for deterministic GPU reductions, so a rerun on the same
    GPU and software gives the same weights; TensorFlow enables op determinism, with which Keras
    refuses XLA, so the train step runs as an uncompiled graph; PyTorch uses deterministic algorithms.
    """
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


@functools.lru_cache(maxsize=None)
def image_transform_compiles() -> bool:
    """Whether the active backend can jit-compile ``keras.ops.image.affine_transform``.

    JAX and PyTorch can. TensorFlow implements it with ``ImageProjectiveTransformV3``, for which XLA
    had no kernel until recently (none on the CPU in TensorFlow 2.21), so the installed version is
    asked once per process by compiling the op on a tiny batch.
    """
    if keras.backend.backend() != "tensorflow":
        return True
    tf = importlib.import_module("tensorflow")
    images, transform = tf.zeros((1, 4, 4, 1)), tf.constant([[1.0, 0, 0, 0, 1, 0, 0, 0]])
    compiled = tf.function(lambda x, t: keras.ops.image.affine_transform(x, t, fill_mode="nearest"), jit_compile=True)
    with _quiet_native_stderr():  # a missing kernel is expected here; TensorFlow would log it as a failure
        try:
            compiled(images, transform)
            return True
        except Exception:  # XLA reports a missing kernel as InvalidArgumentError or UnimplementedError
            pass
    logging.getLogger(__name__).info("XLA in TensorFlow %s has no image-transform kernel here: the augmented train "
                                     "step cannot be jit-compiled on TensorFlow", tf.__version__)
    return False


@contextlib.contextmanager
def _quiet_native_stderr():
    """Send file descriptor 2 to /dev/null for a moment: C++ logging ignores Python's sys.stderr."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)

