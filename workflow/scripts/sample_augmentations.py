"""Rule sample_augmentations: one training image of each chosen digit and augmented versions of it."""

import numpy as np

from digitbench.data import load_npz
from digitbench.ledger import start_job
from digitbench.preprocess import fit_scaler

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
# Imported after the log is set up: TensorFlow prints its start-up notices on import.
from digitbench.training.augment import params_from_config, sample_examples  # noqa: E402
p = snakemake.params

data = load_npz(snakemake.input.data)
first = [int(np.flatnonzero(data["y_train"] == d)[0]) for d in p.digits]
images = fit_scaler(data["x_train"], "standard").transform(data["x_train"][first])[..., None]
examples = sample_examples(images, params_from_config(p.augmentation), p.seed, p.n_augmented)
np.savez_compressed(snakemake.output.arrays, examples=examples[..., 0], digits=np.array(p.digits), index=np.array(first))
log.info("augmented %d versions of training images %s (digits %s)", p.n_augmented, first, list(p.digits))
