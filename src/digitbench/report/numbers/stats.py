"""Report variables, tables and generated sentences of the statistical evaluation (results/stats).

The sentences themselves are phrased from ``claims.json`` by ``claims.py``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from digitbench.report.numbers.claims import claim_texts
from digitbench.report.numbers.format import display, fmt_int, fmt_p, interval, markdown_table, mean_sd, pp
from digitbench.section_table import Built, ReportContext
from digitbench.stats.comparisons import DESCRIPTIVE
from digitbench.wording import plural


def _json(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def best_verdict(claims: dict[str, Any], n_seeds: int, min_seeds: int) -> str:
    """A short clause on whether the top architecture is significantly the most accurate (the best/accuracy claim)."""
    best = next((c for c in claims["claims"] if c["id"] == "best/accuracy"), None)
    if best is None:
        return "no architecture leads every comparison"
    if not best.get("tested", True):
        return (f"not tested against the other architectures: {plural(n_seeds, 'seed')} each, fewer than the "
                f"{min_seeds} the tests require")
    if best["holds"]:
        return "significantly more accurate than every other architecture"
    return "not significantly more accurate than every other architecture"


def comparison_summary(models: pd.DataFrame, n_seeds: int, min_seeds: int) -> str:
    """The abstract's sentence on the pairwise comparisons, worded as strongly as the tests allow and no more."""
    tested, significant = int(models["p"].notna().sum()), int(models["reject"].sum())
    if tested == len(models):
        return (f"Of {plural(len(models), 'pairwise comparison')}, {significant} "
                f"{'is' if significant == 1 else 'are'} significant after Holm correction.")
    if tested == 0:
        result = "none is tested"
    elif tested == 1:
        result = (f"only the one between single prediction sets is tested, and it is "
                  f"{'' if significant else 'not '}significant")
    else:
        result = (f"only the {tested} between single prediction sets are tested, and {significant} of them "
                  f"{'is' if significant == 1 else 'are'} significant after Holm correction")
    return (f"With {plural(n_seeds, 'seed')} per architecture, fewer than the {min_seeds} that its tests require, "
            f"the architectures are compared descriptively (each seed's accuracy, no p-value); of the "
            f"{len(models)} pairwise comparisons {result}.")


def ensemble_summary(claims: dict[str, Any], acc: pd.DataFrame, cnn_summary: pd.DataFrame) -> str:
    """The all-run ensemble against the architecture of highest mean accuracy: above or below it, and the test."""
    claim = next((c for c in claims["claims"] if c["family"] == "pairwise_ensembles"
                  and "ensemble/all_cnns" in (c["subject"], c["object"])), None)
    if claim is None or "ensemble/all_cnns" not in acc.index:
        return "No ensemble of all runs was built (one architecture)."
    best = claim["object"] if claim["subject"] == "ensemble/all_cnns" else claim["subject"]
    ens = acc.loc["ensemble/all_cnns"]
    best_mean = float(cnn_summary.set_index("architecture").loc[best, "accuracy_mean"])
    side = "above" if ens["estimate"] > best_mean else "below" if ens["estimate"] < best_mean else "equal to"
    verdict = ("a significant difference" if claim["holds"] else "not a significant difference"
               if claim.get("tested", True) else "described, not tested")
    return (f"The soft-vote ensemble of all CNN runs reaches {ens['estimate']:.4f} "
            f"{interval(ens['ci_low'], ens['ci_high'])}, {side} the mean of `{best}` ({best_mean:.4f}; {verdict}).")


def seed_level(n: int) -> str:
    """What the seed level of the two-level bootstrap can and cannot do with ``n`` seeds per architecture."""
    if n == 1:
        return "With one seed per architecture, the seed level is empty and the interval covers test-set sampling only."
    draws = math.comb(2 * n - 1, n)  # multisets of n seeds drawn from n
    return (f"With {n} seeds per architecture, the seed level of that bootstrap has only {draws} distinct draws of "
            f"the seed set, and it understates the variance of the seed mean by the factor (n − 1)/n = "
            f"{(n - 1) / n:.2f}, so the interval is coarse and somewhat too narrow.")


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables under ``stats``, the statistics tables and the generated sentences.

    Args:
        files: The statistics files (``bootstrap``, ``comparisons``, ``compared_models``,
            ``calibration``, ``claims``; see the section table) and the CNN and baseline summaries
            (``cnn_summary``, ``baseline_metrics``) the main table joins.
        ctx: The report's context (the ``stats`` config section).
    """
    stats_config = ctx.config["stats"]
    cnn_summary, baseline_metrics = pd.read_csv(files["cnn_summary"]), pd.read_csv(files["baseline_metrics"])
    boot = pd.read_csv(files["bootstrap"])
    tests = pd.read_csv(files["comparisons"])
    calib = pd.read_csv(files["calibration"])
    claims = _json(files["claims"])
    models_family = tests[tests["family"] == "models"]
    n_seeds = int(cnn_summary["n_seeds"].min())
    acc = boot[boot["metric"] == "accuracy"].set_index("model")
    ens_all = acc.loc["ensemble/all_cnns"] if "ensemble/all_cnns" in acc.index else None
    cnn_ece = calib[calib["kind"] == "cnn"].groupby("architecture", sort=False)["ece"]
    best_ece = cnn_ece.mean().idxmin()
    variables = {
        "alpha": f"{stats_config['alpha']:g}", "confidence_pct": f"{100 * stats_config['confidence']:g}",
        "n_resamples": fmt_int(stats_config["n_resamples"]), "ece_bins": str(stats_config["calibration_bins"]),
        "n_claims": str(claims["n_claims"]), "n_holding": str(claims["n_holding"]),
        "n_tested": str(claims.get("n_tested", claims["n_claims"])),
        "n_pairs": str(len(models_family)), "n_pairs_significant": str(int(models_family["reject"].sum())),
        "ensemble_all_accuracy": (f"{ens_all['estimate']:.4f} "
                                  f"{interval(ens_all['ci_low'], ens_all['ci_high'])}" if ens_all is not None
                                  else "not computed (one architecture)"),
        "best_ece_architecture": best_ece, "best_ece": f"{cnn_ece.mean()[best_ece]:.4f}",
        "best_accuracy_verdict": best_verdict(claims, n_seeds, stats_config["min_seeds"]),
        "min_seeds": str(stats_config["min_seeds"]),
        "n_pairs_tested": str(int(models_family["p"].notna().sum())),
        "comparison_summary": comparison_summary(models_family, n_seeds, stats_config["min_seeds"]),
        "ensemble_summary": ensemble_summary(claims, acc, cnn_summary),
        "seed_level": seed_level(n_seeds),
        "n_compared_models": str(len(pd.read_csv(files["compared_models"]).query("kind != 'ensemble'"))),
    }
    tables = {
        "main_results": _main_table(boot, cnn_summary, baseline_metrics, stats_config),
        "seed_accuracies": _seed_table(pd.read_csv(files["runs"])),
        "significance": _significance_table(models_family),
        "ensembles": _ensemble_table(tests[tests["family"] == "ensembles"], acc),
        "calibration": _calibration_table(calib),
    }
    return Built({"stats": variables}, tables, claim_texts(claims))


def _main_table(boot: pd.DataFrame, summary: pd.DataFrame, baselines: pd.DataFrame,
                stats_config: dict[str, Any]) -> str:
    acc = boot[boot["metric"] == "accuracy"].set_index("model")
    rows = []
    for _, b in baselines.iterrows():
        ci = acc.loc[b["model"]]
        rows.append({"model": b["label"], "n": "1", "acc": f"{b['accuracy']:.4f}",
                     "ci": interval(ci["ci_low"], ci["ci_high"]), "f1": f"{b['macro_f1']:.4f}",
                     "top3": f"{b['top3_accuracy']:.4f}", "params": "–", "train": f"{b['fit_seconds']:.1f}",
                     "ms": "–"})
    for _, s in summary.iterrows():
        ci = acc.loc[f"seeds/{s['architecture']}"]
        rows.append({"model": f"`{s['architecture']}`", "n": str(int(s["n_seeds"])),
                     "acc": mean_sd(s["accuracy_mean"], s["accuracy_sd"]), "ci": interval(ci["ci_low"], ci["ci_high"]),
                     "f1": mean_sd(s["macro_f1_mean"], s["macro_f1_sd"]), "top3": f"{s['top3_accuracy_mean']:.4f}",
                     "params": fmt_int(s["parameters"]), "train": f"{s['training_seconds_mean']:.1f}",
                     "ms": f"{s['inference_ms_per_image_mean']:.3f}"})
    level = f"{100 * stats_config['confidence']:g}%"
    return markdown_table(
        pd.DataFrame(rows),
        f"Main results on the test set (n = {fmt_int(acc['n_test'].iloc[0])} images). CNNs: mean ± SD over n "
        f"seeds; {level} CI over {fmt_int(stats_config['n_resamples'])} resamples: baselines, BCa bootstrap over "
        "test images; CNNs, a two-level bootstrap that resamples seeds and test images together, so it "
        "covers the spread between seeds. Train: seconds per run "
        "(baselines: final fit); ms/image: inference.", "tbl-main-results",
        headers={"model": "Model", "n": "n", "acc": "Test accuracy", "ci": f"{level} CI", "f1": "Macro F1",
                 "top3": "Top-3", "params": "Parameters", "train": "Train (s)", "ms": "ms/image"},
        align={c: "r" for c in ("n", "acc", "ci", "f1", "top3", "params", "train", "ms")})


def _test_label(method: str) -> str:
    if method == DESCRIPTIVE:
        return "not tested"
    return "McNemar, exact" if method.startswith("exact") else "McNemar, χ²" if method.startswith("chi") else "two-level"


def _diffs(t: pd.DataFrame) -> list[str]:
    # A described pair has no interval: its difference of the seed means alone.
    return [pp(d) if pd.isna(lo) else f"{pp(d)} [{pp(lo)}, {pp(hi)}]"
            for d, lo, hi in zip(t["error_difference"], t["ci_low"], t["ci_high"])]


def _seed_table(runs: pd.DataFrame) -> str:
    """Each seed's test accuracy per architecture, with the mean and the range: what a descriptive comparison shows."""
    wide = runs.pivot_table(index="architecture", columns="seed", values="accuracy", sort=False)
    rows = pd.DataFrame({"arch": [f"`{a}`" for a in wide.index]})
    for seed in wide.columns:
        rows[f"s{seed}"] = [f"{v:.4f}" for v in wide[seed]]
    rows["mean"] = [f"{v:.4f}" for v in wide.mean(axis=1)]
    rows["range"] = [f"{hi - lo:.4f}" for lo, hi in zip(wide.min(axis=1), wide.max(axis=1))]
    return markdown_table(rows, "Test accuracy of every run, by architecture and seed, with the mean over seeds and "
                          "the range (largest minus smallest).", "tbl-seed-accuracies",
                          headers={"arch": "Architecture", **{f"s{s}": f"Seed {s}" for s in wide.columns},
                                   "mean": "Mean", "range": "Range"},
                          align={c: "r" for c in rows.columns if c != "arch"})


def _significance_table(t: pd.DataFrame) -> str:
    rows = pd.DataFrame({
        "pair": [f"{display(a)} vs {display(b)}" for a, b in zip(t["model_a"], t["model_b"])],
        "seeds": [f"{int(a)} vs {int(b)}" for a, b in zip(t["n_seeds_a"], t["n_seeds_b"])],
        "test": t["method"].map(_test_label),
        "p": [fmt_p(p) if m != DESCRIPTIVE else "–" for p, m in zip(t["p_holm"], t["method"])],
        "diff": _diffs(t),
        "sig": ["–" if m == DESCRIPTIVE else "yes" if r else "no" for r, m in zip(t["reject"], t["method"])],
    })
    return markdown_table(rows, "Pairwise comparisons of test error, Holm-corrected over all pairs. Two single "
                          "prediction sets (the baselines): McNemar test (exact binomial, or χ² with continuity "
                          "correction) and paired BCa interval. An architecture: all its seeds, by a two-level "
                          "paired bootstrap over seeds and test images (percentile interval, bootstrap p), or, with "
                          "fewer seeds than the tests require, not tested: the difference of the seed means alone. "
                          "Error difference: first minus second, percentage points.", "tbl-significance",
                          headers={"pair": "Pair", "seeds": "Seeds", "test": "Test", "p": "Holm p",
                                   "diff": "Error difference [CI]", "sig": "Significant"},
                          align={"seeds": "r", "p": "r", "diff": "r"})


def _ensemble_table(t: pd.DataFrame, acc: pd.DataFrame) -> str:
    rows = pd.DataFrame({
        "ensemble": [display(a) for a in t["model_a"]],
        "acc": [f"{acc.loc[a, 'estimate']:.4f}" for a in t["model_a"]],
        "ci": [interval(acc.loc[a, "ci_low"], acc.loc[a, "ci_high"]) for a in t["model_a"]],
        "vs": [display(b) for b in t["model_b"]], "diff": _diffs(t),
        "p": [fmt_p(p) if m != DESCRIPTIVE else "not tested" for p, m in zip(t["p_holm"], t["method"])],
    })
    return markdown_table(rows, "Soft-vote ensembles: test accuracy with BCa interval, and each ensemble against the "
                          "architecture with the highest mean test accuracy, by all its seeds (a two-level paired "
                          "bootstrap over its seeds and the test images, Holm-corrected over the ensembles; not "
                          "tested with fewer seeds than the tests require); error difference (ensemble minus "
                          "architecture) in percentage points.",
                          "tbl-ensembles", headers={"ensemble": "Ensemble", "acc": "Accuracy", "ci": "CI",
                                                    "vs": "Compared with", "p": "Holm p",
                                                    "diff": "Error difference [CI]"},
                          align={"acc": "r", "ci": "r", "p": "r", "diff": "r"})


def _with_interval(row: pd.Series) -> str:
    if pd.isna(row.get("ece_ci_low", np.nan)):
        return f"{row['ece']:.4f}"
    return f"{row['ece']:.4f} {interval(row['ece_ci_low'], row['ece_ci_high'])}"


def _calibration_table(calib: pd.DataFrame) -> str:
    runs = calib[calib["kind"] == "cnn"].groupby("architecture", sort=False)["ece"]
    ens = calib[calib["kind"] == "ensemble"].set_index("model")
    rows = pd.DataFrame({
        "arch": [f"`{a}`" for a in runs.mean().index],
        "n": runs.size().map(str).to_numpy(),
        "ece": [mean_sd(m, s) for m, s in zip(runs.mean(), runs.std())],
        "ens": [_with_interval(ens.loc[f"ensemble/{a}"]) if f"ensemble/{a}" in ens.index else "–"
                for a in runs.mean().index],
    })
    return markdown_table(rows, "Expected calibration error (equal-width confidence bins) of single runs (mean ± SD "
                          "over n seeds) and of each architecture's seed ensemble, with its percentile bootstrap "
                          "interval over test images.", "tbl-calibration",
                          headers={"arch": "Architecture", "n": "n", "ece": "ECE (runs)", "ens": "ECE (ensemble)"})
