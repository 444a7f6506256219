"""Rule summarize_seeds: mean, SD and n over seeds of every metric of every architecture."""

import pandas as pd

from digitbench.ledger import start_job
from digitbench.stats.comparisons import seed_summary

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i = snakemake.input

table = seed_summary(pd.read_csv(i.runs), pd.read_csv(i.calibration), list(snakemake.params.metrics))
table.to_csv(snakemake.output.table, index=False)
log.info("\n%s", table.to_string(index=False))
