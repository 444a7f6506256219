"""Rule summarize_occlusion: occlusion maps per architecture (mean over seeds) and the digits the figures show."""

from digitbench.atomic import savez, write_atomic
from digitbench.ledger import start_job
from digitbench.robustness.occlusion import summarize

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)

summary = summarize(list(snakemake.input.maps), [tuple(k) for k in snakemake.params.runs])
write_atomic(snakemake.output.summary, lambda path: savez(path, compressed=True, **summary))
log.info("%d architectures, %d digits; shown: %s (misclassified by some run: %s)", len(summary["architectures"]),
         len(summary["y_true"]), summary["examples"].tolist(), summary["example_wrong"].tolist())
