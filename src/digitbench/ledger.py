"""A digest for every file a job writes, so that results cannot be edited, truncated or removed unnoticed.

Snakemake trusts modification times: an accuracy edited by hand in a ``metrics.json`` flows into
every table downstream, and a deleted model folder goes unnoticed while the files derived from it
exist ("Nothing to be done"). Each script therefore starts with :func:`start_job`, which checks
its inputs against the digests their jobs recorded and, once the script has succeeded, records
digests of its own outputs under ``results/.ledger/``. Before any job, the workflow audits the
whole ledger (:func:`audit`) and stops on a file that changed or disappeared, naming it and the
command that regenerates it.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from digitbench.atomic import write_atomic
from digitbench.logs import setup_script_logging
from digitbench.snakemake_state import marked_incomplete
from digitbench.workdir import snakemake_command

LEDGER = Path("results/.ledger")
# Only what the workflow derives is recorded; the data under resources/ has its own checksums.
RECORDED_ROOTS = ("results", "report")
_CHUNK = 1 << 20
# The digests a job lists for its own outputs, next to them (see write_digests).
DIGESTS = "digests.json"


class LedgerError(RuntimeError):
    """A results file differs from what its job recorded, or is gone."""


@dataclass(frozen=True)
class Problem:
    """One recorded file that changed or disappeared."""

    path: str
    rule: str
    kind: str  # "changed" or "missing"
    recorded: str
    found: str | None
    via: str | None = None  # what to --forcerun, if not the file itself


def sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _relative(path: str | os.PathLike[str], root: Path) -> str | None:
    # Not resolved: an output Snakemake's between-workflow cache holds is a symlink into the cache,
    # and is recorded and verified under its path in results/ (its digest is of the cached content).
    rel = os.path.relpath(os.path.abspath(os.path.join(root, path)), os.path.abspath(root))
    if rel.startswith("..") or rel.split(os.sep)[0] not in RECORDED_ROOTS or rel.startswith(str(LEDGER)):
        return None
    return Path(rel).as_posix()


def record_file(root: Path, rel: str) -> Path:
    """Where the record of ``rel`` (a path relative to the workflow directory) is kept."""
    return root / LEDGER / f"{rel}.json"


def _read(root: Path, rel: str) -> dict[str, Any] | None:
    try:
        return json.loads(record_file(root, rel).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        # A torn record proves nothing either way; the audit reports the file as changed.
        return {"sha256": "unreadable record", "rule": "unknown"}


def forget(outputs: Iterable[str], root: str | os.PathLike[str] = ".") -> None:
    """Drop the records of outputs a job is about to rewrite (Snakemake has already deleted them)."""
    root = Path(root)
    for out in outputs:
        rel = _relative(out, root)
        if rel:
            record_file(root, rel).unlink(missing_ok=True)


def record(outputs: Iterable[str], rule: str, root: str | os.PathLike[str] = ".",
           inputs: Iterable[str] = (), via: str | None = None) -> list[str]:
    """Record the digest of each output that exists, with the digests of the recorded inputs it came from.

    Args:
        outputs: Output files of one job.
        rule: The rule that wrote them.
        root: The workflow directory.
        inputs: The job's input files; those with records are noted as its sources.
        via: The declared output to ``--forcerun`` to regenerate these files, when they are not
            Snakemake outputs themselves (the published report).

    Returns:
        The outputs recorded, relative to ``root``.
    """
    root = Path(root)
    sources = {}
    for inp in inputs:
        rel = _relative(inp, root)
        if rel and (rec := _read(root, rel)):
            sources[rel] = rec.get("sha256")
    done = []
    for out in outputs:
        rel = _relative(out, root)
        if rel is None or not Path(root, rel).is_file():
            continue
        entry = {"path": rel, "sha256": sha256(root / rel), "size": (root / rel).stat().st_size,
                 "rule": rule, "inputs": sources, **({"via": via} if via else {})}
        text = json.dumps(entry, indent=1, sort_keys=True)
        target = record_file(root, rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
        done.append(rel)
    return done


def verify(inputs: Iterable[str], root: str | os.PathLike[str] = ".") -> None:
    """Raise :class:`LedgerError` if a recorded input differs from its record or is gone."""
    root = Path(root)
    problems = [p for inp in inputs if (rel := _relative(inp, root)) and (p := _check(root, rel))]
    if problems:
        raise LedgerError(describe(problems, "this job's inputs"))


def write_digests(path: str | os.PathLike[str], files: Iterable[str]) -> None:
    """A job's own list of its outputs' digests (``digests.json``), kept with them.

    Snakemake's between-workflow cache (``--cache``) stores a job's outputs and hands them to other
    clones, which have no record of them in their ledger: the list travels in the cache with the files,
    so a clone verifies what it received (:func:`verify`).
    """
    body = {"files": {Path(f).name: sha256(f) for f in files}}
    write_atomic(path, lambda tmp: tmp.write_text(json.dumps(body, indent=1, sort_keys=True), encoding="utf-8"))


def _from_digests(root: Path, rel: str) -> Problem | None:
    listing = (root / rel).parent / DIGESTS
    try:
        expected = json.loads(listing.read_text(encoding="utf-8"))["files"][Path(rel).name]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    found = sha256(root / rel) if (root / rel).is_file() else None
    if found == expected:
        return None
    return Problem(rel, "train_cnn", "cached" if found else "missing", expected, found)


def _check(root: Path, rel: str) -> Problem | None:
    rec = _read(root, rel)
    if rec is None:
        return _from_digests(root, rel)
    path = root / rel
    found = sha256(path) if path.is_file() else None
    if found == rec.get("sha256"):
        return None
    return Problem(rel, rec.get("rule", "unknown"), "changed" if found else "missing", rec.get("sha256", ""),
                   found, rec.get("via"))


def audit(root: str | os.PathLike[str] = ".", exempt: Iterable[str] = (),
          exempt_rules: Iterable[str] = ()) -> list[Problem]:
    """Check every recorded file against its record.

    Args:
        root: The workflow directory.
        exempt: Paths this run regenerates anyway (its targets and ``--forcerun`` files).
        exempt_rules: Rules this run forces to rerun.

    Returns:
        The files that changed or are gone, sorted by path.
    """
    root = Path(root)
    base = root / LEDGER
    if not base.is_dir():
        return []
    skip = {Path(os.path.normpath(p)).as_posix() for p in exempt}
    rules = set(exempt_rules)
    problems = []
    for rec_path in sorted(base.rglob("*.json")):
        rel = rec_path.relative_to(base).as_posix()[: -len(".json")]
        problem = _check(root, rel)
        if problem is None or rel in skip or problem.via in skip or problem.rule in rules:
            continue
        if problem.kind == "missing" and marked_incomplete(root, rel):
            continue
        problems.append(problem)
    return problems


def describe(problems: list[Problem], where: str = "results", command: str | None = None) -> str:
    """One message for all problems: each file, what happened to it, and how to regenerate it."""
    lines = [f"{len(problems)} file(s) among {where} differ from what the workflow wrote:"]
    for p in problems[:20]:
        if p.kind == "missing":
            lines.append(f"  - {p.path}: missing (written by rule {p.rule})")
        elif p.kind == "cached":
            lines.append(f"  - {p.path}: differs from the digest rule {p.rule} listed in {DIGESTS} beside it "
                         f"(sha256 {p.recorded[:12]}…, now {(p.found or '')[:12]}…): the copy in Snakemake's "
                         "output cache ($SNAKEMAKE_OUTPUT_CACHE) was edited; delete that cache entry, or "
                         "regenerate without --cache")
        else:
            lines.append(f"  - {p.path}: changed since rule {p.rule} wrote it "
                         f"(sha256 {p.recorded[:12]}…, now {(p.found or '')[:12]}…)")
    if len(problems) > 20:
        lines.append(f"  - … and {len(problems) - 20} more")
    paths = " ".join(dict.fromkeys(p.via or p.path for p in problems[:20]))
    lines.append("Results derived from them would be wrong, so nothing was run. Restore the files, or "
                 "regenerate them (and everything downstream) with:")
    lines.append(f"  {command or snakemake_command()} --forcerun {paths}")
    return "\n".join(lines)


def start_job(smk: Any, root: str | os.PathLike[str] = ".", append: bool = False) -> logging.Logger:
    """Begin a workflow script: logging to its log, inputs verified, outputs recorded on success.

    Args:
        smk: The ``snakemake`` object Snakemake injects into the script.
        root: The workflow directory (Snakemake runs scripts there).
        append: Keep what earlier attempts logged (see :func:`setup_script_logging`).

    Returns:
        The ``digitbench`` logger.

    Raises:
        LedgerError: An input differs from what its job recorded.
    """
    log = setup_script_logging(smk.log[0], smk.rule, append=append)
    # Every script starts here: the architectures declared in the config become buildable by name.
    from digitbench.model_declarations import declare

    declare((getattr(smk, "config", None) or {}).get("models") or {})
    outputs, inputs = [str(o) for o in smk.output], [str(i) for i in smk.input]
    forget(outputs, root)
    verify(inputs, root)
    failed: list[bool] = []
    hook = sys.excepthook

    def failing_hook(*exc: Any) -> None:
        failed.append(True)
        hook(*exc)

    def finish() -> None:
        if not failed:
            record(outputs, smk.rule, root, inputs)

    sys.excepthook = failing_hook
    atexit.register(finish)
    return log
