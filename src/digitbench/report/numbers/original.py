"""The original notebook's claims, confronted with what this run measured (Discussion).

The notebook this study replaces printed a table of *simulated* results (``simulated_results`` and
the baseline lines before it) and a list of achievements; these are its numbers, quoted as printed,
never used as results. Each gets a verdict from this run's files:

- reproduced / not reproduced: the printed value lies inside / outside this run's interval
  (counts: equal / not equal);
- contradicted by the notebook's own code: its code builds or does something else than it printed
  (parameter counts, from :mod:`digitbench.models.notebook`; tests it imports but never calls);
- not comparable in this profile: the claim depends on settings in which this profile departs from
  the paper's protocol (CNN training), or on hardware the notebook does not name.

The baselines' accuracies come from ``fit_notebook_baseline``, which fits them as the notebook did
in every profile, so they are comparable wherever the report is built.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from digitbench.report.numbers.format import (BASELINE_LABELS, changed_settings, display, fmt_int, interval,
                                              markdown_table)
from digitbench.section_table import Built, ReportContext
from digitbench.wording import plural

# Quoted from the notebook (shared/seeds, "SIMULATED RESULTS SUMMARY" and "KEY TECHNICAL ACHIEVEMENTS").
CLAIMED_ACCURACY = {"enhanced_cnn": 0.9921, "resnet_inspired": 0.9947, "se_cnn": 0.9938,
                    "densenet_inspired": 0.9934, "logreg": 0.9248, "random_forest": 0.9721}
CLAIMED_PARAMETERS = {"enhanced_cnn": 89_634, "resnet_inspired": 123_410, "se_cnn": 95_847,
                      "densenet_inspired": 156_923}
CLAIMED_LOGREG_PARAMETERS = 7_850
CLAIMED_MS_PER_IMAGE = 5.0
CLAIMED_BEST = "resnet_inspired"
CLAIMED_BEST_TOP3 = 0.9993
CLAIMED_TRAINING_MINUTES = {"enhanced_cnn": 12.4, "resnet_inspired": 18.7, "se_cnn": 15.2, "densenet_inspired": 22.1}
REPRODUCED, NOT_REPRODUCED = "reproduced", "not reproduced"
CONTRADICTED, NOT_COMPARABLE = "contradicted by the notebook's own code", "not comparable in this profile"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, CONTRADICTED, NOT_COMPARABLE)
# Statements about methods that the notebook's code can be read for (section 1 imports
# friedmanchisquare and wilcoxon; its only test is an ANOVA of mean pixel intensity by digit).
CODE_CLAIMS = [
    ("statistical validation with Friedman and Wilcoxon tests",
     "its code imports both tests and never calls them; this workflow runs them (Statistics)", CONTRADICTED),
    ("bootstrap confidence intervals (1000 iterations), paired tests, effect sizes",
     "its code computes none of them; this workflow does (Statistics)", CONTRADICTED),
    ("5-fold stratified cross-validation", "its code cross-validates the two baselines, as this workflow does",
     REPRODUCED),
]
# The estimator arguments the Methods name (the others are scikit-learn's defaults, as in the notebook).
_SHOWN = ("max_iter", "n_estimators", "random_state")




def _row(claim: str, claimed: str, measured: str, verdict: str) -> dict[str, str]:
    return {"claim": claim, "claimed": claimed, "measured": measured, "verdict": verdict}


def _inside(value: float, low: float, high: float) -> str:
    return REPRODUCED if low <= value <= high else NOT_REPRODUCED


def _cnn_accuracy_rows(acc: pd.DataFrame, comparable: bool) -> list[dict[str, str]]:
    rows = []
    for arch in CLAIMED_PARAMETERS:
        key, claimed = f"seeds/{arch}", CLAIMED_ACCURACY[arch]
        if key not in acc.index:
            rows.append(_row(f"{display(arch)} test accuracy", f"{claimed:.4f}", "not run", NOT_COMPARABLE))
            continue
        ci = acc.loc[key]
        rows.append(_row(f"{display(arch)} test accuracy", f"{claimed:.4f}",
                         f"{ci['estimate']:.4f} {interval(ci['ci_low'], ci['ci_high'])}",
                         _inside(claimed, ci["ci_low"], ci["ci_high"]) if comparable else NOT_COMPARABLE))
    return rows


def _baseline_rows(notebook: Mapping[str, Mapping[str, Any]] | None) -> list[dict[str, str]]:
    rows = []
    for model in ("logreg", "random_forest"):
        claimed, m = CLAIMED_ACCURACY[model], (notebook or {}).get(model)
        claim = f"{BASELINE_LABELS[model]} test accuracy"
        if m is None:
            rows.append(_row(claim, f"{claimed:.4f}", "not fitted (original.baselines is off)", NOT_COMPARABLE))
            continue
        rows.append(_row(claim, f"{claimed:.4f}",
                         f"{m['accuracy']:.4f} {interval(m['accuracy_ci_low'], m['accuracy_ci_high'])}",
                         _inside(claimed, m["accuracy_ci_low"], m["accuracy_ci_high"])))
    m = (notebook or {}).get("logreg")
    measured = "not fitted" if m is None else fmt_int(m["n_parameters"])
    verdict = NOT_COMPARABLE if m is None else REPRODUCED if m["n_parameters"] == CLAIMED_LOGREG_PARAMETERS \
        else NOT_REPRODUCED
    rows.append(_row("logistic regression parameters", fmt_int(CLAIMED_LOGREG_PARAMETERS), measured, verdict))
    return rows


def _parameter_rows(architectures: pd.DataFrame) -> list[dict[str, str]]:
    table = architectures.set_index("architecture")
    rows = []
    for arch, claimed in CLAIMED_PARAMETERS.items():
        claim = f"{display(arch)} parameters"
        if arch not in table.index:
            rows.append(_row(claim, fmt_int(claimed), "not built", NOT_COMPARABLE))
            continue
        built, own = int(table.loc[arch, "parameters"]), table.loc[arch].get("notebook_parameters")
        if own is None or pd.isna(own) or int(own) != built:
            # The workflow's model is not the notebook's here, so only "not reproduced" can be said.
            rows.append(_row(claim, fmt_int(claimed), fmt_int(built), REPRODUCED if built == claimed else NOT_REPRODUCED))
        elif built == claimed:
            rows.append(_row(claim, fmt_int(claimed), fmt_int(built), REPRODUCED))
        else:
            rows.append(_row(claim, fmt_int(claimed), f"{fmt_int(built)} (the notebook's code builds the same)",
                             f"{CONTRADICTED} (its code builds {fmt_int(built)}; it printed {fmt_int(claimed)})"))
    return rows


def _cnn_rows(bootstrap: pd.DataFrame, summary: pd.DataFrame, comparable: bool) -> list[dict[str, str]]:
    rows = []
    four = summary[summary["architecture"].isin(list(CLAIMED_PARAMETERS))]
    if not four.empty:
        top = four.loc[four["accuracy_mean"].idxmax(), "architecture"]
        verdict = NOT_COMPARABLE if not comparable else REPRODUCED if top == CLAIMED_BEST else NOT_REPRODUCED
        rows.append(_row("most accurate of the four CNNs", display(CLAIMED_BEST),
                         f"{display(top)} (highest mean accuracy; not a test)", verdict))
    # One interval per run: the claim is reproduced when it lies inside the span of the runs' intervals.
    runs = bootstrap[(bootstrap["metric"] == "top3_accuracy") & (bootstrap["architecture"] == CLAIMED_BEST)
                     & bootstrap["seed"].notna()] if "architecture" in bootstrap else bootstrap.iloc[0:0]
    if not runs.empty:
        low, high = runs["ci_low"].min(), runs["ci_high"].max()
        rows.append(_row(f"{display(CLAIMED_BEST)} top-3 accuracy", f"{CLAIMED_BEST_TOP3:.4f}",
                         f"{runs['estimate'].mean():.4f} {interval(low, high)}",
                         _inside(CLAIMED_BEST_TOP3, low, high) if comparable else NOT_COMPARABLE))
    minutes = summary.set_index("architecture")["training_seconds_mean"] / 60
    shown = [a for a in CLAIMED_TRAINING_MINUTES if a in minutes.index]
    if shown:
        rows.append(_row("training time per CNN", ", ".join(f"{CLAIMED_TRAINING_MINUTES[a]:g}" for a in shown) + " min",
                         ", ".join(f"{minutes[a]:.1f}" for a in shown) + " min",
                         f"{NOT_COMPARABLE} (the notebook names no hardware)"))
    slowest = summary.loc[summary["inference_ms_per_image_mean"].idxmax()]
    rows.append(_row("inference time per image, every CNN", f"< {CLAIMED_MS_PER_IMAGE:g} ms",
                     f"at most {slowest['inference_ms_per_image_mean']:.2f} ms ({display(slowest['architecture'])})",
                     (REPRODUCED if slowest["inference_ms_per_image_mean"] < CLAIMED_MS_PER_IMAGE
                      else NOT_REPRODUCED) + " on this hardware"))
    return rows


def _overall(table: pd.DataFrame, cnn_keys: list[str]) -> str:
    """One sentence for the abstract: what the confrontation says about the notebook as a whole."""
    verdict = table["verdict"]
    contradicted = verdict.str.startswith(CONTRADICTED)
    n_params = int((contradicted & table["claim"].str.endswith("parameters")).sum())
    parts = []
    if contradicted.any():
        what = [plural(n_params, "parameter count")] if n_params else []
        if int(contradicted.sum()) > n_params:
            what.append(plural(int(contradicted.sum()) - n_params, "statement") + " about its statistics")
        parts.append(f"its own code contradicts {' and '.join(what)}")
    fitted = table[table["claim"].str.endswith("regression test accuracy") | table["claim"].str.endswith("forest test accuracy")]
    fitted = fitted[fitted["verdict"] != NOT_COMPARABLE]
    if len(fitted):
        parts.append(f"fitted as it fitted them, its baselines reproduce {int((fitted['verdict'] == REPRODUCED).sum())} "
                     f"of its {len(fitted)} baseline accuracies")
    cnn = table[table["claim"].str.endswith("` test accuracy")]
    if cnn_keys:
        parts.append(f"its CNN accuracies cannot be checked in this profile, which trains the networks differently "
                     f"({', '.join(cnn_keys)})")
    else:
        parts.append(f"this run reproduces {int((cnn['verdict'] == REPRODUCED).sum())} of its {len(cnn)} CNN accuracies")
    return "The original notebook printed simulated results: " + "; ".join(parts) + "."


def _logreg_strategy(strategy: str) -> str:
    """Methods: how the workflow's logistic regression differs from the notebook's, which is multinomial."""
    if strategy == "multinomial":
        return ("Like the notebook's, this logistic regression is multinomial (one softmax model, scikit-learn's "
                "default for L-BFGS).")
    return ("The notebook's logistic regression is multinomial instead (one softmax model: scikit-learn's default "
            "for L-BFGS, which it left unchanged); its claims are checked against a separate fit made as the "
            "notebook made it (below).")


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables under ``original`` and the ``original_claims`` table.

    Args:
        files: ``bootstrap`` (``bootstrap_metrics.csv``: intervals of each architecture's mean
            accuracy over seeds, ``seeds/<architecture>``, and of each run's top-3 accuracy),
            ``cnn_summary`` (mean accuracy, training and inference time), ``architectures``
            (``cnn_architectures.csv``: parameters of the built models and ``notebook_parameters``,
            what the notebook's own code builds) and ``notebook_baselines`` (the summary of
            ``fit_notebook_baseline``: each model's ``metrics.json``, none when ``original.baselines`` is off).
        ctx: The report's context (config and schema: which claims this profile can be compared with).
    """
    config = ctx.config
    bootstrap, cnn_summary = pd.read_csv(files["bootstrap"]), pd.read_csv(files["cnn_summary"])
    architectures = pd.read_csv(files["architectures"])
    with open(files["notebook_baselines"], encoding="utf-8") as fh:
        notebook_baselines = json.load(fh)["models"]
    cnn_keys = changed_settings("cnn", config, ctx.schema)
    acc = bootstrap[bootstrap["metric"] == "accuracy"].set_index("model")
    baselines = _baseline_rows(notebook_baselines)
    rows = [*_cnn_accuracy_rows(acc, not cnn_keys), *baselines[:2], *_parameter_rows(architectures), baselines[2],
            *_cnn_rows(bootstrap, cnn_summary, not cnn_keys),
            *(_row(claim, "stated", measured, verdict) for claim, measured, verdict in CODE_CLAIMS)]
    table = pd.DataFrame(rows)
    counts = {v: int(table["verdict"].str.startswith(v).sum()) for v in VERDICTS}
    be = {v: "is" if counts[v] == 1 else "are" for v in VERDICTS}
    variables = {
        "n_claims": str(len(table)), "n_reproduced": str(counts[REPRODUCED]),
        "n_not_reproduced": str(counts[NOT_REPRODUCED]), "n_contradicted": str(counts[CONTRADICTED]),
        "n_not_comparable": str(counts[NOT_COMPARABLE]),
        "cnn_departures": ", ".join(cnn_keys) if cnn_keys else "none",
        "cnn_comparability": (f"This profile departs from it in {', '.join(cnn_keys)}, so the CNN claims are not "
                              "compared." if cnn_keys else "This profile follows it, so the CNN claims are compared."),
        "summary": (f"Of the {plural(len(table), 'claim')} of the original notebook checked here, "
                    f"{counts[REPRODUCED]} {be[REPRODUCED]} reproduced, {counts[NOT_REPRODUCED]} {be[NOT_REPRODUCED]} "
                    f"not, {counts[CONTRADICTED]} {be[CONTRADICTED]} contradicted by the notebook's own code, and "
                    f"{counts[NOT_COMPARABLE]} cannot be compared in this profile."),
        "overall": _overall(table, cnn_keys),
        "logreg_strategy_note": _logreg_strategy(config["baselines"]["logreg_strategy"]),
    }
    variables.update(_baseline_variables(notebook_baselines))
    caption = ("The original notebook's claims (printed by a simulation, not measured) against this run: CNN "
               "accuracies with the 95% interval of the mean over seeds from a bootstrap over seeds and test images, "
               "the baselines fitted as the notebook fitted them (BCa interval over test images); a claim is not "
               "comparable when this profile departs from the paper's protocol in a setting it depends on.")
    return Built({"original": variables}, {"original_claims": markdown_table(
        table, caption, "tbl-original-claims",
        headers={"claim": "Claim", "claimed": "Notebook", "measured": "This report", "verdict": "Verdict"},
        align={"claimed": "r"})})


def _models(models: list[str], of: int) -> str:
    if len(models) == of > 1:
        return "both" if of == 2 else "all"
    return " and ".join(f"the {BASELINE_LABELS[m]}" for m in models)


def _baseline_variables(notebook: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """``original.notebook_baselines`` (a Methods sentence) and, per fitted model, its numbers."""
    if not notebook:
        return {"notebook_baselines": "The notebook's own baselines were not fitted in this profile "
                                      "(original.baselines is off), so its baseline claims are not checked."}
    out: dict[str, Any] = {}
    departing: dict[tuple[str, str, str, str], list[str]] = {}  # one entry for a departure both models share
    for model, m in notebook.items():
        for r in m["settings"]:
            if r["here"] != r["notebook"]:
                departing.setdefault((r["setting"], r["here"], r["notebook"], r["note"]), []).append(model)
        out[model] = {"accuracy": f"{m['accuracy']:.4f}", "fit_seconds": f"{m['fit_seconds']:.1f}",
                      "n_train": fmt_int(m["n_train"]), "n_test": fmt_int(m["n_test"]), "threads": str(m["threads"])}
        if "n_iter" in m:
            out[model]["n_iter"] = str(m["n_iter"])
    fits = " and ".join(f"the {BASELINE_LABELS[model]} in {m['fit_seconds']:.1f} s" for model, m in notebook.items())
    first = next(iter(notebook.values()))
    iterations = (f" (the logistic regression used {notebook['logreg']['n_iter']} L-BFGS iterations)"
                  if "logreg" in notebook else "")
    estimators = {"logreg": "a multinomial logistic regression", "random_forest": "a random forest"}
    named = " and ".join(
        f"{estimators[model]} ({', '.join(r['setting'] + ' ' + r['here'] for r in m['settings'] if r['setting'] in _SHOWN)})"
        for model, m in notebook.items())
    out["notebook_baselines"] = (
        f"The notebook's own baselines are fitted as its code fits them (rule fit_notebook_baseline), in every "
        f"profile: {named}, on all {fmt_int(first['n_train'])} training images divided by 255, tested on "
        f"all {fmt_int(first['n_test'])} test images; on {plural(int(first['threads']), 'thread')}, {fits}"
        f"{iterations}. They depart from the notebook only in "
        + ("; ".join(f"{setting} of {_models(models, len(notebook))} ({here} here, {there} in the notebook: {note})"
                     for (setting, here, there, note), models in departing.items()) or "nothing") + ".")
    return out
