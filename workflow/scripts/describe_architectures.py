"""Rule describe_architectures: parameters, layers and depth of each CNN, as a table."""

import pandas as pd

from digitbench.ledger import start_job

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
# Imported after the log is set up: TensorFlow prints its start-up notices on import.
from digitbench.models.describe import describe_all  # noqa: E402

table = pd.DataFrame(describe_all(list(snakemake.params.architectures), dict(snakemake.params.models)))
# A count, empty for the architecture the notebook does not define (not 158058.0).
table["notebook_parameters"] = table["notebook_parameters"].astype("Int64")
table.to_csv(snakemake.output.table, index=False)
log.info("architectures:\n%s", table.to_string(index=False))
