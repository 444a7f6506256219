"""Rule collect_tuning: rank the tuning candidates by mean best validation accuracy."""

from digitbench.ledger import start_job
from digitbench.training.tuning import collect

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
p = snakemake.params
n = len(p.architectures)
files = list(snakemake.input.results)  # expand() order: candidate-major
table = collect({name: files[i * n:(i + 1) * n] for i, name in enumerate(p.candidates)})
table.to_csv(snakemake.output.table, index=False)
log.info("candidates ranked on the validation split:\n%s", table.to_string(index=False))
