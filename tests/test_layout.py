"""Layout faults found from word and image positions: overprinted text, content outside the text block, main-text length."""

from __future__ import annotations

import pytest

from digitbench.report.rendering.layout import Box, outside, overprinted, text_block


def _line(y: float, *spans: tuple[str, float, float]) -> list[Box]:
    return [Box(text, x0, x1, y, y + 10) for text, x0, x1 in spans]


def test_words_printed_over_each_other_are_found_and_neighbours_are_not():
    table_row = _line(100, ("results/figures/cnn_learning_curves.pdf", 72, 260), ("snakemake", 250, 300))
    assert [(a.text, b.text) for a, b in overprinted(table_row)] == [
        ("results/figures/cnn_learning_curves.pdf", "snakemake")]
    fine = _line(100, ("Test", 72, 90), ("accuracy", 92, 130)) + _line(112, ("next", 72, 90))
    assert overprinted(fine) == []


def test_content_beyond_the_text_block_is_found():
    body = [Box("w", 72, 540, y, y + 10) for y in range(0, 400, 12)]  # justified lines 72-540 pt
    left, right = text_block([body], 612)
    assert (left, right) == (72.0, 540.0)
    wide = Box("<image>", 60, 560, 0, 200)
    assert outside(body + [wide, Box("ok", 80, 538, 0, 10)], left, right) == [wide]


def test_a_document_without_text_is_refused():
    with pytest.raises(ValueError, match="no text"):
        text_block([[]], 612)
