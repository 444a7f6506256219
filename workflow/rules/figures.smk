# One figure, one rule: each reads compute outputs only, so redrawing never recomputes.


rule plot_eda_class_distribution:
    input:
        class_distribution=rules.compute_eda.output.class_distribution,
    output:
        figure("eda_class_distribution"),
    params:
        figure="eda_class_distribution",
    log:
        "results/logs/figures/eda_class_distribution.log",
    script:
        "../scripts/plot_figure.py"


rule plot_eda_mean_images:
    input:
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_mean_images"),
    params:
        figure="eda_mean_images",
    log:
        "results/logs/figures/eda_mean_images.log",
    script:
        "../scripts/plot_figure.py"


rule plot_eda_std_images:
    input:
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_std_images"),
    params:
        figure="eda_std_images",
    log:
        "results/logs/figures/eda_std_images.log",
    script:
        "../scripts/plot_figure.py"


rule plot_eda_pixel_variance:
    input:
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_pixel_variance"),
    params:
        figure="eda_pixel_variance",
    log:
        "results/logs/figures/eda_pixel_variance.log",
    script:
        "../scripts/plot_figure.py"


rule plot_eda_sample_grid:
    input:
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_sample_grid"),
    params:
        figure="eda_sample_grid",
    log:
        "results/logs/figures/eda_sample_grid.log",
    script:
        "../scripts/plot_figure.py"


rule plot_eda_digit_variations:
    input:
        arrays=rules.compute_eda.output.arrays,
    output:
        figure("eda_digit_variations"),
    params:
        figure="eda_digit_variations",
    log:
        "results/logs/figures/eda_digit_variations.log",
    script:
        "../scripts/plot_figure.py"


rule plot_baseline_cv_accuracy:
    input:
        cv_folds=rules.summarize_baselines.output.cv_folds,
    output:
        figure("baseline_cv_accuracy"),
    params:
        figure="baseline_cv_accuracy",
    log:
        "results/logs/figures/baseline_cv_accuracy.log",
    script:
        "../scripts/plot_figure.py"


rule plot_baseline_test_accuracy:
    input:
        metrics=rules.summarize_baselines.output.metrics,
    output:
        figure("baseline_test_accuracy"),
    params:
        figure="baseline_test_accuracy",
    log:
        "results/logs/figures/baseline_test_accuracy.log",
    script:
        "../scripts/plot_figure.py"


rule plot_baseline_per_class_f1:
    input:
        per_class=rules.summarize_baselines.output.per_class,
    output:
        figure("baseline_per_class_f1"),
    params:
        figure="baseline_per_class_f1",
    log:
        "results/logs/figures/baseline_per_class_f1.log",
    script:
        "../scripts/plot_figure.py"


rule plot_baseline_confusion:
    input:
        confusion=rules.fit_baseline.output.confusion,
    output:
        figure("baseline_confusion_{model}"),
    params:
        figure="baseline_confusion",
    log:
        "results/logs/figures/baseline_confusion_{model}.log",
    script:
        "../scripts/plot_figure.py"
