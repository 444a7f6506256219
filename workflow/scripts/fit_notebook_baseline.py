"""Rule fit_notebook_baseline: fit one of the original notebook's baselines with the notebook's settings."""

import json

import numpy as np

from digitbench.data import load_npz
from digitbench.ledger import start_job
from digitbench.notebook_baselines import fit_notebook_baseline

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
p = snakemake.params

# The whole MNIST test set, whatever data.test_size says: the notebook tested on all 10,000 images.
data = load_npz(snakemake.input.data)
metrics, y_pred, proba = fit_notebook_baseline(snakemake.wildcards.model, data, n_jobs=snakemake.threads,
                                               n_resamples=p.n_resamples, seed=p.seed, confidence=p.confidence,
                                               log=log)
for row in metrics["settings"]:
    if row["notebook"] != row["here"]:
        log.info("departs from the notebook: %s: %s here, %s there (%s)", row["setting"], row["here"],
                 row["notebook"], row["note"])

with open(snakemake.output.metrics, "w", encoding="utf-8") as fh:
    json.dump(metrics, fh, indent=2)
np.savez_compressed(snakemake.output.predictions, y_true=data["y_test"], y_pred=y_pred, proba=proba)
