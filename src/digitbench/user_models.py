"""Architectures declared in config (``models:``), built by a researcher's own function beside the five.

A declaration names a Python file of the project and a function in it, ``"examples/lenet5.py:build"``.
The function is the builder's contract: ``build(input_shape=(28, 28, 1), num_classes=10)`` returns an
uncompiled ``keras.Model`` with that input and a softmax over ``num_classes``. :func:`check_builder`
checks all of it, including that Keras can compile the train step on JAX, before any job
(``python -m digitbench.user_models NAME SPEC``, run by the workflow in a JAX process).
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


class BuilderError(ValueError):
    """A declared builder breaks its contract; the message names the file, the function and the fix."""


def split_spec(spec: str) -> tuple[str, str]:
    """``("examples/lenet5.py", "build")`` from ``"examples/lenet5.py:build"``.

    Raises:
        BuilderError: Not ``FILE.py:FUNCTION``.
    """
    path, sep, func = spec.rpartition(":")
    if not sep or not path.endswith(".py") or not func.isidentifier():
        raise BuilderError(f"models builder must be 'FILE.py:FUNCTION', e.g. 'examples/lenet5.py:build'. "
                           f"Received: {spec}")
    return path, func


def file_digest(spec: str, root: str | Path = ".") -> str:
    """Hex SHA-256 of the builder's file."""
    return hashlib.sha256((Path(root) / split_spec(spec)[0]).read_bytes()).hexdigest()


def load_builder(spec: str, root: str | Path = ".") -> Callable[..., Any]:
    """The builder function a declaration names, imported from its file.

    Raises:
        BuilderError: The file is missing, fails to import, lacks the function, or its signature does not
            take ``input_shape`` and ``num_classes``.
    """
    path, func = split_spec(spec)
    file = Path(root) / path
    fix = f"fix {path} or the models entry that names it"
    if not file.is_file():
        raise BuilderError(f"{path}: no such file (models builder '{spec}'); paths are relative to the project. "
                           f"Received: {spec}")
    module_name = f"digitbench_user_{hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:12]}"
    loader = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(loader)
    try:
        loader.loader.exec_module(module)
    except Exception as err:  # noqa: BLE001 -- any error in a user's file is reported the same way
        raise BuilderError(f"{path}: importing it failed with {type(err).__name__}: {err}; {fix}. "
                           f"Received: {spec}") from None
    builder = getattr(module, func, None)
    if not callable(builder):
        raise BuilderError(f"{path} has no function {func}(); {fix}. Received: {spec}")
    try:
        inspect.signature(builder).bind(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES)
    except TypeError:
        raise BuilderError(f"{path}:{func}{inspect.signature(builder)} cannot be called as "
                           f"{func}(input_shape=(28, 28, 1), num_classes=10); give it those two keyword "
                           f"arguments. Received: {spec}") from None
    return builder


def check_builder(name: str, spec: str, root: str | Path = ".", train_step: bool = True) -> str:
    """Build the declared model and check its contract; with ``train_step``, compile and run one jit-compiled
    train step (on JAX when that is the backend, as on a GPU).

    Returns:
        A one-line description (parameters, layers) for the log.

    Raises:
        BuilderError: naming the file, the function and the fix.
    """
    import keras
    import numpy as np

    path, func = split_spec(spec)
    builder = load_builder(spec, root)
    where = f"{path}:{func} (models.{name})"
    try:
        model = builder(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES)
    except Exception as err:  # noqa: BLE001
        raise BuilderError(f"{where} failed to build: {type(err).__name__}: {err}. Received: {spec}") from None
    if not isinstance(model, keras.Model):
        raise BuilderError(f"{where} returned a {type(model).__name__}, not a keras.Model; return the model "
                           f"uncompiled. Received: {type(model).__name__}")
    if getattr(model, "compiled", False) or getattr(model, "optimizer", None) is not None:
        raise BuilderError(f"{where} returned a compiled model; return it uncompiled (the study compiles it with "
                           f"its own optimizer, loss and schedule). Received: {spec}")
    if tuple(model.input_shape) != (None, *INPUT_SHAPE) or tuple(model.output_shape) != (None, NUM_CLASSES):
        raise BuilderError(f"{where} maps {model.input_shape} to {model.output_shape}; it must map "
                           f"(None, 28, 28, 1) to (None, 10). Received: {model.output_shape}")
    probe = np.random.default_rng(0).normal(size=(4, *INPUT_SHAPE)).astype("float32")
    out = np.asarray(model(probe, training=False))
    if (out < 0).any() or not np.allclose(out.sum(axis=1), 1.0, atol=1e-3):
        raise BuilderError(f"{where} does not end in a softmax: its outputs are not probabilities summing to 1; "
                           f"end it with Dense({NUM_CLASSES}, activation='softmax'). Received: row sums "
                           f"{np.round(out.sum(axis=1), 3).tolist()}")
    if train_step:
        # Keras quietly trains uncompiled when a layer says it cannot be compiled (150x slower on a GPU).
        blocking = [layer.name for layer in model._flatten_layers() if getattr(layer, "supports_jit", True) is False]
        if blocking:
            raise BuilderError(f"{where}: layer(s) {', '.join(blocking)} cannot be compiled with XLA, which would "
                               f"stop Keras from compiling the train step; use layers that can (for augmentation, "
                               f"digitbench.training.augment.RandomAffine). Received: {spec}")
        try:
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=True)
            model.train_on_batch(probe, np.arange(4))
        except Exception as err:  # noqa: BLE001
            raise BuilderError(f"{where}: Keras could not compile its train step on {keras.backend.backend()} "
                               f"({type(err).__name__}: {str(err)[:200]}); a layer in it does not support XLA "
                               f"compilation: replace it with one that does. Received: {spec}") from None
    return f"{model.count_params():,} parameters, {len(model.layers)} layers"


def declared_builder(name: str, root: str | Path = ".") -> Callable[..., Any] | None:
    """The builder of an architecture the job's config declares (digitbench.model_declarations), or None."""
    from digitbench.model_declarations import declared

    entry = declared(name)
    return load_builder(entry["builder"], root) if entry else None


def main(argv: list[str] | None = None) -> int:
    """``python -m digitbench.user_models NAME SPEC``: the contract check the workflow runs before any job."""
    name, spec = (argv if argv is not None else sys.argv[1:])[:2]
    try:
        print(f"models.{name}: {check_builder(name, spec)}")
    except BuilderError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


def _stamp() -> Path:
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "digitbench" / "builders.json"


def check_declared(models: Mapping[str, Mapping[str, Any]], root: str | Path = ".",
                   stamp: str | Path | None = None) -> list[str]:
    """Check each declared builder in a JAX process, as the workflow does before any job.

    A builder whose file (by digest), declaration and Keras version passed before is not checked again
    (a check starts a JAX process: seconds); the record is kept in the user's cache folder, so that
    every clone of a project benefits.

    Returns:
        A log line per builder checked now.

    Raises:
        BuilderError: The first builder that breaks its contract, with the checker's message.
    """
    import json
    import os
    import subprocess

    from importlib.metadata import version

    stamp = Path(stamp) if stamp else _stamp()
    try:
        passed = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        passed = {}
    lines = []
    for name, entry in models.items():
        spec = entry["builder"]
        if not (Path(root) / split_spec(spec)[0]).is_file():
            load_builder(spec, root)  # raises, naming the missing file
        key = f"{spec} {file_digest(spec, root)} keras {version('keras')}"
        if key in passed.values():
            continue
        env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "cpu")}
        proc = subprocess.run([sys.executable, "-m", "digitbench.user_models", name, spec], cwd=root, env=env,
                              capture_output=True, text=True)
        if proc.returncode != 0:
            message = [line for line in proc.stderr.splitlines() if "Received:" in line or line.startswith(
                split_spec(spec)[0])]
            raise BuilderError(message[-1] if message else proc.stderr[-2000:])
        passed[key] = key
        lines.append(proc.stdout.strip())
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(passed), encoding="utf-8")
    return lines
