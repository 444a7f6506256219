"""The verified MNIST copy: checked before any job, kept by a hard link, a missing local source refused."""

from __future__ import annotations

import os

import pytest

from digitbench.data.mnist import DataError
from digitbench.data.store import BACKUP_NAME, check_copy


@pytest.fixture
def fake_verify(monkeypatch):
    """MNIST's digests stand in for a check that a file reads b"MNIST"; counts the checks."""
    calls = []

    def load(path):
        calls.append(path)
        if open(path, "rb").read() != b"MNIST":
            raise DataError(f"{path}: x_train differs from MNIST")
    monkeypatch.setattr("digitbench.data.store.load_npz", load)
    return calls


def check(path, **kw):
    return check_copy(path, **{"sources": ["local", "npm"], "local_path": "", "config_sources": "cfg.yaml", **kw})


def test_a_verified_copy_is_linked_once_and_checked_once_until_it_changes(tmp_path, fake_verify):
    npz = tmp_path / "mnist.npz"
    npz.write_bytes(b"MNIST")
    assert check(npz) is None and os.path.samefile(npz, tmp_path / BACKUP_NAME)
    check(npz)
    assert len(fake_verify) == 1  # the stamp spares the second check
    npz.unlink()  # as Snakemake deletes a job's outputs before it runs
    assert "restored" in check(npz) and npz.read_bytes() == b"MNIST"


def test_a_wrong_copy_is_refused_naming_it_and_the_fix(tmp_path, fake_verify):
    npz = tmp_path / "mnist.npz"
    npz.write_bytes(b"MNIST")
    check(npz)
    npz.unlink()
    npz.write_bytes(b"other digits")
    with pytest.raises(DataError, match=r"mnist.npz is not the verified MNIST, so no job has started.*mv .*\.bad"):
        check(npz)
    assert (tmp_path / BACKUP_NAME).read_bytes() == b"MNIST"  # the verified data is still there


def test_no_copy_and_no_link_means_a_download(tmp_path, fake_verify):
    assert check(tmp_path / "mnist.npz") is None and not fake_verify


def test_a_local_path_that_does_not_exist_is_refused_before_any_job(tmp_path, fake_verify):
    with pytest.raises(DataError, match=r"data.local_path in cfg.yaml: .*nowhere does not exist.*set data.local_path"):
        check(tmp_path / "mnist.npz", local_path=str(tmp_path / "nowhere"))
    # Unused when the local source is not among the sources.
    assert check(tmp_path / "mnist.npz", local_path=str(tmp_path / "nowhere"), sources=["npm"]) is None
