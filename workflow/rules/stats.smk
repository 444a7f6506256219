# Statistical evaluation: every rule reads saved predictions or tables, none trains.
RUN_KEYS = [[arch, seed] for arch in ARCHITECTURES for seed in SEEDS]  # the order of expand() in study_predictions()


rule bootstrap_metrics:
    input:
        unpack(study_predictions),
        code=script_code("bootstrap_metrics.py"),
    output:
        table="results/stats/bootstrap_metrics.csv",
    params:
        baselines=BASELINES,
        runs=RUN_KEYS,
        n_resamples=config["stats"]["n_resamples"],
        confidence=config["stats"]["confidence"],
        seed=config["seed"],
    log:
        "results/logs/stats/bootstrap_metrics.log",
    benchmark:
        "results/benchmarks/stats/bootstrap_metrics.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/bootstrap_metrics.py"


rule compare_models:
    input:
        unpack(study_predictions),
        code=script_code("compare_models.py"),
    output:
        tests="results/stats/comparisons.csv",
        models="results/stats/compared_models.csv",
    params:
        baselines=BASELINES,
        runs=RUN_KEYS,
        alpha=config["stats"]["alpha"],
        exact_below=config["stats"]["mcnemar_exact_below"],
        n_resamples=config["stats"]["n_resamples"],
        confidence=config["stats"]["confidence"],
        seed=config["seed"],
        min_seeds=config["stats"]["min_seeds"],
    log:
        "results/logs/stats/compare_models.log",
    benchmark:
        "results/benchmarks/stats/compare_models.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/compare_models.py"


rule compute_calibration:
    input:
        unpack(study_predictions),
        code=script_code("compute_calibration.py"),
    output:
        summary="results/stats/calibration.csv",
        bins="results/stats/calibration_bins.csv",
        tests="results/stats/calibration_tests.csv",
    params:
        baselines=BASELINES,
        runs=RUN_KEYS,
        n_bins=config["stats"]["calibration_bins"],
        alpha=config["stats"]["alpha"],
        interval=dict(n_resamples=config["stats"]["n_resamples"], confidence=config["stats"]["confidence"],
                      seed=config["seed"]),
        min_seeds=config["stats"]["min_seeds"],
    log:
        "results/logs/stats/compute_calibration.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/compute_calibration.py"


rule summarize_seeds:
    input:
        code=script_code("summarize_seeds.py"),
        runs=rules.summarize_cnns.output.runs,
        calibration=rules.compute_calibration.output.summary,
    output:
        table="results/stats/seed_summary.csv",
    params:
        metrics=["accuracy", "macro_f1", "top3_accuracy", "top5_accuracy", "loss", "training_seconds",
                 "inference_ms_per_image"],
    log:
        "results/logs/stats/summarize_seeds.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/summarize_seeds.py"


rule test_seeds:
    input:
        code=script_code("test_seeds.py"),
        runs=rules.summarize_cnns.output.runs,
    output:
        friedman="results/stats/friedman.json",
        wilcoxon="results/stats/wilcoxon.csv",
        ranks="results/stats/ranks.csv",
    params:
        architectures=ARCHITECTURES,
        alpha=config["stats"]["alpha"],
        min_seeds=config["stats"]["min_seeds"],
    log:
        "results/logs/stats/test_seeds.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/test_seeds.py"


rule test_baselines_5x2cv:
    input:
        code=script_code("test_baselines_5x2cv.py"),
        data=rules.download_mnist.output.npz,
    output:
        result="results/stats/baseline_5x2cv.json",
    params:
        models=BASELINES,
        test=config["stats"]["baseline_test"],
        config=baseline_config(),
    threads: config["baselines"]["threads"]
    log:
        "results/logs/stats/test_baselines_5x2cv.log",
    benchmark:
        "results/benchmarks/stats/test_baselines_5x2cv.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/test_baselines_5x2cv.py"


rule summarize_robustness:
    input:
        code=script_code("summarize_robustness.py"),
        data=rules.download_mnist.output.npz,
        arrays=expand(declared(rules.evaluate_behaviour.output.arrays), arch=ARCHITECTURES, seed=SEEDS),
        # The classical baselines on the same images: reference rows, never compared.
        baselines=expand(declared(rules.evaluate_baseline_behaviour.output.arrays), model=BASELINES),
    output:
        summary="results/stats/robustness.csv",
        tests="results/stats/robustness_tests.csv",
        runs="results/stats/robustness_runs.csv",
        examples="results/robustness/examples.npz",
    params:
        runs=RUN_KEYS,
        baselines=BASELINES,
        robustness=robustness_images(),
        collapse_share=config["robustness"]["collapse_share"],
        test_set=test_set_params(),
        alpha=config["stats"]["alpha"],
        n_resamples=config["stats"]["n_resamples"],
        confidence=config["stats"]["confidence"],
        seed=config["seed"],
        min_seeds=config["stats"]["min_seeds"],
    log:
        "results/logs/stats/summarize_robustness.log",
    benchmark:
        "results/benchmarks/stats/summarize_robustness.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/summarize_robustness.py"


rule summarize_occlusion:
    input:
        code=script_code("summarize_occlusion.py"),
        maps=expand(declared(rules.evaluate_behaviour.output.occlusion), arch=ARCHITECTURES, seed=SEEDS),
    output:
        summary="results/occlusion/summary.npz",
    params:
        runs=RUN_KEYS,
    log:
        "results/logs/stats/summarize_occlusion.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/summarize_occlusion.py"


rule collect_claims:
    input:
        code=script_code("collect_claims.py"),
        comparisons=rules.compare_models.output.tests,
        calibration=rules.compute_calibration.output.tests,
        wilcoxon=rules.test_seeds.output.wilcoxon,
        friedman=rules.test_seeds.output.friedman,
        robustness=rules.summarize_robustness.output.tests,
        # The 5x2cv test compares exactly two baselines; with one configured there is nothing to test.
        cv=rules.test_baselines_5x2cv.output.result if len(BASELINES) == 2 else [],
    output:
        claims="results/stats/claims.json",
    params:
        alpha=config["stats"]["alpha"],
        architectures=ARCHITECTURES,
    log:
        "results/logs/stats/collect_claims.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/collect_claims.py"
