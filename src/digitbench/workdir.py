"""One results folder, one profile, one run at a time.

Snakemake decides what to rerun from file times and params: a run with another profile's config
in a folder of quick results would retrain everything over them, and two runs started in the same
second can both pass Snakemake's own lock check. The workflow therefore stamps ``results/`` with
the profile that made it and holds an exclusive lock while it executes jobs.
"""

from __future__ import annotations

import fcntl
import json
import os
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from digitbench.atomic import write_atomic

STAMP = Path("results/.profile.json")
# Outside the ledger's records (*.json), which the audit reads one by one.
STAMP_COPY = Path("results/.ledger/profile.stamp")
LOCK = Path(".snakemake/digitbench.lock")
_held: list[IO[str]] = []  # open for the life of the Snakemake process: the lock goes with it


class WorkdirError(RuntimeError):
    """The results folder belongs to another profile, or another run is using it."""


def read_stamp(root: str | os.PathLike[str] = ".") -> dict | None:
    """The profile recorded for ``results/``, or None if the folder has no stamp yet."""
    try:
        return json.loads((Path(root) / STAMP).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as err:
        raise WorkdirError(f"{STAMP} is unreadable ({err}); it names the profile that made results/. "
                           "Delete it only if results/ holds the profile you are running now.") from err


def snakemake_command(configfiles: Iterable[str] = (), targets: Iterable[str] = ()) -> str:
    """The Snakemake command line that messages tell the user to run, with the run's config files.

    Targets come first: ``--resources`` and ``--configfile`` take several values and would
    swallow them.
    """
    return " ".join(["snakemake", *targets, "--cores all --resources gpu=1", *configfile_args(configfiles)])


def configfile_args(configfiles: Iterable[str]) -> list[str]:
    """``--configfile`` with every file after it, once: Snakemake 9 keeps only the last of repeated flags."""
    files = [shlex.quote(str(f)) for f in configfiles]
    return ["--configfile", *files] if files else []


def check_profile(profile: str, configfiles: list[str], targets: list[str] = (),
                  root: str | os.PathLike[str] = ".") -> None:
    """Refuse to run one profile's config over another profile's results.

    Args:
        profile: ``profile`` of this run's config.
        configfiles: The ``--configfile`` files of this run.
        targets: The files this run was asked for (quoted in the suggested command).
        root: The workflow directory.

    Raises:
        WorkdirError: ``results/`` was made by another profile; the message gives the command
            with that profile's config files, and how to start the other profile.
    """
    stamp = read_stamp(root)
    if stamp is None:
        stamp = _unstamped(root, profile, configfiles, targets)
    if stamp is None or stamp.get("profile") == profile:
        return
    theirs = [str(f) for f in stamp.get("configfiles", [])]
    made_with = " ".join(configfile_args(theirs)) or "config/config.yaml alone"
    mine = " ".join(configfile_args(configfiles)) or "config/config.yaml alone"
    raise WorkdirError(
        f"results/ holds profile '{stamp.get('profile')}' (made with {made_with}), but this run's config is "
        f"profile '{profile}' ({mine}); profiles never share a results folder, so nothing was run. "
        f"To work on these results, give their config:\n  {snakemake_command(theirs, targets)}\n"
        f"To run profile '{profile}', move these results away first: mv results results-{stamp.get('profile')}"
    )


def _unstamped(root: str | os.PathLike[str], profile: str, configfiles: list[str],
               targets: Iterable[str]) -> dict | None:
    """The profile of results that lost their stamp, from its copy in the ledger; refused without one."""
    ledger = Path(root) / "results" / ".ledger"
    if not ledger.is_dir() or next(ledger.rglob("*.json"), None) is None:
        return None  # nothing recorded yet: a new folder
    try:
        return json.loads((Path(root) / STAMP_COPY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    raise WorkdirError(
        f"results/ holds recorded results but {STAMP}, which names the profile that made them, is missing, so "
        f"nothing was run: profile '{profile}' might overwrite another profile's results. If they are profile "
        f"'{profile}', record that and rerun:\n  {_stamp_command(profile, configfiles)}\n  "
        f"{snakemake_command(configfiles, targets)}\nOtherwise move them away first: mv results results-old")


def _stamp_command(profile: str, configfiles: list[str]) -> str:
    body = json.dumps({"profile": profile, "configfiles": [str(f) for f in configfiles]})
    return f"echo {shlex.quote(body)} > {STAMP}"


def write_stamp(profile: str, configfiles: list[str], root: str | os.PathLike[str] = ".") -> None:
    """Record which profile ``results/`` belongs to (before the first job writes anything there), with a copy
    in the ledger so that a deleted stamp is noticed and its profile named."""
    body = json.dumps({"profile": profile, "configfiles": [str(f) for f in configfiles]}, indent=1)
    for path in (STAMP, STAMP_COPY):
        target = Path(root) / path
        if (target.is_file() and json.loads(target.read_text(encoding="utf-8") or "{}").get("profile") == profile):
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, lambda tmp: tmp.write_text(body, encoding="utf-8"))


def lock_run(root: str | os.PathLike[str] = ".") -> None:
    """Hold an exclusive lock on the workflow directory until this process exits.

    Raises:
        WorkdirError: Another Snakemake process holds it; the message names its pid.
    """
    path = Path(root) / LOCK
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+", encoding="utf-8")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "unknown"
        fh.close()
        raise WorkdirError(
            f"another snakemake run (pid {holder}) is executing jobs in this folder ({path} is locked); "
            "nothing was run. Wait for it to finish, then run again. The lock is released when that process "
            "exits, even after kill -9, so there is nothing to unlock by hand."
        ) from None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    _held.append(fh)


def published_copy(record: str | os.PathLike[str]) -> Path:
    """The hard link that keeps the publication record of rule render_report (see :func:`keep_published`)."""
    record = Path(record)
    return record.with_name(f".{record.name}.published")


def keep_published(record: str | os.PathLike[str]) -> None:
    """Link the record just written, so that the next render, which Snakemake starts by deleting it,
    cannot lose it: the HTML and PDF it describes stay until a render passes its checks."""
    link = published_copy(record)
    link.unlink(missing_ok=True)
    os.link(record, link)


def restore_published(record: str, root: str | os.PathLike[str] = ".") -> bool:
    """Put back the record of the report still published after a refused render.

    Its time stamp is the old one, so Snakemake still renders again what changed. After a kill Snakemake
    has marked the record incomplete and reruns the render by itself; a record put back then would be
    refused as an incomplete file, so it is left to that rerun. Returns whether it put the record back.

    Args:
        record: The record's path relative to ``root`` (the workflow directory).
        root: The workflow directory.
    """
    from digitbench.snakemake_state import forget_metadata, marked_incomplete

    path, link = Path(root) / record, published_copy(Path(root) / record)
    if path.exists() or not link.is_file() or marked_incomplete(Path(root), record):
        return False
    # Judged by its time stamp, older than what changed since: the render stays due.
    forget_metadata(Path(root), record)
    os.link(link, path)
    return True
