"""Rule compare_models: every pair of models (architectures by all their seeds), and ensembles against their runs."""

from digitbench.ledger import start_job
from digitbench.stats.comparisons import comparison_tables
from digitbench.stats.predictions import load_study

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, o, p = snakemake.input, snakemake.output, snakemake.params

study = load_study(i.baselines, p.baselines, i.runs, p.runs)
tests, models = comparison_tables(study, p.alpha, p.n_resamples, p.seed, p.exact_below, p.confidence, p.min_seeds)
tests.to_csv(o.tests, index=False)
models.to_csv(o.models, index=False)
log.info("compared predictions:\n%s", models.to_string(index=False))
log.info("\n%s", tests[["family", "model_a", "model_b", "method", "p", "p_holm"]].to_string(index=False))
