"""Rule test_baselines_5x2cv: 5x2cv test (mlxtend) between the two baselines on the training set."""

import json

from digitbench.baselines import BaselineParams, make_model, subset_args, training_subset
from digitbench.data import load_npz
from digitbench.ledger import start_job
from digitbench.stats.tests import cv_5x2

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
p = snakemake.params

x, y, _ = training_subset(load_npz(snakemake.input.data), **subset_args(p.config))
x = x.reshape(len(x), -1)
params = BaselineParams.from_config(p.config, n_jobs=snakemake.threads)
model_a, model_b = p.models
log.info("%s: %s vs %s on %d training images", p.test, model_a, model_b, len(y))
result = cv_5x2(make_model(model_a, params), make_model(model_b, params), x, y, params.seed, p.test)
result.update(model_a=model_a, model_b=model_b, n_train=len(y))
with open(snakemake.output.result, "w", encoding="utf-8") as fh:
    json.dump(result, fh, indent=2)
log.info("%s", result)
