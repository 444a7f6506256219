ARCHITECTURES = config["training"]["architectures"]
SEEDS = config["training"]["seeds"]
MODEL_DIR = "results/models/{arch}/seed{seed}"


rule train_cnn:
    input:
        code=script_code("train_cnn.py"),
        data=rules.download_mnist.output.npz,
        builder=builder_file,
    output:
        model=f"{MODEL_DIR}/model.keras",
        history=f"{MODEL_DIR}/history.csv",
        predictions=f"{MODEL_DIR}/predictions.npz",
        metrics=f"{MODEL_DIR}/metrics.json",
        # The outputs' own digests, which travel with them through Snakemake's output cache.
        digests=f"{MODEL_DIR}/digests.json",
    # Shareable between clones and machines through Snakemake's between-workflow cache (`--cache
    # train_cnn` with SNAKEMAKE_OUTPUT_CACHE; README "Sharing trained runs"): the outputs are a function
    # of the code, params and data that the cache key hashes.
    cache: TRAINING_FROM_CACHE
    wildcard_constraints:
        arch="|".join(ARCHITECTURE_CHOICES),
        seed=r"\d+",
    params:
        training=job_training_params(),
        split_seed=config["seed"],
        preprocessing=config["preprocessing"]["method"],
        robust_percentiles=config["preprocessing"]["robust_percentiles"],
        test_set=test_set_params(),
    threads: config["training"]["threads"]
    resources:
        gpu=1,
    log:
        "results/logs/train/{arch}_seed{seed}.log",
    benchmark:
        "results/benchmarks/train/{arch}_seed{seed}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/train_cnn.py"


# With --cache (README "Sharing trained runs"), two changes to the rule above. Snakemake refuses a benchmark
# on a rule it caches (a run fetched from the cache has no timing to record), so the rule is left without
# one; the report's job table then leaves training out (workflow/rules/report.smk). And the cache key
# hashes params but not wildcards, so every seed of an architecture would share one entry: the run's
# architecture and seed become a param. Only in this mode, as a new param reruns every finished job.
if TRAINING_FROM_CACHE:
    workflow.get_rule("train_cnn")._benchmark = None
    workflow.get_rule("train_cnn").set_params(run=lambda wildcards: {"arch": wildcards.arch, "seed": int(wildcards.seed)})


rule describe_architectures:
    input:
        code=script_code("describe_architectures.py"),
        builders=builder_files(),
    output:
        table="results/tables/cnn_architectures.csv",
    params:
        architectures=ARCHITECTURES,
        models=declared_models(),
    log:
        "results/logs/train/describe_architectures.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/describe_architectures.py"


rule sample_augmentations:
    input:
        code=script_code("sample_augmentations.py"),
        data=rules.download_mnist.output.npz,
    output:
        arrays="results/eda/augmentation_examples.npz",
    params:
        augmentation=config["training"]["augmentation"],
        digits=[1, 3, 8],
        n_augmented=7,
        seed=config["seed"],
    log:
        "results/logs/train/sample_augmentations.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/sample_augmentations.py"


rule summarize_cnns:
    input:
        code=script_code("summarize_cnns.py"),
        data=rules.download_mnist.output.npz,
        metrics=expand(declared(rules.train_cnn.output.metrics), arch=ARCHITECTURES, seed=SEEDS),
        histories=expand(declared(rules.train_cnn.output.history), arch=ARCHITECTURES, seed=SEEDS),
        predictions=expand(declared(rules.train_cnn.output.predictions), arch=ARCHITECTURES, seed=SEEDS),
    output:
        runs="results/tables/cnn_runs.csv",
        summary="results/tables/cnn_summary.csv",
        histories="results/tables/cnn_histories.csv",
        per_class="results/tables/cnn_per_class.csv",
        best="results/tables/cnn_best.json",
        confusion="results/tables/cnn_best_confusion.csv",
        errors="results/eda/cnn_confident_errors.npz",
        confusion_examples="results/eda/cnn_best_confusion_examples.npz",
    params:
        architectures=ARCHITECTURES,
        seeds=SEEDS,
        test_set=test_set_params(),
    log:
        "results/logs/train/summarize_cnns.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/summarize_cnns.py"


# Training telemetry a user can open (config `tensorboard`): each finished run's history and settings as
# TensorBoard logs, read from its files; nothing retrains. `tensorboard --logdir results/tensorboard`
# shows them. In `rule all` when tensorboard.enabled.
rule write_tensorboard_logs:
    input:
        code=script_code("write_tensorboard_logs.py"),
        history=rules.train_cnn.output.history,
        metrics=rules.train_cnn.output.metrics,
    output:
        logs=directory("results/tensorboard/{arch}/seed{seed}"),
    wildcard_constraints:
        arch="|".join(ARCHITECTURE_CHOICES),
        seed=r"\d+",
    log:
        "results/logs/tensorboard/{arch}_seed{seed}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/write_tensorboard_logs.py"


TENSORBOARD_LOGS = (
    expand(declared(rules.write_tensorboard_logs.output.logs), arch=ARCHITECTURES, seed=SEEDS)
    if config["tensorboard"]["enabled"]
    else []
)
