# How the trained networks behave beyond the test set, by inference only (nothing retrains): perturbed
# test digits, the UCI digits and occlusion maps, one job per run.


rule evaluate_behaviour:
    # Inference only, one load and one pass of the saved model: perturbed test images, the UCI digits
    # and occlusion maps; the clean test images are the run's recorded predictions. Nothing retrains.
    input:
        code=script_code("evaluate_behaviour.py"),
        model=rules.train_cnn.output.model,
        record=rules.train_cnn.output.predictions,
        data=rules.download_mnist.output.npz,
    output:
        arrays="results/robustness/{arch}/seed{seed}.npz",
        occlusion="results/occlusion/{arch}/seed{seed}.npz",
    wildcard_constraints:
        arch="|".join(ARCHITECTURE_CHOICES),
        seed=r"\d+",
    params:
        training=job_training_params(),
        split_seed=config["seed"],
        preprocessing=config["preprocessing"]["method"],
        robust_percentiles=config["preprocessing"]["robust_percentiles"],
        test_set=test_set_params(),
        robustness=robustness_images(),
        occlusion=config["occlusion"],
    threads: config["training"]["threads"]
    resources:
        gpu=1,
    log:
        "results/logs/behaviour/{arch}_seed{seed}.log",
    benchmark:
        "results/benchmarks/behaviour/{arch}_seed{seed}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/evaluate_behaviour.py"
