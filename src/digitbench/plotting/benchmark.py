"""Figure of the throughput benchmark: images per second of the three training pipelines."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from digitbench.plotting.style import PALETTE

LABELS = {"augment_in_model": "augmentation in the model (this workflow)",
          "notebook_cpu": "CPU augmentation feeding fit (original notebook)",
          "no_augmentation": "no augmentation (ceiling)"}


def throughput(inputs: Mapping[str, str]) -> plt.Figure:
    """Training images per second per architecture and pipeline; one panel per backend and device."""
    df = pd.read_csv(inputs["throughput"])
    panels = list(dict.fromkeys(zip(df["backend"], df["device"])))
    fig, axes = plt.subplots(1, len(panels), figsize=(max(4.5, 3.6 * len(panels)), 3.2), layout="constrained",
                             squeeze=False)
    for ax, (backend, device) in zip(axes[0], panels):
        part = df[(df["backend"] == backend) & (df["device"] == device)]
        archs = list(dict.fromkeys(part["architecture"]))
        width = 0.8 / len(LABELS)
        for i, (pipeline, label) in enumerate(LABELS.items()):
            rows = part[part["pipeline"] == pipeline].set_index("architecture").reindex(archs)
            x = np.arange(len(archs)) + (i - 1) * width
            ax.bar(x, rows["images_per_second"], width, color=PALETTE[i], label=label)
        compiled = part.loc[part["pipeline"] == "augment_in_model", "compiled"].any()
        ax.set_title(f"{backend} on {device} ({'compiled' if compiled else 'not compiled'} step)")
        ax.set_xticks(np.arange(len(archs)), archs, rotation=20, ha="right")
        ax.set_ylabel("training images per second")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=1, frameon=False, fontsize=8)
    return fig
