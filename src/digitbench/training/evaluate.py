"""Test-set evaluation of a trained CNN and a description of where it ran."""

from __future__ import annotations

import time
from importlib import metadata

import keras
import numpy as np

from digitbench import metrics


def predict_proba(model: keras.Model, x: np.ndarray, batch_size: int = 512) -> tuple[np.ndarray, float]:
    """Class probabilities and inference milliseconds per image, timed after a warm-up batch.

    The warm-up call keeps graph tracing and kernel compilation out of the measured time.
    """
    model.predict(x[:batch_size], batch_size=batch_size, verbose=0)
    tic = time.perf_counter()
    proba = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float64)
    return proba, 1000 * (time.perf_counter() - tic) / len(x)


def test_metrics(y_true: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """Accuracy, macro precision/recall/F1, top-3/top-5 and loss (cross-entropy) on the test set."""
    out = metrics.classification_metrics(y_true, proba)
    out["loss"] = out.pop("log_loss")
    return out


def runtime_info() -> dict[str, object]:
    """Backend, device and library versions of this process."""
    backend = keras.backend.backend()
    devices = [str(d) for d in keras.distribution.list_devices()]
    versions = {"keras": keras.__version__}
    for pkg in {"tensorflow": ("tensorflow", "tensorflow-cpu"), "jax": ("jax", "jaxlib"), "torch": ("torch",)}[backend]:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    gpu = [d for d in devices if "gpu" in d.lower() or "cuda" in d.lower()]
    return {"backend": backend, "device": gpu[0] if gpu else (devices[0] if devices else "cpu"), "devices": devices,
            "versions": versions}
