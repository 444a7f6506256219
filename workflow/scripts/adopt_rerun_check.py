"""Rule adopt_rerun_check: the shipped comparison of two runs of this profile (config report.rerun_check), verified.

A missing or changed file stops the rule with the file, the key and how to make it again
(digitbench.shipped.ShippedFileError, printed by the job's error hook); a profile that ships none gets
a table with no rows.
"""

from digitbench.atomic import write_atomic
from digitbench.ledger import start_job
from digitbench.reruns import adopt

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
shipped = snakemake.params.shipped
table = adopt(shipped["path"], shipped["sha256"])
write_atomic(snakemake.output.table, lambda path: table.to_csv(path, index=False))
if table.empty:
    log.info("report.rerun_check is empty: this profile ships no rerun comparison, so the table has no rows")
else:
    log.info("%s verified (SHA-256 %s): %d of %d runs identical\n%s", shipped["path"], shipped["sha256"],
             int(table["identical"].sum()), len(table), table.to_string(index=False))
