"""Rule bootstrap_metrics: BCa intervals of every model's test metrics, on shared bootstrap resamples."""

from digitbench.ledger import start_job
import pandas as pd

from digitbench.stats.bootstrap import intervals_table, seed_mean_intervals
from digitbench.stats.predictions import load_study

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, p = snakemake.input, snakemake.params

study = load_study(i.baselines, p.baselines, i.runs, p.runs)
models = study.baselines + study.runs + study.ensembles()
log.info("bootstrapping %d models x %d resamples (BCa, %.0f%%)", len(models), p.n_resamples, 100 * p.confidence)
table = intervals_table(models, p.n_resamples, p.seed, p.confidence)
by_arch = {a: study.runs_of(a) for a in study.architectures}
table = pd.concat([table, seed_mean_intervals(by_arch, p.n_resamples, p.seed, p.confidence)], ignore_index=True)
table.to_csv(snakemake.output.table, index=False)
log.info("\n%s", table[table["metric"] == "accuracy"].to_string(index=False))
