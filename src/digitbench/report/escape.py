"""Text from the configuration (and the machine) as data, never as markup.

Every string that reaches the report from outside its sources -- the title, the authors, the
values of the configuration table, the profile name, the hardware description -- goes through
:func:`markdown_literal` before it is written into generated Markdown or YAML metadata. pandoc
Markdown lets a backslash escape any ASCII punctuation character, and an escaped character is
plain text whatever follows it, so escaping all of them at once disarms every construct that
starts with one: HTML tags, math, emphasis, links, citations, cross-references, headings, lists,
Quarto shortcodes, smart quotes and dashes. pandoc then writes the text with the escapes that
HTML and Typst need, so nothing has to be escaped a second time for either output.

Escaping happens exactly once, where a config value is turned into report text (``metadata.py``,
``variables.py``, ``tables.py``); everything downstream treats the escaped string as Markdown.
"""

from __future__ import annotations

import re
import string

_PUNCT = re.escape(string.punctuation)
_ESCAPE_RE = re.compile(f"[{_PUNCT}]")
_UNESCAPE_RE = re.compile(rf"\\([{_PUNCT}])")
# A run of text that is either escaped punctuation or anything but punctuation: the stretch of a
# line that escaping made literal (unescaped punctuation, which may be markup, ends it).
_RUN_RE = re.compile(rf"(?:\\[{_PUNCT}]|[^{_PUNCT}\n])+")
# Control characters (newlines, tabs) would end a table row or a paragraph inside the value.
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")


def markdown_literal(text: object) -> str:
    """Escape text so that pandoc (and Quarto) Markdown shows it literally.

    Every ASCII punctuation character gets a backslash; control characters such as newlines
    become one space (a line break would end a table row or start a new block), and leading
    and trailing whitespace is dropped (Markdown would drop it anyway). Apply it once, to the raw
    value: escaping an escaped string shows the backslashes.

    Args:
        text: The raw value; non-strings are converted with ``str``.

    Returns:
        Markdown whose rendering is ``text`` itself, in running text, a pipe-table cell or a
        YAML metadata string alike.

    Example:
        >>> markdown_literal("<b>*x*</b> @ref")
        '\\\\<b\\\\>\\\\*x\\\\*\\\\<\\\\/b\\\\> \\\\@ref'
    """
    flat = _CONTROL_RE.sub(" ", str(text)).strip()
    return _ESCAPE_RE.sub(lambda match: "\\" + match.group(0), flat)


def markdown_plain(text: str) -> str:
    """Drop the backslash of every escaped ASCII punctuation character: the text pandoc shows.

    Use it where an escaped value is not read as Markdown: inside a code span or code block
    (Quarto inserts the stringified value there) and when comparing a value with rendered text.

    Args:
        text: Markdown, typically from :func:`markdown_literal`.

    Returns:
        The text without those backslashes.
    """
    return _UNESCAPE_RE.sub(r"\1", text)


def literal_runs(markdown: str) -> list[str]:
    """The stretches of Markdown that escaping made literal, as the rendered text shows them.

    A stretch is a run of escaped punctuation and non-punctuation characters on one line that
    contains at least one escape; the rendered report shows it as :func:`markdown_plain` gives it.
    The checks on a rendered report use these to tell a ``{{<`` or ``[@`` that a config value
    contains (and that must be shown) from unresolved markup of the sources.

    Args:
        markdown: Markdown text, or a string value of YAML metadata.

    Returns:
        The unescaped runs, stripped, in order of appearance.
    """
    runs = (match.group(0) for match in _RUN_RE.finditer(markdown))
    return [markdown_plain(run).strip() for run in runs if _UNESCAPE_RE.search(run)]
