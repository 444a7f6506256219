"""Numbers, table and sentences of the robustness section: perturbed test digits and the UCI digits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from digitbench.report.numbers.claims import claim_sentence
from digitbench.report.numbers.format import fmt_int, interval, markdown_table, mean_sd
from digitbench.robustness.perturb import FAMILIES
from digitbench.section_table import Built, ReportContext
from digitbench.wording import plural

UNITS = {"rotation": "°", "shift": " px", "blur": " px", "noise": ""}


def _strengths(values: list[float], unit: str) -> str:
    shown = [f"{v:g}{unit}" for v in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _family_text(family: str, claims: list[dict[str, Any]], strength: float, error: str) -> str:
    where = ("On the UCI digits" if family == "uci_digits"
             else f"At the strongest {family} ({strength:g}{UNITS[family]})")
    if not claims:
        return f"{where}, no architectures were compared (fewer than two).\n"
    return f"{where}:\n\n" + "".join(f"- {claim_sentence(c, error)}\n" for c in claims) + "\n"


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables, the robustness table and one paragraph of tested comparisons per condition.

    Args:
        files: ``summary`` (``results/stats/robustness.csv``), ``tests``
            (``results/stats/robustness_tests.csv``: which strength each family was tested at),
            ``claims`` (``results/stats/claims.json``: the robustness families' claims) and
            ``occlusion`` (``results/occlusion/summary.npz``).
        ctx: The report's context (the ``robustness`` and ``occlusion`` config sections).
    """
    robustness = ctx.config["robustness"]
    table = pd.read_csv(files["summary"])
    tests = pd.read_csv(files["tests"])
    with open(files["claims"], encoding="utf-8") as fh:
        claims = json.load(fh)["claims"]
    archs = list(dict.fromkeys(table["architecture"]))
    uci = table[table["family"] == "uci_digits"].set_index("architecture")
    clean = table[table["family"] == "clean"].set_index("architecture")
    top = uci["accuracy"].idxmax()
    variables = {
        "n_images": fmt_int(clean["n_images"].iloc[0]), "n_uci": fmt_int(uci["n_images"].iloc[0]),
        "n_seeds": plural(int(clean["n_seeds"].max()), "seed"),
        "strengths": {f: _strengths(robustness[f], UNITS[f]) for f in FAMILIES},
        "uci_top": top, "uci_top_accuracy": mean_sd(uci.loc[top, "accuracy"], uci.loc[top, "sd"]),
        "uci_range": f"{uci['accuracy'].min():.4f} to {uci['accuracy'].max():.4f}",
    }
    # Families the runs were evaluated on (every family of the config; fewer in hand-made tables).
    strongest = {f: table[table["family"] == f]["strength"].max() for f in FAMILIES if (table["family"] == f).any()}
    rows = []
    for arch in archs:
        t = table[table["architecture"] == arch]
        row = {"arch": f"`{arch}`", "n": str(int(t["n_seeds"].iloc[0])),
               "clean": mean_sd(clean.loc[arch, "accuracy"], clean.loc[arch, "sd"])}
        for f in strongest:
            r = t[(t["family"] == f) & (t["strength"] == strongest[f])].iloc[0]
            row[f] = mean_sd(r["accuracy"], r["sd"])
        row["uci"] = f"{uci.loc[arch, 'accuracy']:.4f} {interval(uci.loc[arch, 'ci_low'], uci.loc[arch, 'ci_high'])}"
        rows.append(row)
    level = f"{100 * float(table['confidence'].iloc[0]):g}%"
    headers = {"arch": "Architecture", "n": "n", "clean": "Clean",
               **{f: f"{f.capitalize()} {strongest[f]:g}{UNITS[f]}" for f in strongest},
               "uci": f"UCI digits [{level} CI]"}
    md = markdown_table(pd.DataFrame(rows), f"Accuracy of each architecture (mean ± SD over its n seeds) on "
                        f"{variables['n_images']} clean test images, on the same images under each family's strongest "
                        f"perturbation, and on the {variables['n_uci']} UCI digits, with the two-level {level} "
                        "interval (seeds and images resampled).", "tbl-robustness", headers=headers)
    texts = {}
    by_family: dict[str, list[dict[str, Any]]] = {}
    for c in claims:
        by_family.setdefault(c["family"].removeprefix("pairwise_"), []).append(c)
    strength_of = dict(zip(tests["family"], tests["strength"])) if len(tests) else {}
    parts = [_family_text(f, by_family.get(f"robustness_{f}", []), strength_of.get(f"robustness_{f}", strongest[f]),
                          "error rate") for f in strongest]
    parts.append(_family_text("uci_digits", by_family.get("uci_digits", []), 0.0, "error rate"))
    texts["robustness_tests"] = "".join(parts)
    if "occlusion" in files:  # always in the workflow; tables made by hand may have none
        variables["occlusion"] = occlusion_variables(files["occlusion"], ctx.config["occlusion"])
    return Built({"robustness": variables}, {"robustness": md}, texts)


def occlusion_variables(summary_path: str, occlusion: dict[str, Any]) -> dict[str, Any]:
    """What the occlusion paragraph quotes: the method's settings and which digits the figure shows."""
    with np.load(summary_path) as z:
        n_digits, wrong = len(z["y_true"]), z["example_wrong"]
    right, misclassified = int((~wrong).sum()), int(wrong.sum())
    shown = plural(right, "digit") + " that every run classified correctly"
    shown += (f" and {plural(misclassified, 'digit')} that the most runs misclassified" if misclassified
              else "; no run misclassified any of the digits")
    return {"patch": str(occlusion["patch"]), "stride": plural(occlusion["stride"], "pixel"),
            "per_class": str(occlusion["per_class"]), "n_digits": fmt_int(n_digits), "shown": shown}
