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

# Points (1/72 inch): glyph boxes of neighbouring words may touch; overprinted ones overlap by more.
_OVERLAP = 1.5
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


def _overlaps(a: Box, b: Box) -> bool:
    dx = min(a.x1, b.x1) - max(a.x0, b.x0)
    dy = min(a.bottom, b.bottom) - max(a.top, b.top)
    return dx > _OVERLAP and dy > _OVERLAP


def overprinted(words: Iterable[Box]) -> list[tuple[Box, Box]]:
    """Pairs of words whose glyph boxes overlap: text printed over other text."""
    ordered = sorted(words, key=lambda w: (w.top, w.x0))
    found = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1:]:
            if b.top >= a.bottom:
                break
            if _overlaps(a, b):
                found.append((a, b))
    return found


def outside(boxes: Iterable[Box], left: float, right: float) -> list[Box]:
    """Words or images reaching beyond the text block ``[left, right]``."""
    return [b for b in boxes if b.x0 < left - _MARGIN_SLACK or b.x1 > right + _MARGIN_SLACK]


def text_block(pages_words: list[list[Box]]) -> tuple[float, float]:
    """The text block's left and right edges: where most lines of body text start and end.

    The most common left edge of words is the margin; the right edge is the most common end of
    the longest lines (justified body text ends there), so overflowing words do not move it.
    """
    from collections import Counter

    lefts: Counter[int] = Counter()
    rights: Counter[int] = Counter()
    for words in pages_words:
        for w in words:
            lefts[round(w.x0)] += 1
            rights[round(w.x1)] += 1
    if not lefts:
        raise ValueError("The PDF has no text to find its text block from. Received: an empty document")
    left = lefts.most_common(1)[0][0]
    right = max(x for x, n in rights.items() if n >= max(3, rights.most_common(1)[0][1] // 4))
    return float(left), float(right)


def read_pdf(path: str | Path) -> tuple[list[list[Box]], list[list[Box]], list[str]]:
    """Words, images and plain text of every page of a PDF."""
    import pdfplumber

    words, images, texts = [], [], []
    with pdfplumber.open(str(path)) as pdf:
        for page in pdf.pages:
            words.append([Box(w["text"], w["x0"], w["x1"], w["top"], w["bottom"])
                          for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)])
            images.append([Box("<image>", im["x0"], im["x1"], im["top"], im["bottom"]) for im in page.images])
            texts.append(page.extract_text() or "")
    return words, images, texts


def layout_problems(path: str | Path) -> list[str]:
    """Every overprint and every word or image outside the text block, as ``page N: ...`` lines."""
    words, images, _ = read_pdf(path)
    left, right = text_block(words)
    problems = []
    for n, (page_words, page_images) in enumerate(zip(words, images), start=1):
        for a, b in overprinted(page_words):
            problems.append(f"page {n}: {a.text!r} and {b.text!r} are printed over each other")
        for box in outside(page_words + page_images, left, right):
            problems.append(f"page {n}: {box.text!r} reaches beyond the text block "
                            f"({box.x0:.0f}-{box.x1:.0f} pt, text block {left:.0f}-{right:.0f} pt)")
    return problems


def main_text_pages(path: str | Path, heading: str) -> int:
    """Pages before the one where ``heading`` (the supplement's title) starts a line; all pages if it is absent."""
    _, _, texts = read_pdf(path)
    for n, text in enumerate(texts, start=1):
        if any(line.strip() == heading for line in text.splitlines()):
            return n - 1
    return len(texts)
