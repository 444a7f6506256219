"""Rule summarize_notebook_baselines: the notebook-style baseline fits in one file for the report."""

import json

from digitbench.ledger import start_job
from digitbench.notebook_baselines import summarize

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)

summary = summarize(list(snakemake.input.metrics))
with open(snakemake.output.summary, "w", encoding="utf-8") as fh:
    json.dump(summary, fh, indent=2)
log.info("notebook baselines: %s", ", ".join(summary["models"]) or "none (original.baselines is off)")
