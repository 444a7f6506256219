"""Rule compute_eda: the exploratory tables, summary and arrays the EDA figures are drawn from."""

import json

import numpy as np

from digitbench.data import load_npz
from digitbench.eda import analyse
from digitbench.ledger import start_job
from digitbench.preprocess import subsample_test_set

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)

data = subsample_test_set(load_npz(snakemake.input.data), **snakemake.params.test_set)
log.info("analysing %d training and %d test images", len(data["y_train"]), len(data["y_test"]))
result = analyse(
    data["x_train"], data["y_train"], data["x_test"], data["y_test"],
    variation_digit=snakemake.params.variation_digit,
    n_extreme=snakemake.params.n_extreme_pixels,
)
out = snakemake.output
result.class_distribution.to_csv(out.class_distribution, index=False)
result.class_statistics.to_csv(out.class_statistics, index=False)
result.pixel_statistics.to_csv(out.pixel_statistics, index=False)
with open(out.summary, "w", encoding="utf-8") as fh:
    json.dump(result.summary, fh, indent=2)
np.savez_compressed(out.arrays, **result.arrays)
log.info("ANOVA of mean intensity across digits: F = %.2f, p = %.3g", result.summary["anova_f"], result.summary["anova_p"])
