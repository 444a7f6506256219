"""Rule test_mcnemar: McNemar between every pair of models and between ensembles and the best run."""

from digitbench.ledger import start_job
from digitbench.stats.comparisons import mcnemar_tables
from digitbench.stats.predictions import load_study

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, o, p = snakemake.input, snakemake.output, snakemake.params

study = load_study(i.baselines, p.baselines, i.runs, p.runs)
tests, models = mcnemar_tables(study, p.cnn_predictions, p.alpha, p.n_resamples, p.seed, p.exact_below,
                               p.confidence)
tests.to_csv(o.tests, index=False)
models.to_csv(o.models, index=False)
log.info("compared predictions:\n%s", models.to_string(index=False))
log.info("\n%s", tests[["family", "model_a", "model_b", "discordant", "method", "p", "p_holm"]].to_string(index=False))
