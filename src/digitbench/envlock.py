"""The locked environment: what ``uv.lock`` pins, whether ``pyproject.toml`` still asks for it, and how the
running environment differs from it.

``make setup`` installs exactly ``uv.lock`` (``uv sync --locked``, every file checked against its hash);
``make lock`` refreshes it on purpose. The paper prints the lock's digest and every installed package
whose version differs from it, so a reader knows whether the numbers came from the locked environment.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

PROJECT = "digitbench"


def canonical(name: str) -> str:
    """A distribution name as the lock writes it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def digest(lock: str | Path = "uv.lock") -> str:
    """Hex SHA-256 of the lock file."""
    return hashlib.sha256(Path(lock).read_bytes()).hexdigest()


def _read(lock: str | Path) -> dict[str, Any]:
    with open(lock, "rb") as fh:
        return tomllib.load(fh)


def _marker_env() -> dict[str, str]:
    import platform

    return {"python_full_version": platform.python_version(), "sys_platform": sys.platform,
            "platform_machine": platform.machine(), "python_version": f"{sys.version_info[0]}.{sys.version_info[1]}"}


def locked_versions(lock: str | Path = "uv.lock", env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Version the lock pins for each package on this interpreter, or for the marker environment ``env``
    (forked pins chosen by their markers)."""
    env, pins = dict(env or _marker_env()), {}
    for package in _read(lock).get("package", []):
        markers = package.get("resolution-markers")
        if markers and not any(Marker(m).evaluate(env) for m in markers):
            continue
        pins.setdefault(canonical(package["name"]), package["version"])
    return pins


def differences(lock: str | Path = "uv.lock",
                installed: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """Installed packages whose version is not the lock's, as ``(name, locked, installed)``, sorted by name.

    Packages the lock does not know (a tool installed by hand) have ``locked`` "not locked"; the project
    itself is left out. Locked packages that are not installed (an extra not chosen) are not differences.
    """
    pins = locked_versions(lock)
    if installed is None:
        installed = {canonical(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()
                     if d.metadata["Name"]}
    found = []
    for name, version in sorted(installed.items()):
        if name == PROJECT:
            continue
        pinned = pins.get(name)
        if pinned is None:
            found.append((name, "not locked", version))
        elif Version(pinned) != Version(version):
            found.append((name, pinned, version))
    return found


def _requirements(pyproject: Mapping[str, Any]) -> set[tuple[str, str, str, str]]:
    project = pyproject["project"]
    rows = [(r, None) for r in project.get("dependencies", [])]
    rows += [(r, extra) for extra, reqs in project.get("optional-dependencies", {}).items() for r in reqs]
    out = set()
    for text, extra in rows:
        req = Requirement(text)
        marker = str(req.marker) if req.marker else ""
        if extra:
            marker = f"({marker}) and extra == '{extra}'" if marker else f"extra == '{extra}'"
        out.add((canonical(req.name), ",".join(sorted(req.extras)), str(SpecifierSet(str(req.specifier))),
                 marker.replace('"', "'")))
    return out


def _locked_requirements(lock: Mapping[str, Any]) -> set[tuple[str, str, str, str]]:
    root = next(p for p in lock.get("package", []) if canonical(p["name"]) == PROJECT)
    return {(canonical(r["name"]), ",".join(sorted(r.get("extras", []))), str(SpecifierSet(r.get("specifier", ""))),
             r.get("marker", "").replace('"', "'")) for r in root.get("metadata", {}).get("requires-dist", [])}


def disagreements(pyproject: str | Path = "pyproject.toml", lock: str | Path = "uv.lock") -> list[str]:
    """What ``pyproject.toml`` asks for that ``uv.lock`` was not made from, or the other way round.

    Returns:
        One line per requirement found on one side only (empty when they agree); fix with ``make lock``.
    """
    with open(pyproject, "rb") as fh:
        wanted = _requirements(tomllib.load(fh))
    have = _locked_requirements(_read(lock))

    def show(rows: Iterable[tuple[str, str, str, str]], where: str) -> list[str]:
        return [f"{name}{f'[{extras}]' if extras else ''}{spec}{f' ; {marker}' if marker else ''}: {where}"
                for name, extras, spec, marker in sorted(rows)]
    return show(wanted - have, f"in {pyproject}, not in {lock}") + show(have - wanted, f"in {lock}, not in {pyproject}")


def unlocked_warning(lock: str | Path = "uv.lock") -> str | None:
    """The render's warning when this environment is not the locked one (None when it is)."""
    if not Path(lock).is_file():
        return f"{lock} is missing: the report cannot say which environment made it. Restore it from git."
    found = differences(lock)
    if not found:
        return None
    listed = ", ".join(f"{name} {have} (lock: {pinned})" for name, pinned, have in found[:8])
    return (f"this environment is not the one {lock} locks ({len(found)} package(s) differ: {listed}"
            f"{', ...' if len(found) > 8 else ''}); the report says so. `make setup` installs the locked one.")


CONDA_PYTHON = "3.11"
_BEGIN, _END = "      # BEGIN pins from uv.lock (make lock)", "      # END pins from uv.lock"


def conda_pins(export: str, python: str = CONDA_PYTHON) -> list[str]:
    """``name==version`` of every package ``uv export`` lists for Linux x86_64 and this Python."""
    env = {"python_full_version": f"{python}.0", "python_version": python, "sys_platform": "linux",
           "platform_machine": "x86_64"}
    pins = []
    for line in export.splitlines():
        if not line or line[0] in " #-":
            continue
        spec, _, marker = line.partition(";")
        if not marker.strip() or Marker(marker.strip()).evaluate(env):
            pins.append(spec.strip())
    return pins


def write_environment(path: str | Path, pins: list[str]) -> None:
    """Replace the block of pins in environment.yml's pip section (between its BEGIN and END lines)."""
    text = Path(path).read_text(encoding="utf-8")
    head, begin, rest = text.partition(_BEGIN)
    _, end, tail = rest.partition(_END)
    if not begin or not end:
        raise ValueError(f"{path} has no '{_BEGIN.strip()}' ... '{_END.strip()}' block. Received: {path}")
    block = "".join(f"      - {pin}\n" for pin in pins)
    Path(path).write_text(f"{head}{_BEGIN}\n{block}{_END}{tail}", encoding="utf-8")


def environment_pins(path: str | Path = "environment.yml") -> dict[str, str]:
    """The pins of environment.yml's block, by canonical name."""
    text = Path(path).read_text(encoding="utf-8")
    block = text.partition(_BEGIN)[2].partition(_END)[0]
    pins = [line.strip()[2:] for line in block.splitlines() if line.strip().startswith("- ")]
    return {canonical(p.split("==")[0]): p.split("==")[1] for p in pins}


if __name__ == "__main__":  # `make lock`: uv export ... | python -m digitbench.envlock environment.yml
    write_environment(sys.argv[1], conda_pins(sys.stdin.read()))
