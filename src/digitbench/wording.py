"""Counted nouns and ranges in generated prose: "1 seed", "2 seeds", "4 epochs", "2 to 4 epochs".

The report's sentences are generated from results, so a count may be 1 or a range may be empty;
these helpers spell both the way a person would, instead of "seed(s)" or "4 to 4 epochs".
"""

from __future__ import annotations


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``n`` and the noun, singular for exactly one (``nouns`` for an irregular plural; default noun + "s")."""
    return f"{n:,} {noun if n == 1 else nouns or noun + 's'}"


def count_range(low: int, high: int, noun: str, nouns: str | None = None) -> str:
    """``"4 epochs"`` when ``low == high``, else ``"2 to 4 epochs"``."""
    return plural(low, noun, nouns) if low == high else f"{low:,} to {plural(high, noun, nouns)}"
