"""Layout faults found from word and image positions: overprinted text, content outside the text block, main-text length."""

from __future__ import annotations

import pytest

from digitbench.report.rendering.layout import Box, outside, overprinted, text_block


def _line(y: float, *spans: tuple[str, float, float]) -> list[Box]:
    return [Box(text, x0, x1, y, y + 10) for text, x0, x1 in spans]


def test_letters_printed_over_each_other_are_found_and_kerned_punctuation_is_not():
    def glyphs(text: str, x: float, width: float = 5.0) -> list[Box]:
        return [Box(ch, x + i * width, x + (i + 1) * width, 100, 110) for i, ch in enumerate(text)]

    clash = overprinted(glyphs("figure", 72) + glyphs("snake", 85))
    assert clash and {a.text for a, _ in clash} | {b.text for _, b in clash} <= set("figuresnake")
    assert overprinted(glyphs("figure", 72) + glyphs("snake", 104)) == []  # a space apart
    assert overprinted([Box(",", 100, 102.2, 0, 10), Box("\u201d", 100.9, 104.7, 0, 10)]) == []
    assert overprinted(glyphs("line", 72) + [Box("n", 72, 77, 112, 122)]) == []  # the next line


def test_content_beyond_the_text_block_is_found():
    body = [Box("w", 72, 540, y, y + 10) for y in range(0, 400, 12)]  # justified lines 72-540 pt
    left, right = text_block([body], 612)
    assert (left, right) == (72.0, 540.0)
    wide = Box("<image>", 60, 560, 0, 200)
    assert outside(body + [wide, Box("ok", 80, 538, 0, 10)], left, right) == [wide]


def test_a_document_without_text_is_refused():
    with pytest.raises(ValueError, match="no text"):
        text_block([[]], 612)
