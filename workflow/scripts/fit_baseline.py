"""Rule fit_baseline: cross-validate, fit and evaluate one classical baseline."""

import json

import joblib
import numpy as np

from digitbench.atomic import write_atomic
from digitbench.baselines import BaselineParams, run_baseline, subset_args, training_subset
from digitbench.data import load_npz
from digitbench.ledger import start_job
from digitbench.preprocess import subsample_test_set

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
p = snakemake.params

data = subsample_test_set(load_npz(snakemake.input.data), **p.test_set)
x_train, y_train, scaler = training_subset(data, **subset_args(p.config))
log.info("preprocessing %s: (x - %.4g) / %.4g", scaler.method, scaler.offset, scaler.scale)

params = BaselineParams.from_config(p.config, n_jobs=snakemake.threads)
result = run_baseline(snakemake.wildcards.model, x_train, y_train,
                      scaler.transform(data["x_test"]), data["y_test"], params, log)

out = snakemake.output
with open(out.metrics, "w", encoding="utf-8") as fh:
    json.dump({**result.metrics, "preprocessing": scaler.method}, fh, indent=2)
folds = np.arange(1, len(result.cv_scores) + 1)
np.savetxt(out.cv_scores, np.column_stack([folds, result.cv_scores]), delimiter=",", header="fold,accuracy",
           comments="", fmt=["%d", "%.6f"])
result.per_class.to_csv(out.per_class, index=False)
result.confusion.to_csv(out.confusion)
np.savez_compressed(out.predictions, y_true=data["y_test"], y_pred=result.y_pred, proba=result.proba)
# The fitted model itself, for evaluations on other images (rule evaluate_baseline_behaviour): a refit
# reproduces it only with the same BLAS thread count.
write_atomic(out.model, lambda path: joblib.dump(result.model, path, compress=3))
