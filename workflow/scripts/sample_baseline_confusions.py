"""Rule sample_baseline_confusions: a baseline's first test images in every cell of its confusion matrix."""

import numpy as np

from digitbench.cnn_results import confusion_examples
from digitbench.data import load_npz
from digitbench.ledger import start_job
from digitbench.preprocess import subsample_test_set

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
x_test = subsample_test_set(load_npz(snakemake.input.data), **snakemake.params.test_set)["x_test"]
examples = confusion_examples([snakemake.input.predictions], x_test)
np.savez_compressed(snakemake.output.examples, **examples)
log.info("%s: examples of %d confusion cells", snakemake.wildcards.model, len(examples["true"]))
