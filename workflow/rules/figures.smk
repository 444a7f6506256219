# One figure, one rule: each reads compute outputs only, so redrawing never recomputes.
PLOT_CODE = {
    family: package_code("plotting/__init__.py", "plotting/style.py", f"plotting/{family}.py")
    for family in ("eda", "baselines")
}


rule plot_eda_class_distribution:
    input:
        code=PLOT_CODE["eda"],
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
        code=PLOT_CODE["eda"],
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
        code=PLOT_CODE["eda"],
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
        code=PLOT_CODE["eda"],
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
        code=PLOT_CODE["eda"],
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
        code=PLOT_CODE["eda"],
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
        code=PLOT_CODE["baselines"],
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
        code=PLOT_CODE["baselines"],
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
        code=PLOT_CODE["baselines"],
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
        code=PLOT_CODE["baselines"],
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
