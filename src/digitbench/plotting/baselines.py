"""Figures of the classical baselines; each reads the baseline rules' CSV outputs."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd


def cv_accuracy(inputs: Mapping[str, str]) -> plt.Figure:
    """Box plot (with the individual folds) of cross-validation accuracy per baseline."""
    folds = pd.read_csv(inputs["cv_folds"])
    labels = list(dict.fromkeys(folds["label"]))
    fig, ax = plt.subplots(figsize=(4.5, 3))
    data = [folds.loc[folds["label"] == lab, "accuracy"].to_numpy() for lab in labels]
    ax.boxplot(data, tick_labels=labels, widths=0.5)
    for i, values in enumerate(data, start=1):
        ax.scatter(np.full(len(values), i) + np.linspace(-0.08, 0.08, len(values)), values, s=12, zorder=3)
    n = folds.groupby("label").size().iloc[0]
    ax.set_ylabel(f"CV accuracy ({n} stratified folds)")
    return fig


def test_accuracy(inputs: Mapping[str, str]) -> plt.Figure:
    """Test accuracy of each baseline, with the value written on its bar."""
    df = pd.read_csv(inputs["metrics"])
    fig, ax = plt.subplots(figsize=(4.5, 3))
    bars = ax.bar(df["label"], df["accuracy"], width=0.5, color=["#4C72B0", "#55A868"][: len(df)])
    ax.bar_label(bars, labels=[f"{a:.4f}" for a in df["accuracy"]], padding=2)
    low = max(0.0, float(df["accuracy"].min()) - 0.05)
    ax.set_ylim(low, 1.0)
    ax.set_ylabel(f"test accuracy (n = {int(df['n_test'].iloc[0]):,})")
    return fig


def per_class_f1(inputs: Mapping[str, str]) -> plt.Figure:
    """Per-digit test F1 of every baseline."""
    df = pd.read_csv(inputs["per_class"])
    labels = list(dict.fromkeys(df["label"]))
    fig, ax = plt.subplots(figsize=(6, 2.8))
    width = 0.8 / len(labels)
    for i, lab in enumerate(labels):
        sub = df[df["label"] == lab]
        ax.bar(sub["digit"] + (i - (len(labels) - 1) / 2) * width, sub["f1"], width, label=lab)
    ax.set_xticks(range(10))
    ax.set_xlabel("digit")
    ax.set_ylabel("test F1")
    ax.set_ylim(max(0.0, float(df["f1"].min()) - 0.05), 1.0)
    ax.legend(frameon=False, ncols=len(labels), loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return fig


def confusion_matrix(inputs: Mapping[str, str]) -> plt.Figure:
    """Heat map of a test-set confusion matrix, counts annotated."""
    import seaborn as sns

    cm = pd.read_csv(inputs["confusion"], index_col=0)
    fig, ax = plt.subplots(figsize=(4.6, 3.9))
    sns.heatmap(cm, annot=True, fmt="d", cmap="Blues", cbar=False, ax=ax, annot_kws={"fontsize": 7}, square=True)
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.tick_params(axis="y", labelrotation=0)
    return fig
