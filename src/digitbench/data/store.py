"""The verified MNIST copy under ``resources/mnist/``, checked before any job and never lost by one.

Snakemake deletes a job's outputs before the job runs, so a data job that runs again (forced, or
because a file it declares is missing) takes a verified copy with it, and a copy that fails would be
found only inside the jobs that read it. :func:`check_copy` runs when the workflow is read, before any
job: it refuses a copy that is not MNIST, naming the file and the fix; it keeps a hard link of a
verified copy beside it, which costs no space, so a failed download leaves the verified data in
place for the next run; and it refuses a ``data.local_path`` that does not exist.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from digitbench.data.mnist import DataError, load_npz

# The verified copy's hard link and the stat of the copy last verified (a check costs ~0.5 s).
BACKUP_NAME = ".verified-mnist.npz"
STAMP_NAME = ".mnist.npz.verified"


def _stat_key(path: Path) -> list[int]:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def _verified(path: Path) -> bool:
    stamp = path.parent / STAMP_NAME
    try:
        return json.loads(stamp.read_text()) == _stat_key(path)
    except (OSError, ValueError):
        return False


def _verify(path: Path, config_sources: str) -> None:
    if _verified(path):
        return
    try:
        load_npz(path)
    except DataError as err:
        raise DataError(f"{path} is not the verified MNIST, so no job has started: {err}. Move it aside "
                        f"(`mv {path} {path}.bad`) and run again: the workflow then fetches MNIST from "
                        f"data.sources of {config_sources}; or put your verified copy back.") from None
    (path.parent / STAMP_NAME).write_text(json.dumps(_stat_key(path)))


def check_copy(path: str | os.PathLike[str], *, sources: Sequence[str], local_path: str,
               config_sources: str) -> str | None:
    """Check the MNIST copy and the local source before any job.

    Args:
        path: The workflow's ``resources/mnist/mnist.npz``.
        sources: ``data.sources``.
        local_path: ``data.local_path`` ("" = unset).
        config_sources: The config files of this run, for messages.

    Returns:
        What was done, for the workflow's log, or None.

    Raises:
        DataError: ``data.local_path`` is set for the local source and does not exist, or the copy (or
            its hard link) is not MNIST.
    """
    if local_path and "local" in sources and not Path(local_path).exists():
        raise DataError(f"data.local_path in {config_sources}: {local_path} does not exist. Fix the path, or set "
                        f"data.local_path to \"\" so that the other data.sources are used. Received: {local_path}")
    path = Path(path)
    backup = path.parent / BACKUP_NAME
    if path.is_file():
        _verify(path, config_sources)
        if not backup.exists() or not os.path.samefile(path, backup):
            backup.unlink(missing_ok=True)
            try:
                os.link(path, backup)
            except OSError:  # a file system without hard links: the copy is still verified
                return None
        return None
    if backup.is_file():
        _verify(backup, config_sources)
        os.link(backup, path)
        (path.parent / STAMP_NAME).write_text(json.dumps(_stat_key(path)))
        return f"{path} was missing: restored from its verified hard link {backup} (no download)"
    return None
