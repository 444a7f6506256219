"""Rule collect_throughput: the per-backend throughput tables as one."""

from digitbench.ledger import start_job
from digitbench.throughput_table import combine

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)

table = combine(list(snakemake.input.parts))
table.to_csv(snakemake.output.table, index=False)
log.info("%d rows from %s", len(table), list(snakemake.input.parts))
