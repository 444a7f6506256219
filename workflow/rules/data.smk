# Before any job (digitbench.data.store): a copy in resources/mnist/ that is not MNIST, or a data.local_path
# that does not exist, stops the run here; a verified copy keeps a hard link beside it, from which it
# is restored if a later download fails.
if workflow.is_main_process:
    from digitbench.data.mnist import DataError
    from digitbench.data.store import check_copy
    from snakemake.logging import logger

    try:
        _restored = check_copy(
            "resources/mnist/mnist.npz",
            sources=config["data"]["sources"],
            local_path=config["data"]["local_path"],
            config_sources=_config_sources(),
        )
    except DataError as err:
        raise WorkflowError(str(err))
    if _restored:
        logger.info(_restored)


rule download_mnist:
    # A copy that is present is used as it is (checked above; every load verifies the arrays' digests):
    # the code is ancient(), and the rule has no benchmark and no params, so that neither a missing
    # benchmark on a fresh clone nor an edited data source makes Snakemake delete the copy to fetch it again.
    input:
        code=ancient(script_code("download_mnist.py")),
    output:
        npz="resources/mnist/mnist.npz",
    log:
        "results/logs/data/download_mnist.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/download_mnist.py"
