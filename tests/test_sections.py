"""The table of report sections: what each row declares is what its function returns, and sections are siblings."""

from __future__ import annotations

import ast
import importlib

import pytest

from digitbench.section_table import SECTIONS, input_key, report_inputs, report_tables
from tests.conftest import ROOT

SRC = ROOT / "src"
NUMBERS = "digitbench.report.numbers"


def _module_name(path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path, modules: set[str]) -> set[str]:
    """Every digitbench module a file imports, anywhere in it (imports inside functions count).

    ``from package import submodule`` is an import of the submodule, not of the package's names."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            subs = {f"{node.module}.{a.name}" for a in node.names}
            found |= (subs & modules) if subs <= modules else {node.module} | (subs & modules)
    return found & modules


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in SRC.rglob("*.py")}
    return {name: _imports(path, set(files)) - {name} for name, path in files.items()}


def test_every_row_names_a_function_and_rule_outputs():
    for name, spec in SECTIONS.items():
        module, _, function = spec.build.rpartition(".")
        assert callable(getattr(importlib.import_module(f"{NUMBERS}.{module}"), function)), name
        assert spec.variables or spec.tables, name
        for ref in spec.inputs.values():
            assert input_key(ref) in report_inputs()
    assert len(report_tables()) == len(set(report_tables()))


def test_input_references_must_name_a_rule_and_an_output():
    with pytest.raises(ValueError, match="Received: 'summary'"):
        input_key("summary")


def test_sections_share_helpers_and_never_import_each_other():
    section_modules = {f"{NUMBERS}.{spec.build.rpartition('.')[0]}" for spec in SECTIONS.values()}
    graph = _graph()
    for module in section_modules:
        assert not (graph[module] & section_modules), (module, graph[module] & section_modules)


def test_the_package_has_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])


def test_a_section_that_returns_what_its_row_does_not_declare_is_refused(monkeypatch):
    from digitbench.report.numbers import assemble
    from digitbench.section_table import Built, ReportContext, SectionSpec

    monkeypatch.setitem(SECTIONS, "profile", SectionSpec("profile.build", variables=("study",), tables=("profile",)))
    monkeypatch.setattr(assemble, "_section_function", lambda spec: lambda files, ctx: Built({"other": {}}, {"profile": ""}))
    with pytest.raises(ValueError, match=r"Section 'profile' \(profile.build\) returned variables \['other'\]"):
        assemble.build_section("profile", {}, ReportContext(config={}, schema={}, commit="c"))
