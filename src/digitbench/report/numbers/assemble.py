"""Everything the report quotes, built from the results files into ``_variables.yml`` and tables.

The report sources contain no numbers: each one reaches the text through ``{{< var >}}`` from the
mapping built here, or through a generated table, so re-running the workflow updates them all.
Each report section's numbers come from one function of this package, listed with the files it
reads and what it writes in ``digitbench.section_table``; this module only calls them in that
order, checks they wrote what their row declares, and writes the result.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from digitbench.section_table import SECTIONS, Built, ReportContext, SectionSpec, input_key


def _section_function(spec: SectionSpec) -> Any:
    module, _, function = spec.build.rpartition(".")
    return getattr(importlib.import_module(f"digitbench.report.numbers.{module}"), function)


def build_section(name: str, files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Run one section of the table on its files and check that it wrote exactly what its row declares.

    Args:
        name: A key of ``SECTIONS``.
        files: Every results file of the report by its input name (:func:`~digitbench.section_table.input_key`).
        ctx: The report's context.

    Raises:
        ValueError: when the section returns other variables, tables or texts than its row declares.
    """
    spec = SECTIONS[name]
    built = _section_function(spec)({local: files[input_key(ref)] for local, ref in spec.inputs.items()}, ctx)
    for kind, declared, got in (("variables", spec.variables, built.variables), ("tables", spec.tables, built.tables),
                                ("texts", spec.texts, built.texts)):
        if set(got) != set(declared):
            raise ValueError(f"Section {name!r} ({spec.build}) returned {kind} {sorted(got)}, but "
                             f"digitbench.section_table declares {sorted(declared)}. Received: {sorted(got)}")
    # The variables file lists a section's keys in the order its row declares them.
    return Built({key: built.variables[key] for key in spec.variables}, built.tables, built.texts)


def build(files: Mapping[str, str], ctx: ReportContext) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Build the report variables, the Markdown tables and the generated sentences, section by section.

    Args:
        files: Every results file the sections read, by input name (the collecting rule's named inputs).
        ctx: The report's context (config, schema, commit, project, config files, figures, tables, benchmarks).

    Returns:
        ``(variables, tables, texts)``: the nested mapping for ``_variables.yml``, table name to
        Markdown table, and text name to generated Markdown prose, in the section table's order.
    """
    variables: dict[str, Any] = {}
    tables: dict[str, str] = {}
    texts: dict[str, str] = {}
    for name in SECTIONS:
        built = build_section(name, files, ctx)
        variables.update(built.variables)
        tables.update(built.tables)
        texts.update(built.texts)
    return variables, tables, texts


def write(variables: dict[str, Any], tables: dict[str, str], variables_path: str | Path, table_dir: str | Path,
          texts: dict[str, str] | None = None, text_dir: str | Path | None = None) -> None:
    """Write ``_variables.yml``, one ``<name>.md`` per table and one ``<name>.md`` per generated text."""
    Path(variables_path).parent.mkdir(parents=True, exist_ok=True)
    with open(variables_path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(variables, fh, sort_keys=False, allow_unicode=True, width=1000)
    table_dir = Path(table_dir)
    table_dir.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (table_dir / f"{name}.md").write_text(text, encoding="utf-8")
    if texts:
        text_dir = Path(text_dir or table_dir)
        text_dir.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (text_dir / f"{name}.md").write_text(text, encoding="utf-8")


def files_from(named: Any) -> dict[str, str]:
    """The sections' results files from a rule's named inputs (``report_inputs()`` in report.smk)."""
    return {key: str(getattr(named, key)) for key in {input_key(ref) for spec in SECTIONS.values()
                                                      for ref in spec.inputs.values()}}
