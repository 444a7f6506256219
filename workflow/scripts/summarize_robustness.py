"""Rule summarize_robustness: accuracy per condition with intervals, the architectures compared, examples to plot."""

from digitbench.atomic import savez, write_atomic
from digitbench.ledger import start_job
from digitbench.robustness.evaluate import example_images
from digitbench.stats.robustness import load_runs, summary_table, tests_table

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, p = snakemake.input, snakemake.params

runs = load_runs(list(i.arrays), [tuple(k) for k in p.runs])
summary = summary_table(runs, p.n_resamples, p.seed, p.confidence)
summary.to_csv(snakemake.output.summary, index=False)
tests = tests_table(runs, p.alpha, p.n_resamples, p.seed, p.confidence, p.min_seeds)
tests.to_csv(snakemake.output.tests, index=False)
examples = example_images(i.data, p.test_set, p.robustness)
write_atomic(snakemake.output.examples, lambda path: savez(path, compressed=True, **examples))
log.info("%d runs; accuracy per condition:\n%s", len(runs), summary.to_string(index=False))
log.info("%d pairwise comparisons in %d families", len(tests), tests["family"].nunique() if len(tests) else 0)
