"""Computed code inputs: every package module a rule's script runs is among the rule's inputs."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap

from digitbench.codedeps import code_inputs
from tests.conftest import ROOT

SCRIPTS = sorted((ROOT / "workflow/scripts").glob("*.py"))


def _write(root, rel, text=""):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def test_imports_are_followed_through_packages_relative_and_lazy_imports(tmp_path):
    src = tmp_path / "src"
    _write(src, "digitbench/__init__.py")
    _write(src, "digitbench/a/__init__.py", "from digitbench.a.b import f\n")
    _write(src, "digitbench/a/b.py", "from . import c\ndef f():\n    from ..d import g\n")
    _write(src, "digitbench/a/c.py")
    _write(src, "digitbench/d.py", "import numpy\n")
    _write(src, "digitbench/unused.py")
    script = tmp_path / "script.py"
    script.write_text("import os\nfrom digitbench.a import f\n")
    assert code_inputs(script, src) == ["src/digitbench/__init__.py", "src/digitbench/a/__init__.py",
                                        "src/digitbench/a/b.py", "src/digitbench/a/c.py", "src/digitbench/d.py"]


def test_every_rule_with_a_script_lists_that_script_s_code():
    for smk in sorted((ROOT / "workflow/rules").glob("*.smk")):
        for block in re.split(r"(?m)^(?=rule )", smk.read_text())[1:]:
            script = re.search(r'script:\n\s+"\.\./scripts/(\w+\.py)"', block)
            if script:
                assert f'script_code("{script.group(1)}")' in block, (smk.name, block.splitlines()[0])


# Records, for every import statement Python executes, which package module ran it: the modules a
# script's imports really execute, to hold the static analysis against.
_TRACE = """
import builtins, importlib, json, sys
edges = set()
real = builtins.__import__
def traced(name, globals=None, locals=None, fromlist=(), level=0):
    module = real(name, globals, locals, fromlist, level)
    caller = (globals or {}).get("__name__", "")
    for m in [module.__name__] + [f"{module.__name__}.{x}" for x in (fromlist or ())]:
        if m.startswith("digitbench") and m in sys.modules:
            edges.add((caller, m))
    return module
builtins.__import__ = traced
for name in json.loads(sys.argv[1]):
    importlib.import_module(name)
files = {n: m.__file__ for n, m in sys.modules.items() if n.startswith("digitbench") and getattr(m, "__file__", None)}
print(json.dumps({"edges": sorted(edges), "files": files}))
"""


def _direct_imports(script):
    names = set()
    for node in ast.walk(ast.parse(script.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("digitbench"):
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("digitbench"))
    return names


def test_static_code_inputs_cover_what_the_imports_execute():
    direct = {script.name: _direct_imports(script) for script in SCRIPTS}
    roots = sorted(set().union(*direct.values()))
    proc = subprocess.run([sys.executable, "-c", _TRACE, json.dumps(roots)], capture_output=True, text=True,
                          check=True, cwd=ROOT)
    traced = json.loads(proc.stdout)
    children: dict[str, set[str]] = {}
    for caller, module in traced["edges"]:
        children.setdefault(caller, set()).add(module)
    for script in SCRIPTS:
        todo, seen = list(direct[script.name]), set()
        while todo:
            module = todo.pop()
            if module in seen:
                continue
            seen.add(module)
            parts = module.split(".")
            todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))  # parent packages run too
            todo.extend(children.get(module, ()))
        ran = {"src/" + traced["files"][m].split("/src/", 1)[1] for m in seen if m in traced["files"]}
        missing = ran - set(code_inputs(script, ROOT / "src"))
        assert not missing, f"{script.name} runs {sorted(missing)}, which its code inputs miss"
