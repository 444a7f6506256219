"""Tests of the report renderer: the pandoc/Typst fallback end to end, its error
messages, atomic output replacement, and the Quarto command line (with a fake quarto)."""

from __future__ import annotations

import re
import shutil
import stat
import struct
import sys
import textwrap
import zlib
from pathlib import Path

import pytest

pytest.importorskip("pypandoc")
pytest.importorskip("typst")
pytest.importorskip("pypdf")

from digitbench.report.rendering import fallback, render  # noqa: E402
from digitbench.report.rendering.render import (  # noqa: E402
    ReportError,
    check_rendered,
    html_text,
    pdf_text,
    render_report,
)

REPO_CSL = Path(__file__).resolve().parents[1] / "report" / "ieee.csl"
PREVIOUS_HTML = "<html><body>previous report</body></html>\n"

QUARTO_YML = """\
project:
  type: default
  output-dir: _output
  render: [index.qmd]
metadata-files: [_generated/metadata.yml]
bibliography: references.bib
csl: ieee.csl
number-sections: true
crossref: {fig-prefix: Figure, tbl-prefix: Table}
format:
  html:
    embed-resources: true
    toc: true
    default-image-extension: png
  typst:
    section-numbering: "1.1.a"
    default-image-extension: png
"""

INDEX_QMD = """\
---
abstract: |
  The best model, a {{< var model.best >}}, reaches {{< var model.accuracy >}}% accuracy.
---

# Introduction

@fig-curve shows the learning curve, @fig-digits some inputs, and @tbl-results and
@tbl-data summarise the results [@fig-curve; @fig-digits].

{{< include sections/_methods.qmd >}}

# Results

| Split | Images |
|:------|-------:|
| train | {{< var data.n_train >}} |
| test  | {{< var data.n_test >}} |

: Images per split. {#tbl-data}

The {{< var model.best >}} is best (@tbl-results), as @Fig-digits suggests.

# References {.unnumbered}

::: {#refs}
:::

# Appendix {.unnumbered}

Configuration details.
"""

METHODS_QMD = """\
# Methods {#sec-methods}

We train on {{< var data.n_train >}} images, following @lecun1998 and the
textbook treatment [@bishop2006].

![Accuracy of the {{< var model.best >}} by epoch.](/_generated/figures/curve){#fig-curve width=70%}

![Example digits.](_generated/figures/digits.png){#fig-digits width=40%}

{{< include ../_generated/tbl-results.md >}}
"""

RESULTS_TABLE = """\
| Model | Accuracy (%) |
|:---|---:|
| Logistic regression | 92.60 |
| {{< var model.best >}} | {{< var model.accuracy >}} |

: Test accuracy of each model. {#tbl-results}
"""

BIB = """\
@article{lecun1998,
  author = {LeCun, Yann and Bottou, L{\\'e}on and Bengio, Yoshua and Haffner, Patrick},
  title = {Gradient-based learning applied to document recognition},
  journal = {Proceedings of the IEEE}, year = {1998}, volume = {86}, pages = {2278--2324}
}
@book{bishop2006,
  author = {Bishop, Christopher M.},
  title = {Pattern Recognition and Machine Learning},
  publisher = {Springer}, year = {2006}
}
"""


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour RGB PNG, written by hand so the tests need no image library."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw))
            + chunk(b"IEND", b""))


def make_project(root: Path) -> Path:
    """Write a small Quarto-style project using every supported feature."""
    files = {
        "_quarto.yml": QUARTO_YML,
        "index.qmd": INDEX_QMD,
        "sections/_methods.qmd": METHODS_QMD,
        "_generated/tbl-results.md": RESULTS_TABLE,
        "_generated/metadata.yml": 'title: "Digits: a test report"\n'
                                   "author: [Ada Lovelace, Alan Turing]\ndate: 2024-05-01\n",
        "_variables.yml": 'data: {n_train: "60,000", n_test: "10,000"}\n'
                          'model: {best: CNN, accuracy: "99.12"}\n',
        "references.bib": BIB,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "_generated/figures").mkdir(parents=True, exist_ok=True)
    (root / "_generated/figures/curve.png").write_bytes(png(120, 80, (30, 90, 200)))
    (root / "_generated/figures/digits.png").write_bytes(png(60, 60, (200, 60, 30)))
    if REPO_CSL.is_file():
        shutil.copyfile(REPO_CSL, root / "ieee.csl")
    return root


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = make_project(tmp_path_factory.mktemp("project"))
    out = tmp_path_factory.mktemp("out")
    html, pdf, log = out / "report.html", out / "report.pdf", out / "render.log"
    used = render_report(root, html, pdf, renderer="fallback", log=log)
    return {"used": used, "html": html, "pdf": pdf, "log": log, "out": out,
            "html_text": html_text(html), "pdf_text": pdf_text(pdf)}


def test_fallback_writes_both_formats(rendered: dict) -> None:
    assert rendered["used"] == "fallback"
    assert rendered["html"].stat().st_size > 0
    assert rendered["pdf"].read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in rendered["out"].iterdir()) == [
        "render.log", "report.html", "report.pdf"]  # no temp files left behind
    log = rendered["log"].read_text()
    assert "with fallback" in log and "typst pdf" in log and "pandoc HTML" in log


@pytest.mark.parametrize("fmt", ["html_text", "pdf_text"])
def test_captions_refs_vars_and_citations(rendered: dict, fmt: str) -> None:
    text = rendered[fmt]
    assert "Digits: a test report" in text and "Ada Lovelace" in text
    assert "reaches 99.12% accuracy" in text  # var inside the front-matter abstract
    assert "We train on 60,000 images" in text  # var inside an include
    assert "CNN 99.12" in text  # var inside an included table
    for caption in ("Figure 1: Accuracy of the CNN by epoch.", "Figure 2: Example digits.",
                    "Table 1: Test accuracy of each model.", "Table 2: Images per split."):
        assert text.count(caption) == 1, caption
    assert "Figure 1 shows the learning curve, Figure 2 some inputs" in text
    assert "Table 1 and Table 2 summarise the results Figure 1, Figure 2." in text
    assert "best (Table 1), as Figure 2 suggests" in text
    assert not re.search(r"(Figure|Table) \d+: (Figure|Table) \d+", text)  # one number each
    assert "1 Introduction" in text and "2 Methods" in text and "3 Results" in text
    assert "following [1]" in text and "treatment [2]" in text
    assert "LeCun" in text and "Bishop" in text  # bibliography rendered
    assert "References" in text and "Appendix" in text
    assert "[@" not in text and "@fig" not in text and "{{<" not in text and "??" not in text


def test_table_caption_above_table(rendered: dict) -> None:
    for text in (rendered["html_text"], rendered["pdf_text"]):
        assert text.index("Table 1: Test accuracy") < text.index("Logistic regression")


def test_numbering_identical_in_html_and_pdf(rendered: dict) -> None:
    def numbers(text: str) -> list[str]:
        return re.findall(r"(?:Figure|Table) \d+:?", text)

    assert numbers(rendered["html_text"]) == numbers(rendered["pdf_text"])
    assert numbers(rendered["pdf_text"])[:4] == ["Figure 1", "Figure 2", "Table 1", "Table 2"]


def test_html_layout_has_a_wide_column_a_fixed_contents_and_figures_that_enlarge(rendered: dict) -> None:
    # Quarto's toc-location/grid/lightbox in report/_quarto.yml; the fallback's header does the same.
    html = rendered["html"].read_text()
    head = html.split("</head>")[0]
    assert "body { max-width: 60em; }" in head and "nav#TOC { position: fixed;" in head
    assert 'classList.toggle("enlarged")' in head and '<nav id="TOC"' in html
    import yaml

    options = yaml.safe_load((REPO_CSL.parent / "_quarto.yml").read_text())["format"]["html"]
    assert options["toc-location"] == "left" and options["lightbox"] is True and options["grid"]["body-width"]


def test_images_embedded(rendered: dict) -> None:
    html = rendered["html"].read_text()
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) == 2
    assert 'src="_generated' not in html
    from pypdf import PdfReader

    assert sum(len(p.images) for p in PdfReader(rendered["pdf"]).pages) == 2
    check_rendered(rendered["html"], rendered["pdf"], expected_figures=2)


def test_check_rendered_flags_leftovers_and_missing_figures(rendered: dict,
                                                            tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><p>See ?? and <strong>?var:model.x</strong></p></body></html>")
    with pytest.raises(ReportError, match=r"bad.html contains unresolved '\?\?'") as info:
        check_rendered(bad, rendered["pdf"])
    assert "'?var:'" in str(info.value)
    emails = tmp_path / "emails.html"
    emails.write_text("<html><body><p>Write to ana@fig-lab.org.</p></body></html>")
    check_rendered(emails, rendered["pdf"])  # an e-mail address is not a reference
    plain = tmp_path / "plain.html"
    plain.write_text("<html><body><p>No figures here.</p></body></html>")
    with pytest.raises(ReportError, match="embeds 0 data-URI images and 0 interactive figures, expected 1"):
        check_rendered(plain, rendered["pdf"], expected_figures=1)
    check_rendered(plain, rendered["pdf"])


def _break_var(root: Path) -> None:
    path = root / "sections/_methods.qmd"
    path.write_text(path.read_text() + "\nSee {{< var model.missing_key >}}.\n")


def _break_include(root: Path) -> None:
    path = root / "index.qmd"
    path.write_text(path.read_text() + "\n{{< include sections/_absent.qmd >}}\n")


def _break_figure(root: Path) -> None:
    (root / "_generated/figures/curve.png").unlink()


def _break_crossref(root: Path) -> None:
    path = root / "index.qmd"
    path.write_text(path.read_text() + "\nAs @fig-nonexistent shows.\n")


def _break_citation(root: Path) -> None:
    path = root / "sections/_methods.qmd"
    path.write_text(path.read_text() + "\nAs shown before [@nobody2020].\n")


@pytest.mark.parametrize(("breaker", "culprits"), [
    (_break_var, ["model.missing_key", "_methods.qmd", "_variables.yml"]),
    (_break_include, ["_absent.qmd", "index.qmd"]),
    (_break_figure, ["curve.png", "_methods.qmd"]),
    (_break_crossref, ["fig-nonexistent", "index.qmd"]),
    (_break_citation, ["nobody2020", "_methods.qmd", "references.bib"]),
])
def test_errors_name_the_culprit_and_keep_previous_report(tmp_path: Path, breaker,
                                                          culprits: list[str]) -> None:
    root = make_project(tmp_path / "project")
    breaker(root)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text(PREVIOUS_HTML)
    log = tmp_path / "render.log"
    with pytest.raises(ReportError) as info:
        render_report(root, out / "report.html", out / "report.pdf", renderer="fallback", log=log)
    for culprit in culprits:
        assert culprit in str(info.value)
    assert "render failed; previous outputs left untouched" in log.read_text()
    assert (out / "report.html").read_text() == PREVIOUS_HTML
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]  # no half-written files


def test_failed_checks_keep_previous_report(tmp_path: Path, monkeypatch) -> None:
    root = make_project(tmp_path / "project")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text(PREVIOUS_HTML)
    (out / "report.pdf").write_bytes(b"%PDF-previous")

    def failing_check(*args, **kwargs) -> None:
        raise ReportError("check failed")

    monkeypatch.setattr(render, "check_rendered", failing_check)
    with pytest.raises(ReportError, match="check failed"):
        render_report(root, out / "report.html", out / "report.pdf", renderer="fallback")
    assert (out / "report.html").read_text() == PREVIOUS_HTML
    assert (out / "report.pdf").read_bytes() == b"%PDF-previous"
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.pdf"]


FAKE_QUARTO = """\
#!{python}
import json, os, pathlib, shutil, sys
args = sys.argv[1:]
with open(os.environ["FAKE_QUARTO_CALLS"], "a") as fh:
    fh.write(json.dumps(args) + "\\n")
fmt, out = args[args.index("--to") + 1], pathlib.Path(args[args.index("--output-dir") + 1])
out.mkdir(parents=True, exist_ok=True)
print("pandoc to:", fmt)
if fmt == "html":
    (out / "index.html").write_text(
        '<html><body><h1>Quarto report</h1><p>See Figure 1: 60,000 and 10,000 images, 99.12%.</p>'
        + '<img src="data:image/png;base64,iVBORw0KGgo=">' * 2 + '</body></html>')
else:
    shutil.copyfile(os.environ["FAKE_QUARTO_PDF"], out / "index.pdf")
"""


def _install_fake_quarto(tmp_path: Path, monkeypatch, rendered: dict) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "quarto"
    script.write_text(FAKE_QUARTO.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    calls = tmp_path / "calls.jsonl"
    monkeypatch.setenv("PATH", f"{bin_dir}:{Path(sys.executable).parent}")
    monkeypatch.setenv("FAKE_QUARTO_CALLS", str(calls))
    monkeypatch.setenv("FAKE_QUARTO_PDF", str(rendered["pdf"]))
    return calls


def test_quarto_renderer_runs_quarto_and_moves_products(tmp_path: Path, monkeypatch,
                                                        rendered: dict) -> None:
    import json

    calls = _install_fake_quarto(tmp_path, monkeypatch, rendered)
    root = make_project(tmp_path / "project")
    out = tmp_path / "out"
    log = tmp_path / "quarto.log"
    assert render_report(root, out / "r.html", out / "r.pdf", renderer="auto", log=log) == "quarto"
    assert "quarto: pandoc to: html" in log.read_text()  # Quarto's output is captured
    invocations = [json.loads(line) for line in calls.read_text().splitlines()]
    assert [args[:4] for args in invocations] == [
        ["render", str(root.resolve()), "--to", "html"],
        ["render", str(root.resolve()), "--to", "typst"]]
    for args in invocations:
        assert args[4] == "--output-dir" and not Path(args[5]).exists()  # temp dir cleaned
    assert "Quarto report" in html_text(out / "r.html")
    assert (out / "r.pdf").read_bytes() == rendered["pdf"].read_bytes()
    assert sorted(p.name for p in out.iterdir()) == ["r.html", "r.pdf"]


def test_quarto_failure_keeps_previous_report(tmp_path: Path, monkeypatch,
                                              rendered: dict) -> None:
    _install_fake_quarto(tmp_path, monkeypatch, rendered)
    monkeypatch.setenv("FAKE_QUARTO_PDF", str(tmp_path / "missing.pdf"))  # typst step fails
    root = make_project(tmp_path / "project")
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text(PREVIOUS_HTML)
    with pytest.raises(ReportError, match="quarto render --to typst failed"):
        render_report(root, out / "report.html", out / "report.pdf", renderer="quarto")
    assert (out / "report.html").read_text() == PREVIOUS_HTML
    assert sorted(p.name for p in out.iterdir()) == ["report.html"]


def test_auto_without_quarto_uses_fallback(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(render, "find_quarto", lambda: None)
    root = make_project(tmp_path / "project")
    assert render_report(root, tmp_path / "r.html", tmp_path / "r.pdf") == "fallback"


def test_quarto_command() -> None:
    assert render.quarto_command("quarto", "/p", "typst", "/tmp/o") == [
        "quarto", "render", "/p", "--to", "typst", "--output-dir", "/tmp/o"]


def test_quarto_requested_but_missing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(render, "find_quarto", lambda: None)
    with pytest.raises(ReportError, match="quarto is not on PATH.*environment.yml"):
        render_report(make_project(tmp_path), tmp_path / "r.html", tmp_path / "r.pdf",
                      renderer="quarto")


def test_neither_renderer_available(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(render, "find_quarto", lambda: None)
    monkeypatch.setattr(fallback, "find_pandoc", lambda: None)
    with pytest.raises(ReportError) as info:
        render_report(make_project(tmp_path), tmp_path / "r.html", tmp_path / "r.pdf")
    message = str(info.value)
    assert "environment.yml" in message and "pip install pypandoc-binary typst" in message
    assert not (tmp_path / "r.html").exists()


def test_bad_renderer_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Received: latex"):
        render_report(tmp_path, tmp_path / "r.html", tmp_path / "r.pdf", renderer="latex")
    with pytest.raises(ValueError, match="Received: latex"):
        render.resolve_renderer("latex")


def test_resolve_renderer(monkeypatch) -> None:
    monkeypatch.setattr(render, "find_quarto", lambda: None)
    assert render.resolve_renderer("auto") == "fallback"
    assert render.resolve_renderer("fallback") == "fallback"
    monkeypatch.setattr(render, "find_quarto", lambda: "/opt/quarto/bin/quarto")
    assert render.resolve_renderer("auto") == "quarto"
    assert render.resolve_renderer("fallback") == "fallback"


def test_render_time_is_small(tmp_path: Path) -> None:
    import time

    root = make_project(tmp_path / "project")
    start = time.perf_counter()
    render_report(root, tmp_path / "r.html", tmp_path / "r.pdf", renderer="fallback")
    assert time.perf_counter() - start < 20  # a few seconds normally; generous for CI


def test_forward_refs_in_code_blocks_are_left_alone(tmp_path: Path) -> None:
    from digitbench.report.rendering import crossref, sources

    root = make_project(tmp_path)
    (root / "index.qmd").write_text(INDEX_QMD + textwrap.dedent("""
        ```
        @fig-not-a-ref {{< var model.best >}}
        ```

        Only the number: -@fig-digits.
        """))
    doc = sources.load(root)
    crossref.number(doc)
    assert "@fig-not-a-ref" in doc.markdown
    assert "Only the number: [2](#fig-digits)." in doc.markdown
    assert doc.figures == {"fig-curve": 1, "fig-digits": 2}
    assert doc.tables == {"tbl-results": 1, "tbl-data": 2}


def test_markup_inside_a_variable_is_rejected(tmp_path):
    from digitbench.report.rendering.sources import _Expander as Expander

    expander = Expander(tmp_path, {"a": {"b": "as shown by [@lecun1998gradient]"}})
    with pytest.raises(ReportError, match=r"variable 'a\.b'.*citation"):
        expander.var("a.b", tmp_path / "x.qmd")
    assert Expander(tmp_path, {"mail": "ana@fig-lab.org"}).var("mail", tmp_path / "x.qmd") == "ana@fig-lab.org"
