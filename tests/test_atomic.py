"""Atomic writes: complete file or none."""

from __future__ import annotations

import numpy as np
import pytest

from digitbench.atomic import savez, write_atomic


def test_written_file_appears_complete(tmp_path):
    target = tmp_path / "a.npz"
    write_atomic(target, lambda p: savez(p, x=np.arange(3)))
    with np.load(target) as data:
        assert list(data["x"]) == [0, 1, 2]
    assert list(tmp_path.iterdir()) == [target]


def test_failed_write_leaves_nothing(tmp_path):
    target = tmp_path / "b.json"
    target.write_text("old")

    def fails(p):
        p.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomic(target, fails)
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]


def test_temporary_names_are_never_shared(tmp_path):
    """Two runs writing the same file at once must not write into one temporary file."""
    seen = []
    for _ in range(2):
        write_atomic(tmp_path / "fig.pdf", lambda p: (seen.append(p), p.write_text("x")))
    assert seen[0] != seen[1] and all(p.name.endswith("-fig.pdf") and p.name.startswith(".tmp-") for p in seen)
