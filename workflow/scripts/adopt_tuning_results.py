"""Rule adopt_tuning_results: the shipped tuning table (config tuning.results), verified by its SHA-256.

A missing or changed file, or one tuned with another grid, stops the rule with the file, the key and
the command that regenerates it (digitbench.shipped.ShippedFileError, printed by the job's error hook);
a profile that ships none gets a table with no rows.
"""

from digitbench.atomic import write_atomic
from digitbench.ledger import start_job
from digitbench.tuning_results import adopt, fix_message

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
p = snakemake.params
table = adopt(p.tuning, p.training, fix_message(p.tuning["results"], p.configfiles))
write_atomic(snakemake.output.table, lambda path: table.to_csv(path, index=False))
if table.empty:
    log.info("tuning.results is empty: this profile ships no tuning results, so the table has no rows")
else:
    log.info("%s verified (SHA-256 %s); kept candidate %s:\n%s", p.tuning["results"], p.tuning["results_sha256"],
             table.loc[table["kept"], "candidate"].iloc[0], table.to_string(index=False))
