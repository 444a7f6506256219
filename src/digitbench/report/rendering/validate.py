"""Checks that make the report prove its numbers: before rendering and after it.

* ``check_sources``: every ``{{< var >}}`` key is defined and every citation key is in the
  bibliography (either renderer would otherwise print a placeholder).
* (The generated variables, tables and sentences are derived once, by collect_report_variables;
  the render verifies them against the digests that job recorded: ``digitbench.ledger``.)
* ``check_numbers``: every variable value with a digit in it appears in the rendered HTML and
  PDF text, so a number that rendering lost or changed is caught.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from digitbench.report.rendering.checks import html_text, pdf_text
from digitbench.report.errors import ReportError
from digitbench.report.escape import literal_runs, markdown_plain

VAR_RE = re.compile(r"\{\{<\s*var\s+([^\s>]+)\s*>\}\}")
# Pandoc citation keys; @fig-/@tbl-/@sec-/@eq- are cross-references, an @ after a word
# character is an e-mail address or a decorator, and "\@" (escaped config text) is a plain @.
CITE_RE = re.compile(r"(?<![\w.@\\])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*[A-Za-z0-9_])")
XREF_PREFIXES = ("fig-", "tbl-", "sec-", "eq-", "Fig-", "Tbl-", "Sec-")
BIB_KEY_RE = re.compile(r"^\s*@\w+\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)
CODE_RE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def source_files(project_dir: str | Path) -> list[Path]:
    """The hand-written and generated Markdown sources of the project (not its rendered output)."""
    root = Path(project_dir)
    files = [*root.rglob("*.qmd"), *(root / "_generated").rglob("*.md")]
    return sorted(p for p in files if "_output" not in p.parts and ".quarto" not in p.parts)


def _yaml_strings(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [text for value in node.values() for text in _yaml_strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _yaml_strings(value)]
    return [node] if isinstance(node, str) else []


def literal_texts(project_dir: str | Path) -> list[str]:
    """The texts that the sources escape, as the rendered report shows them.

    Config values reach the report escaped (see :mod:`digitbench.report.escape`), so a title
    containing ``{{<`` or ``[@`` is shown with it; :func:`~digitbench.report.rendering.checks.check_rendered`
    takes these texts so that it does not mistake them for unresolved markup.

    Args:
        project_dir: The report project.

    Returns:
        Distinct texts from the Markdown sources and the YAML files (``_quarto.yml``,
        ``_variables.yml``, metadata files and everything else under ``_generated``).
    """
    root = Path(project_dir)
    texts = [line for path in source_files(root) for line in path.read_text(encoding="utf-8").splitlines()]
    for path in [root / "_quarto.yml", root / "_variables.yml", *sorted((root / "_generated").rglob("*.yml"))]:
        try:
            texts += _yaml_strings(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError):
            continue  # a missing or broken file is reported by the renderer, with its name
    return list(dict.fromkeys(run for text in texts for run in literal_runs(text)))


def _lookup(variables: dict[str, Any], key: str) -> Any:
    node: Any = variables
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def used_variables(project_dir: str | Path) -> dict[str, list[str]]:
    """Variable key -> the source files (relative paths) that use it."""
    root = Path(project_dir)
    used: dict[str, list[str]] = {}
    for path in source_files(root):
        for key in VAR_RE.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, []).append(str(path.relative_to(root)))
    return used


def cited_keys(project_dir: str | Path) -> dict[str, list[str]]:
    """Citation key -> the source files that cite it (code spans and blocks ignored)."""
    root = Path(project_dir)
    cited: dict[str, list[str]] = {}
    for path in source_files(root):
        text = CODE_RE.sub("", VAR_RE.sub("", path.read_text(encoding="utf-8")))
        for key in CITE_RE.findall(text):
            if not key.startswith(XREF_PREFIXES):
                cited.setdefault(key, []).append(str(path.relative_to(root)))
    return cited


def bib_keys(bib_path: str | Path) -> set[str]:
    """Entry keys of a BibTeX file."""
    return set(BIB_KEY_RE.findall(Path(bib_path).read_text(encoding="utf-8")))


def _variables(root: Path, required: bool = True) -> dict[str, Any]:
    path = root / "_variables.yml"
    if not path.is_file():
        if not required:
            return {}
        raise ReportError(f"{path} does not exist; the collect_report_variables rule writes it.")
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def check_sources(project_dir: str | Path, bibliography: str = "references.bib") -> None:
    """Fail, naming each problem and its file, on undefined variables and unknown citation keys."""
    root = Path(project_dir)
    variables = _variables(root, required=False)
    problems = [f"variable '{key}' (used in {', '.join(sorted(set(files)))}) is not defined in _variables.yml"
                for key, files in used_variables(root).items() if _lookup(variables, key) is None]
    bib = root / bibliography
    known = bib_keys(bib) if bib.is_file() else set()
    problems += [f"citation key '{key}' (cited in {', '.join(sorted(set(files)))}) is not in {bibliography}"
                 for key, files in cited_keys(root).items() if key not in known]
    if problems:
        raise ReportError("report sources failed their checks:\n  " + "\n  ".join(problems))


# pandoc's smart punctuation turns ASCII quotes into typographic ones in both outputs.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _normalise(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\u2212", "-").replace("\u00a0", " ").translate(_QUOTES))
    # Typst may break a line after the slash of a path; the PDF's text then has a space there.
    return re.sub(r"/ ", "/", text)


def check_numbers(project_dir: str | Path, html_path: str | Path, pdf_path: str | Path,
                  texts: dict[str, str] | None = None) -> int:
    """Fail when the value of a numeric variable used by the sources is absent from the HTML or PDF text.

    Args:
        project_dir: The report project.
        html_path, pdf_path: The rendered files.
        texts: Their text as ``check_rendered`` returns it; extracted from the files when None.

    Returns:
        How many distinct numeric values were found in both documents.
    """
    root = Path(project_dir)
    variables = _variables(root, required=False)
    texts = texts or {"HTML": html_text(html_path), "PDF": pdf_text(pdf_path)}
    texts = {kind: _normalise(text) for kind, text in texts.items()}
    problems, checked = [], 0
    for key, files in sorted(used_variables(root).items()):
        value = _lookup(variables, key)
        if value is None or not re.search(r"\d", str(value)):
            continue
        # Values are Markdown: the rendered text shows an escaped "3\.11" as "3.11".
        # A code span (`name`) shows without its backticks; an escaped backtick (\`) is shown.
        needle = _normalise(markdown_plain(re.sub(r"(?<!\\)`", "", str(value))))
        missing = [kind for kind, text in texts.items() if needle not in text]
        if missing:
            problems.append(f"'{key}' = {needle!r} (used in {', '.join(sorted(set(files)))}) does not appear in "
                            f"the {' and '.join(missing)} text")
        else:
            checked += 1
    if problems:
        raise ReportError("rendered report does not show the numbers of its sources:\n  " + "\n  ".join(problems))
    return checked
