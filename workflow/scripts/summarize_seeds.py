"""Rule summarize_seeds: mean, SD and n over seeds of every metric of every architecture."""

import pandas as pd

from digitbench.logs import setup_script_logging
from digitbench.stats.comparisons import seed_summary

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = setup_script_logging(snakemake.log[0], snakemake.rule)
i = snakemake.input

table = seed_summary(pd.read_csv(i.runs), pd.read_csv(i.calibration), list(snakemake.params.metrics))
table.to_csv(snakemake.output.table, index=False)
log.info("\n%s", table.to_string(index=False))
