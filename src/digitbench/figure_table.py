"""The one table of figures: name, the compute outputs it is drawn from, and its plotting function.

The figure rules (``workflow/rules/figures.smk``), the report's list of figures and the plotting
registry are all generated from this table, so adding a figure means one function and one row.
It imports no plotting library, and lives outside ``digitbench.plotting`` (whose ``__init__``
imports matplotlib): Snakemake reads it while parsing the workflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FigureSpec:
    """One figure of the report.

    Attributes:
        draw: ``module.function`` in ``digitbench.plotting``, called with the rule's named inputs.
        inputs: Input name -> ``rule.output`` of the compute rule that writes it.
        per: A wildcard the figure is drawn for each value of (``model``: one per baseline).
        interactive: ``module.function`` in ``digitbench.interactive`` drawing the HTML report's
            interactive version from the same inputs (the PDF shows the static figure), or None.
        interactive_inputs: Inputs only the interactive version reads (examples shown on click).
    """

    draw: str
    inputs: dict[str, str] = field(default_factory=dict)
    per: str | None = None
    interactive: str | None = None
    interactive_inputs: dict[str, str] = field(default_factory=dict)


def _s(draw: str, per: str | None = None, **inputs: str) -> FigureSpec:
    return FigureSpec(draw, dict(inputs), per)


def _i(draw: str, interactive: str, extra: dict[str, str] | None = None, per: str | None = None,
       **inputs: str) -> FigureSpec:
    return FigureSpec(draw, dict(inputs), per, interactive, dict(extra or {}))


# In the order the report's appendix lists them.
FIGURES: dict[str, FigureSpec] = {
    "eda_class_distribution": _s("eda.class_distribution", class_distribution="compute_eda.class_distribution"),
    "eda_sample_grid": _s("eda.sample_grid", arrays="compute_eda.arrays"),
    "eda_digit_variations": _s("eda.digit_variations", arrays="compute_eda.arrays"),
    "eda_mean_images": _s("eda.mean_images", arrays="compute_eda.arrays"),
    "eda_std_images": _s("eda.std_images", arrays="compute_eda.arrays"),
    "eda_pixel_variance": _s("eda.pixel_variance", arrays="compute_eda.arrays"),
    "baseline_cv_accuracy": _s("baselines.cv_accuracy", cv_folds="summarize_baselines.cv_folds"),
    "baseline_test_accuracy": _s("baselines.test_accuracy", metrics="summarize_baselines.metrics"),
    "baseline_per_class_f1": _s("baselines.per_class_f1", per_class="summarize_baselines.per_class"),
    "cnn_augmentation": _s("cnn.augmentation", examples="sample_augmentations.arrays"),
    "cnn_learning_curves": _i("cnn.learning_curves", "cnn.learning_curves", histories="summarize_cnns.histories"),
    "cnn_lr_schedule": _s("cnn.lr_schedule", histories="summarize_cnns.histories"),
    "cnn_accuracy_vs_parameters": _i("cnn.accuracy_vs_parameters", "cnn.accuracy_vs_parameters",
                                     summary="summarize_cnns.summary"),
    "cnn_accuracy_vs_time": _i("cnn.accuracy_vs_time", "cnn.accuracy_vs_time", summary="summarize_cnns.summary"),
    "cnn_confusion_best": _i("cnn.confusion_best", "cnn.confusion_best",
                             {"confusion_examples": "summarize_cnns.confusion_examples"},
                             confusion_best="summarize_cnns.confusion", best="summarize_cnns.best"),
    "cnn_per_class_f1": _s("cnn.per_class_f1", cnn_per_class="summarize_cnns.per_class",
                           baseline_per_class="summarize_baselines.per_class"),
    "cnn_confident_errors": _i("cnn.confident_errors", "cnn.confident_errors", errors="summarize_cnns.errors"),
    "stats_accuracy_intervals": _s("stats.accuracy_intervals", bootstrap="bootstrap_metrics.table"),
    "stats_critical_difference": _s("stats.critical_difference", friedman="test_seeds.friedman",
                                    ranks="test_seeds.ranks", wilcoxon="test_seeds.wilcoxon"),
    "stats_reliability": _s("stats.reliability", calibration="compute_calibration.summary",
                            calibration_bins="compute_calibration.bins"),
    "robustness_examples": _s("robustness.examples", robustness_examples="summarize_robustness.examples"),
    "robustness_rotation": _s("robustness.rotation", robustness="summarize_robustness.summary"),
    "robustness_shift": _s("robustness.shift", robustness="summarize_robustness.summary"),
    "robustness_blur": _s("robustness.blur", robustness="summarize_robustness.summary"),
    "robustness_noise": _s("robustness.noise", robustness="summarize_robustness.summary"),
    "robustness_uci_examples": _s("robustness.uci_examples", robustness_examples="summarize_robustness.examples"),
    "occlusion_examples": _s("robustness.occlusion_examples", occlusion="summarize_occlusion.summary"),
    "occlusion_class_means": _s("robustness.occlusion_class_means", occlusion="summarize_occlusion.summary"),
    "benchmark_throughput": _s("benchmark.throughput", throughput="collect_throughput.table"),
    "baseline_confusion": _i("baselines.confusion_matrix", "baselines.confusion_matrix",
                             {"baseline_confusion_examples": "sample_baseline_confusions.examples"}, per="model",
                             confusion="fit_baseline.confusion"),
}


def figure_stem(name: str) -> str:
    """File stem of a figure under ``results/figures/``, with its wildcard if it has one."""
    spec = FIGURES[name]
    return f"{name}_{{{spec.per}}}" if spec.per else name


def _stems(names: list[str], values: dict[str, list[str]]) -> list[str]:
    stems = []
    for name in names:
        per = FIGURES[name].per
        stems += [f"{name}_{v}" for v in values[per]] if per else [name]
    return stems


def report_figures(values: dict[str, list[str]]) -> list[str]:
    """Every figure file stem of the report, in table order, wildcards filled from ``values``.

    Args:
        values: Wildcard name -> its values (``{"model": ["logreg", "random_forest"]}``).
    """
    return _stems(list(FIGURES), values)


def interactive_figures() -> list[str]:
    """Names of the figures the HTML report shows interactively, in table order."""
    return [name for name, spec in FIGURES.items() if spec.interactive]


def interactive_stems(values: dict[str, list[str]]) -> list[str]:
    """File stems of the interactive figures under ``results/figures/interactive/``, wildcards filled."""
    return _stems(interactive_figures(), values)
