"""The report proves its numbers: planted wrong numbers, unknown citations and stale files fail the build."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

pytest.importorskip("pypandoc")
pytest.importorskip("typst")

from digitbench.report.rendering import validate  # noqa: E402
from digitbench.report.errors import ReportError  # noqa: E402
from digitbench.report.rendering.render import render_report  # noqa: E402
from tests.test_render import PREVIOUS_HTML, make_project  # noqa: E402


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


def _set_variable(root: Path, key: str, value: str) -> None:
    path = root / "_variables.yml"
    data = yaml.safe_load(path.read_text())
    node = data
    *parents, last = key.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    path.write_text(yaml.safe_dump(data))


def test_used_variables_and_citations_are_found_with_their_files(project: Path) -> None:
    used = validate.used_variables(project)
    assert used["model.accuracy"] == ["_generated/tbl-results.md", "index.qmd"]
    cited = validate.cited_keys(project)
    assert set(cited) == {"lecun1998", "bishop2006"}  # @fig-/@tbl- cross-references are not citations
    assert validate.bib_keys(project / "references.bib") == {"lecun1998", "bishop2006"}


def test_citation_missing_from_the_bibliography_fails_before_rendering(project: Path, tmp_path: Path) -> None:
    path = project / "index.qmd"
    path.write_text(path.read_text().replace("# Results", "As argued by @nobody2021.\n\n# Results"))
    with pytest.raises(ReportError, match=r"citation key 'nobody2021' \(cited in index.qmd\) is not in references.bib"):
        validate.check_sources(project)


def test_undefined_variable_is_named_with_its_file(project: Path) -> None:
    (project / "sections/_extra.qmd").write_text("Value {{< var model.f1 >}}.\n")
    with pytest.raises(ReportError, match=r"'model.f1' \(used in sections/_extra.qmd\) is not defined"):
        validate.check_sources(project)


def test_every_numeric_variable_appears_in_both_rendered_files(project: Path, tmp_path: Path) -> None:
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    render_report(project, html, pdf, renderer="fallback")
    assert validate.check_numbers(project, html, pdf) == 3  # 60,000, 10,000 and 99.12
    # A number that differs between the variables file and the rendered text is caught.
    _set_variable(project, "model.accuracy", "99.13")
    with pytest.raises(ReportError, match=r"'model.accuracy' = '99.13'.*does not appear in the HTML and PDF"):
        validate.check_numbers(project, html, pdf)


def test_a_planted_wrong_number_in_the_html_fails_the_check(project: Path, tmp_path: Path) -> None:
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    render_report(project, html, pdf, renderer="fallback")
    html.write_text(html.read_text().replace("99.12", "99.21"))
    with pytest.raises(ReportError, match=r"'model.accuracy' = '99.12'.*does not appear in the HTML text"):
        validate.check_numbers(project, html, pdf)


def test_render_refuses_a_report_that_loses_a_number_and_keeps_the_previous_one(project: Path, tmp_path: Path,
                                                                                  monkeypatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text(PREVIOUS_HTML)
    from digitbench.report.rendering import fallback

    real = fallback.render

    def lossy(project_dir, work, html, pdf, logger):  # a renderer that drops one number from the HTML
        doc = real(project_dir, work, html, pdf, logger)
        html.write_text(html.read_text().replace("99.12", "99.1"))
        return doc

    monkeypatch.setattr(fallback, "render", lossy)
    with pytest.raises(ReportError, match="model.accuracy"):
        render_report(project, out / "report.html", out / "report.pdf", renderer="fallback")
    assert (out / "report.html").read_text() == PREVIOUS_HTML and not (out / "report.pdf").exists()


