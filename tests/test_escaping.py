"""Text from the config is data, never markup: escaping, the config table, paths, and a hostile render."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
import yaml

from digitbench.report.escape import literal_runs, markdown_literal, markdown_plain
from digitbench.report.rendering.metadata import write_metadata
from digitbench.report.numbers.appendix import config_table
from digitbench.report.numbers.format import OUTSIDE_PROJECT, display_path, markdown_table

HOSTILE = "<script>alert(1)</script> $x$ *y* {{< var data.n_train >}} @ref #h [l](u) `c`"
# Every other construct that a config string could otherwise start: citations, cross-references,
# leftovers the checks look for, smart quotes and dashes, entities, list and heading markers.
NASTY = [HOSTILE, "[@lecun1998] and @fig-curve ?? ?@x ?var:y", "it's \"quoted\" -- ... & &amp; \\ \\*",
         "1. - + > | a | b |", "# heading", "~sub~ ^sup^ :smile: <!-- c --> <b>bold</b>", "_a_ __b__ $$m$$",
         "C:\\Users\\ada\\mnist.npz", "{{{< var x >}}} {{< include x.qmd >}}"]


def test_markdown_literal_escapes_every_ascii_punctuation_character() -> None:
    escaped = markdown_literal(string.punctuation)
    assert escaped == "".join("\\" + ch for ch in string.punctuation)
    assert markdown_literal("plain words 42 é") == "plain words 42 é"
    assert markdown_literal(3.5) == "3\\.5" and markdown_literal("") == ""
    assert markdown_literal("  two\nlines\r\n\tand tab  ") == "two lines and tab"  # a newline would end a row
    for text in NASTY:
        assert markdown_plain(markdown_literal(text)) == text
    assert not re.search(r"\{\{<|\[@|(?<!\\)@", markdown_literal(HOSTILE))  # no shortcode, no citation left


@pytest.mark.parametrize("text", NASTY)
def test_pandoc_shows_escaped_text_literally(text: str) -> None:
    pypandoc = pytest.importorskip("pypandoc")
    from html import unescape

    escaped = markdown_literal(text)
    # In running text, in a pipe-table cell and in YAML metadata (the title block) alike.
    source = (f"---\n{yaml.safe_dump({'title': escaped}, width=60)}---\n\nBefore {escaped} after.\n\n"
              + markdown_table(__import__("pandas").DataFrame({"v": [escaped]}), "Cap.", "tbl-x",
                               formats={"v": str}))
    html = pypandoc.convert_text(source, "html5", format="markdown", extra_args=["--standalone"])
    body = html[html.index("<body>"):]
    assert "<script>" not in body and "<b>" not in body and "<em>" not in body and "<a " not in body
    assert "<math" not in body and "<code>" not in body and "<h1>" not in body.replace('<h1 class="title">', "")
    cells = re.findall(r"<(h1|p|td)\b[^>]*>(.*?)</\1>", body, re.S)
    shown = [re.sub(r"\s+", " ", unescape(cell)) for _, cell in cells]
    assert shown == [text, f"Before {text} after.", text]


def test_literal_runs_are_the_escaped_stretches_of_a_line() -> None:
    line = f"| report\\.title | {markdown_literal(HOSTILE)} |"
    assert literal_runs(line) == ["report.title", HOSTILE]
    assert literal_runs("No escapes {{< var x >}} here.") == []


def test_pipe_table_cells_are_not_escaped_twice() -> None:
    import pandas as pd

    df = pd.DataFrame({"raw": ["a|b"], "escaped": [markdown_literal("a|b\\")]})
    row = markdown_table(df, "Cap.", "tbl-x").splitlines()[2]
    assert row == "| a\\|b | a\\|b\\\\ |"


def test_write_metadata_escapes_title_authors_and_profile(tmp_path: Path) -> None:
    meta = write_metadata(tmp_path / "m.yml", title=HOSTILE, authors=[HOSTILE, "Ada Lovelace"],
                          profile="my_profile", commit="abc123-dirty", renderer="fallback")
    on_disk = yaml.safe_load((tmp_path / "m.yml").read_text())
    assert on_disk == meta
    # The title names a profile that is not the paper's (issue 13), escaped like the rest.
    assert markdown_plain(meta["title"]) == f"{HOSTILE} (my_profile profile)"
    assert meta["title"] == markdown_literal(HOSTILE) + " (my\\_profile profile)"
    assert meta["author"] == [markdown_literal(HOSTILE), "Ada Lovelace"]
    assert "config my\\_profile" in meta["subtitle"] and "commit abc123\\-dirty" in meta["subtitle"]


def test_display_path_relative_to_the_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    assert display_path(str(project / "data" / "mnist.npz"), project) == "data/mnist.npz"
    assert display_path("data/./raw/../mnist.npz", project) == "data/mnist.npz"
    assert display_path(str(project), project) == "."
    assert display_path("", project) == ""
    outside = tmp_path / "secret-home" / "ada" / "mnist.npz"
    for value in (str(outside), "../secret-home/ada/mnist.npz"):
        shown = display_path(value, project)
        assert shown == f"mnist.npz {OUTSIDE_PROJECT}"
    assert display_path(str(Path.home()), project) == OUTSIDE_PROJECT  # not even the user's name


def test_display_path_through_a_symlinked_project(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "data").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real)
    assert display_path(str(real / "data" / "x.npz"), link) == "data/x.npz"


def _config(local_path: str, title: str = HOSTILE) -> dict:
    return {"profile": "smoke", "seed": 42, "report": {"title": title, "authors": [title, "Ada"]},
            "data": {"sources": ["local", "npm"], "local_path": local_path, "keras_url": "https://x.org/a|b"},
            "training": {"augmentation": {"enabled": True, "brightness": [0.9, 1.1]}, "min_lr": 1e-7,
                         "tags": [], "note": None}}


def test_config_table_escapes_every_cell_and_shows_paths_relative(tmp_path: Path) -> None:
    md = config_table(_config(str(tmp_path / "data" / "mnist.npz")), tmp_path)
    lines = md.splitlines()
    assert lines[0] == "| Key | Value |" and lines[-1].endswith("{#tbl-config}")
    cells = [[markdown_plain(c.strip()) for c in re.split(r"(?<!\\)\|", line)[1:-1]] for line in lines[2:-2]]
    rows = dict(cells)
    assert rows["report.title"] == HOSTILE and rows["report.authors"] == f"[{HOSTILE}, Ada]"
    assert rows["data.local_path"] == "data/mnist.npz" and rows["data.keras_url"] == "https://x.org/a|b"
    assert rows["training.augmentation.enabled"] == "true" and rows["training.augmentation.brightness"] == "[0.9, 1.1]"
    assert rows["training.min_lr"] == "1e-07" and rows["training.tags"] == "[]" and rows["training.note"] == "null"
    assert str(tmp_path) not in md and "{{<" not in md and "<script>" not in md
    unset = config_table(_config(""), tmp_path)
    assert '| data\\.local\\_path | \\"\\" |' in unset
    outside = config_table(_config(str(Path.home() / "private" / "mnist.npz")), tmp_path)
    assert str(Path.home()) not in outside and "mnist\\.npz \\(outside the project\\)" in outside


def test_var_values_inside_code_are_inserted_as_plain_text(tmp_path: Path) -> None:
    from digitbench.report.rendering.sources import _Expander

    expander = _Expander(tmp_path, {"study": {"profile": markdown_literal("zero_mean-2")}})
    text = ("Profile `{{< var study.profile >}}` or {{< var study.profile >}}.\n"
            "```\n{{< var study.profile >}}\n```\n{{< var study.profile >}}\n")
    assert expander.expand(text, tmp_path / "x.qmd") == (
        "Profile `zero_mean-2` or zero\\_mean\\-2.\n```\nzero_mean-2\n```\nzero\\_mean\\-2\n")


def test_escaped_at_is_no_citation(tmp_path: Path) -> None:
    from digitbench.report.rendering import validate

    (tmp_path / "index.qmd").write_text(f"Title {markdown_literal(HOSTILE)} by @lecun1998.\n")
    assert set(validate.cited_keys(tmp_path)) == {"lecun1998"}
    assert validate.used_variables(tmp_path) == {}


# ---------------------------------------------------------------------------------------------
# A whole render with the fallback: hostile title, authors, variable and config table.

def _hostile_project(root: Path, local_path: str) -> Path:
    pytest.importorskip("pypandoc")
    pytest.importorskip("typst")
    pytest.importorskip("pypdf")
    from tests.test_render import make_project

    make_project(root)
    write_metadata(root / "_generated" / "metadata.yml", title=HOSTILE, authors=[HOSTILE, "Ada Lovelace"],
                   profile="smoke_1", commit="abc123-dirty", renderer="fallback")
    variables = yaml.safe_load((root / "_variables.yml").read_text())
    variables["study"] = {"title": markdown_literal(HOSTILE), "profile": markdown_literal("smoke_1")}
    (root / "_variables.yml").write_text(yaml.safe_dump(variables))
    (root / "_generated" / "tables").mkdir(parents=True, exist_ok=True)
    (root / "_generated" / "tables" / "config.md").write_text(config_table(_config(local_path), root))
    with open(root / "index.qmd", "a", encoding="utf-8") as fh:
        fh.write("\nThe study {{< var study.title >}} used profile `{{< var study.profile >}}` "
                 "(@tbl-config).\n\n{{< include _generated/tables/config.md >}}\n")
    return root


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict:
    from digitbench.report.rendering.render import html_text, pdf_text, render_report

    outside = Path.home() / "private-data" / "mnist.npz"
    root = _hostile_project(tmp_path_factory.mktemp("hostile"), str(outside))
    out = tmp_path_factory.mktemp("out")
    html, pdf = out / "r.html", out / "r.pdf"
    assert render_report(root, html, pdf, renderer="fallback", log=out / "render.log") == "fallback"
    return {"html": html.read_text(encoding="utf-8"), "html_text": html_text(html), "pdf_text": pdf_text(pdf)}


def test_hostile_text_is_no_html(hostile: dict) -> None:
    html = hostile["html"]
    assert "<script>alert" not in html and "alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    body = html[html.index("<body"):]
    assert "<em>y</em>" not in body and 'href="u"' not in body and "<math" not in body
    assert 'data-cites="ref"' not in body and '<h1 id="h"' not in body


@pytest.mark.parametrize("fmt", ["html_text", "pdf_text"])
def test_hostile_text_is_shown_literally(hostile: dict, fmt: str) -> None:
    text = hostile[fmt]
    # Title, first author, the variable in running text, and the config table's title and authors.
    assert text.count(HOSTILE) >= 5, text[:600]
    assert "The study " + HOSTILE + " used profile smoke_1 (Table 3)" in text
    assert "60,000" in text  # the shortcode in the title was not expanded...
    assert "{{< var data.n_train >}}" in text  # ...but shown as written


@pytest.mark.parametrize("fmt", ["html_text", "pdf_text"])
def test_path_outside_the_project_is_not_published(hostile: dict, fmt: str) -> None:
    text = hostile[fmt]
    assert f"mnist.npz {OUTSIDE_PROJECT}" in text
    assert str(Path.home()) not in text and "private-data" not in text
    assert str(Path.home()) not in hostile["html"]


def test_path_inside_the_project_is_shown_relative(tmp_path: Path) -> None:
    from digitbench.report.rendering.render import html_text, pdf_text, render_report

    root = _hostile_project(tmp_path / "project", str(tmp_path / "project" / "data" / "mnist.npz"))
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    render_report(root, html, pdf, renderer="fallback")
    for text in (html_text(html), pdf_text(pdf)):
        assert "data.local_path data/mnist.npz" in text and str(tmp_path) not in text


def test_check_rendered_exempts_only_escaped_text(tmp_path: Path) -> None:
    pytest.importorskip("pypdf")
    from digitbench.report.rendering import validate
    from digitbench.report.rendering.checks import check_rendered
    from digitbench.report.errors import ReportError

    project = tmp_path / "project"
    (project / "_generated").mkdir(parents=True)
    write_metadata(project / "_generated" / "metadata.yml", title=HOSTILE + " ??", authors=["Ada"],
                   profile="p", commit="c", renderer="fallback")
    literals = validate.literal_texts(project)
    assert HOSTILE + " ??" in literals
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(_blank_pdf())
    html = tmp_path / "r.html"
    html.write_text(f"<html><body><h1>{HOSTILE.replace('<', '&lt;')}\n??</h1><p>Fine.</p></body></html>")
    check_rendered(html, pdf, literals=literals)
    with pytest.raises(ReportError, match=r"unresolved '\{\{<'"):
        check_rendered(html, pdf)
    html.write_text(f"<html><body><h1>{HOSTILE.replace('<', '&lt;')} ??</h1><p>See ?? here.</p></body></html>")
    with pytest.raises(ReportError, match=r"unresolved '\?\?' in: \.\.\..*See \?\? here"):
        check_rendered(html, pdf, literals=literals)


def _blank_pdf() -> bytes:
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
