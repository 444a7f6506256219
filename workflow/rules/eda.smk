rule compute_eda:
    input:
        data=rules.download_mnist.output.npz,
    output:
        class_distribution="results/tables/eda_class_distribution.csv",
        class_statistics="results/tables/eda_class_statistics.csv",
        pixel_statistics="results/tables/eda_pixel_statistics.csv",
        summary="results/tables/eda_summary.json",
        arrays="results/eda/eda_arrays.npz",
    params:
        variation_digit=config["eda"]["variation_digit"],
        n_extreme_pixels=config["eda"]["n_extreme_pixels"],
    log:
        "results/logs/eda/compute_eda.log",
    benchmark:
        "results/benchmarks/eda/compute_eda.tsv"
    script:
        "../scripts/compute_eda.py"
