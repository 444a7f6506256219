"""Interactive HTML figures: drawn from the static twins' inputs, staged as raw HTML, rendered in the
HTML only (the PDF keeps the static image), numbered like any figure, and checked after rendering."""

from __future__ import annotations

import base64
import json
import logging
import re
import textwrap

import numpy as np
import pandas as pd
import pytest

from digitbench import cnn_results as R
from digitbench.figure_table import FIGURES as TABLE
from digitbench.figure_table import interactive_figures, interactive_stems
from digitbench.interactive import FIGURES, draw
from digitbench.report.errors import ReportError
from tests.test_plotting import compute_outputs  # noqa: F401 -- the static figures' synthetic inputs


def plotly_call(html: str) -> tuple[str, list[dict], dict]:
    """The div id, traces and layout passed to Plotly.newPlot in a fragment, arrays decoded."""
    decoder, pos = json.JSONDecoder(), html.index("Plotly.newPlot(") + len("Plotly.newPlot(")
    args = []
    for _ in range(3):
        while html[pos] in " \n,":
            pos += 1
        value, pos = decoder.raw_decode(html, pos)
        args.append(value)
    return args[0], _decoded(args[1]), args[2]


def _decoded(value):
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return array.reshape([int(n) for n in value["shape"].split(",")]) if "shape" in value else array
    if isinstance(value, dict):
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    return value


def test_every_interactive_figure_has_a_static_twin_and_its_inputs():
    assert interactive_figures() == list(FIGURES)
    assert set(interactive_figures()) == {"cnn_learning_curves", "cnn_accuracy_vs_parameters", "cnn_accuracy_vs_time",
                                          "cnn_confusion_best", "cnn_confident_errors", "baseline_confusion"}
    for name in interactive_figures():
        spec = TABLE[name]
        assert spec.draw and spec.inputs, name
        assert FIGURES[name].__name__ == spec.interactive.split(".")[1]
    assert interactive_stems({"model": ["logreg", "random_forest"]})[-2:] == ["baseline_confusion_logreg",
                                                                              "baseline_confusion_random_forest"]
    with pytest.raises(ValueError, match="no interactive version.*Received: eda_sample_grid"):
        draw("eda_sample_grid", {})


@pytest.mark.parametrize("name", interactive_figures())
def test_fragment_is_one_div_with_a_fixed_id_and_no_library(name, compute_outputs):  # noqa: F811
    html = draw(name, compute_outputs)
    assert html.count('class="plotly-graph-div"') == 1 and f'id="interactive-{name}"' in html
    assert "plotly.js v" not in html and "```" not in html  # the report embeds the library once
    assert draw(name, compute_outputs) == html  # byte-identical when redrawn: no random ids
    div, traces, layout = plotly_call(html)
    assert div == f"interactive-{name}" and traces


def test_learning_curves_show_the_seed_means_and_every_seed(compute_outputs):  # noqa: F811
    h = pd.read_csv(compute_outputs["histories"])
    _, traces, _ = plotly_call(draw("cnn_learning_curves", compute_outputs))
    for arch, runs in h.groupby("architecture"):
        n = runs["seed"].nunique()
        means = [t for t in traces if t.get("name") == f"{arch} (n = {n})"]
        assert len(means) == 2  # accuracy and loss panels
        np.testing.assert_allclose(means[0]["y"], runs.groupby("epoch")["val_accuracy"].mean())
        np.testing.assert_allclose(means[1]["y"], runs.groupby("epoch")["loss"].mean())
        seeds = [t for t in traces if t.get("legendgroup") == arch and "seed " in t.get("hovertemplate", "")]
        assert len(seeds) == 2 * n


@pytest.mark.parametrize("name,column", [("cnn_accuracy_vs_parameters", "parameters"),
                                         ("cnn_accuracy_vs_time", "training_seconds_mean")])
def test_tradeoff_points_are_the_summary(name, column, compute_outputs):  # noqa: F811
    s = pd.read_csv(compute_outputs["summary"])
    _, traces, _ = plotly_call(draw(name, compute_outputs))
    assert [t["name"] for t in traces] == [f"{a} (n = {n})" for a, n in zip(s["architecture"], s["n_seeds"])]
    np.testing.assert_allclose([t["x"][0] for t in traces], s[column])
    np.testing.assert_allclose([t["y"][0] for t in traces], s["accuracy_mean"])
    np.testing.assert_allclose([t["error_y"]["array"][0] for t in traces], s["accuracy_sd"])


def test_confusion_counts_are_the_table_and_every_cell_has_its_examples(compute_outputs):  # noqa: F811
    html = draw("cnn_confusion_best", compute_outputs)
    _, traces, layout = plotly_call(html)
    cm = pd.read_csv(compute_outputs["confusion_best"], index_col=0)
    np.testing.assert_array_equal(np.asarray(traces[0]["text"]), cm.to_numpy())
    assert traces[1]["type"] == "image" and traces[1]["source"].startswith("data:image/png;base64,")
    with np.load(compute_outputs["confusion_examples"]) as e:
        cells = {f"{t},{p}" for t, p in zip(e["true"], e["pred"])}
    examples = json.loads(html[html.index("var ex = ") + 9:html.index("};", html.index("var ex = ")) + 1])
    assert set(examples) == cells
    assert "plotly_click" in html
    # The strip shown first is the most frequent confusion (true 0, predicted 9 in the synthetic runs).
    assert layout["xaxis2"]["title"]["text"] == "first test images with true 0, predicted 9 (click a cell)"
    assert traces[1]["source"] == examples["0,9"]


def test_baseline_confusion_is_named_by_its_file_and_shows_its_counts(compute_outputs):  # noqa: F811
    html = draw("baseline_confusion", compute_outputs, stem="baseline_confusion_logreg")
    div, traces, layout = plotly_call(html)
    assert div == "interactive-baseline_confusion_logreg" and layout["title"]["text"] == "logistic regression"
    cm = pd.read_csv(compute_outputs["confusion"], index_col=0)
    np.testing.assert_array_equal(np.asarray(traces[0]["text"]), cm.to_numpy())
    assert "(one fit)" in traces[0]["hovertemplate"]


def test_confident_errors_one_panel_per_error_with_its_probability(compute_outputs):  # noqa: F811
    _, traces, _ = plotly_call(draw("cnn_confident_errors", compute_outputs))
    with np.load(compute_outputs["errors"]) as e:
        assert len(traces) == len(e["images"]) > 0
        for trace, img, t, p, c in zip(traces, e["images"], e["true"], e["pred"], e["confidence"]):
            np.testing.assert_array_equal(np.asarray(trace["z"])[::-1], img)
            assert f"true {t}, predicted {p}" in trace["hovertemplate"] and f"{c:.4f}" in trace["hovertemplate"]


def test_confusion_examples_are_the_first_items_of_each_cell_once(tmp_path):
    y = np.array([0, 0, 0, 1, 1, 2])
    runs = [(y, np.array([0, 1, 0, 1, 1, 2])), (y, np.array([0, 1, 1, 1, 0, 2]))]
    paths = []
    for k, (t, p) in enumerate(runs):
        paths.append(tmp_path / f"p{k}.npz")
        np.savez(paths[-1], y_true=t, y_pred=p, proba=np.eye(3)[p])
    x = np.arange(6)[:, None, None] * np.ones((6, 28, 28), np.uint8)
    e = R.confusion_examples(paths, x, k=2)
    cells = {(int(t), int(p)): [int(i) for i in row if i >= 0] for t, p, row in zip(e["true"], e["pred"], e["index"])}
    assert cells == {(0, 0): [0, 2], (0, 1): [1, 2], (1, 1): [3, 4], (1, 0): [4], (2, 2): [5]}
    row = list(zip(e["true"], e["pred"])).index((1, 0))
    assert e["images"][row, 0, 0, 0] == 4 and not e["images"][row, 1].any()  # padding is blank
    with pytest.raises(ValueError, match="Received: 0"):
        R.confusion_examples(paths, x, k=0)


def test_staged_fragment_is_a_raw_html_block_and_a_broken_one_is_named(tmp_path):
    from digitbench.report.rendering.interactive import stage_interactive, write_header

    good = tmp_path / "cnn_learning_curves.html"
    good.write_text('<div class="plotly-graph-div"></div>\n')
    (staged,) = stage_interactive([str(good)], tmp_path / "out")
    assert staged.read_text() == '```{=html}\n<div class="plotly-graph-div"></div>\n```\n'
    bad = tmp_path / "cnn_confusion_best.html"
    for text in ("", "<div>\n``` \n</div>"):
        bad.write_text(text)
        with pytest.raises(ReportError, match="cnn_confusion_best.html.*forcerun plot_cnn_confusion_best_interactive"):
            stage_interactive([str(bad)], tmp_path / "out")
    assert "plotly.js v" in write_header(tmp_path / "h.html").read_text()[:200]


PROJECT = """
# Results

See @fig-first, @fig-live and @fig-last.

![First.](_generated/figures/a){#fig-first}

::: {#fig-live}
::: {.content-visible when-format="html"}
{{< include /_generated/interactive/live.md >}}
:::
::: {.content-visible unless-format="html"}
![](_generated/figures/b)
:::

Live caption. [Only in HTML.]{.content-visible when-format="html"}[Only in PDF.]{.content-hidden when-format="html"}
:::

![Last.](_generated/figures/c){#fig-last}
"""


@pytest.fixture
def project(tmp_path):
    from tests.test_render import png

    root = tmp_path / "report"
    (root / "_generated/figures").mkdir(parents=True)
    (root / "_generated/interactive").mkdir()
    for name, colour in (("a", (200, 0, 0)), ("b", (0, 200, 0)), ("c", (0, 0, 200))):
        (root / f"_generated/figures/{name}.png").write_bytes(png(40, 30, colour))
    (root / "_generated/interactive/live.md").write_text(
        '```{=html}\n<div id="interactive-live" class="plotly-graph-div">drawn by plotly</div>\n```\n')
    (root / "_generated/plotly.html").write_text("<script>/* plotly.js v4.1.1 (stand-in) */</script>\n")
    (root / "_quarto.yml").write_text("project:\n  render: [index.qmd]\nformat:\n  html:\n"
                                      "    include-in-header: _generated/plotly.html\n")
    (root / "index.qmd").write_text(textwrap.dedent(PROJECT))
    return root


def test_figure_div_is_numbered_in_document_order(project):
    from digitbench.report.rendering import crossref, sources

    doc = sources.load(project)
    crossref.number(doc)
    assert doc.figures == {"fig-first": 1, "fig-live": 2, "fig-last": 3}
    assert "Figure\u00a02: Live caption." in doc.markdown and "[Figure\u00a03](#fig-last)" in doc.markdown


@pytest.mark.parametrize("body,problem", [
    ("::: {#fig-x}\n![](_generated/figures/a)\n", "has no closing ::: line"),
    ("::: {#fig-x}\n![](_generated/figures/a)\n:::\n", "must end with its caption"),
    ("::: {#fig-x}\n::: {.content-visible}\n![](_generated/figures/a)\n:::\n:::\n", "must end with its caption"),
])
def test_figure_div_without_caption_or_end_is_named(project, body, problem):
    from digitbench.report.rendering import crossref, sources

    (project / "index.qmd").write_text(f"# T\n\n{body}")
    doc = sources.load(project)
    with pytest.raises(ReportError, match=f"figure div {{#fig-x}} .*index.qmd.*{problem}"):
        crossref.number(doc)


def test_html_shows_the_interactive_figure_and_the_pdf_its_static_twin(project, tmp_path):
    from digitbench.report.rendering import fallback
    from digitbench.report.rendering.checks import check_rendered, html_text, pdf_text

    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    (tmp_path / "work").mkdir()
    fallback.render(project, tmp_path / "work", html, pdf, logging.getLogger("test"))
    source = html.read_text()
    assert 'id="interactive-live"' in source and "plotly.js v4.1.1 (stand-in)" in source
    assert source.count("data:image/png") == 2  # the static twin is not in the HTML
    figure = source[source.index('<figure id="fig-live"'):]
    caption = re.search(r"<figcaption>Figure(\u00a0|&nbsp;| )2: Live caption\.", figure)
    assert caption and figure.index('id="interactive-live"') < caption.start()
    texts = {"html": html_text(html), "pdf": pdf_text(pdf)}
    assert "Only in HTML." in texts["html"] and "Only in PDF." not in texts["html"]
    assert "Only in PDF." in texts["pdf"] and "Only in HTML." not in texts["pdf"]
    assert "drawn by plotly" not in texts["pdf"] and "Figure 2: Live caption." in texts["pdf"]
    check_rendered(html, pdf, expected_figures=3)  # two images + one interactive figure; three in the PDF
    html.write_text(source.replace("plotly.js v4.1.1", "stand-in"))
    with pytest.raises(ReportError, match="1 interactive figures but not plotly.js"):
        check_rendered(html, pdf, expected_figures=3)


def test_plotly_library_reaches_the_html_byte_for_byte(project, tmp_path):
    """pandoc indents header includes line by line, which broke plotly.js's multi-line template strings when
    the library was inlined as text (image traces failed in the browser); as one data-URI line it survives."""
    from plotly.offline import get_plotlyjs

    from digitbench.report.rendering import fallback
    from digitbench.report.rendering.checks import check_rendered
    from digitbench.report.rendering.interactive import write_header

    write_header(project / "_generated/plotly.html")
    html, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    (tmp_path / "work").mkdir()
    fallback.render(project, tmp_path / "work", html, pdf, logging.getLogger("test"))
    source = html.read_text()
    inline = [code for code in re.findall(r"<script\b[^>]*>(.*?)</script>", source, re.S) if "plotly.js v" in code]
    encoded = re.findall(r'<script\b[^>]*\bsrc="data:text/javascript;base64,([^"]+)"', source)
    shipped = [code.strip() for code in inline] + [base64.b64decode(code).decode("utf-8").strip() for code in encoded]
    assert shipped == [get_plotlyjs().strip()]
    check_rendered(html, pdf, expected_figures=3)


def test_missing_header_file_is_named(project, tmp_path):
    from digitbench.report.rendering import fallback

    (project / "_generated/plotly.html").unlink()
    (tmp_path / "work").mkdir()
    with pytest.raises(ReportError, match="_generated/plotly.html .*include-in-header.*render_report"):
        fallback.render(project, tmp_path / "work", tmp_path / "r.html", tmp_path / "r.pdf", logging.getLogger())


def test_figures_offer_no_upload_and_empty_cells_offer_no_examples(tmp_path):
    import plotly.graph_objects as go

    from digitbench.interactive.confusion import confusion
    from digitbench.interactive.html import fragment

    html = fragment(go.Figure(go.Scatter(x=[1], y=[2])), "t")
    assert '"showSendToCloud": false' in html and '"sendChartToCloud"' in html
    cm = pd.DataFrame([[5, 0], [1, 4]], index=[0, 1], columns=["0", "1"])
    cm.to_csv(tmp_path / "cm.csv")
    np.savez(tmp_path / "ex.npz", true=np.array([0, 1]), pred=np.array([0, 0]),
             images=np.zeros((2, 1, 28, 28)))
    page = confusion("cm", str(tmp_path / "cm.csv"), str(tmp_path / "ex.npz"), "T", "summed")
    assert page.count("no test items in this cell") == 1 and page.count("click for examples") == 3
