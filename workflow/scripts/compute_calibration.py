"""Rule compute_calibration: expected calibration error and reliability bins of every model."""

from digitbench.ledger import start_job
from digitbench.stats.calibration import calibration_tables, calibration_tests
from digitbench.stats.predictions import load_study

snakemake = snakemake  # noqa: F821 -- injected by Snakemake
log = start_job(snakemake)
i, o, p = snakemake.input, snakemake.output, snakemake.params

study = load_study(i.baselines, p.baselines, i.runs, p.runs)
summary, bins = calibration_tables(study.baselines + study.runs + study.ensembles(), p.n_bins, dict(p.interval))
summary.to_csv(o.summary, index=False)
bins.to_csv(o.bins, index=False)
runs = {a: study.runs_of(a) for a in study.architectures}
tests = calibration_tests(runs, p.n_bins, alpha=p.alpha, min_seeds=p.min_seeds, **p.interval)
tests.to_csv(o.tests, index=False)
log.info("ECE with %d bins:\n%s", p.n_bins, summary[["model", "ece", "accuracy", "confidence"]].to_string(index=False))
log.info("lowest mean ECE against the other architectures:\n%s", tests.to_string(index=False))
