"""Figures of the statistical evaluation; each reads one or two tables of results/stats."""

from __future__ import annotations

import json
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from digitbench.plotting.style import PALETTE

KIND_COLOURS = {"baseline": PALETTE[7], "cnn": PALETTE[0], "seed_mean": PALETTE[2], "ensemble": PALETTE[3]}


def _message(text: str, size: tuple[float, float] = (5.5, 1.6)) -> plt.Figure:
    """A figure that says why there is nothing to draw, instead of a missing or empty plot."""
    fig, ax = plt.subplots(figsize=size)
    ax.axis("off")
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=9)
    return fig


def accuracy_intervals(inputs: Mapping[str, str]) -> plt.Figure:
    """Test accuracy of every model with its bootstrap interval (one row per model)."""
    t = pd.read_csv(inputs["bootstrap"])
    t = t[t["metric"] == "accuracy"].iloc[::-1]
    fig, ax = plt.subplots(figsize=(6, 0.8 + 0.22 * len(t)), layout="constrained")
    y = np.arange(len(t))
    for kind, colour in KIND_COLOURS.items():
        sel = (t["kind"] == kind).to_numpy()
        if sel.any():
            ax.errorbar(t["estimate"][sel], y[sel], xerr=[t["estimate"][sel] - t["ci_low"][sel],
                                                          t["ci_high"][sel] - t["estimate"][sel]],
                        fmt="o", ms=3, capsize=2, color=colour, label=kind)
    ax.set_yticks(y, t["model"], fontsize=7)
    level, n = t["confidence"].iloc[0], int(t["n_resamples"].iloc[0])
    # Single prediction sets get BCa intervals, seed means the two-level percentile interval.
    ax.set_xlabel(f"test accuracy ({100 * level:.0f}% interval, {n} paired resamples: BCa, or percentile "
                  "for seed means)")
    fig.legend(loc="outside lower center", ncols=len(KIND_COLOURS), frameon=False, fontsize=7)
    return fig


def critical_difference(inputs: Mapping[str, str]) -> plt.Figure:
    """Critical-difference diagram: average ranks over seeds, bars join architectures not significantly apart."""
    import scikit_posthocs as sp

    with open(inputs["friedman"], encoding="utf-8") as fh:
        omnibus = json.load(fh)
    if omnibus["status"] != "tested":
        return _message(f"No critical-difference diagram: {omnibus['note']}")
    ranks = pd.read_csv(inputs["ranks"]).set_index("architecture")["average_rank"]
    pairs = pd.read_csv(inputs["wilcoxon"])
    sig = pd.DataFrame(1.0, index=ranks.index, columns=ranks.index)
    for _, r in pairs.iterrows():
        p = r["p_holm"] if np.isfinite(r["p_holm"]) else 1.0
        sig.loc[r["model_a"], r["model_b"]] = sig.loc[r["model_b"], r["model_a"]] = p
    fig, ax = plt.subplots(figsize=(6, 2.2), layout="constrained")
    sp.critical_difference_diagram(ranks, sig, ax=ax, alpha=float(omnibus["alpha"]))
    ax.set_title(f"Friedman p = {omnibus['p']:.3g} (n = {omnibus['n_blocks']} seeds); bars: Wilcoxon-Holm n.s.",
                 fontsize=8, pad=20)
    return fig


def reliability(inputs: Mapping[str, str]) -> plt.Figure:
    """Reliability diagram per architecture: accuracy against confidence, seeds pooled, with ECE per seed
    and the number of test images in each bin."""
    bins = pd.read_csv(inputs["calibration_bins"])
    summary = pd.read_csv(inputs["calibration"])
    bins = bins[bins["kind"] == "cnn"]
    archs = list(dict.fromkeys(bins["architecture"]))
    if not archs:
        return _message("No CNN runs to draw reliability diagrams for.")
    fig, axes = plt.subplots(1, len(archs), figsize=(2.1 * len(archs), 2.5), sharey=True, layout="constrained",
                             squeeze=False)
    for ax, arch in zip(axes[0], archs):
        g = bins[bins["architecture"] == arch].groupby("bin")
        count = g["count"].sum()
        conf = (g.apply(lambda b: (b["confidence"] * b["count"]).sum(), include_groups=False) / count)
        acc = (g.apply(lambda b: (b["accuracy"] * b["count"]).sum(), include_groups=False) / count)
        lower, upper = g["lower"].first(), g["upper"].first()
        used = count > 0
        ax.bar(lower[used], acc[used], width=(upper - lower)[used], align="edge", color=PALETTE[0], alpha=0.7,
               edgecolor="white", label="accuracy")
        ax.plot([0, 1], [0, 1], color="black", lw=0.8, ls="--", label="perfect calibration")
        ax.plot(conf[used], acc[used], "o", ms=2.5, color=PALETTE[3], label="bin (mean confidence, accuracy)")
        # How many test images each bin holds (log scale: most sit in the last bin), so that a bar
        # resting on a handful of images is not read like one resting on thousands.
        counts = ax.twinx()
        counts.step(upper, count.where(count > 0), where="pre", color="0.45", lw=0.9, label="images per bin (right)")
        counts.set_yscale("log")
        counts.set_ylim(0.8, max(float(count.max()), 1.0) * 3)
        counts.tick_params(labelsize=7)
        if arch == archs[-1]:
            counts.set_ylabel("images per bin", fontsize=8)
        ece = summary.loc[(summary["architecture"] == arch) & (summary["kind"] == "cnn"), "ece"]
        ax.set_title(f"{arch}\nECE {ece.mean():.3f} (n = {len(ece)})", fontsize=8)
        ax.set_xlabel("confidence")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    axes[0][0].set_ylabel("accuracy")
    handles, labels = axes[0][0].get_legend_handles_labels()
    extra = fig.axes[-1].get_legend_handles_labels()
    handles, labels = handles + extra[0], labels + extra[1]
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False, fontsize=7)
    return fig
