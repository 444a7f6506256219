"""The claims file: every comparative statement the paper may make, with the test behind it.

Each claim names a direction observed in the point estimates ("a has a lower test error than b")
and says whether the corrected test supports it at ``alpha``; the report phrases its sentences from
``holds`` so that "significantly" appears only where a corrected test rejected. A claim whose
comparison had too few seeds to be tested (``stats.min_seeds``) has ``tested`` false: it is a
description of the point estimates, and never holds.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def _num(value: Any) -> float | None:
    """JSON-safe float: None for missing or NaN."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def _text(value: Any) -> str:
    """A note column read back from CSV: empty cells arrive as NaN, which must not print as 'nan'."""
    return value if isinstance(value, str) else ""


def _orient(row: Any, a_better: bool) -> tuple[str, str, float]:
    """``(subject, object, sign)``: the better model first; sign turns a-minus-b effects into subject-minus-object."""
    if a_better:
        return row["model_a"], row["model_b"], 1.0
    return row["model_b"], row["model_a"], -1.0


def _pair_test(r: Any) -> tuple[str, str]:
    """``(test, statistic name)`` of one row of the comparisons table."""
    if r.get("test") == "McNemar":
        return f"McNemar ({r['method']})", "chi2" if r["method"].startswith("chi") else "min(b, c)"
    return str(r["method"]), "none"


def pairwise_claims(table: pd.DataFrame, alpha: float) -> list[dict[str, Any]]:
    """One claim per compared pair: the model with fewer test errors (seeds averaged) errs less than the other."""
    claims = []
    for family, group in table.groupby("family", sort=False):
        for _, r in group.iterrows():
            subject, obj, sign = _orient(r, r["error_a"] <= r["error_b"])
            equal = r["error_a"] == r["error_b"]
            ci = sorted((sign * r["ci_low"], sign * r["ci_high"]))
            test, statistic_name = _pair_test(r)
            claims.append({
                "id": f"pairwise/{family}/{subject}-vs-{obj}", "family": f"pairwise_{family}",
                "statement": (f"{subject} and {obj} have the same test error" if equal
                              else f"{subject} has a lower test error than {obj}"),
                "subject": subject, "object": obj, "relation": "equal_error" if equal else "lower_error",
                "test": test, "statistic_name": statistic_name, "statistic": _num(r["statistic"]), "p": _num(r["p"]),
                "p_corrected": _num(r["p_holm"]),
                "correction": f"Holm over {int(group['p'].notna().sum())} tested pairs", "alpha": alpha,
                "holds": bool(not equal and r["p_holm"] < alpha), "tested": bool(pd.notna(r["p"])),
                "effect_size": {"name": "difference in test error rate (subject - object)",
                                "value": _num(sign * r["error_difference"]), "ci_low": _num(ci[0]),
                                "ci_high": _num(ci[1]), "ci_level": _num(r.get("confidence", 0.95)),
                                "ci_method": ("paired bootstrap, BCa" if r.get("test") == "McNemar"
                                              else "two-level paired bootstrap, percentile")},
                "n": int(r["n_test"]), "n_seeds": [int(r["n_seeds_a"]), int(r["n_seeds_b"])][::1 if sign > 0 else -1],
                "note": _text(r.get("note")),
            })
    return claims


def calibration_claims(table: pd.DataFrame, alpha: float) -> list[dict[str, Any]]:
    """One claim per row of the calibration tests: the lowest-ECE architecture is better calibrated than another."""
    return [{
        "id": f"calibration/{r['model_a']}-vs-{r['model_b']}", "family": "calibration",
        "statement": f"{r['model_a']} has a lower expected calibration error than {r['model_b']}",
        "subject": r["model_a"], "object": r["model_b"], "relation": "lower_ece", "test": str(r["method"]),
        "statistic_name": "none", "statistic": None, "p": _num(r["p"]), "p_corrected": _num(r["p_holm"]),
        "correction": f"Holm over {int(table['p'].notna().sum())} tested pairs", "alpha": alpha, "holds": bool(r["reject"]),
        "tested": bool(pd.notna(r["p"])),
        "effect_size": {"name": "difference in mean ECE over seeds (subject - object)",
                        "value": _num(r["ece_difference"]), "ci_low": _num(r["ci_low"]),
                        "ci_high": _num(r["ci_high"]), "ci_level": _num(r["confidence"]),
                        "ci_method": "two-level paired bootstrap, percentile"},
        "n": None, "n_seeds": [int(r["n_seeds_a"]), int(r["n_seeds_b"])], "note": _text(r.get("note")),
    } for _, r in table.iterrows()]


def best_claims(claims: list[dict[str, Any]], architectures: list[str], alpha: float) -> list[dict[str, Any]]:
    """"Best" and "best calibrated" as claims: the leader's pairwise claims against every other architecture.

    The leader (highest mean accuracy, lowest mean ECE) is named by its point estimate; the claim
    that it is the best holds only when every one of its Holm-corrected comparisons with the other
    architectures rejects.
    """
    out = []
    kinds = (("accuracy", "pairwise_models", "lower_error", "the most accurate architecture"),
             ("calibration", "calibration", "lower_ece", "the best-calibrated architecture"))
    for kind, family, relation, role in kinds:
        pairs = [c for c in claims if c["family"] == family and c["subject"] in architectures
                 and c["object"] in architectures]
        if not pairs or len(architectures) < 2:
            continue
        leader = next((a for a in architectures
                       if len(mine := [c for c in pairs if a in (c["subject"], c["object"])]) == len(architectures) - 1
                       and all(c["subject"] == a and c["relation"] == relation for c in mine)), None)
        if leader is None:  # a tie at the top: no architecture leads every comparison
            continue
        based_on = [c for c in pairs if c["subject"] == leader]
        corrected = [c["p_corrected"] for c in based_on if c["p_corrected"] is not None]
        largest = max(corrected) if len(corrected) == len(based_on) else None
        out.append({"id": f"best/{kind}", "family": "best", "statement": f"{leader} is {role}",
                    "subject": leader, "object": None, "relation": f"best_{kind}",
                    "test": based_on[0]["test"], "statistic_name": "none", "statistic": None,
                    "p": None, "p_corrected": largest,
                    "correction": based_on[0]["correction"], "alpha": alpha,
                    "holds": all(c["holds"] for c in based_on),
                    "tested": all(c.get("tested", True) for c in based_on),
                    "effect_size": {"name": "largest corrected p of its comparisons with the other architectures",
                                    "value": largest},
                    "based_on": [c["id"] for c in based_on],
                    "not_significant_against": [c["object"] for c in based_on if not c["holds"]],
                    "n": None, "note": ""})
    return out


def wilcoxon_claims(table: pd.DataFrame, omnibus: dict[str, Any], alpha: float) -> list[dict[str, Any]]:
    """One claim per tested architecture pair: higher test accuracy across seeds.

    A pairwise claim holds only when its Holm-corrected p is below ``alpha`` and the Friedman test
    rejected, the usual two-step protocol (Demsar 2006).
    """
    claims = []
    omnibus_rejects = omnibus.get("status") == "tested" and omnibus["p"] < alpha
    tested = table[table["status"] == "tested"] if not table.empty else table
    for _, r in tested.iterrows():
        subject, obj, sign = _orient(r, r["mean_difference"] >= 0)
        note = "" if omnibus_rejects else "the Friedman test did not reject, so no pairwise claim is made"
        if r["min_attainable_p"] >= alpha:
            note = (f"with {r['n_nonzero']} non-zero paired differences the smallest attainable p is "
                    f"{r['min_attainable_p']:.4g} >= {alpha}; significance is impossible at this number of seeds")
        claims.append({
            "id": f"wilcoxon/{subject}-vs-{obj}", "family": "wilcoxon_seeds",
            "statement": f"{subject} has a higher test accuracy than {obj} across seeds",
            "subject": subject, "object": obj, "relation": "higher_accuracy",
            "test": "Wilcoxon signed-rank (seeds as pairs)", "statistic_name": "W", "statistic": _num(r["statistic"]),
            "p": _num(r["p"]), "p_corrected": _num(r["p_holm"]), "correction": f"Holm over {len(tested)} pairs",
            "alpha": alpha, "holds": bool(omnibus_rejects and r["p_holm"] < alpha), "tested": True,
            "effect_size": {"name": "mean difference in test accuracy over seeds (subject - object)",
                            "value": _num(sign * r["mean_difference"]),
                            "median": _num(sign * r["median_difference"])},
            "n": int(r["n_blocks"]), "note": note,
        })
    return claims


def friedman_claim(result: dict[str, Any], alpha: float) -> list[dict[str, Any]]:
    """The omnibus claim that the architectures' test accuracies differ (seeds as blocks)."""
    if result.get("status") != "tested":
        return []
    return [{"id": "friedman/architectures", "family": "friedman_seeds",
             "statement": "the architectures differ in test accuracy across seeds", "subject": "architectures",
             "object": None, "relation": "differ", "test": "Friedman (seeds as blocks)", "statistic_name": "chi2",
             "statistic": _num(result["statistic"]), "p": _num(result["p"]), "p_corrected": _num(result["p"]),
             "correction": "none (single omnibus test)", "alpha": alpha, "holds": bool(result["p"] < alpha), "tested": True,
             "effect_size": {"name": "average rank (1 = best)", "value": result.get("average_ranks")},
             "n": int(result["n_blocks"]), "note": ""}]


def cv_claim(result: dict[str, Any], alpha: float) -> list[dict[str, Any]]:
    """The 5x2cv claim between the two baselines."""
    subject, obj, sign = _orient(result, result["mean_difference"] >= 0)
    return [{"id": f"5x2cv/{subject}-vs-{obj}", "family": "cv_5x2_baselines",
             "statement": f"{subject} has a higher accuracy than {obj} under 5x2 cross-validation",
             "subject": subject, "object": obj, "relation": "higher_accuracy", "test": result["test"],
             "statistic_name": result["statistic_name"], "statistic": _num(result["statistic"]),
             "p": _num(result["p"]), "p_corrected": _num(result["p"]), "correction": "none (single test)",
             "alpha": alpha, "holds": bool(result["p"] < alpha), "tested": True,
             "effect_size": {"name": "mean accuracy difference over the 10 folds (subject - object)",
                             "value": _num(sign * result["mean_difference"]), "sd": _num(result["sd_difference"])},
             "n": int(result["folds"]), "note": ""}]


def untested(friedman: dict[str, Any], wilcoxon: pd.DataFrame) -> list[dict[str, Any]]:
    """Tests that were not run or are undefined, with the reason, so the paper can say so."""
    out = []
    if friedman.get("status") != "tested":
        out.append({"test": "Friedman (seeds as blocks)", "subjects": "architectures", "status": friedman["status"],
                    "note": friedman["note"]})
    if not wilcoxon.empty:
        for _, r in wilcoxon[wilcoxon["status"] != "tested"].iterrows():
            out.append({"test": "Wilcoxon signed-rank (seeds as pairs)", "subjects": f"{r['model_a']}, {r['model_b']}",
                        "status": r["status"], "note": r["note"]})
    return out


def build_claims(comparisons: pd.DataFrame, wilcoxon: pd.DataFrame, friedman: dict[str, Any],
                 cv: dict[str, Any] | None, alpha: float, calibration: pd.DataFrame | None = None,
                 architectures: list[str] | None = None) -> dict[str, Any]:
    """Assemble ``claims.json``: tested claims, untested comparisons and the protocol in one place."""
    claims = (pairwise_claims(comparisons, alpha) + friedman_claim(friedman, alpha)
              + wilcoxon_claims(wilcoxon, friedman, alpha) + (cv_claim(cv, alpha) if cv else [])
              + (calibration_claims(calibration, alpha) if calibration is not None else []))
    claims += best_claims(claims, architectures or [], alpha)
    return {"alpha": alpha, "n_claims": len(claims), "n_holding": sum(c["holds"] for c in claims),
            "n_tested": sum(c["tested"] for c in claims),
            "claims": claims, "untested": untested(friedman, wilcoxon)}
