"""The test harness itself (tests/conftest.py): the smoke run it starts is stopped and removed when no test
selected reads it, with or without pytest-xdist workers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _pytest(tmp_path, *args: str) -> subprocess.CompletedProcess:
    # A session of its own: not a worker of this one, its temporary folders under tmp_path.
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PYTEST_XDIST", "PYTEST_ADDOPTS"))}
    env["TMPDIR"] = str(tmp_path)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["one process", "xdist"])
def test_a_session_that_selects_no_reader_of_the_smoke_run_leaves_no_run(tmp_path, workers):
    proc = _pytest(tmp_path, *workers, "tests/test_faults.py", "-k", "no_test_has_this_name")
    assert proc.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "INTERNALERROR" not in proc.stdout + proc.stderr
    assert not list(tmp_path.glob("digitbench-smoke-*")), "the smoke run's folder was left behind"
