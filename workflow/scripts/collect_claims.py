"""Rule collect_claims: every comparative statement of the paper with its test, corrected p and effect size."""

import json

import pandas as pd

from digitbench.ledger import start_job
from digitbench.stats.claims import build_claims

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i = snakemake.input


def read_json(path):
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


cv = read_json(i.cv) if i.get("cv") else None
# Robustness comparisons are pairwise families of their own (robustness_<family>, uci_digits).
comparisons = pd.concat([pd.read_csv(i.comparisons), pd.read_csv(i.robustness)], ignore_index=True)
claims = build_claims(comparisons, pd.read_csv(i.wilcoxon), read_json(i.friedman), cv,
                      snakemake.params.alpha, pd.read_csv(i.calibration), list(snakemake.params.architectures))
with open(snakemake.output.claims, "w", encoding="utf-8") as fh:
    json.dump(claims, fh, indent=2)
log.info("%d claims, %d hold at alpha %.3g; %d comparisons untested", claims["n_claims"], claims["n_holding"],
         claims["alpha"], len(claims["untested"]))
