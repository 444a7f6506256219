"""JAX's persistent compilation cache for training jobs: seeds 2-5 reuse the program seed 1 compiled.

On a GPU the first epoch of every training job was almost all XLA compilation (about 51 s of an
H200 run), and every seed of an architecture compiles the same program. JAX keeps compiled
programs on disk when ``JAX_COMPILATION_CACHE_DIR`` is set before the backend starts; jobs on the
same machine then load them instead of compiling. Jobs call :func:`configure` before importing
Keras or JAX (stdlib only here), and :func:`describe` after training, for the log: whether the
job's programs came from the cache (it wrote no new entry into a populated cache) or were compiled
(it wrote new entries). TensorFlow and PyTorch ignore the setting.

The cache is trusted code: JAX runs what it finds there (its documentation warns not to share it
with users one does not trust), so it lives in the project, not in a shared folder.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_VAR = "JAX_COMPILATION_CACHE_DIR"


def configure(folder: str, env: dict[str, str] | None = None) -> str:
    """Point JAX's persistent compilation cache at ``folder`` (made if missing); "" leaves it off.

    A cache directory the user set in the environment wins over the config.

    Args:
        folder: ``training.compilation_cache``: a path, relative to the working directory.
        env: The environment to set (default ``os.environ``).

    Returns:
        One sentence for the job log.
    """
    env = os.environ if env is None else env
    if env.get(CACHE_VAR):
        return f"JAX compilation cache {env[CACHE_VAR]} (from {CACHE_VAR} in the environment)"
    if not folder:
        return "JAX compilation cache off (training.compilation_cache is empty)"
    path = Path(folder).resolve()
    path.mkdir(parents=True, exist_ok=True)
    env[CACHE_VAR] = str(path)
    return f"JAX compilation cache {path}"


def folder(env: dict[str, str] | None = None) -> str | None:
    """The cache folder in use (None when off)."""
    return (os.environ if env is None else env).get(CACHE_VAR) or None


def entries(folder: str | os.PathLike[str] | None) -> int:
    """Programs in the cache folder (0 when there is none)."""
    if not folder or not Path(folder).is_dir():
        return 0
    return sum(1 for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith("."))


def describe(before: int, after: int, backend: str, folder: str | None) -> str:
    """Whether this job's compiled programs came from the cache, from the entries before and after it ran."""
    if backend != "jax":
        return f"no JAX compilation cache on the {backend} backend"
    if not folder:
        return "JAX compilation cache off: every program was compiled"
    if after > before:
        return f"compiled {after - before} program(s) and stored them in the cache ({after} entries)"
    if before:
        return f"every compiled program came from the cache ({before} entries, none added)"
    return "nothing was stored in the cache (no program took long enough to compile)"
