"""Rule summarize_robustness: accuracy and most-predicted class per condition, the architectures compared where
none collapsed, the baselines as reference rows, examples to plot."""

import pandas as pd

from digitbench.atomic import savez, write_atomic
from digitbench.ledger import start_job
from digitbench.robustness.evaluate import example_images
from digitbench.stats.robustness import check_same_images, load_runs, runs_table, summary_table, tests_table

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, p = snakemake.input, snakemake.params

runs = load_runs(list(i.arrays), [tuple(k) for k in p.runs])
references = load_runs(list(i.baselines), [(m, 0) for m in p.baselines], kind="baseline")
check_same_images(runs, references)
summary = summary_table(runs + references, p.n_resamples, p.seed, p.confidence, p.collapse_share)
summary.to_csv(snakemake.output.summary, index=False)
per_run = runs_table(runs + references, p.collapse_share)
per_run.to_csv(snakemake.output.runs, index=False)
tests = tests_table(runs, p.alpha, p.n_resamples, p.seed, p.confidence, p.collapse_share, p.min_seeds)
tests.to_csv(snakemake.output.tests, index=False)
examples = example_images(i.data, p.test_set, p.robustness)
write_atomic(snakemake.output.examples, lambda path: savez(path, compressed=True, **examples))
log.info("%d runs and %d baselines; accuracy per condition:\n%s", len(runs), len(references),
         summary.to_string(index=False))
with pd.option_context("display.width", 200):
    log.info("collapsed (one class takes >= %g of a run's predictions):\n%s", p.collapse_share,
             per_run[per_run["collapsed"]].to_string(index=False))
log.info("%d pairwise comparisons in %d families", len(tests), tests["family"].nunique() if len(tests) else 0)
