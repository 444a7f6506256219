rule fit_baseline:
    input:
        code=script_code("fit_baseline.py"),
        data=rules.download_mnist.output.npz,
    output:
        metrics="results/baselines/{model}/metrics.json",
        cv_scores="results/baselines/{model}/cv_scores.csv",
        per_class="results/baselines/{model}/per_class.csv",
        confusion="results/baselines/{model}/confusion.csv",
        predictions="results/baselines/{model}/predictions.npz",
        model="results/baselines/{model}/model.joblib",
    wildcard_constraints:
        model="logreg|random_forest",
    params:
        config=baseline_config(),
        test_set=test_set_params(),
    threads: config["baselines"]["threads"]
    # CPU-only jobs that need nothing but the data: started first, they run beside training instead of
    # trailing it (measured in the smoke run: they were its last two minutes, on one core).
    priority: 1
    log:
        "results/logs/baselines/fit_baseline_{model}.log",
    benchmark:
        "results/benchmarks/baselines/fit_baseline_{model}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/fit_baseline.py"


# The fitted baseline on the robustness images (the same perturbed test digits and UCI digits as the CNNs):
# a reference for the robustness table; inference only, checked against fit_baseline's test predictions.
rule evaluate_baseline_behaviour:
    input:
        code=script_code("evaluate_baseline_behaviour.py"),
        data=rules.download_mnist.output.npz,
        model=rules.fit_baseline.output.model,
        predictions=rules.fit_baseline.output.predictions,
    output:
        arrays="results/robustness/baselines/{model}.npz",
    wildcard_constraints:
        model="logreg|random_forest",
    params:
        config=baseline_config(),
        test_set=test_set_params(),
        robustness=robustness_images(),
    log:
        "results/logs/baselines/evaluate_baseline_behaviour_{model}.log",
    benchmark:
        "results/benchmarks/baselines/evaluate_baseline_behaviour_{model}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/evaluate_baseline_behaviour.py"


# For the HTML report's interactive confusion matrix (a cell's test images on click).
rule sample_baseline_confusions:
    input:
        code=script_code("sample_baseline_confusions.py"),
        data=rules.download_mnist.output.npz,
        predictions=rules.fit_baseline.output.predictions,
    output:
        examples="results/baselines/{model}/confusion_examples.npz",
    wildcard_constraints:
        model="logreg|random_forest",
    params:
        test_set=test_set_params(),
    log:
        "results/logs/baselines/sample_baseline_confusions_{model}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/sample_baseline_confusions.py"


rule summarize_baselines:
    input:
        code=script_code("summarize_baselines.py"),
        metrics=expand(declared(rules.fit_baseline.output.metrics), model=BASELINES),
        cv_scores=expand(declared(rules.fit_baseline.output.cv_scores), model=BASELINES),
        per_class=expand(declared(rules.fit_baseline.output.per_class), model=BASELINES),
    output:
        metrics="results/tables/baseline_metrics.csv",
        cv_folds="results/tables/baseline_cv_folds.csv",
        per_class="results/tables/baseline_per_class.csv",
    log:
        "results/logs/baselines/summarize_baselines.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/summarize_baselines.py"


# The original notebook's baselines, fitted with its settings in every profile (all training images,
# its estimators' arguments), so that the Discussion can check its accuracy claims whatever the profile.
rule fit_notebook_baseline:
    input:
        code=script_code("fit_notebook_baseline.py"),
        data=rules.download_mnist.output.npz,
    output:
        metrics="results/baselines/notebook/{model}/metrics.json",
        predictions="results/baselines/notebook/{model}/predictions.npz",
    wildcard_constraints:
        model="logreg|random_forest",
    params:
        # The accuracy interval: the same resamples as bootstrap_metrics gives every other model.
        n_resamples=config["stats"]["n_resamples"],
        confidence=config["stats"]["confidence"],
        seed=config["seed"],
    threads: config["baselines"]["threads"]
    priority: 1  # as fit_baseline: beside training, not after it
    log:
        "results/logs/baselines/fit_notebook_baseline_{model}.log",
    benchmark:
        "results/benchmarks/baselines/fit_notebook_baseline_{model}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/fit_notebook_baseline.py"


# Both of the notebook's baselines, whatever baselines.models says: the notebook fitted both.
NOTEBOOK_BASELINES = (
    expand(declared(rules.fit_notebook_baseline.output.metrics), model=["logreg", "random_forest"])
    if config["original"]["baselines"]
    else []
)


# One file for the report, empty when original.baselines is off (the Discussion then says so).
rule summarize_notebook_baselines:
    input:
        code=script_code("summarize_notebook_baselines.py"),
        metrics=NOTEBOOK_BASELINES,
    output:
        summary="results/baselines/notebook/summary.json",
    log:
        "results/logs/baselines/summarize_notebook_baselines.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/summarize_notebook_baselines.py"
