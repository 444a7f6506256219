"""Read a Quarto project and expand its supported subset into plain pandoc Markdown.

Only the subset documented in ``report/README.md`` is understood: ``include`` and
``var`` shortcodes and ordinary pandoc Markdown (figures, tables and
cross-references are numbered afterwards by ``crossref.py``).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from digitbench.report.errors import ReportError
from digitbench.report.escape import markdown_plain

_FRONT_MATTER_RE = re.compile(r"\A\s*---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_INCLUDE_RE = re.compile(r"^[ \t]*\{\{<\s*include\s+(.+?)\s*>\}\}[ \t]*$")
_SHORTCODE_RE = re.compile(r"\{\{<\s*([\w-]+)\s*(.*?)\s*>\}\}")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
# An inline code span: a backtick run (not escaped) closed by a run of the same length.
_CODE_SPAN_RE = re.compile(r"(?<![`\\])(`+)(?!`).+?(?<!`)\1(?!`)")


@dataclass
class Document:
    """A Quarto project expanded to pandoc Markdown, ready for the fallback renderer.

    Attributes:
        root: The project directory; image paths in ``markdown`` are relative to it.
        config: The parsed ``_quarto.yml``.
        metadata: Title, author, abstract, ... merged from ``_quarto.yml``,
            metadata-files and the front matter, with vars expanded.
        formats: Per-format options (``html``, ``typst``), top-level options included.
        markdown: The expanded body.
        figures: Figure id -> number, in document order.
        tables: Table id -> number, in document order.
        images: Distinct image files the body embeds.
        sources: Every file read, used to name the file an error comes from.
    """

    root: Path
    config: dict[str, Any]
    metadata: dict[str, Any]
    formats: dict[str, dict[str, Any]]
    markdown: str = ""
    figures: dict[str, int] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    images: list[Path] = field(default_factory=list)
    sources: dict[Path, str] = field(default_factory=dict)

    def culprits(self, needle: str) -> str:
        """Name the source files containing needle, for error messages."""
        files = [str(path) for path, text in self.sources.items() if needle in text]
        return ", ".join(files) if files else "the report sources"

    def option(self, fmt: str, key: str, default: Any = None) -> Any:
        """Return a format option the way Quarto resolves it (format wins over top level)."""
        return self.formats.get(fmt, {}).get(key, self.metadata.get(key, default))


def _read_yaml(path: Path, what: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ReportError(f"{what} {path} does not exist; create it or fix the path.") from None
    except yaml.YAMLError as exc:
        raise ReportError(f"{what} {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ReportError(f"{what} {path} must be a YAML mapping, not {type(data).__name__}.")
    return data


def _split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    match = _FRONT_MATTER_RE.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1) or "") or {}
    except yaml.YAMLError as exc:
        raise ReportError(f"the YAML front matter of {path} is invalid: {exc}") from None
    if not isinstance(meta, dict):
        raise ReportError(f"the YAML front matter of {path} must be a mapping.")
    return meta, text[match.end():]


def _format_value(value: Any) -> str:
    # YAML spelling for booleans, as Quarto prints them.
    return str(value).lower() if isinstance(value, bool) else str(value)


class _Expander:
    """Expands include and var shortcodes, remembering which file each line came from."""

    def __init__(self, root: Path, variables: dict[str, Any] | None) -> None:
        self.root = root
        self.variables = variables
        self.sources: dict[Path, str] = {}

    def var(self, key: str, where: Path, in_code: bool = False) -> str:
        var_file = self.root / "_variables.yml"
        if self.variables is None:
            raise ReportError(
                f"{{{{< var {key} >}}}} in {where} needs {var_file}, which does not exist; "
                "generate it (the report rule writes it) before rendering."
            )
        node: Any = self.variables
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise ReportError(
                    f"variable '{key}' used in {where} is not defined in {var_file}; "
                    "add it there or fix the key."
                )
            node = node[part]
        if isinstance(node, (dict, list)) or node is None:
            raise ReportError(f"variable '{key}' used in {where} is not a scalar in {var_file}.")
        text = _format_value(node)
        # Quarto inserts variable values after parsing, so markup inside one would stay literal there.
        if re.search(r"\[@|(?<![\w.])@(fig|tbl|sec)-|\{\{<", text):
            raise ReportError(f"variable '{key}' in {var_file} contains a citation, cross-reference or "
                              f"shortcode ({text!r}); Quarto would print it literally: keep it in the .qmd.")
        # Values are Markdown (config text arrives escaped); inside code Quarto inserts the text
        # they render to, so the escapes of a value such as "zero\_mean" must not show there.
        return markdown_plain(text) if in_code else text

    def shortcodes(self, text: str, where: Path, in_code: bool = False) -> str:
        spans = [] if in_code else [m.span() for m in _CODE_SPAN_RE.finditer(text)]

        def replace(match: re.Match[str]) -> str:
            name, args = match.group(1), match.group(2).strip()
            if name == "var":
                code = in_code or any(start < match.start() < end for start, end in spans)
                return self.var(args, where, in_code=code)
            if name == "include":
                raise ReportError(f"{match.group(0)} in {where} must stand on a line of its own.")
            raise ReportError(
                f"shortcode '{match.group(0)}' in {where} is not supported by the fallback "
                "renderer (only include and var are); install Quarto or remove it."
            )

        return _SHORTCODE_RE.sub(replace, text)

    def expand(self, text: str, where: Path, stack: tuple[Path, ...] = ()) -> str:
        self.sources[where] = text
        out = []
        fence: str | None = None  # the marker of the fenced code block we are in, if any
        for line in text.splitlines(keepends=True):
            match = _INCLUDE_RE.match(line)
            if not match:
                opened = _FENCE_RE.match(line)
                out.append(self.shortcodes(line, where, in_code=fence is not None))
                if opened and fence is None:
                    fence = opened.group(1)
                elif opened and fence and opened.group(1).startswith(fence):
                    fence = None
                continue
            name = match.group(1).strip("'\"")
            # Quarto resolves a leading "/" against the project root, anything else
            # against the including file.
            target = (self.root / name.lstrip("/")) if name.startswith("/") else where.parent / name
            target = target.resolve()
            if target in stack or target == where:
                raise ReportError(f"include cycle: {where} includes {target} again.")
            if not target.is_file():
                raise ReportError(
                    f"included file {target} (from {{{{< include {name} >}}}} in {where}) "
                    "does not exist; generate it or fix the path."
                )
            body = target.read_text(encoding="utf-8")
            out.append(self.expand(body, target, stack + (where,)).rstrip("\n") + "\n")
        return "".join(out)

    def expand_meta(self, value: Any, where: Path) -> Any:
        if isinstance(value, str):
            return self.shortcodes(value, where)
        if isinstance(value, list):
            return [self.expand_meta(v, where) for v in value]
        if isinstance(value, dict):
            return {k: self.expand_meta(v, where) for k, v in value.items()}
        return value


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _formats(meta: dict[str, Any]) -> dict[str, dict[str, Any]]:
    fmt = meta.get("format") or {}
    if isinstance(fmt, str):
        fmt = {fmt: {}}
    return {name: (opts if isinstance(opts, dict) else {}) for name, opts in fmt.items()}


def load(project_dir: str | Path) -> Document:
    """Read a Quarto project and expand it into a :class:`Document`.

    Args:
        project_dir: Directory holding ``_quarto.yml``.

    Returns:
        The expanded document; :func:`digitbench.report.rendering.crossref.number` numbers it.

    Raises:
        ReportError: A file, include or variable is missing, or YAML is invalid.
    """
    root = Path(project_dir).resolve()
    config = _read_yaml(root / "_quarto.yml", "Quarto project file")
    render = (config.get("project") or {}).get("render") or ["index.qmd"]
    input_file = (root / str(render[0])).resolve()
    var_path = root / "_variables.yml"
    variables = _read_yaml(var_path, "variables file") if var_path.exists() else None
    expander = _Expander(root, variables)
    try:
        text = input_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(
            f"report source {input_file} (project.render in _quarto.yml) does not exist."
        ) from None
    front, body = _split_front_matter(text, input_file)

    project_meta = {k: v for k, v in config.items() if k not in {"project", "metadata-files"}}
    metadata = expander.expand_meta(project_meta, root / "_quarto.yml")
    for name in config.get("metadata-files") or []:
        path = (root / name).resolve()
        metadata = _merge(metadata, expander.expand_meta(_read_yaml(path, "metadata file"), path))
    metadata = _merge(metadata, expander.expand_meta(front, input_file))

    doc = Document(root=root, config=config, metadata=metadata, formats=_formats(metadata))
    doc.markdown = expander.expand(body, input_file)
    doc.sources = expander.sources
    return doc


def format_date(value: Any, date_format: Any = None) -> Any:
    """Expand Quarto's ``today`` keyword and format ISO dates like Quarto's default ``long``."""
    if value == "today":
        value = _dt.date.today()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        value = _dt.date.fromisoformat(value)
    if isinstance(value, _dt.date):
        if date_format not in (None, "long"):
            return value.isoformat()
        return f"{value:%B} {value.day}, {value.year}"
    return value
