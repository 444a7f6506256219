from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/eda.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        rules.render_report.output,
        rules.collect_claims.output,
        rules.bootstrap_metrics.output,
        rules.summarize_seeds.output,
        expand(
            "results/figures/{name}.png",
            name=[
                "stats_accuracy_intervals",
                "stats_mcnemar_matrix",
                "stats_critical_difference",
                "stats_reliability",
            ],
        ),
    default_target: True
