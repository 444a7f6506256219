from digitbench.figure_table import interactive_stems, report_figures
from digitbench.section_table import report_inputs, report_tables, report_texts

REPORT_FIGURES = report_figures({"model": BASELINES})
INTERACTIVE_FIGURES = interactive_stems({"model": BASELINES})

# The report's sections, the results files each reads and the tables and texts each writes are
# declared once, in digitbench.section_table; render_report reads what collect_report_variables
# wrote, verified against the digests it recorded (digitbench.ledger).
REPORT_TABLES = report_tables()
REPORT_TEXTS = report_texts()
REPORT_RESULTS = rule_outputs(report_inputs())


REPORT_BENCHMARKS = [
    declared(rules.compute_eda.benchmark),
    *expand(declared(rules.fit_baseline.benchmark), model=BASELINES),
    *([] if TRAINING_FROM_CACHE else expand(declared(rules.train_cnn.benchmark), arch=ARCHITECTURES, seed=SEEDS)),
    declared(rules.bootstrap_metrics.benchmark),
    declared(rules.compare_models.benchmark),
    *expand(declared(rules.benchmark_throughput.benchmark), backend=config["benchmark"]["backends"]),
    *([declared(rules.test_baselines_5x2cv.benchmark)] if len(BASELINES) == 2 else []),
]


rule collect_report_variables:
    input:
        **REPORT_RESULTS,
        code=script_code("collect_report_variables.py"),
        sections=section_code(),
        schema=local("workflow/schemas/config.schema.yaml"),
        lock=local("uv.lock"),
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
