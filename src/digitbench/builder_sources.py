"""What a ``models`` declaration names: a function in a file of the project, or an installed package's entry point.

``builder: examples/lenet5.py:build`` names a function in a Python file of the project;
``entry_point: my_net`` names an entry in the group ``digitbench.architectures`` of an installed
package (``my_net = "my_pkg.nets:build"`` in its pyproject). :func:`builder_source` resolves either to
the builder's module file without running it: the one resolution that the workflow's inputs, the
contract check, the jobs and the paper share (all through :mod:`digitbench.user_models`).
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

GROUP = "digitbench.architectures"


class BuilderError(ValueError):
    """A declared builder breaks its contract; the message names the file, the function and the fix."""


def split_spec(spec: str) -> tuple[str, str]:
    """``("examples/lenet5.py", "build")`` from ``"examples/lenet5.py:build"``.

    Raises:
        BuilderError: Not ``FILE.py:FUNCTION``.
    """
    path, sep, func = spec.rpartition(":")
    if not sep or not path.endswith(".py") or not func.isidentifier():
        raise BuilderError(f"models builder must be 'FILE.py:FUNCTION', e.g. 'examples/lenet5.py:build'. "
                           f"Received: {spec}")
    return path, func


class BuilderSource(NamedTuple):
    """Where a declared builder lives.

    Attributes:
        path: Its module file: relative to the project for ``builder``, absolute for ``entry_point``.
        func: The function's name in it.
        label: How messages and the paper name it: the ``builder`` spec, or
            ``entry point my_net (my_pkg.nets:build, my-pkg 0.1)``.
        module: The module an entry point names ("" for a file of the project).
    """

    path: str
    func: str
    label: str
    module: str = ""

    def digest(self, root: str | Path = ".") -> str:
        """Hex SHA-256 of the module file."""
        return hashlib.sha256((Path(root) / self.path).read_bytes()).hexdigest()

    def origin(self, root: str | Path = ".") -> str:
        """The paper's origin of the architecture: the label and the file's SHA-256 (first 12 hex digits)."""
        return f"{self.label} (sha256 {self.digest(root)[:12]})"


def builder_source(name: str, entry: Mapping[str, Any] | str) -> BuilderSource:
    """Where the builder of ``models.NAME`` lives; ``entry`` is its declaration, or a ``builder`` spec.

    An entry point is looked up in its distribution's metadata and its module file found without running
    the module (only its parent packages are imported), so that the workflow can name the file as an input.

    Raises:
        BuilderError: A malformed spec; an entry point that is not installed, is provided twice, is not
            ``module:function``, or whose module has no file.
    """
    if isinstance(entry, str) or "entry_point" not in entry:
        spec = entry if isinstance(entry, str) else entry["builder"]
        return BuilderSource(*split_spec(spec), spec)
    return _entry_point_source(name, entry["entry_point"])


def _entry_point_source(name: str, wanted: str) -> BuilderSource:
    """The module file of the entry point ``wanted`` that ``models.NAME`` names (:func:`builder_source`)."""
    from importlib.metadata import entry_points

    group = entry_points(group=GROUP)
    fix = f"pip install the package that provides it, or fix models.{name}.entry_point"
    found = [ep for ep in group if ep.name == wanted]
    if not found:
        raise BuilderError(f"models.{name}: no entry point '{wanted}' in group {GROUP} (installed: "
                           f"{', '.join(sorted(group.names)) or 'none'}); {fix}. Received: {wanted}")
    dists = [f"{ep.dist.name} {ep.dist.version}" if getattr(ep, "dist", None) else "" for ep in found]
    if len(found) > 1:
        # Which one a job would load would depend on the order of sys.path, not on the config.
        raise BuilderError(f"models.{name}: entry point '{wanted}' in group {GROUP} is provided by "
                           f"{' and by '.join(sorted(d or '?' for d in dists))}; uninstall all but one. "
                           f"Received: {wanted}")
    ep = found[0]
    label = f"entry point {wanted} ({ep.value}{', ' + dists[0] if dists[0] else ''})"
    # A dotted attribute (a class's method) would be found only by running the module; the contract is a function.
    if not ep.attr or not ep.attr.isidentifier() or not all(part.isidentifier() for part in ep.module.split(".")):
        raise BuilderError(f"{label} (models.{name}) must name a module-level function, 'module:function' as in "
                           f"'my_pkg.nets:build'; fix it in the package's [project.entry-points.\"{GROUP}\"]. "
                           f"Received: {ep.value}")
    try:
        spec, why = importlib.util.find_spec(ep.module), "cannot be found"
    except Exception as err:  # noqa: BLE001 -- an error in the package's __init__ is reported the same way
        spec, why = None, f"cannot be found: {type(err).__name__}: {err}"
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        why = why if spec is None else f"has no source file ({spec.origin})"
        raise BuilderError(f"{label} (models.{name}): its module {ep.module} {why}; {fix}. Received: {ep.value}")
    return BuilderSource(str(Path(spec.origin).resolve()), ep.attr, label, ep.module)
