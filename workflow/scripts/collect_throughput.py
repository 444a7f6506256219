"""Rule collect_throughput: the per-backend throughput tables as one."""

from digitbench.logs import setup_script_logging
from digitbench.throughput import combine

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = setup_script_logging(snakemake.log[0], snakemake.rule)

table = combine(list(snakemake.input.parts))
table.to_csv(snakemake.output.table, index=False)
log.info("%d rows from %s", len(table), list(snakemake.input.parts))
