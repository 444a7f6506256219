"""The original notebook's claims, confronted with what this run measured (Discussion).

The notebook this study replaces printed a table of *simulated* results (``simulated_results`` and
the baseline lines before it) and a list of achievements; these are its numbers, quoted as printed,
never used as results. Each gets a verdict from this run's files: reproduced, not reproduced, or
not comparable in this profile (when the profile departs from the paper's protocol in the settings
the claim depends on, its budget is not the one the claim is about).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from digitbench.report.numbers.format import (BASELINE_LABELS, comparable_to_paper, display, fmt_int, interval,
                                              markdown_table)
from digitbench.section_table import Built, ReportContext
from digitbench.wording import plural

# Quoted from the notebook (shared/seeds, "SIMULATED RESULTS SUMMARY"): test accuracy and
# parameter count of each architecture, the two baselines' accuracies, and "<5ms per sample".
CLAIMED_ACCURACY = {"enhanced_cnn": 0.9921, "resnet_inspired": 0.9947, "se_cnn": 0.9938,
                    "densenet_inspired": 0.9934, "logreg": 0.9248, "random_forest": 0.9721}
CLAIMED_PARAMETERS = {"enhanced_cnn": 89_634, "resnet_inspired": 123_410, "se_cnn": 95_847,
                      "densenet_inspired": 156_923}
CLAIMED_MS_PER_IMAGE = 5.0
REPRODUCED, NOT_REPRODUCED, NOT_COMPARABLE = "reproduced", "not reproduced", "not comparable in this profile"
def _accuracy_row(model: str, claimed: float, ci: pd.Series | None, comparable: bool) -> dict:
    label = display(model)
    if ci is None:
        return {"claim": f"{label} test accuracy", "claimed": f"{claimed:.4f}", "measured": "not run",
                "verdict": NOT_COMPARABLE}
    measured = f"{ci['estimate']:.4f} {interval(ci['ci_low'], ci['ci_high'])}"
    inside = ci["ci_low"] <= claimed <= ci["ci_high"]
    verdict = NOT_COMPARABLE if not comparable else REPRODUCED if inside else NOT_REPRODUCED
    return {"claim": f"{label} test accuracy", "claimed": f"{claimed:.4f}", "measured": measured, "verdict": verdict}


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables under ``original`` and the ``original_claims`` table.

    Args:
        files: ``bootstrap`` (``bootstrap_metrics.csv``: accuracy intervals of the baselines and of
            each architecture's mean over seeds, ``seeds/<architecture>``), ``cnn_summary``
            (inference time per image) and ``architectures`` (parameter counts of the built models).
        ctx: The report's context (config and schema: which claims this profile can be compared with).
    """
    bootstrap, cnn_summary = pd.read_csv(files["bootstrap"]), pd.read_csv(files["cnn_summary"])
    architectures = pd.read_csv(files["architectures"])
    acc = bootstrap[bootstrap["metric"] == "accuracy"].set_index("model")
    rows = []
    for model, claimed in CLAIMED_ACCURACY.items():
        kind = "baseline" if model in BASELINE_LABELS else "cnn"
        key = model if kind == "baseline" else f"seeds/{model}"
        rows.append(_accuracy_row(model, claimed, acc.loc[key] if key in acc.index else None,
                                  comparable_to_paper(kind, ctx.config, ctx.schema)))
    params = architectures.set_index("architecture")["parameters"]
    for arch, claimed in CLAIMED_PARAMETERS.items():
        measured = int(params[arch]) if arch in params.index else None
        rows.append({"claim": f"`{arch}` parameters", "claimed": fmt_int(claimed),
                     "measured": "not built" if measured is None else fmt_int(measured),
                     "verdict": NOT_COMPARABLE if measured is None else REPRODUCED if measured == claimed
                     else NOT_REPRODUCED})
    slowest = cnn_summary.loc[cnn_summary["inference_ms_per_image_mean"].idxmax()]
    rows.append({"claim": "inference time per image, every CNN", "claimed": f"< {CLAIMED_MS_PER_IMAGE:g} ms",
                 "measured": f"at most {slowest['inference_ms_per_image_mean']:.2f} ms (`{slowest['architecture']}`)",
                 "verdict": (REPRODUCED if slowest["inference_ms_per_image_mean"] < CLAIMED_MS_PER_IMAGE
                             else NOT_REPRODUCED) + " on this hardware"})
    table = pd.DataFrame(rows)
    counts = {v: int(table["verdict"].str.startswith(v).sum()) for v in (REPRODUCED, NOT_REPRODUCED, NOT_COMPARABLE)}
    variables = {
        "n_claims": str(len(table)), "n_reproduced": str(counts[REPRODUCED]),
        "n_not_reproduced": str(counts[NOT_REPRODUCED]), "n_not_comparable": str(counts[NOT_COMPARABLE]),
        "summary": (f"Of the {plural(len(table), 'claim')} of the original notebook checked here, "
                    f"{counts[REPRODUCED]} {'is' if counts[REPRODUCED] == 1 else 'are'} reproduced, "
                    f"{counts[NOT_REPRODUCED]} {'is' if counts[NOT_REPRODUCED] == 1 else 'are'} not, and "
                    f"{counts[NOT_COMPARABLE]} cannot be compared in this profile."),
    }
    caption = ("The original notebook's claims (printed by a simulation, not measured) against this run: "
               "accuracies with the 95% interval of the mean over seeds from a bootstrap over seeds and test images "
               "(baselines: BCa over test images); a claim is not comparable when this profile departs from the paper's protocol in a "
               "setting it depends on.")
    return Built({"original": variables}, {"original_claims": markdown_table(
        table, caption, "tbl-original-claims",
        headers={"claim": "Claim", "claimed": "Notebook", "measured": "This report", "verdict": "Verdict"},
        align={"claimed": "r"})})
