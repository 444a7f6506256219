"""Architectures declared in config (``models:``), built by a researcher's own function beside the five.

A declaration names a function in a Python file of the project (``builder: examples/lenet5.py:build``)
or an installed package's entry point (``entry_point: my_net``, group ``digitbench.architectures``);
:func:`builder_source` (:mod:`digitbench.builder_sources`) resolves either to its module file. The
function is the builder's contract: ``build(input_shape=(28, 28, 1), num_classes=10)`` returns an
uncompiled ``keras.Model`` with that input and a softmax over ``num_classes``. :func:`check_builder`
checks all of it, including that Keras can compile the train step on JAX, before any job
(``python -m digitbench.user_models NAME SPEC``, or ``NAME --entry-point EP``, run by the workflow in a
JAX process).
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from digitbench.builder_sources import BuilderError, builder_source, split_spec

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def _checked(builder: Any, path: str, func: str, fix: str, received: str) -> Callable[..., Any]:
    """``builder`` if it is a function that can be called with ``input_shape`` and ``num_classes``."""
    if not callable(builder):
        raise BuilderError(f"{path} has no function {func}(); {fix}. Received: {received}")
    try:
        inspect.signature(builder).bind(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES)
    except TypeError:
        raise BuilderError(f"{path}:{func}{inspect.signature(builder)} cannot be called as "
                           f"{func}(input_shape=(28, 28, 1), num_classes=10); give it those two keyword "
                           f"arguments. Received: {received}") from None
    return builder


def load_builder(spec: str, root: str | Path = ".") -> Callable[..., Any]:
    """The builder function a ``builder`` spec names, imported from its file.

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
    return _checked(getattr(module, func, None), path, func, fix, spec)


def load_declared(name: str, entry: Mapping[str, Any] | str, root: str | Path = ".") -> Callable[..., Any]:
    """The builder function of ``models.NAME``, of either kind (:func:`builder_source`).

    An entry point's module is imported by its name, as ``EntryPoint.load`` does, so that the package's
    relative imports work; here in two steps, so that a missing function is told from a failing import.

    Raises:
        BuilderError: as :func:`builder_source` and :func:`load_builder`, naming the module file.
    """
    source = builder_source(name, entry)
    if not source.module:
        return load_builder(source.label, root)
    fix = f"fix {source.path} or models.{name}.entry_point"
    try:
        module = importlib.import_module(source.module)
    except Exception as err:  # noqa: BLE001
        raise BuilderError(f"{source.label}: importing {source.module} failed with {type(err).__name__}: {err}; "
                           f"{fix}. Received: {source.label}") from None
    return _checked(getattr(module, source.func, None), source.path, source.func, fix, source.label)


def check_builder(name: str, spec: Mapping[str, Any] | str, root: str | Path = ".", train_step: bool = True) -> str:
    """Build the declared model and check its contract; with ``train_step``, compile and run one jit-compiled
    train step (on JAX when that is the backend, as on a GPU).

    Args:
        name: The name under ``models``.
        spec: Its declaration (``builder`` or ``entry_point``), or a ``builder`` spec.
        root: The project folder, which ``builder`` paths are relative to.
        train_step: Also compile and run one train step (seconds).

    Returns:
        A one-line description (parameters, layers) for the log.

    Raises:
        BuilderError: naming the file, the function and the fix.
    """
    import keras
    import numpy as np

    source = builder_source(name, spec)
    builder = load_declared(name, spec, root)
    where = f"{source.label} (models.{name})"
    try:
        model = builder(input_shape=INPUT_SHAPE, num_classes=NUM_CLASSES)
    except Exception as err:  # noqa: BLE001
        raise BuilderError(f"{where} failed to build: {type(err).__name__}: {err}. Received: {source.label}") from None
    if not isinstance(model, keras.Model):
        raise BuilderError(f"{where} returned a {type(model).__name__}, not a keras.Model; return the model "
                           f"uncompiled. Received: {type(model).__name__}")
    if getattr(model, "compiled", False) or getattr(model, "optimizer", None) is not None:
        raise BuilderError(f"{where} returned a compiled model; return it uncompiled (the study compiles it with "
                           f"its own optimizer, loss and schedule). Received: {source.label}")
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
                               f"digitbench.training.augment.RandomAffine). Received: {source.label}")
        try:
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", jit_compile=True)
            model.train_on_batch(probe, np.arange(4))
        except Exception as err:  # noqa: BLE001
            raise BuilderError(f"{where}: Keras could not compile its train step on {keras.backend.backend()} "
                               f"({type(err).__name__}: {str(err)[:200]}); a layer in it does not support XLA "
                               f"compilation: replace it with one that does. Received: {source.label}") from None
    return f"{model.count_params():,} parameters, {len(model.layers)} layers"


def declared_builder(name: str, root: str | Path = ".") -> Callable[..., Any] | None:
    """The builder of an architecture the job's config declares (digitbench.model_declarations), or None."""
    from digitbench.model_declarations import declared

    entry = declared(name)
    return load_declared(name, entry, root) if entry else None


def _cli_args(entry: Mapping[str, Any]) -> list[str]:
    """The arguments after NAME that :func:`main` reads a declaration from."""
    return ["--entry-point", entry["entry_point"]] if "entry_point" in entry else [entry["builder"]]


def main(argv: list[str] | None = None) -> int:
    """``python -m digitbench.user_models NAME SPEC`` (a ``builder``) or ``NAME --entry-point EP``: the contract
    check the workflow runs before any job."""
    name, *rest = argv if argv is not None else sys.argv[1:]
    entry = {"entry_point": rest[1]} if rest[0] == "--entry-point" else {"builder": rest[0]}
    try:
        print(f"models.{name}: {check_builder(name, entry)}")
    except BuilderError as err:
        print(err, file=sys.stderr)
        return 1
    return 0


def _stamp() -> Path:
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "digitbench" / "builders.json"


def check_declared(models: Mapping[str, Mapping[str, Any]], root: str | Path = ".",
                   stamp: str | Path | None = None) -> list[str]:
    """Check each declared builder in a JAX process, as the workflow does before any job.

    A builder whose module file (by digest), declaration (with an entry point's distribution and version)
    and Keras version passed before is not checked again (a check starts a JAX process: seconds); the
    record is kept in the user's cache folder, so that every clone of a project benefits. The check
    runs with this environment, so an entry point must be installed (or on ``PYTHONPATH``) for it too.

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
        source = builder_source(name, entry)
        if not (Path(root) / source.path).is_file():
            load_builder(source.label, root)  # raises, naming the missing file
        key = f"{source.label} {source.digest(root)} keras {version('keras')}"
        if key in passed.values():
            continue
        env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": os.environ.get("JAX_PLATFORMS", "cpu")}
        proc = subprocess.run([sys.executable, "-m", "digitbench.user_models", name, *_cli_args(entry)], cwd=root,
                              env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            message = [line for line in proc.stderr.splitlines() if "Received:" in line or line.startswith(
                source.path)]
            raise BuilderError(message[-1] if message else proc.stderr[-2000:])
        passed[key] = key
        lines.append(proc.stdout.strip())
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps(passed), encoding="utf-8")
    return lines


if __name__ == "__main__":
    raise SystemExit(main())
