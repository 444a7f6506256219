from digitbench.figure_table import interactive_stems, report_figures

REPORT_FIGURES = report_figures({"model": BASELINES})
INTERACTIVE_FIGURES = interactive_stems({"model": BASELINES})

REPORT_TABLES = [
    "profile",
    "class_distribution",
    "class_statistics",
    "baselines",
    "packages",
    "runtimes",
    "config",
    "cnn_results",
    "cnn_architectures",
    "main_results",
    "significance",
    "ensembles",
    "calibration",
    "published",
    "original_claims",
    "targets",
    "throughput",
    "robustness",
]

REPORT_TEXTS = [
    "pairwise_models",
    "pairwise_ensembles",
    "best_accuracy",
    "calibration",
    "best_calibration",
    "wilcoxon_seeds",
    "friedman_seeds",
    "cv_5x2_baselines",
    "untested",
    "critical_difference",
    "robustness_tests",
]

# The results files the report's numbers come from, derived once by collect_report_variables;
# render_report reads what it wrote, verified against the digests it recorded (digitbench.ledger).
REPORT_RESULTS = dict(
    eda_summary=rules.compute_eda.output.summary,
    class_distribution=rules.compute_eda.output.class_distribution,
    class_statistics=rules.compute_eda.output.class_statistics,
    pixel_statistics=rules.compute_eda.output.pixel_statistics,
    baseline_metrics=rules.summarize_baselines.output.metrics,
    cnn_summary=rules.summarize_cnns.output.summary,
    cnn_runs=rules.summarize_cnns.output.runs,
    cnn_best=rules.summarize_cnns.output.best,
    cnn_architectures=rules.describe_architectures.output.table,
    bootstrap=rules.bootstrap_metrics.output.table,
    comparisons=rules.compare_models.output.tests,
    compared_models=rules.compare_models.output.models,
    friedman=rules.test_seeds.output.friedman,
    wilcoxon=rules.test_seeds.output.wilcoxon,
    calibration=rules.compute_calibration.output.summary,
    claims=rules.collect_claims.output.claims,
    throughput=rules.collect_throughput.output.table,
    robustness=rules.summarize_robustness.output.summary,
    robustness_tests=rules.summarize_robustness.output.tests,
    occlusion=rules.summarize_occlusion.output.summary,
)
REPORT_BENCHMARKS = [
    declared(rules.download_mnist.benchmark),
    declared(rules.compute_eda.benchmark),
    *expand(declared(rules.fit_baseline.benchmark), model=BASELINES),
    *expand(declared(rules.train_cnn.benchmark), arch=ARCHITECTURES, seed=SEEDS),
    declared(rules.bootstrap_metrics.benchmark),
    declared(rules.compare_models.benchmark),
    *expand(declared(rules.benchmark_throughput.benchmark), backend=config["benchmark"]["backends"]),
    *([declared(rules.test_baselines_5x2cv.benchmark)] if len(BASELINES) == 2 else []),
]


rule collect_report_variables:
    input:
        **REPORT_RESULTS,
        code=script_code("collect_report_variables.py"),
        schema=local("workflow/schemas/config.schema.yaml"),
        benchmarks=REPORT_BENCHMARKS,
    output:
        variables="report/_variables.yml",
        tables=expand("report/_generated/tables/{table}.md", table=REPORT_TABLES),
        texts=expand("report/_generated/text/{text}.md", text=REPORT_TEXTS),
    params:
        config=config,
        commit=git_commit(workflow.basedir),
        figures=REPORT_FIGURES,
        configfiles=configfiles(),
    log:
        "results/logs/report/collect_report_variables.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/collect_report_variables.py"


# Pods share no working directory (workflow/profiles/kubernetes): the render, which reads the report
# sources and generated files by path, runs where Snakemake runs, on the shared volume.
if workflow.storage_settings.default_storage_provider is not None:

    localrules:
        render_report,


rule render_report:
    input:
        code=script_code("render_report.py"),
        variables=rules.collect_report_variables.output.variables,
        tables=rules.collect_report_variables.output.tables,
        texts=rules.collect_report_variables.output.texts,
        figures=expand("results/figures/{name}.png", name=REPORT_FIGURES),
        interactive=expand("results/figures/interactive/{name}.html", name=INTERACTIVE_FIGURES),
        sources=[local(f) for f in ("report/_quarto.yml", "report/references.bib", "report/ieee.csl")]
        + glob_report_sources(),
    # The output is the publication record, not the report: Snakemake deletes a job's outputs
    # before it runs and restores update() outputs with a fresh time stamp after a failure (which
    # made a refused render look current). The script replaces the HTML and PDF only by a rename,
    # once they passed their checks, so a refused or killed render leaves the last good report.
    output:
        record="results/report/digitbench.json",
    params:
        html="results/report/digitbench.html",
        pdf="results/report/digitbench.pdf",
        project=lambda wildcards, input: os.path.dirname(input.sources[0]),
        renderer=config["report"]["renderer"],
        title=config["report"]["title"],
        authors=config["report"]["authors"],
        profile=config["profile"],
        commit=git_commit(workflow.basedir),
    log:
        "results/logs/report/render_report.log",
    benchmark:
        "results/benchmarks/report/render_report.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/render_report.py"
