"""What Snakemake keeps about a workflow directory under ``.snakemake/`` that digitbench's checks read."""

from __future__ import annotations

import base64
from pathlib import Path


def _name(rel: str) -> str:
    # Snakemake names its per-file records by the path, URL-safe base64 encoded.
    return base64.urlsafe_b64encode(rel.encode()).decode()


def marked_incomplete(root: Path, rel: str) -> bool:
    """Whether Snakemake marked ``rel`` as the output of a job that was interrupted (kill -9): it reruns that
    job by itself, so such a file being missing is not a problem, and a copy of it put back would be refused."""
    return (Path(root) / ".snakemake" / "incomplete" / _name(rel)).exists()


def forget_metadata(root: Path, rel: str) -> None:
    """Drop Snakemake's record of the job that last wrote ``rel`` (``.snakemake/metadata``).

    A file put back after its job failed would otherwise be judged by that failed job's record (its
    input checksums and end time), and look up to date; without the record Snakemake compares times.
    """
    (Path(root) / ".snakemake" / "metadata" / _name(rel)).unlink(missing_ok=True)
