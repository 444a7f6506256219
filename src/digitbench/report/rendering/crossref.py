"""Number figures and tables and resolve ``@fig-``/``@tbl-`` cross-references.

Numbering happens here, in the Markdown, rather than in pandoc or Typst so that
the HTML and the PDF are guaranteed to show the same numbers; the Typst side
switches its own figure numbering off (see ``fallback.py``).
"""

from __future__ import annotations

import re

from digitbench.report.errors import ReportError
from digitbench.report.rendering.sources import Document

_FENCE_RE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")
_TBL_CAPTION_RE = re.compile(
    r"^(?P<lead>[ ]{0,3}(?:Table)?:)[ \t]+(?P<cap>.*?)[ \t]*"
    r"\{(?P<attrs>[^{}]*#(?P<id>tbl-[\w-]*\w)[^{}]*)\}[ \t]*$"
)
_REF = r"-?@(?:[Ff]ig|[Tt]bl)-[\w-]*\w"
_REF_GROUP_RE = re.compile(rf"\[\s*({_REF}(?:\s*[;,]\s*{_REF})*)\s*\]")
_REF_RE = re.compile(r"(?<![\w@.\-])(-?)@([Ff]ig|[Tt]bl)-([\w-]*\w)")
_FIG_ID_RE = re.compile(r"#(fig-[\w-]*\w)")
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# Quarto keeps "Figure" and its number on one line with a no-break space.
_NBSP = "\u00a0"
# Figure divs (``::: {#fig-x}`` ... caption paragraph ... ``:::``): an opener with attributes or a class
# word, and a bare closer. Their captions are marked first, then numbered in document order with images.
_DIV_OPEN_RE = re.compile(r"^[ \t]*:{3,}[ \t]*(\{[^{}]*\}|[\w.-]+)[ \t]*$")
_DIV_CLOSE_RE = re.compile(r"^[ \t]*:{3,}[ \t]*$")
_DIV_MARK_RE = re.compile("\x00(fig-[\\w-]*\\w)\x00")


def _code_split(text: str) -> list[tuple[bool, str]]:
    """Split text into (is_code, chunk) so fenced code blocks are left untouched."""
    chunks: list[tuple[bool, str]] = []
    fence: str | None = None
    current: list[str] = []
    for line in text.splitlines(keepends=True):
        match = _FENCE_RE.match(line)
        starts = match is not None and fence is None
        ends = match is not None and fence is not None and match.group(1).startswith(fence)
        if starts:
            chunks.append((False, "".join(current)))
            current, fence = [line], match.group(1)
            continue
        current.append(line)
        if ends:
            chunks.append((True, "".join(current)))
            current, fence = [], None
    chunks.append((fence is not None, "".join(current)))
    return chunks


def _matching(text: str, start: int, open_ch: str, close_ch: str) -> int:
    """Index of the bracket closing text[start] (which is open_ch), or -1."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        depth += ch == open_ch
        depth -= ch == close_ch
        if depth == 0:
            return i
        i += 1
    return -1


def _crossref(doc: Document, key: str, default: str) -> str:
    opts = doc.metadata.get("crossref") or {}
    return str(opts.get(key, default))


def _mark_figure_divs(doc: Document, text: str) -> str:
    """Put a marker naming the figure at the start of every figure div's caption (its last paragraph)."""
    # Lines with a flag for those inside fenced code, where a ::: is text, not a div.
    pairs = [(line, code) for code, chunk in _code_split(text) for line in chunk.splitlines(keepends=True)]
    lines, in_code = [line for line, _ in pairs], [code for _, code in pairs]
    for i, line in enumerate(lines):
        match = None if in_code[i] else _DIV_OPEN_RE.match(line)
        fig = match and _FIG_ID_RE.search(match.group(1))
        if not fig:
            continue
        close = _div_end(lines, in_code, i)
        if close is None:
            raise ReportError(f"figure div {{#{fig.group(1)}}} (in {doc.culprits(fig.group(1))}) has no closing ::: line.")
        end = close - 1
        while end > i and not lines[end].strip():
            end -= 1
        start = end
        while start - 1 > i and lines[start - 1].strip():
            start -= 1
        if end <= i or _DIV_CLOSE_RE.match(lines[end]) or _DIV_OPEN_RE.match(lines[start]) or start - 1 == i:
            raise ReportError(f"figure div {{#{fig.group(1)}}} (in {doc.culprits(fig.group(1))}) must end with its "
                              "caption: a paragraph after a blank line, before the closing :::.")
        indent = len(lines[start]) - len(lines[start].lstrip())
        lines[start] = f"{lines[start][:indent]}\x00{fig.group(1)}\x00{lines[start][indent:]}"
    return "".join(lines)


def _div_end(lines: list[str], in_code: list[bool], opener: int) -> int | None:
    """Index of the ::: line closing the div opened at ``opener`` (code blocks skipped), or None."""
    depth = 1
    for j in range(opener + 1, len(lines)):
        if in_code[j]:
            continue
        if _DIV_CLOSE_RE.match(lines[j]):
            depth -= 1
            if depth == 0:
                return j
        elif _DIV_OPEN_RE.match(lines[j]):
            depth += 1
    return None


def _number_figure(doc: Document, fig_id: str) -> str:
    """Assign the next figure number to ``fig_id``; the caption prefix ("Figure N:")."""
    if fig_id in doc.figures:
        raise ReportError(f"figure id '{fig_id}' is defined twice (in {doc.culprits(fig_id)}).")
    number = doc.figures[fig_id] = len(doc.figures) + 1
    return f"{_crossref(doc, 'fig-title', 'Figure')}{_NBSP}{number}{_crossref(doc, 'title-delim', ':')}"


def _images(doc: Document, text: str, ext: str) -> str:
    """Resolve image paths and prefix numbered figure captions (images and figure divs) with 'Figure N:'."""
    out, pos = [], 0
    while True:
        start = text.find("![", pos)
        mark = _DIV_MARK_RE.search(text, pos)
        if mark and (start == -1 or mark.start() < start):
            out.append(f"{text[pos:mark.start()]}{_number_figure(doc, mark.group(1))} ")
            pos = mark.end()
            continue
        if start == -1:
            break
        close = _matching(text, start + 1, "[", "]")
        if close == -1 or text[close + 1:close + 2] != "(":
            out.append(text[pos:start + 2])
            pos = start + 2
            continue
        end = _matching(text, close + 1, "(", ")")
        if end == -1:
            out.append(text[pos:start + 2])
            pos = start + 2
            continue
        caption, target = text[start + 2:close], text[close + 2:end].strip()
        attrs, after = "", end + 1
        if text[after:after + 1] == "{":
            attr_end = text.find("}", after)
            if attr_end != -1:
                attrs, after = text[after:attr_end + 1], attr_end + 1
        if target.startswith("<"):
            src, rest = target[1:].split(">", 1)
        else:
            src, _, rest = target.partition(" ")
        src = _resolve_image(doc, src, ext)
        fig = _FIG_ID_RE.search(attrs)
        if fig:
            caption = f"{_number_figure(doc, fig.group(1))} {caption}"
        title_part = f" {rest.strip()}" if rest.strip() else ""
        out.append(f"{text[pos:start]}![{caption}](<{src}>{title_part}){attrs}")
        pos = after
    out.append(text[pos:])
    return "".join(out)


def _resolve_image(doc: Document, src: str, ext: str) -> str:
    if _URL_RE.match(src):
        return src
    path = (doc.root / src.lstrip("/")) if src.startswith("/") else doc.root / src
    if not path.suffix:
        path = path.with_name(f"{path.name}.{ext}")
    path = path.resolve()
    if not path.is_file():
        raise ReportError(
            f"image {path} (referenced as '{src}' in {doc.culprits(src)}) does not exist; "
            "the report rule copies figures into report/_generated/figures/ before rendering."
        )
    if not path.is_relative_to(doc.root):
        raise ReportError(
            f"image {path} lies outside the project directory {doc.root}; copy it inside."
        )
    if path not in doc.images:
        doc.images.append(path)
    return path.relative_to(doc.root).as_posix()


def _tables(doc: Document, text: str) -> str:
    title = _crossref(doc, "tbl-title", "Table")
    delim = _crossref(doc, "title-delim", ":")
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        match = _TBL_CAPTION_RE.match(line.rstrip("\n"))
        if not match:
            continue
        tid = match.group("id")
        if tid in doc.tables:
            raise ReportError(f"table id '{tid}' is defined twice (in {doc.culprits(tid)}).")
        number = doc.tables[tid] = len(doc.tables) + 1
        caption = f"{title}{_NBSP}{number}{delim} {match.group('cap')}"
        lines[i] = f"{match.group('lead')} {caption} {{{match.group('attrs')}}}\n"
    return "".join(lines)


def _refs(doc: Document, text: str, unknown: list[str]) -> str:
    fig_prefix = _crossref(doc, "fig-prefix", "Figure")
    tbl_prefix = _crossref(doc, "tbl-prefix", "Table")

    def one(match: re.Match[str]) -> str:
        kind = match.group(2).lower()
        ident = f"{kind}-{match.group(3)}"
        numbers, prefix = (doc.figures, fig_prefix) if kind == "fig" else (doc.tables, tbl_prefix)
        if ident not in numbers:
            unknown.append(ident)
            return match.group(0)
        label = str(numbers[ident]) if match.group(1) else f"{prefix}{_NBSP}{numbers[ident]}"
        return f"[{label}](#{ident})"

    def group(match: re.Match[str]) -> str:
        # Quarto renders [@fig-a; @fig-b] as a plain list of references.
        return ", ".join(_REF_RE.sub(one, ref.strip()) for ref in re.split(r"[;,]", match.group(1)))

    return _REF_RE.sub(one, _REF_GROUP_RE.sub(group, text))


def number(doc: Document) -> None:
    """Number figures and tables in document order and resolve cross-references in place.

    Captions become "Figure N: ..."/"Table N: ..." and ``@fig-x``/``@tbl-x`` become
    links reading "Figure N"/"Table N", exactly as Quarto words them.

    Args:
        doc: The document from :func:`digitbench.report.rendering.sources.load`; its
            ``markdown``, ``figures``, ``tables`` and ``images`` are updated.

    Raises:
        ReportError: An image file is missing, an id is defined twice or a
            cross-reference names an unknown id.
    """
    ext = str(doc.option("html", "default-image-extension") or "png").lstrip(".")
    # Definitions first (all chunks), then references, so forward references work.
    chunks = [
        (code, chunk if code else _tables(doc, _images(doc, chunk, ext)))
        for code, chunk in _code_split(_mark_figure_divs(doc, doc.markdown))
    ]
    unknown: list[str] = []
    text = "".join(chunk if code else _refs(doc, chunk, unknown) for code, chunk in chunks)
    if unknown:
        ident = unknown[0]
        known = ", ".join([*doc.figures, *doc.tables]) or "none"
        kind = "figure" if ident.startswith("fig-") else "table"
        raise ReportError(
            f"cross-reference @{ident} (in {doc.culprits('@' + ident)}) has no matching "
            f"{kind} label {{#{ident}}}; known ids: {known}. Fix the reference or the label."
        )
    doc.markdown = text
