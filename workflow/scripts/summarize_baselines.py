"""Rule summarize_baselines: one metrics table, one CV-fold table and one per-class table."""

from digitbench.baselines import summarize
from digitbench.ledger import start_job

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)

tables = summarize(list(snakemake.input.metrics), list(snakemake.input.cv_scores), list(snakemake.input.per_class))
for name, table in tables.items():
    table.to_csv(snakemake.output[name], index=False)
    log.info("wrote %s (%d rows)", snakemake.output[name], len(table))
