"""Sentences from ``claims.json``: one per tested claim, the "best" verdicts, and what was not tested.

Every comparative sentence is phrased from a claim: "significantly" appears only where the claim's
corrected test rejected at alpha, and "best" only where the leader's comparisons with every other
architecture did, so a changed result changes the sentence.
"""

from __future__ import annotations

from typing import Any

from digitbench.report.numbers.format import display, p_clause, pp

STATISTIC_SYMBOLS = {"chi2": "χ²"}


def _evidence(c: dict[str, Any]) -> str:
    """'McNemar (...): χ² = 20.6, Holm-corrected p < 0.001' from a claim."""
    parts = [c["test"]]
    if c["statistic"] is not None and c["statistic_name"] != "none":
        parts.append(f"{STATISTIC_SYMBOLS.get(c['statistic_name'], c['statistic_name'])} = {c['statistic']:.3g}")
    corrected = "Holm-corrected p" if c["correction"].startswith("Holm") else "p"
    parts.append(p_clause(c["p_corrected"], corrected))
    return ", ".join(parts)


def _capital(text: str) -> str:
    return text[0].upper() + text[1:]


def best_sentence(c: dict[str, Any] | None, kind: str) -> str:
    """The "best" sentence for accuracy or calibration, worded from the best/<kind> claim."""
    quantity = {"accuracy": "the highest mean test accuracy", "calibration": "the lowest mean expected calibration error"}
    role = {"accuracy": "the most accurate architecture", "calibration": "the best-calibrated architecture"}
    if c is None:
        return (f"No architecture is compared for {kind} with every other (fewer than two architectures, or a tie "
                "at the top), so none is called the best.\n")
    s = display(c["subject"])
    if not c.get("tested", True):
        return (f"{_capital(s)} has {quantity[kind]}, but with too few seeds per architecture to test a difference "
                f"between architectures (fewer than stats.min_seeds), the study does not call it {role[kind]}.\n")
    if c["holds"]:
        return (f"{_capital(s)} has {quantity[kind]}, and it is {role[kind]}: each of its comparisons with the other "
                f"architectures is significant ({c['test']}, largest {p_clause(c['p_corrected'], 'Holm-corrected p')}).\n")
    others = _names([display(o) for o in c["not_significant_against"]])
    return (f"{_capital(s)} has {quantity[kind]}, but the study does not show that it is {role[kind]}: its difference "
            f"from {others} is not significant after Holm correction ({c['test']}).\n")


def claim_sentence(c: dict[str, Any], error: str = "test error") -> str:
    """One sentence for one claim; the wording depends on ``holds`` only, never on hand-picked cases.

    ``error`` names what a ``lower_error`` claim measures ("error rate" on images other than the test set's)."""
    s, o = display(c["subject"]), display(c["object"]) if c["object"] else ""
    eff = c["effect_size"]
    evidence = _evidence(c)
    level = f"{100 * (eff.get('ci_level') or 0.95):g}%"
    ci = f", {level} CI {pp(eff['ci_low'])} to {pp(eff['ci_high'])}" if eff.get("ci_low") is not None else ""
    if c["relation"] == "lower_error":
        evidence += f"; error difference {pp(eff['value'])} percentage points{ci}"
        verb = f"has a significantly lower {error} than" if c["holds"] else f"has a lower {error} than"
    elif c["relation"] == "lower_ece":
        evidence += f"; ECE difference {pp(eff['value'])} percentage points{ci}"
        verb = ("has a significantly lower expected calibration error than" if c["holds"]
                else "has a lower expected calibration error than")
    elif c["relation"] == "equal_error":
        return f"{_capital(s)} and {o} have the same {error} ({evidence})."
    elif c["relation"] == "higher_accuracy":
        evidence += f"; mean accuracy difference {pp(eff['value'])} percentage points, n = {c['n']}"
        verb = "has a significantly higher accuracy than" if c["holds"] else "has a higher accuracy than"
    else:  # the omnibus test
        verdict = "differ significantly" if c["holds"] else "do not differ significantly"
        return f"The architectures {verdict} in test accuracy across seeds ({evidence}, n = {c['n']} seeds)."
    tail = "" if c["holds"] else ", but the difference is not significant at α = " + f"{c['alpha']:g}"
    note = f" ({c['note']})" if c.get("note") and not c["holds"] else ""
    return f"{_capital(s)} {verb} {o} ({evidence}){tail}{note}."


_CD_FIGURE = (
    "![Critical-difference diagram of the architectures' average ranks over seeds; a bar joins architectures whose "
    "pairwise Wilcoxon test is not significant after Holm correction.](_generated/figures/stats_critical_difference)"
    "{#fig-stats-cd}\n\n@fig-stats-cd summarises the ranks as a critical-difference diagram "
    "[@demsar2006statistical].\n")


# Per family: what its claims compare, and the verb of a claim that holds (subject ... object).
_FAMILIES = {"pairwise_models": ("pairs of models", "has a significantly lower test error than"),
             "pairwise_ensembles": ("ensembles compared with the architecture of highest mean test accuracy",
                                    "has a significantly lower test error than"),
             "calibration": ("comparisons of the best-calibrated architecture with the others",
                             "has a significantly lower expected calibration error than"),
             "wilcoxon_seeds": ("pairs of architectures compared across seeds",
                                "has a significantly higher test accuracy across seeds than")}


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _grouped(held: list[dict[str, Any]], verb: str) -> str:
    """Claims that hold, grouped by subject or by object, whichever gives fewer clauses."""
    by_subject: dict[str, list[str]] = {}
    by_object: dict[str, list[str]] = {}
    for c in held:
        by_subject.setdefault(display(c["subject"]), []).append(display(c["object"]))
        by_object.setdefault(display(c["object"]), []).append(display(c["subject"]))
    if len(by_object) < len(by_subject):
        plural_verb = verb.replace("has ", "each have ", 1)
        return "; ".join(f"{_names(subs)} {verb if len(subs) == 1 else plural_verb} {obj}"
                         for obj, subs in by_object.items())
    clauses = [f"{subject} than {_names(objs)}" for subject, objs in by_subject.items()]
    first_subject, _, rest = clauses[0].partition(" than ")
    return "; ".join([f"{first_subject} {verb} {rest}", *clauses[1:]])


def family_summary(claims: list[dict[str, Any]], family: str, error: str = "test error") -> str:
    """One paragraph for a family of pairwise claims: what was described, what was tested, what holds.

    Up to two tested claims are given in full (test, p, effect); more are grouped by subject, with
    the details left to the family's table, so that no templated sentence repeats per pair.
    """
    what, verb = _FAMILIES.get(family, ("pairs of architectures", "has a significantly lower test error than"))
    verb = verb.replace("test error", error)
    tested = [c for c in claims if c.get("tested", True)]
    described = [c for c in claims if not c.get("tested", True)]
    parts = []
    if described:
        share = (f"All {len(claims)} {what} are" if len(described) == len(claims) else
                 f"{len(described)} of the {len(claims)} {what} {'is' if len(described) == 1 else 'are'}")
        parts.append(f"{share} described, not tested: {described[0]['note']}.")
    if len(tested) <= 2:
        parts += [claim_sentence(c, error) for c in tested]
    else:
        held = [c for c in tested if c["holds"]]
        if held:
            count = (f"All {len(tested)} tested differences are" if len(held) == len(tested)
                     else f"Of the {len(tested)} tested differences, {len(held)} are")
            parts.append(f"{count} significant after Holm correction: {_grouped(held, verb)}.")
        else:
            parts.append(f"Not one of the {len(tested)} tested differences is significant after Holm correction.")
        weak = [f"{display(c['subject'])} vs {display(c['object'])}" for c in tested if not c["holds"]]
        if held and weak:
            parts.append(f"Not significant: {_names(weak)}.")
    return " ".join(parts) + "\n"


def _which(subjects: list[str]) -> str:
    return subjects[0] if len(subjects) == 1 else "both pairs" if len(subjects) == 2 else f"all {len(subjects)} pairs"


def claim_texts(claims: dict[str, Any]) -> dict[str, str]:
    """Generated Markdown paragraphs, one per family of claims, plus what could not be tested."""
    by_family: dict[str, list[str]] = {}
    for c in claims["claims"]:
        by_family.setdefault(c["family"], []).append(claim_sentence(c))
    empty = {"pairwise_models": "No pairwise comparison was run.",
             "pairwise_ensembles": "No ensemble was compared with its runs.",
             "calibration": "No architecture was compared for calibration (one architecture).",
             "wilcoxon_seeds": "No pairwise Wilcoxon test across seeds was run (the reason is listed below).",
             "cv_5x2_baselines": "The 5×2cv test needs two baselines; it was not run."}
    families: dict[str, list[dict[str, Any]]] = {}
    for c in claims["claims"]:
        families.setdefault(c["family"], []).append(c)
    texts = {}
    for family, none_text in empty.items():
        if not families.get(family):
            texts[family] = none_text + "\n"
        elif family in _FAMILIES:
            texts[family] = family_summary(families[family], family)
        else:
            texts[family] = "".join(f"{line}\n" for line in by_family[family])
    best = {c["id"]: c for c in claims["claims"] if c["family"] == "best"}
    for name, kind in (("best_accuracy", "accuracy"), ("best_calibration", "calibration")):
        texts[name] = best_sentence(best.get(f"best/{kind}"), kind)
    friedman = by_family.get("friedman_seeds", [])
    reasons = [u["note"] for u in claims["untested"] if u["test"].startswith("Friedman")]
    reason = reasons[0] if reasons else "no reason was recorded"
    untested = claims["untested"]
    if friedman:
        texts["friedman_seeds"] = friedman[0] + "\n"
        texts["critical_difference"] = _CD_FIGURE
    else:
        # One sentence for everything that rests on the omnibus test: the reason once, not three times.
        texts["friedman_seeds"] = ("The tests across seeds (Friedman, then pairwise Wilcoxon) and the critical-"
                                   f"difference diagram drawn from them were not run: {reason}.\n")
        texts["wilcoxon_seeds"] = texts["critical_difference"] = "\n"
        untested = [u for u in untested if not u["test"].startswith(("Friedman", "Wilcoxon"))]
    # One line per (test, reason): the same reason for every pair would otherwise repeat itself.
    grouped: dict[tuple[str, str], list[str]] = {}
    for u in untested:
        grouped.setdefault((u["test"], u["note"]), []).append(u["subjects"])
    lines = [f"{test}, {_which(subjects)}: {note}." for (test, note), subjects in grouped.items()]
    texts["untested"] = ("Tests that were not run, and why:\n\n" + "".join(f"- {u}\n" for u in lines)
                         if lines else "\n")
    return texts
