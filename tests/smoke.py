"""Helpers of the workflow tests: run Snakemake in a copy of the repository, read the report."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

COPY = ["Snakefile", "workflow", "config", ".test", "report", "src", "examples", "environment.yml", "pyproject.toml", "uv.lock"]
SMOKE = ("--configfile", ".test/config.yaml")


def snakemake_command(*args: str) -> list[str]:
    """The command line of Snakemake on two cores with ``args``."""
    return [sys.executable, "-m", "snakemake", "--cores", "2", *args]


def snakemake(workdir: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
              ) -> subprocess.CompletedProcess:
    """Run Snakemake on two cores in ``workdir`` (``env`` added to the environment); with ``check``, fail with
    its output tail."""
    cmd = snakemake_command(*args)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, env=env, timeout=1200)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    return proc


def fresh_copy(dest: Path) -> Path:
    """The repository's workflow files, as a new user's clone has them (nothing generated)."""
    ignore = shutil.ignore_patterns("_generated", "_variables.yml", "_output", "__pycache__", ".quarto")
    dest.mkdir(parents=True, exist_ok=True)
    for name in COPY:
        src = ROOT / name
        (shutil.copytree(src, dest / name, ignore=ignore) if src.is_dir() else shutil.copy(src, dest / name))
    return dest


def copy_run(run: Path, dest: Path) -> Path:
    """A finished run's folder, results and ledger included, without Snakemake's own metadata."""
    shutil.copytree(run, dest, symlinks=True, ignore=shutil.ignore_patterns(".snakemake"))
    return dest


def report_texts(work: Path) -> dict[str, str]:
    """Plain text of the rendered HTML and PDF."""
    from digitbench.report.rendering.render import html_text, pdf_text

    return {"html": html_text(work / "results/report/digitbench.html"),
            "pdf": pdf_text(work / "results/report/digitbench.pdf")}
