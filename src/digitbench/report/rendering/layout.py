"""Layout faults a program can find in the rendered PDF: overprinted text, figures and text wider than the page's text block.

A table cell whose text does not fit its column overprints the next cell (Typst does not stop it),
and an image wider than the text block runs into the margin. Both are found from the positions of
the words and images on each page (pdfplumber). The main text's length is measured too: the
pages before the supplement's heading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# The heading that ends the main text (report/sections/_supplement.qmd).
SUPPLEMENT_HEADING = "Supplementary material"
# Points (1/72 inch): lines closer than this share a baseline.
_OVERLAP = 1.0
# How far beyond the text block an image or a word may reach (rounding, italic overhang).
_MARGIN_SLACK = 3.0


@dataclass(frozen=True)
class Box:
    """A word or an image on a page, in PDF points from the page's top-left corner."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


def overprinted(glyphs: Iterable[Box]) -> list[tuple[Box, Box]]:
    """Pairs of letters or digits that overlap by more than a third of the narrower one: text printed over text.

    Glyphs, not words: text extraction joins overlapping glyphs into one word, which hides the fault.
    """
    ordered = sorted(glyphs, key=lambda g: (round(g.top), g.x0))
    found = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.top >= a.bottom - _OVERLAP:
                break
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            narrower = min(a.x1 - a.x0, b.x1 - b.x0)
            # Letters and digits only: typesetting kerns punctuation into its neighbour (",”").
            if a.text.isalnum() and b.text.isalnum() and narrower > 0 and dx > narrower / 3:
                found.append((a, b))
    return found


def outside(boxes: Iterable[Box], left: float, right: float) -> list[Box]:
    """Words or images reaching beyond the text block ``[left, right]``."""
    return [b for b in boxes if b.x0 < left - _MARGIN_SLACK or b.x1 > right + _MARGIN_SLACK]


def text_block(pages_words: list[list[Box]], page_width: float) -> tuple[float, float]:
    """The text block's left and right edges.

    The most common left edge of words is the left margin (body lines start there); the page's
    margins are symmetric (``margin.x`` of the report's Typst format), so the right edge mirrors it.
    """
    from collections import Counter

    lefts = Counter(round(w.x0) for words in pages_words for w in words)
    if not lefts:
        raise ValueError("The PDF has no text to find its text block from. Received: an empty document")
    left = float(lefts.most_common(1)[0][0])
    return left, page_width - left


def read_pdf(path: str | Path) -> tuple[list[list[Box]], list[list[Box]], list[str], list[float], list[list[Box]]]:
    """Words, images, plain text, width and glyphs of every page of a PDF."""
    import pdfplumber

    widths: list[float] = []
    words, images, texts, glyphs = [], [], [], []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            widths.append(float(page.width))
            words.append([Box(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
                          for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)])
            images.append([Box("<image>", im["x0"], im["x1"], im["top"], im["bottom"]) for im in page.images])
            glyphs.append([Box(c["text"], c["x0"], c["x1"], c["top"], c["bottom"]) for c in page.chars])
            texts.append(page.extract_text() or "")
    return words, images, texts, widths, glyphs


def layout_problems(path: str | Path) -> list[str]:
    """Every overprint and every word or image outside the text block, as ``page N: ...`` lines."""
    words, images, _, widths, glyphs = read_pdf(path)
    left, right = text_block(words, widths[0])
    problems = []
    for n, (page_words, page_images, page_glyphs) in enumerate(zip(words, images, glyphs), start=1):
        clashes = overprinted(page_glyphs)
        for top in sorted({round(a.top) for a, _ in clashes}):
            line = [w.text for w in page_words if abs(w.top - top) < 2]
            problems.append(f"page {n}: text printed over other text in the line {' '.join(line)[:80]!r}")
        for box in outside(page_words + page_images, left, right):
            problems.append(f"page {n}: {box.text!r} reaches beyond the text block "
                            f"({box.x0:.0f}-{box.x1:.0f} pt, text block {left:.0f}-{right:.0f} pt)")
    return problems


def main_text_pages(path: str | Path, heading: str) -> int:
    """Pages before the one where ``heading`` (the supplement's title) starts a line; all pages if it is absent."""
    _, _, texts, _, _ = read_pdf(path)
    for n, text in enumerate(texts, start=1):
        if any(line.strip() == heading for line in text.splitlines()):
            return n - 1
    return len(texts)
