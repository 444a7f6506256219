"""The digitbench source files a workflow script runs, found from its imports.

A rule lists these files as inputs so that editing any of them reruns exactly the jobs that run
that code. Lists kept by hand went stale (a training module missing meant edits to it retrained
nothing), so they are computed: every ``import`` of a ``digitbench`` module in the script, and
in each module it reaches, anywhere in the file (imports inside functions count too), with the
``__init__.py`` of every package on the way, since importing a submodule runs them.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = "digitbench"


def _module_file(src: Path, module: str) -> Path | None:
    base = src.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _with_parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


@functools.cache
def _imports_of(path: Path, current: str, is_package: bool) -> frozenset[str]:
    """The package modules one file imports; cached, since every script reaches the same modules."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return frozenset(_imported(tree, current, is_package))


def _imported(tree: ast.AST, current: str, is_package: bool) -> set[str]:
    """Dotted names of every module an AST imports (both ``x`` and ``x.y`` for ``from x import y``)."""
    found: set[str] = set()
    package = current if is_package else current.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name == PACKAGE or name.startswith(PACKAGE + ".")}


def code_inputs(script: str | Path, src: str | Path) -> list[str]:
    """The package files a script imports, directly or through other package modules.

    Args:
        script: A workflow script (or any Python file).
        src: The folder that holds the ``digitbench`` package (``src/``).

    Returns:
        Paths of the package's ``.py`` files, as ``src/digitbench/...`` relative to the parent
        of ``src``, sorted.
    """
    src = Path(src)
    seen: dict[str, Path] = {}
    todo = [("__main__", Path(script), False)]
    while todo:
        name, path, is_package = todo.pop()
        for module in _imports_of(path, name, is_package):
            for parent in _with_parents(module):
                if parent in seen or (found := _module_file(src, parent)) is None:
                    continue
                seen[parent] = found
                todo.append((parent, found, found.name == "__init__.py"))
    return sorted(f"{src.name}/{p.relative_to(src).as_posix()}" for p in seen.values())
