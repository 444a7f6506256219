"""What Snakemake keeps about a workflow directory under ``.snakemake/`` that digitbench's checks read."""

from __future__ import annotations

import base64
from pathlib import Path


def marked_incomplete(root: Path, rel: str) -> bool:
    """Whether Snakemake marked ``rel`` as the output of a job that was interrupted (kill -9): it reruns that
    job by itself, so such a file being missing is not a problem, and a copy of it put back would be refused."""
    marker = base64.urlsafe_b64encode(rel.encode()).decode()
    return (Path(root) / ".snakemake" / "incomplete" / marker).exists()


def forget_metadata(root: Path, rel: str) -> None:
    """Drop Snakemake's record of the job that last wrote ``rel`` (``.snakemake/metadata``).

    A file put back after its job failed would otherwise be judged by that failed job's record (its
    input checksums and end time), and look up to date; without the record Snakemake compares times.
    """
    marker = base64.urlsafe_b64encode(rel.encode()).decode()
    (Path(root) / ".snakemake" / "metadata" / marker).unlink(missing_ok=True)
