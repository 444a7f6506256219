"""Report variables, tables and generated sentences of the statistical evaluation (results/stats).

Every comparative sentence is phrased from ``claims.json``: "significantly" appears only where
the claim's corrected test rejected at alpha, so a changed result changes the sentence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from digitbench.report.numbers.cnn import mean_sd
from digitbench.report.numbers.format import fmt_int, fmt_p, fmt_signed, markdown_table

BASELINE_LABELS = {"logreg": "logistic regression", "random_forest": "random forest"}


@dataclass
class StatsInputs:
    """Paths of the statistics files the report reads."""

    bootstrap: str
    mcnemar: str
    mcnemar_models: str
    friedman: str
    wilcoxon: str
    calibration: str
    claims: str


def _json(path: str) -> Any:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def display(name: str) -> str:
    """Reader-facing name of a model id (``ensemble/x``, ``x/seed1``, a baseline or an architecture)."""
    if name in BASELINE_LABELS:
        return BASELINE_LABELS[name]
    if name == "ensemble/all_cnns":
        return "the ensemble of all CNN runs"
    if name.startswith("ensemble/"):
        return f"the `{name.split('/', 1)[1]}` seed ensemble"
    if "/seed" in name:
        arch, seed = name.split("/seed")
        return f"`{arch}` seed {seed}"
    return f"`{name}`"


def interval(low: float, high: float, decimals: int = 4) -> str:
    """``[low, high]`` with a fixed number of decimals."""
    return f"[{low:.{decimals}f}, {high:.{decimals}f}]"


def _pp(x: float | None) -> str:
    return "n/a" if x is None else fmt_signed(100 * x)


STATISTIC_SYMBOLS = {"chi2": "χ²"}


def _evidence(c: dict[str, Any]) -> str:
    """'McNemar (...): χ² = 20.6, Holm-corrected p = 5.80e-06' from a claim."""
    parts = [c["test"]]
    if c["statistic"] is not None:
        parts.append(f"{STATISTIC_SYMBOLS.get(c['statistic_name'], c['statistic_name'])} = {c['statistic']:.3g}")
    p = c["p_corrected"]
    corrected = "Holm-corrected p" if c["correction"].startswith("Holm") else "p"
    parts.append(f"{corrected} < 1e-10" if p is not None and p < 1e-10 else f"{corrected} = {fmt_p(p)}")
    return ", ".join(parts)


def claim_sentence(c: dict[str, Any]) -> str:
    """One sentence for one claim; the wording depends on ``holds`` only, never on hand-picked cases."""
    s, o = display(c["subject"]), display(c["object"]) if c["object"] else ""
    eff = c["effect_size"]
    evidence = _evidence(c)
    if c["relation"] == "lower_error":
        level = f"{100 * eff.get('ci_level', 0.95):g}%"
        ci = f", {level} CI {_pp(eff['ci_low'])} to {_pp(eff['ci_high'])}" if eff.get("ci_low") is not None else ""
        evidence += f"; error difference {_pp(eff['value'])} percentage points{ci}"
        verb = "has a significantly lower test error than" if c["holds"] else "has a lower test error than"
    elif c["relation"] == "equal_error":
        return f"{s[0].upper()}{s[1:]} and {o} make the same number of test errors ({evidence})."
    elif c["relation"] == "higher_accuracy":
        evidence += f"; mean accuracy difference {_pp(eff['value'])} percentage points, n = {c['n']}"
        verb = "has a significantly higher accuracy than" if c["holds"] else "has a higher accuracy than"
    else:  # the omnibus test
        verdict = "differ significantly" if c["holds"] else "do not differ significantly"
        return f"The architectures {verdict} in test accuracy across seeds ({evidence}, n = {c['n']} seeds)."
    tail = "" if c["holds"] else ", but the difference is not significant at α = " + f"{c['alpha']:g}"
    note = f" ({c['note']})" if c.get("note") and not c["holds"] else ""
    return f"{s[0].upper()}{s[1:]} {verb} {o} ({evidence}){tail}{note}."


_CD_FIGURE = (
    "![Critical-difference diagram of the architectures' average ranks over seeds; a bar joins architectures whose "
    "pairwise Wilcoxon test is not significant after Holm correction.](_generated/figures/stats_critical_difference)"
    "{#fig-stats-cd}\n\n@fig-stats-cd summarises the ranks as a critical-difference diagram "
    "[@demsar2006statistical].\n")


def _which(subjects: list[str]) -> str:
    return subjects[0] if len(subjects) == 1 else "both pairs" if len(subjects) == 2 else f"all {len(subjects)} pairs"


def claim_texts(claims: dict[str, Any]) -> dict[str, str]:
    """Generated Markdown paragraphs, one per family of claims, plus what could not be tested."""
    by_family: dict[str, list[str]] = {}
    for c in claims["claims"]:
        by_family.setdefault(c["family"], []).append(claim_sentence(c))
    empty = {"mcnemar_models": "No pairwise McNemar test was run.",
             "mcnemar_ensembles": "No ensemble was compared with the best single run.",
             "wilcoxon_seeds": "No pairwise Wilcoxon test across seeds was run (the reason is listed below).",
             "cv_5x2_baselines": "The 5×2cv test needs two baselines; it was not run."}
    texts = {}
    for family, none_text in empty.items():
        lines = by_family.get(family, [])
        texts[family] = "".join(f"- {line}\n" for line in lines) if lines else none_text + "\n"
    friedman = by_family.get("friedman_seeds", [])
    reasons = [u["note"] for u in claims["untested"] if u["test"].startswith("Friedman")]
    reason = reasons[0] if reasons else "no reason was recorded"
    texts["friedman_seeds"] = (friedman[0] if friedman else f"The Friedman test was not run: {reason}.") + "\n"
    # The diagram is drawn from the Friedman test: without it there is no figure to show or mention.
    texts["critical_difference"] = (_CD_FIGURE if friedman else
                                    f"No critical-difference diagram is shown, because the Friedman test was not run: {reason}.\n")
    # One line per (test, reason): the same reason for every pair would otherwise repeat itself.
    grouped: dict[tuple[str, str], list[str]] = {}
    for u in claims["untested"]:
        grouped.setdefault((u["test"], u["note"]), []).append(u["subjects"])
    untested = [f"{test}, {_which(subjects)}: {note}." for (test, note), subjects in grouped.items()]
    texts["untested"] = "".join(f"- {u}\n" for u in untested) if untested else "Every planned test was run.\n"
    return texts


def build(inputs: StatsInputs, cnn_summary: pd.DataFrame, baseline_metrics: pd.DataFrame,
          stats_config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Variables under ``stats``, the statistics tables and the generated sentences.

    Returns:
        ``(variables, tables, texts)``.
    """
    boot = pd.read_csv(inputs.bootstrap)
    tests = pd.read_csv(inputs.mcnemar)
    calib = pd.read_csv(inputs.calibration)
    claims = _json(inputs.claims)
    models_family = tests[tests["family"] == "models"]
    acc = boot[boot["metric"] == "accuracy"].set_index("model")
    ens_all = acc.loc["ensemble/all_cnns"] if "ensemble/all_cnns" in acc.index else None
    cnn_ece = calib[calib["kind"] == "cnn"].groupby("architecture", sort=False)["ece"]
    best_ece = cnn_ece.mean().idxmin()
    variables = {
        "alpha": f"{stats_config['alpha']:g}", "confidence_pct": f"{100 * stats_config['confidence']:g}",
        "n_resamples": fmt_int(stats_config["n_resamples"]), "ece_bins": str(stats_config["calibration_bins"]),
        "cnn_predictions": pd.read_csv(inputs.mcnemar_models).query("kind != 'baseline'")["stands_for"].iloc[0],
        "n_claims": str(claims["n_claims"]), "n_holding": str(claims["n_holding"]),
        "n_pairs": str(len(models_family)), "n_pairs_significant": str(int(models_family["reject"].sum())),
        "ensemble_all_accuracy": (f"{ens_all['estimate']:.4f} "
                                  f"{interval(ens_all['ci_low'], ens_all['ci_high'])}" if ens_all is not None
                                  else "not computed (one architecture)"),
        "best_ece_architecture": best_ece, "best_ece": f"{cnn_ece.mean()[best_ece]:.4f}",
    }
    tables = {
        "main_results": _main_table(boot, cnn_summary, baseline_metrics, stats_config),
        "significance": _significance_table(models_family),
        "ensembles": _ensemble_table(tests[tests["family"] == "ensembles"], acc),
        "calibration": _calibration_table(calib),
    }
    return variables, tables, claim_texts(claims)


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


def _significance_table(t: pd.DataFrame) -> str:
    rows = pd.DataFrame({
        "pair": [f"{display(a)} vs {display(b)}" for a, b in zip(t["model_a"], t["model_b"])],
        "discordant": t["discordant"].map(fmt_int),
        "test": t["method"].map(lambda m: "exact" if m.startswith("exact") else "χ², c.c."),
        "p": t["p_holm"].map(fmt_p),
        "diff": [f"{_pp(d)} [{_pp(lo)}, {_pp(hi)}]" for d, lo, hi in zip(t["error_difference"], t["ci_low"],
                                                                            t["ci_high"])],
        "sig": t["reject"].map({True: "yes", False: "no"}),
    })
    return markdown_table(rows, "McNemar tests between every pair of models (exact binomial, or χ² with "
                          "continuity correction), Holm-corrected over all pairs; error difference (first minus second, percentage points) with its paired BCa bootstrap "
                          "interval.", "tbl-significance",
                          headers={"pair": "Pair", "discordant": "Discordant", "test": "Test", "p": "Holm p",
                                   "diff": "Error difference [CI]", "sig": "Significant"},
                          align={"discordant": "r", "p": "r", "diff": "r"})


def _ensemble_table(t: pd.DataFrame, acc: pd.DataFrame) -> str:
    rows = pd.DataFrame({
        "ensemble": [display(a) for a in t["model_a"]],
        "acc": [f"{acc.loc[a, 'estimate']:.4f}" for a in t["model_a"]],
        "ci": [interval(acc.loc[a, "ci_low"], acc.loc[a, "ci_high"]) for a in t["model_a"]],
        "vs": [display(b) for b in t["model_b"]], "p": t["p_holm"].map(fmt_p),
        "diff": [f"{_pp(d)} [{_pp(lo)}, {_pp(hi)}]" for d, lo, hi in zip(t["error_difference"], t["ci_low"],
                                                                            t["ci_high"])],
    })
    return markdown_table(rows, "Soft-vote ensembles: test accuracy with BCa interval, and McNemar against the best "
                          "single run (Holm-corrected over the ensembles); error difference in percentage points.",
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
