"""Write a file so that it either appears complete or not at all."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np


def write_atomic(path: str | Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` on a temporary name beside ``path``, then rename it onto ``path``.

    The temporary name ends like ``path`` (``.tmp-<pid>-<random>-<name>``), so writers that pick a
    format from the suffix (Keras, matplotlib) still do, and two processes writing the same file never
    share a temporary file. A failed write leaves no file at ``path``.
    """
    path = Path(path)
    tmp = path.with_name(f".tmp-{os.getpid()}-{secrets.token_hex(4)}-{path.name}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def savez(path: Path, compressed: bool = False, **arrays: np.ndarray) -> None:
    """``np.savez`` through a file object, which keeps numpy from appending ``.npz`` to a temporary name."""
    with open(path, "wb") as fh:
        (np.savez_compressed if compressed else np.savez)(fh, **arrays)
