"""Rule summarize_cnns: per-run and per-architecture tables, curves, per-class F1, best model's errors and confusions."""

import json

import numpy as np

from digitbench import cnn_results as R
from digitbench.data import load_npz
from digitbench.ledger import start_job
from digitbench.preprocess import subsample_test_set

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, o, p = snakemake.input, snakemake.output, snakemake.params
keys = [(a, int(s)) for a in p.architectures for s in p.seeds]  # the order of expand() in the rule

runs = R.collect_runs(list(i.metrics))
summary = R.summarize_runs(runs, list(p.architectures))
best = R.best_architecture(summary)
best_preds = [path for path, (a, _) in zip(i.predictions, keys) if a == best]
best_seeds = [s for a, s in keys if a == best]

runs.to_csv(o.runs, index=False)
summary.to_csv(o.summary, index=False)
R.collect_histories(list(i.histories), keys).to_csv(o.histories, index=False)
R.per_class_f1(list(i.predictions), keys).to_csv(o.per_class, index=False)
R.pooled_confusion(best_preds).to_csv(o.confusion)
x_test = subsample_test_set(load_npz(i.data), **p.test_set)["x_test"]  # the images the predictions are of
np.savez_compressed(o.errors, **R.confident_errors(best_preds, best_seeds, x_test))
np.savez_compressed(o.confusion_examples, **R.confusion_examples(best_preds, x_test))
with open(o.best, "w", encoding="utf-8") as fh:
    json.dump({"architecture": best, "n_seeds": len(best_seeds), "seeds": best_seeds}, fh, indent=2)
log.info("best architecture by mean test accuracy: %s\n%s", best, summary.to_string(index=False))
