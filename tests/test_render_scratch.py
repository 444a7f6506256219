"""Scratch folders of killed renders are removed; a running render's folder is kept."""

from __future__ import annotations

import os
import subprocess
import sys

from digitbench.report.rendering.render import remove_stale_scratch


def test_only_folders_of_dead_processes_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / f".render-{dead}-abc"
    live = tmp_path / f".render-{os.getpid()}-def"
    odd = tmp_path / ".render-xyz"
    for folder in (stale, live, odd):
        (folder / "products").mkdir(parents=True)
    report = tmp_path / "digitbench.html"
    report.write_text("last good report")
    assert sorted(remove_stale_scratch(tmp_path)) == sorted([stale, odd])
    assert live.is_dir() and report.read_text() == "last good report"
