from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/eda.smk"
include: "workflow/rules/baselines.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/behaviour.smk"
include: "workflow/rules/benchmark.smk"
include: "workflow/rules/tuning.smk"
include: "workflow/rules/reruns.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        rules.render_report.output,
        # Not quoted by the paper, but a result users read: every metric's mean, SD and n over seeds.
        rules.summarize_seeds.output,
        # TensorBoard logs of every training run, when tensorboard.enabled (workflow/rules/train.smk).
        TENSORBOARD_LOGS,
    default_target: True
