# One figure, one rule: each reads compute outputs only, so redrawing never recomputes.


rule plot_eda_class_distribution:
    input:
        code=script_code("plot_figure.py"),
        class_distribution=rules.compute_eda.output.class_distribution,
    output:
        figure("eda_class_distribution"),
    params:
        figure="eda_class_distribution",
    log:
        "results/logs/figures/eda_class_distribution.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_eda_mean_images:
    input:
        code=script_code("plot_figure.py"),
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_mean_images"),
    params:
        figure="eda_mean_images",
    log:
        "results/logs/figures/eda_mean_images.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_eda_std_images:
    input:
        code=script_code("plot_figure.py"),
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_std_images"),
    params:
        figure="eda_std_images",
    log:
        "results/logs/figures/eda_std_images.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_eda_pixel_variance:
    input:
        code=script_code("plot_figure.py"),
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_pixel_variance"),
    params:
        figure="eda_pixel_variance",
    log:
        "results/logs/figures/eda_pixel_variance.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_eda_sample_grid:
    input:
        code=script_code("plot_figure.py"),
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_sample_grid"),
    params:
        figure="eda_sample_grid",
    log:
        "results/logs/figures/eda_sample_grid.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_eda_digit_variations:
    input:
        code=script_code("plot_figure.py"),
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_digit_variations"),
    params:
        figure="eda_digit_variations",
    log:
        "results/logs/figures/eda_digit_variations.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_baseline_cv_accuracy:
    input:
        code=script_code("plot_figure.py"),
        cv_folds=rules.summarize_baselines.output.cv_folds,
    output:
        figure("baseline_cv_accuracy"),
    params:
        figure="baseline_cv_accuracy",
    log:
        "results/logs/figures/baseline_cv_accuracy.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_baseline_test_accuracy:
    input:
        code=script_code("plot_figure.py"),
        metrics=rules.summarize_baselines.output.metrics,
    output:
        figure("baseline_test_accuracy"),
    params:
        figure="baseline_test_accuracy",
    log:
        "results/logs/figures/baseline_test_accuracy.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_baseline_per_class_f1:
    input:
        code=script_code("plot_figure.py"),
        per_class=rules.summarize_baselines.output.per_class,
    output:
        figure("baseline_per_class_f1"),
    params:
        figure="baseline_per_class_f1",
    log:
        "results/logs/figures/baseline_per_class_f1.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_baseline_confusion:
    input:
        code=script_code("plot_figure.py"),
        confusion=rules.fit_baseline.output.confusion,
    output:
        figure("baseline_confusion_{model}"),
    params:
        figure="baseline_confusion",
    log:
        "results/logs/figures/baseline_confusion_{model}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_cnn_learning_curves:
    input:
        code=script_code("plot_figure.py"),
        histories=rules.summarize_cnns.output.histories,
    output:
        figure("cnn_learning_curves"),
    params:
        figure="cnn_learning_curves",
    log:
        "results/logs/figures/cnn_learning_curves.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_cnn_lr_schedule:
    input:
        code=script_code("plot_figure.py"),
        histories=rules.summarize_cnns.output.histories,
    output:
        figure("cnn_lr_schedule"),
    params:
        figure="cnn_lr_schedule",
    log:
        "results/logs/figures/cnn_lr_schedule.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_cnn_accuracy_vs_parameters:
    input:
        code=script_code("plot_figure.py"),
        summary=rules.summarize_cnns.output.summary,
    output:
        figure("cnn_accuracy_vs_parameters"),
    params:
        figure="cnn_accuracy_vs_parameters",
    log:
        "results/logs/figures/cnn_accuracy_vs_parameters.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_cnn_accuracy_vs_time:
    input:
        code=script_code("plot_figure.py"),
        summary=rules.summarize_cnns.output.summary,
    output:
        figure("cnn_accuracy_vs_time"),
    params:
        figure="cnn_accuracy_vs_time",
    log:
        "results/logs/figures/cnn_accuracy_vs_time.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_cnn_confusion_best:
    input:
        code=script_code("plot_figure.py"),
        confusion_best=rules.summarize_cnns.output.confusion,
        best=rules.summarize_cnns.output.best,
    output:
        figure("cnn_confusion_best"),
    params:
        figure="cnn_confusion_best",
    log:
        "results/logs/figures/cnn_confusion_best.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_cnn_per_class_f1:
    input:
        code=script_code("plot_figure.py"),
        cnn_per_class=rules.summarize_cnns.output.per_class,
        baseline_per_class=rules.summarize_baselines.output.per_class,
    output:
        figure("cnn_per_class_f1"),
    params:
        figure="cnn_per_class_f1",
    log:
        "results/logs/figures/cnn_per_class_f1.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_cnn_confident_errors:
    input:
        code=script_code("plot_figure.py"),
        errors=rules.summarize_cnns.output.errors,
    output:
        figure("cnn_confident_errors"),
    params:
        figure="cnn_confident_errors",
    log:
        "results/logs/figures/cnn_confident_errors.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_cnn_augmentation:
    input:
        code=script_code("plot_figure.py"),
        examples=rules.sample_augmentations.output.arrays,
    output:
        figure("cnn_augmentation"),
    params:
        figure="cnn_augmentation",
    log:
        "results/logs/figures/cnn_augmentation.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


# Not part of `all`: keras.utils.plot_model needs pydot and graphviz, which the default install lacks.
rule plot_architecture_diagram:
    input:
        code=script_code("plot_architecture_diagram.py"),
    output:
        "results/figures/architecture_{arch}.png",
    wildcard_constraints:
        arch="|".join(ARCHITECTURE_CHOICES),
    log:
        "results/logs/figures/architecture_{arch}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_architecture_diagram.py"


rule plot_stats_accuracy_intervals:
    input:
        code=script_code("plot_figure.py"),
        bootstrap=rules.bootstrap_metrics.output.table,
    output:
        figure("stats_accuracy_intervals"),
    params:
        figure="stats_accuracy_intervals",
    log:
        "results/logs/figures/stats_accuracy_intervals.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_stats_mcnemar_matrix:
    input:
        code=script_code("plot_figure.py"),
        mcnemar=rules.test_mcnemar.output.tests,
    output:
        figure("stats_mcnemar_matrix"),
    params:
        figure="stats_mcnemar_matrix",
    log:
        "results/logs/figures/stats_mcnemar_matrix.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_stats_critical_difference:
    input:
        code=script_code("plot_figure.py"),
        friedman=rules.test_seeds.output.friedman,
        ranks=rules.test_seeds.output.ranks,
        wilcoxon=rules.test_seeds.output.wilcoxon,
    output:
        figure("stats_critical_difference"),
    params:
        figure="stats_critical_difference",
    log:
        "results/logs/figures/stats_critical_difference.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_stats_reliability:
    input:
        code=script_code("plot_figure.py"),
        calibration=rules.compute_calibration.output.summary,
        calibration_bins=rules.compute_calibration.output.bins,
    output:
        figure("stats_reliability"),
    params:
        figure="stats_reliability",
    log:
        "results/logs/figures/stats_reliability.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"


rule plot_benchmark_throughput:
    input:
        code=script_code("plot_figure.py"),
        throughput=rules.collect_throughput.output.table,
    output:
        figure("benchmark_throughput"),
    params:
        figure="benchmark_throughput",
    log:
        "results/logs/figures/benchmark_throughput.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/plot_figure.py"
