"""An interactive confusion matrix: counts on hover, a cell's test images on click."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from digitbench.interactive.html import FONT as _FONT
from digitbench.interactive.html import fragment

def _png(images: np.ndarray) -> str:
    """A row of grayscale digits (ink dark, as in the static figures) as a PNG data URI."""
    from PIL import Image

    strip = np.concatenate(list(images), axis=1)
    ink = 255 - np.clip(strip, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(ink, mode="L").resize((ink.shape[1] * 3, ink.shape[0] * 3), Image.NEAREST).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def confusion(name: str, table: str, examples_file: str, title: str, counted: str) -> str:
    """A test confusion matrix (logarithmic colours, counts written) above a strip of test images:
    clicking a cell shows that cell's first test images (carried in the figure as PNG data URIs).

    Args:
        name: The element's name (``interactive-<name>``).
        table: The confusion matrix CSV (true digits as rows, predicted as columns).
        examples_file: Its examples (``digitbench.cnn_results.confusion_examples``).
        title: The figure's title.
        counted: How the counts were made, for the hover text (``summed over 2 seeds``).
    """
    cm = pd.read_csv(table, index_col=0)
    counts = cm.to_numpy().astype(int)
    digits = [int(c) for c in cm.columns]
    with np.load(examples_file) as e:
        # Every strip is as wide as the fullest cell's (blank padding), so a click never rescales it.
        examples = {f"{t},{p}": _png(imgs) for t, p, imgs in zip(e["true"], e["pred"], e["images"])}
        blank = _png(np.zeros_like(e["images"][0])) if len(e["images"]) else _png(np.zeros((1, 28, 28)))
    off = counts - np.diag(np.diag(counts))
    t0, p0 = np.unravel_index(int(np.argmax(off)), off.shape) if off.any() else (0, 0)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.78, 0.22], vertical_spacing=0.14)
    # Only a cell with test items offers its examples; an empty one says so instead.
    hints = [["no test items in this cell" if n == 0 else "click for examples" for n in row] for row in counts]
    fig.add_trace(go.Heatmap(
        z=np.log10(np.maximum(counts, 1)), x=digits, y=[int(i) for i in cm.index], text=counts,
        texttemplate="%{text}", textfont={"size": 12}, colorscale="Blues", showscale=False, xgap=1, ygap=1,
        customdata=hints,
        hovertemplate=f"true %{{y}}, predicted %{{x}}: %{{text}} test items ({counted})"
                      "<br>%{customdata}<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Image(source=examples.get(f"{digits[t0]},{digits[p0]}", blank),
                           hoverinfo="skip"), row=2, col=1)
    fig.update_xaxes(title_text="predicted digit", dtick=1, constrain="domain", row=1, col=1)
    fig.update_yaxes(title_text="true digit", dtick=1, autorange="reversed", scaleanchor="x", constrain="domain",
                     row=1, col=1)
    # The example strip's label is its x-axis title, so that it never overlaps the matrix's axis title.
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False, row=2, col=1,
                     title_text=f"first test images with true {digits[t0]}, predicted {digits[p0]} (click a cell)")
    fig.update_yaxes(visible=False, row=2, col=1)
    fig.update_layout(height=680, font=_FONT, template="plotly_white",
                      title={"text": title, "x": 0.5})
    # Clicking a cell swaps the example strip and its label (the images travel with the figure).
    script = ("var gd = document.getElementById('{plot_id}'); var ex = %s;"
              "gd.on('plotly_click', function (ev) { var pt = ev.points[0];"
              " if (!pt || pt.curveNumber !== 0) { return; } var key = pt.y + ',' + pt.x;"
              " if (!(key in ex)) { return; }"
              " Plotly.restyle(gd, {source: [ex[key]]}, [1]);"
              " Plotly.relayout(gd, {'xaxis2.title.text': 'first test images with true ' + pt.y +"
              " ', predicted ' + pt.x + ' (click a cell)'}); });") % json.dumps(examples)
    return fragment(fig, name, post_script=script)
