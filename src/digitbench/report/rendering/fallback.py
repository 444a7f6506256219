"""Render a Quarto project without Quarto: pandoc for HTML and Typst source, typst for the PDF.

pandoc comes from pypandoc-binary and Typst from the ``typst`` PyPI package, so
the fallback needs nothing outside the Python environment. The Markdown it
feeds pandoc is produced by :mod:`digitbench.report.rendering.sources` and
:mod:`digitbench.report.rendering.crossref`.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import yaml

from digitbench.report.rendering import assets, crossref, sources
from digitbench.report.errors import ReportError
from digitbench.report.rendering.sources import Document

_META_KEYS = ("title", "subtitle", "author", "date", "abstract", "abstract-title", "lang",
              "keywords", "nocite", "link-citations", "thanks")
_TYPST_VARS = ("papersize", "fontsize", "mainfont", "columns", "page-numbering")
_MISSING_CITE_RE = re.compile(r"Citeproc: citation (\S+) not found")
_MISSING_RESOURCE_RE = re.compile(r"Could not (?:fetch|find) (?:resource|image) '?([^'\n]+)'?")


def find_pandoc() -> str | None:
    """Return the pandoc executable (pypandoc-binary's first, then PATH), or None."""
    try:
        import pypandoc

        path = pypandoc.get_pandoc_path()
        if path:
            return str(path)
    except (ImportError, OSError):
        pass
    return shutil.which("pandoc")


def missing_tools() -> list[str]:
    """Name the fallback's dependencies that are not installed (empty when it can run)."""
    missing = [] if find_pandoc() else ["pandoc (pip install pypandoc-binary)"]
    if importlib.util.find_spec("typst") is None:
        missing.append("typst (pip install typst)")
    return missing


def _author_names(value: Any) -> list[str]:
    names = []
    for item in value if isinstance(value, list) else [value]:
        name = item.get("name", "") if isinstance(item, dict) else item
        if isinstance(name, dict):
            # CSL-style name parts, as Quarto accepts them.
            name = name.get("literal") or " ".join(
                str(name[k]) for k in ("given", "family") if name.get(k)
            )
        names.append(str(name))
    return names


def _metadata(doc: Document) -> dict[str, Any]:
    meta = {key: doc.metadata[key] for key in _META_KEYS if key in doc.metadata}
    if "author" in meta:
        meta["author"] = _author_names(meta["author"])
    # Quarto links citations to their bibliography entry by default; pandoc does not.
    meta.setdefault("link-citations", True)
    if "date" in meta:
        meta["date"] = str(sources.format_date(meta["date"], doc.metadata.get("date-format")))
    return meta


def _citation_args(doc: Document, logger: logging.Logger) -> list[str]:
    args = ["--citeproc"]
    bibs = doc.metadata.get("bibliography") or []
    for bib in [bibs] if isinstance(bibs, str) else bibs:
        path = (doc.root / str(bib)).resolve()
        if not path.is_file():
            raise ReportError(f"bibliography {path} (from _quarto.yml) does not exist.")
        args += ["--bibliography", str(path)]
    csl = doc.metadata.get("csl")
    if csl:
        path = (doc.root / str(csl)).resolve()
        if path.is_file():
            args += ["--csl", str(path)]
        else:
            logger.warning("CSL style %s not found; using pandoc's default citation style", path)
    return args


def _run_pandoc(pandoc: str, args: list[str], doc: Document, what: str,
                logger: logging.Logger) -> None:
    start = time.perf_counter()
    proc = subprocess.run([pandoc, *args], cwd=doc.root, capture_output=True, text=True,
                          check=False)
    stderr = proc.stderr.strip()
    keys = list(dict.fromkeys(_MISSING_CITE_RE.findall(stderr)))
    if keys:
        where = doc.culprits("@" + keys[0])
        bibs = doc.metadata.get("bibliography") or "no bibliography configured"
        hint = ""
        if any(re.match(r"(sec|eq|lst|thm)-", key) for key in keys):
            hint = " (@sec-/@eq-/@lst- cross-references are not supported by the fallback)"
        raise ReportError(
            f"citation key(s) {', '.join(keys)} used in {where} not found in {bibs}{hint}; "
            "add the entry to the .bib file or fix the key."
        )
    resources = _MISSING_RESOURCE_RE.findall(stderr)
    if resources:
        raise ReportError(f"pandoc could not find resource(s) {', '.join(resources)} for the "
                          f"{what}; check the paths in {doc.culprits(resources[0])}.")
    if proc.returncode != 0:
        raise ReportError(f"pandoc failed building the {what} (exit {proc.returncode}):\n{stderr}")
    for line in stderr.splitlines():
        logger.warning("pandoc (%s): %s", what, line)
    logger.info("pandoc %s: %.2f s", what, time.perf_counter() - start)


def _header_files(doc: Document) -> list[str]:
    """``format.html.include-in-header`` files (plotly.js for the interactive figures), checked."""
    files = doc.option("html", "include-in-header") or []
    paths = []
    for name in [files] if isinstance(files, str) else files:
        path = (doc.root / str(name)).resolve()
        if not path.is_file():
            raise ReportError(f"HTML header file {path} (include-in-header in _quarto.yml) does not exist; "
                              "the render_report rule writes it (digitbench.report.rendering.interactive).")
        paths.append(str(path))
    return paths


def _html_args(doc: Document, md: Path, meta: Path, header: Path, html: Path, filters: list[str]) -> list[str]:
    args = [str(md), "--from", "markdown", "--to", "html5", "--standalone", "--embed-resources",
            "--metadata-file", str(meta), "--include-in-header", str(header),
            *[arg for path in _header_files(doc) for arg in ("--include-in-header", path)],
            *filters, "--resource-path", str(doc.root), "--output", str(html)]
    if doc.option("html", "number-sections"):
        args.append("--number-sections")
    if doc.option("html", "toc"):
        args += ["--toc", f"--toc-depth={doc.option('html', 'toc-depth', 3)}"]
        if doc.option("html", "toc-title"):
            args += ["--metadata", f"toc-title={doc.option('html', 'toc-title')}"]
    css = doc.option("html", "css") or []
    for sheet in [css] if isinstance(css, str) else css:
        args += ["--css", str((doc.root / sheet).resolve())]
    return args


def _typst_args(doc: Document, md: Path, meta: Path, work: Path, typ: Path,
                cite: list[str], filters: list[str]) -> list[str]:
    header, dot_filter = work / "header.typ", work / "escape-dot.lua"
    header.write_text(assets.TYPST_HEADER, encoding="utf-8")
    dot_filter.write_text(assets.TYPST_DOT_FILTER, encoding="utf-8")
    args = [str(md), "--from", "markdown", "--to", "typst", "--standalone",
            "--metadata-file", str(meta), "--include-in-header", str(header), *filters,
            # Filters run in command-line order; the escape must see citeproc's output.
            *cite, "--lua-filter", str(dot_filter), "--output", str(typ)]
    numbering = doc.formats.get("typst", {}).get("section-numbering")
    if numbering or doc.option("typst", "number-sections"):
        # Quarto's default numbering for Typst when only number-sections is set.
        args += ["--variable", f"section-numbering={numbering or '1.1.a'}"]
    for key in _TYPST_VARS:
        if doc.formats.get("typst", {}).get(key) is not None:
            args += ["--variable", f"{key}={doc.formats['typst'][key]}"]
    if doc.formats.get("typst", {}).get("toc"):
        args += ["--toc", f"--toc-depth={doc.option('typst', 'toc-depth', 3)}"]
    return args


def _compile_typst(doc: Document, typ: Path, pdf: Path, logger: logging.Logger) -> None:
    import typst

    start = time.perf_counter()
    mainfont = doc.formats.get("typst", {}).get("mainfont")
    # Typst's bundled fonts make the PDF identical on every machine; system fonts
    # are only searched when the project asks for a specific font.
    options = {"root": str(doc.root), "ignore_system_fonts": not mainfont}
    compile_fn = getattr(typst, "compile_with_warnings", None)
    try:
        if compile_fn is not None:
            result, warnings = compile_fn(typ.read_bytes(), **options)
            for warning in warnings:
                logger.warning("typst: %s", warning)
        else:
            result = typst.compile(typ.read_bytes(), **options)
    except typst.TypstError as exc:
        raise ReportError(f"typst could not compile {typ.name} into the PDF: {exc}") from None
    pdf.write_bytes(result)
    logger.info("typst pdf: %.2f s", time.perf_counter() - start)


def render(project_dir: str | Path, workdir: str | Path, html_path: str | Path,
           pdf_path: str | Path, logger: logging.Logger | None = None) -> Document:
    """Render the project's HTML and PDF with pandoc and Typst.

    Args:
        project_dir: The Quarto project (holding ``_quarto.yml``).
        workdir: Scratch directory for the intermediate Markdown and Typst files.
        html_path: Where to write the self-contained HTML.
        pdf_path: Where to write the PDF.
        logger: Receives one line per step with its timing.

    Returns:
        The expanded document (its ``images`` tell the checks what to expect).

    Raises:
        ReportError: A source problem (missing include, var, image, cross-reference
            or citation) or a pandoc/Typst failure.
    """
    logger = logger or logging.getLogger(__name__)
    pandoc = find_pandoc()
    if pandoc is None:
        raise ReportError("pandoc not found; pip install pypandoc-binary.")
    start = time.perf_counter()
    doc = sources.load(project_dir)
    crossref.number(doc)
    logger.info("sources: %.2f s (%d files, %d figures, %d tables)", time.perf_counter() - start,
                len(doc.sources), len(doc.figures), len(doc.tables))

    work = Path(workdir)
    md = work / "fallback.md"
    md.write_text(doc.markdown, encoding="utf-8")
    meta = _metadata(doc)
    html_meta, typst_meta = work / "meta-html.yml", work / "meta-typst.yml"
    html_meta.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    margin = doc.formats.get("typst", {}).get("margin")
    typst_meta.write_text(
        yaml.safe_dump({**meta, **({"margin": margin} if margin else {})}, allow_unicode=True),
        encoding="utf-8",
    )
    html_header = work / "header.html"
    html_header.write_text(assets.HTML_HEADER, encoding="utf-8")
    cite = _citation_args(doc, logger)
    format_filter = work / "formats.lua"
    format_filter.write_text(assets.FORMAT_FILTER, encoding="utf-8")
    filters = ["--lua-filter", str(format_filter)]

    html = Path(html_path)
    _run_pandoc(pandoc, _html_args(doc, md, html_meta, html_header, html, filters) + cite, doc, "HTML",
                logger)
    typ = work / "report.typ"
    _run_pandoc(pandoc, _typst_args(doc, md, typst_meta, work, typ, cite, filters), doc,
                "Typst source", logger)
    _compile_typst(doc, typ, Path(pdf_path), logger)
    return doc
