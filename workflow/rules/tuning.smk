# Choosing a profile's training settings on the validation split (config `tuning`): not in `rule all`;
# `snakemake results/tuning/validation.csv --configfile <profile> --cores all` runs it.
TUNING_CANDIDATES = dict(tuning_candidates(config["tuning"]["grid"]))


rule tune_training:
    input:
        code=script_code("tune_training.py"),
        data=rules.download_mnist.output.npz,
        builder=builder_file,
    output:
        result="results/tuning/{candidate}/{arch}.json",
    wildcard_constraints:
        candidate=r"c\d+",
        arch="|".join(ARCHITECTURE_CHOICES),
    params:
        overrides=lambda wildcards: TUNING_CANDIDATES[wildcards.candidate],
        training=job_training_params(),
        seed=config["tuning"]["seed"],
        split_seed=config["seed"],
        preprocessing=config["preprocessing"]["method"],
        robust_percentiles=config["preprocessing"]["robust_percentiles"],
    threads: config["training"]["threads"]
    resources:
        gpu=1,
    log:
        "results/logs/tuning/{candidate}_{arch}.log",
    benchmark:
        "results/benchmarks/tuning/{candidate}_{arch}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/tune_training.py"


rule collect_tuning:
    input:
        code=script_code("collect_tuning.py"),
        results=expand(declared(rules.tune_training.output.result), candidate=TUNING_CANDIDATES,
                       arch=config["tuning"]["architectures"]),
    output:
        table="results/tuning/validation.csv",
    params:
        candidates=list(TUNING_CANDIDATES),
        architectures=config["tuning"]["architectures"],
    log:
        "results/logs/tuning/collect_tuning.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/collect_tuning.py"


# The tuning table that chose this profile's settings, shipped with the project (config tuning.results) because
# tuning takes longer than `make report` may: verified against its recorded digest and this config's grid, then
# read by the report (Methods). An input only while the file exists: a missing one reaches the script, which
# names the file, the key and the command that regenerates it.
rule adopt_tuning_results:
    input:
        code=script_code("adopt_tuning_results.py"),
        shipped=shipped_input(config["tuning"]["results"]),
    output:
        table="results/tuning/adopted.csv",
    params:
        tuning=dict(config["tuning"]),
        training={k: config["training"][k] for k in ("train_size", "validation_split", *config["tuning"]["grid"])},
        configfiles=configfiles(),
    log:
        "results/logs/tuning/adopt_tuning_results.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/adopt_tuning_results.py"
