"""Figure registry: every figure of the report is one function of its input files.

The figure rules look the plotting function up here by name, so adding a figure means adding
one function and one rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import matplotlib.pyplot as plt

from digitbench.plotting import baselines, benchmark, cnn, eda, stats
from digitbench.plotting.style import apply_style, save_figure

FIGURES: dict[str, Callable[[Mapping[str, str]], plt.Figure]] = {
    "eda_class_distribution": eda.class_distribution,
    "eda_mean_images": eda.mean_images,
    "eda_std_images": eda.std_images,
    "eda_pixel_variance": eda.pixel_variance,
    "eda_sample_grid": eda.sample_grid,
    "eda_digit_variations": eda.digit_variations,
    "baseline_cv_accuracy": baselines.cv_accuracy,
    "baseline_test_accuracy": baselines.test_accuracy,
    "baseline_per_class_f1": baselines.per_class_f1,
    "baseline_confusion": baselines.confusion_matrix,
    "cnn_learning_curves": cnn.learning_curves,
    "cnn_lr_schedule": cnn.lr_schedule,
    "cnn_accuracy_vs_parameters": cnn.accuracy_vs_parameters,
    "cnn_accuracy_vs_time": cnn.accuracy_vs_time,
    "cnn_confusion_best": cnn.confusion_best,
    "cnn_per_class_f1": cnn.per_class_f1,
    "cnn_confident_errors": cnn.confident_errors,
    "cnn_augmentation": cnn.augmentation,
    "stats_accuracy_intervals": stats.accuracy_intervals,
    "stats_mcnemar_matrix": stats.mcnemar_matrix,
    "stats_critical_difference": stats.critical_difference,
    "stats_reliability": stats.reliability,
    "benchmark_throughput": benchmark.throughput,
}


def plot(name: str, inputs: Mapping[str, str], outputs: list[str]) -> None:
    """Draw figure ``name`` from ``inputs`` and save it to every path in ``outputs``."""
    if name not in FIGURES:
        raise ValueError(f"Unknown figure; expected one of {', '.join(sorted(FIGURES))}. Received: {name}")
    apply_style()
    save_figure(FIGURES[name](inputs), outputs)
