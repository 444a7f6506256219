"""Rule test_seeds: Friedman over architectures with seeds as blocks, pairwise Wilcoxon with Holm."""

import json

import pandas as pd

from digitbench.ledger import start_job
from digitbench.stats.comparisons import seed_scores
from digitbench.stats.tests import average_ranks, friedman, wilcoxon_pairs

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, o, p = snakemake.input, snakemake.output, snakemake.params

scores = seed_scores(pd.read_csv(i.runs), "accuracy", list(p.architectures))
ranks = average_ranks(scores)
omnibus = {**friedman(scores, p.min_seeds), "metric": "accuracy", "alpha": p.alpha,
           "average_ranks": {a: float(r) for a, r in ranks.items()}}
pairs = wilcoxon_pairs(scores, p.alpha, p.min_seeds)

with open(o.friedman, "w", encoding="utf-8") as fh:
    json.dump(omnibus, fh, indent=2)
pairs.to_csv(o.wilcoxon, index=False)
ranks.rename("average_rank").rename_axis("architecture").reset_index().assign(n_seeds=len(scores)).to_csv(
    o.ranks, index=False)
log.info("Friedman: %s\n%s", omnibus, pairs.to_string(index=False))
