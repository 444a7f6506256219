"""The same model and training code runs on every installed Keras backend.

Each backend needs its own process (Keras picks it at import), so every check is a subprocess;
backends that are not installed are skipped, and the test says which.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# JAX has its own, stricter test below (the compiled step), which also checks that a step learns.
BACKENDS = {"tensorflow": "tensorflow", "torch": "torch"}

STEP = r"""
import numpy as np, keras
from digitbench.models import ARCHITECTURES, build
from digitbench.training.augment import build_augmentation
from tests.conftest import augment_params
assert keras.backend.backend() == "{backend}", keras.backend.backend()
rng = np.random.default_rng(0)
x = rng.random((8, 28, 28, 1), dtype=np.float32)
y = rng.integers(0, 10, 8)
for name in ARCHITECTURES:
    model = build(name)
    train = keras.Sequential([keras.Input((28, 28, 1)), build_augmentation(augment_params(), 1), model])
    train.compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0), loss="sparse_categorical_crossentropy")
    before = [np.array(w) for w in model.trainable_weights]
    loss = train.train_on_batch(x, y)
    after = [np.array(w) for w in model.trainable_weights]
    assert np.isfinite(loss) and any(not np.allclose(a, b) for a, b in zip(before, after)), name
    assert model.predict(x, verbose=0).shape == (8, 10)
print("OK", keras.backend.backend())
"""


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_one_training_step_per_installed_backend(backend):
    if importlib.util.find_spec(BACKENDS[backend]) is None:
        pytest.skip(f"backend {backend} is not installed")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    proc = subprocess.run([sys.executable, "-c", STEP.format(backend=backend)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert f"OK {backend}" in proc.stdout


JIT = r"""
import jax
jax.config.update("jax_log_compiles", True)  # proof of compilation: JAX logs each XLA compile
import numpy as np, keras
from digitbench.models import ARCHITECTURES
from digitbench.training.trainer import new_training_model
from tests.conftest import augment_params, train_params
assert keras.backend.backend() == "jax", keras.backend.backend()

def blocking(layer):
    inner = [blocking(child) for child in getattr(layer, "layers", [])]
    return [layer.name] * (not layer.supports_jit) + [name for names in inner for name in names]

rng = np.random.default_rng(0)
x, y = rng.random((16, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, 16)
for name in ARCHITECTURES:
    model = new_training_model(train_params(name, 1), (28, 28, 1))
    assert not blocking(model), f"{name}: layers that stop jit on JAX: {blocking(model)}"
    assert model.jit_compile is True, f"{name}: Keras resolved jit_compile to {model.jit_compile}"
    net = model.get_layer(name)
    before = [np.array(w) for w in net.trainable_weights]
    loss = model.train_on_batch(x, y)
    after = [np.array(w) for w in net.trainable_weights]
    assert np.all(np.isfinite(loss)) and any(not np.allclose(a, b) for a, b in zip(before, after)), name
    assert net.predict(x, verbose=0).shape == (16, 10)
# On JAX the layer samples with its own bilinear code: it must still match the notebook's CPU pipeline.
from digitbench.training import augment_cpu
from digitbench.training.augment import build_augmentation
d = augment_cpu.draw(augment_params(), rng, 16, 28, 28)
ours = np.asarray(build_augmentation(augment_params(), 1).transform(x, {k: v.astype("float32") for k, v in d.items()}))
assert np.mean(np.abs(ours - augment_cpu.apply(x, d)) < 1e-3) > 0.98
print("OK compiled", len(ARCHITECTURES))
"""


def test_train_step_of_every_architecture_is_jit_compiled_on_jax():
    """What train_cnn fits, augmentation included, must let Keras compile its train step on JAX."""
    if importlib.util.find_spec("jax") is None:
        pytest.fail("JAX is not installed: it is a test dependency (pyproject.toml), run `make setup`")
    # Compiled with less LLVM optimisation: whether the step compiles does not depend on it (a third less time).
    flags = (os.environ.get("XLA_FLAGS", "") + " --xla_backend_optimization_level=0").strip()
    env = {**os.environ, "KERAS_BACKEND": "jax", "XLA_FLAGS": flags}
    proc = subprocess.run([sys.executable, "-c", JIT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "OK compiled 5" in proc.stdout
    assert proc.stderr.count("XLA compilation of jit(train_step)") == 5, proc.stderr[-3000:]


def test_model_and_training_code_import_only_keras():
    pattern = re.compile(r"^\s*(import|from)\s+(tensorflow|jax|torch)\b|\btf\.", re.MULTILINE)
    for folder in ("models", "training"):
        for path in (ROOT / "src" / "digitbench" / folder).glob("*.py"):
            if path.name == "runtime.py":  # the one documented place for backend-specific switches
                continue
            assert not pattern.search(path.read_text()), f"{path} uses a backend directly"
