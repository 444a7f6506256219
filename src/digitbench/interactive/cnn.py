"""Interactive CNN figures: learning curves, accuracy trade-offs, confusion matrix, confident errors.

Each function reads the same results files as its static twin in :mod:`digitbench.plotting.cnn`
and returns the figure's HTML fragment (:func:`digitbench.interactive.fragment`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from digitbench.interactive.confusion import confusion
from digitbench.interactive.html import FONT as _FONT
from digitbench.palette import colours as palette_colours
from digitbench.interactive.html import fragment

def _band(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},0.2)"


def learning_curves(name: str, inputs: Mapping[str, str]) -> str:
    """Validation accuracy and training loss per epoch: mean over seeds, band = range over seeds, and
    every seed's own curve; clicking an architecture in the legend hides or shows all of its lines."""
    h = pd.read_csv(inputs["histories"])
    archs = list(dict.fromkeys(h["architecture"]))
    colours = palette_colours(archs)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    for arch in archs:
        runs = h[h["architecture"] == arch]
        g = runs.groupby("epoch")
        n = runs["seed"].nunique()
        for col, column in enumerate(("val_accuracy", "loss"), start=1):
            lo, hi, mean = g[column].min(), g[column].max(), g[column].mean()
            common = {"legendgroup": arch, "showlegend": False}
            fig.add_trace(go.Scatter(x=list(hi.index) + list(lo.index[::-1]), y=list(hi) + list(lo[::-1]),
                                     mode="lines", fill="toself", fillcolor=_band(colours[arch]), line={"width": 0},
                                     hoverinfo="skip", **common), row=1, col=col)
            for seed, run in runs.groupby("seed"):
                fig.add_trace(go.Scatter(x=run["epoch"], y=run[column], mode="lines",
                                         line={"color": colours[arch], "width": 1, "dash": "dot"},
                                         hovertemplate=f"{arch}, seed {seed}<br>epoch %{{x}}: %{{y:.4f}}<extra></extra>",
                                         **common), row=1, col=col)
            fig.add_trace(go.Scatter(x=mean.index, y=mean, mode="lines+markers", name=f"{arch} (n = {n})",
                                     line={"color": colours[arch], "width": 2}, legendgroup=arch,
                                     showlegend=col == 1,
                                     hovertemplate=f"{arch}, mean of {n} seeds<br>epoch %{{x}}: %{{y:.4f}}"
                                                   "<extra></extra>"), row=1, col=col)
    fig.update_xaxes(title_text="epoch", dtick=1)
    fig.update_yaxes(title_text="validation accuracy", row=1, col=1)
    fig.update_yaxes(title_text="training loss", row=1, col=2)
    fig.update_layout(height=420, font=_FONT, template="plotly_white", hovermode="closest",
                      legend={"orientation": "h", "y": -0.2})
    return fragment(fig, name)


def _tradeoff(name: str, inputs: Mapping[str, str], x: str, title: str, log_x: bool) -> str:
    s = pd.read_csv(inputs["summary"])
    colours = palette_colours(list(s["architecture"]))
    fig = go.Figure()
    for _, row in s.iterrows():
        xs = row[x] if x == "parameters" else row[f"{x}_mean"]
        hover = (f"<b>{row['architecture']}</b> (n = {int(row['n_seeds'])} seeds)<br>"
                 f"test accuracy {row['accuracy_mean']:.4f} ± {row['accuracy_sd']:.4f} (SD)<br>"
                 f"parameters {int(row['parameters']):,}<br>"
                 f"training time {row['training_seconds_mean']:.1f} s per run<br>"
                 f"inference {row['inference_ms_per_image_mean']:.3f} ms per image<extra></extra>")
        fig.add_trace(go.Scatter(
            x=[xs], y=[row["accuracy_mean"]], mode="markers", name=f"{row['architecture']} (n = {int(row['n_seeds'])})",
            marker={"color": colours[row["architecture"]], "size": 11},
            error_y={"type": "data", "array": [row["accuracy_sd"]]},
            error_x=None if x == "parameters" else {"type": "data", "array": [row[f"{x}_sd"]]},
            hovertemplate=hover))
    fig.update_xaxes(title_text=title, type="log" if log_x else "linear")
    fig.update_yaxes(title_text="test accuracy (mean ± SD over seeds)")
    fig.update_layout(height=420, font=_FONT, template="plotly_white")
    return fragment(fig, name)


def accuracy_vs_parameters(name: str, inputs: Mapping[str, str]) -> str:
    """Mean test accuracy against parameter count; hovering a point shows every cost of the architecture."""
    return _tradeoff(name, inputs, "parameters", "parameters", log_x=True)


def accuracy_vs_time(name: str, inputs: Mapping[str, str]) -> str:
    """Mean test accuracy against training time per run, with the inference time on hover."""
    return _tradeoff(name, inputs, "training_seconds", "training time per run (s)", log_x=False)


def confusion_best(name: str, inputs: Mapping[str, str]) -> str:
    """The best architecture's pooled test confusion matrix; clicking a cell shows its first test images."""
    with open(inputs["best"], encoding="utf-8") as fh:
        best = json.load(fh)
    return confusion(name, inputs["confusion_best"], inputs["confusion_examples"],
                     f"{best['architecture']}, summed over {best['n_seeds']} seeds",
                     f"summed over {best['n_seeds']} seeds")


def confident_errors(name: str, inputs: Mapping[str, str]) -> str:
    """The best architecture's most confident test errors; hovering a digit shows its labels and probability."""
    with np.load(inputs["errors"]) as e:
        images, true, pred, conf = e["images"], e["true"], e["pred"], e["confidence"]
        seed, index = e["seed"], e["index"]
    n = max(len(images), 1)
    cols = min(8, n)
    rows = int(np.ceil(n / cols))
    fig = make_subplots(rows=rows, cols=cols, horizontal_spacing=0.01, vertical_spacing=0.08,
                        subplot_titles=[f"true {t}, pred {p}" for t, p in zip(true, pred)] or ["no test errors"])
    for k, (img, t, p, c, s, i) in enumerate(zip(images, true, pred, conf, seed, index)):
        fig.add_trace(go.Heatmap(z=np.asarray(img)[::-1], colorscale="Greys", showscale=False,
                                 hovertemplate=(f"test image {int(i)}<br>true {t}, predicted {p}<br>"
                                                f"probability of {p}: {c:.4f}<br>seed {int(s)}<extra></extra>")),
                      row=k // cols + 1, col=k % cols + 1)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    for k in range(len(images)):
        fig.update_yaxes(scaleanchor=f"x{k + 1 if k else ''}", row=k // cols + 1, col=k % cols + 1)
    fig.update_annotations(font_size=11)
    fig.update_layout(height=150 * rows + 60, font=_FONT, template="plotly_white", margin={"l": 10, "r": 10, "t": 40})
    return fragment(fig, name)
