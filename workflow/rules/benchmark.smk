# The training-throughput benchmark (make benchmark): augmentation in the model against the notebook's
# pipeline and the ceiling without augmentation, per backend.


rule benchmark_throughput:
    input:
        code=script_code("benchmark_throughput.py"),
        builders=builder_files(),
    output:
        table="results/benchmarks/throughput/{backend}.csv",
    wildcard_constraints:
        backend="default|tensorflow|jax|torch",
    params:
        architectures=config["benchmark"]["architectures"],
        batch_size=config["benchmark"]["batch_size"],
        steps=config["benchmark"]["steps"],
        warmup_steps=config["benchmark"]["warmup_steps"],
        repeats=config["benchmark"]["repeats"],
        training=job_training_params(),
        seed=config["seed"],
    threads: config["training"]["threads"]
    resources:
        gpu=1,
    log:
        "results/logs/benchmarks/throughput_{backend}.log",
    benchmark:
        "results/benchmarks/benchmark_throughput/{backend}.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/benchmark_throughput.py"


rule collect_throughput:
    input:
        code=script_code("collect_throughput.py"),
        parts=expand(declared(rules.benchmark_throughput.output.table), backend=config["benchmark"]["backends"]),
    output:
        table="results/benchmarks/throughput.csv",
    log:
        "results/logs/benchmarks/collect_throughput.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/collect_throughput.py"
