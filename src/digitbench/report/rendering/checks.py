"""Checks on a rendered report, and text extraction used by them and by the tests."""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

from digitbench.report.errors import ReportError

# Leftovers of unexpanded shortcodes and of unresolved citations, cross-references and
# variables (Quarto prints "?@fig-x", "??" and "?var:key" for those). An "@" after a
# word character is an e-mail address, which pandoc does not read as a reference either.
_LEFTOVERS = {
    "{{<": re.compile(r"\{\{<"),
    "[@": re.compile(r"\[@"),
    "@fig-/@tbl-": re.compile(r"(?<![\w.])@(?:fig|tbl)-"),
    "?@": re.compile(r"\?@"),
    "??": re.compile(r"\?\?"),
    "?var:": re.compile(r"\?var:"),
}
_HIDDEN_TAGS = ("script", "style", "head")
# Inline tags join their text without a space ("Figure 1." not "Figure 1 .").
_BLOCK_TAGS = frozenset("p div h1 h2 h3 h4 h5 h6 li ul ol tr td th table caption figure "
                        "figcaption header nav section br blockquote pre dd dt".split())
_DATA_IMG_RE = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']data:image/", re.I)
# An interactive figure (plotly) stands in the HTML where its static twin stands in the PDF.
_PLOTLY_DIV_RE = re.compile(r"<div\b[^>]*\bclass\s*=\s*[\"'][^\"']*\bplotly-graph-div\b", re.I)
_PLOTLY_LIBRARY_RE = re.compile(r"plotly\.js v\d")


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS and self._skip:
            self._skip -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _squash(text: str) -> str:
    # Line wrapping differs between HTML source and PDF layout; compare words only.
    return re.sub(r"\s+", " ", text).strip()


def html_text(path: str | Path) -> str:
    """Return the visible text of an HTML file (no head, scripts, styles), whitespace-squashed."""
    parser = _TextExtractor()
    parser.feed(Path(path).read_text(encoding="utf-8"))
    parser.close()
    return _squash("".join(parser.parts))


def _pdf_pages(path: str | Path) -> list:
    try:
        from pypdf import PdfReader
    except ImportError:
        raise ReportError("checking the PDF needs pypdf; pip install pypdf.") from None
    return list(PdfReader(str(path)).pages)


def pdf_text(path: str | Path) -> str:
    """Return the text of every page of a PDF, whitespace-squashed.

    The page-number footer is dropped (it would otherwise land mid-sentence where a
    paragraph crosses a page), and a line ending in a hyphen is joined to the next
    line without a space ("cross-validation", not "cross- validation").
    """
    pages = []
    for number, page in enumerate(_pdf_pages(path), start=1):
        text = (page.extract_text() or "").rstrip()
        if text.endswith(str(number)):
            text = re.sub(rf"\n\s*{number}$", "", text)
        pages.append(re.sub(r"(?<=\w-)\n(?=\w)", "", text))
    return _squash("\n".join(pages))


def _pdf_image_count(path: Path) -> int:
    return sum(len(page.images) for page in _pdf_pages(path))


def _without_literals(text: str, literals: list[str]) -> str:
    """Text with every occurrence of the literals blanked out, whitespace-insensitively."""
    for literal in sorted(literals, key=len, reverse=True):
        # Line breaks differ between the sources, the HTML and the PDF layout.
        pattern = r"\s*".join(re.escape(ch) for ch in re.sub(r"\s+", "", literal))
        text = re.sub(pattern, " ", text)
    return text


def check_rendered(html_path: str | Path, pdf_path: str | Path,
                   expected_figures: int | None = None, literals: Iterable[str] = ()) -> dict[str, str]:
    """Check a rendered report for leftovers of unresolved markup and for missing figures.

    Args:
        html_path: The rendered HTML.
        pdf_path: The rendered PDF.
        expected_figures: Distinct image files the report shows; the HTML must embed
            at least that many data-URI images and interactive (plotly) figures, and the PDF hold
            that many images. None skips the count.
        literals: Texts the sources escaped (config values such as the title, from
            :func:`digitbench.report.rendering.validate.literal_texts`); a ``{{<`` or ``[@`` inside one
            is data shown as written, not a leftover.

    Returns:
        The extracted text, ``{"HTML": ..., "PDF": ...}``, for further checks without re-reading.

    Raises:
        ReportError: Naming the file, the leftover and its context, or the counts.
    """
    problems = []
    html_path, pdf_path = Path(html_path), Path(pdf_path)
    texts = {"HTML": html_text(html_path), "PDF": pdf_text(pdf_path)}
    marked = [text for text in literals if any(p.search(text) for p in _LEFTOVERS.values())]
    for path, text in ((html_path, texts["HTML"]), (pdf_path, texts["PDF"])):
        text = _without_literals(text, marked)
        for marker, pattern in _LEFTOVERS.items():
            found = pattern.search(text)
            if found:
                at = found.start()
                context = text[max(0, at - 40):at + 40]
                problems.append(f"{path.name} contains unresolved '{marker}' in: ...{context}...")
    html = html_path.read_text(encoding="utf-8")
    interactive = len(_PLOTLY_DIV_RE.findall(html))
    if interactive and not _PLOTLY_LIBRARY_RE.search(html):
        problems.append(f"{html_path.name} has {interactive} interactive figures but not plotly.js, which draws "
                        "them offline (include-in-header in _quarto.yml)")
    if expected_figures:
        embedded = len(_DATA_IMG_RE.findall(html))
        if embedded + interactive < expected_figures:
            problems.append(f"{html_path.name} embeds {embedded} data-URI images and {interactive} interactive "
                            f"figures, expected {expected_figures} (figures must be PNG files)")
        in_pdf = _pdf_image_count(pdf_path)
        if in_pdf < expected_figures:
            problems.append(
                f"{pdf_path.name} contains {in_pdf} images, expected {expected_figures}"
            )
    if problems:
        raise ReportError("rendered report failed its checks:\n  " + "\n  ".join(problems))
    return texts
