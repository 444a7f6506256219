"""Numbers, table and sentences of the robustness section: perturbed test digits and the UCI digits."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from digitbench.report.numbers.claims import family_summary
from digitbench.report.numbers.format import display, fmt_int, interval, markdown_table, mean_sd
from digitbench.robustness.perturb import FAMILIES
from digitbench.section_table import Built, ReportContext
from digitbench.wording import plural

UNITS = {"rotation": "°", "shift": " px", "blur": " px", "noise": ""}


def _strengths(values: list[float], unit: str) -> str:
    shown = [f"{v:g}{unit}" for v in values]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# Collapsed conditions listed one by one in the text; more are summarized by architecture.
MAX_LISTED = 4


def _condition(family: str, strength: float) -> str:
    named = {"uci_digits": "on the UCI digits", "clean": "on the clean images"}
    return named.get(family, f"at {family} {strength:g}{UNITS.get(family, '')}")


def _short(row: pd.Series, runs: pd.DataFrame | None) -> str:
    """A collapse as a table cell shows it: ``collapsed: 8 (99%)`` when every run predicts one class, else
    ``collapsed: 4 of 5 runs, 1, 4 (82-100%)``: the runs that collapsed, their classes and shares.

    A sentence per cell, and at five seeds a list per seed, made the columns so wide that the narrow
    ones overprinted each other (seen in the rehearsal of the paper profile).
    """
    if runs is None:
        return f"collapsed ({int(row['n_collapsed'])} of {int(row['n_seeds'])} runs); pooled: " \
               f"{int(row['top_class'])} ({100 * row['top_share']:.0f}%)"
    mine = runs[(runs["architecture"] == row["architecture"]) & (runs["family"] == row["family"])
                & (runs["strength"] == row["strength"]) & runs["collapsed"]].sort_values("seed")
    if len(mine) == int(row["n_seeds"]) and mine["top_class"].nunique() == 1:
        return f"collapsed: {int(mine['top_class'].iloc[0])} ({100 * mine['top_share'].mean():.0f}%)"
    low, high = 100 * mine["top_share"].min(), 100 * mine["top_share"].max()
    shares = f"{low:.0f}%" if round(low) == round(high) else f"{low:.0f}–{high:.0f}%"
    classes = ", ".join(str(c) for c in sorted(mine["top_class"].astype(int).unique()))
    return f"collapsed: {len(mine)} of {int(row['n_seeds'])} runs, {classes} ({shares})"


def _cell(row: pd.Series, runs: pd.DataFrame | None, ci: bool = False) -> str:
    if row["n_collapsed"] > 0:
        return _short(row, runs)
    if row["kind"] == "baseline" and not ci:  # one deterministic fit: no seeds, no SD
        return f"{row['accuracy']:.4f}"
    if ci:
        return f"{row['accuracy']:.4f} {interval(row['ci_low'], row['ci_high'])}"
    return mean_sd(row["accuracy"], row["sd"])


def _family_text(family: str, claims: list[dict[str, Any]], strength: float, error: str,
                 left_out: list[str]) -> str:
    where = ("On the UCI digits" if family == "uci_digits"
             else f"At the strongest {family} ({strength:g}{UNITS[family]})")
    if left_out:
        where += f", leaving out {_and(left_out)}"
    if not claims:
        return f"{where}, no architectures were compared (fewer than two that did not collapse).\n\n"
    return f"{where}: {family_summary(claims, 'robustness', error)}\n"


def _behaviour_text(table: pd.DataFrame, runs: pd.DataFrame | None, share: float, n_seeds: str) -> str:
    """How many runs collapsed and where, the UCI ranking of the architectures that did not, and the baselines."""
    cnn = table[table["kind"] == "cnn"]
    # In the order of the conditions (clean, each family's strengths, the UCI digits), not of the architectures.
    order = {key: i for i, key in enumerate(dict.fromkeys(zip(cnn["family"], cnn["strength"])))}
    hit = cnn[cnn["n_collapsed"] > 0]
    hit = hit.iloc[np.argsort([order[key] for key in zip(hit["family"], hit["strength"])], kind="stable")]
    parts = [f"A run counts as collapsed on a condition when one class takes at least {100 * share:g}% of its "
             "predictions there; collapsed conditions are neither compared nor ranked."]
    if hit.empty:
        parts.append("No run collapsed on any condition.")
    elif hit.groupby(["family", "strength"]).ngroups > MAX_LISTED:
        # Condition by condition, a study whose runs collapse often (the one-epoch rehearsal) read as a wall
        # of text: past a few conditions, each architecture's count and classes, the rest in the files.
        n_cond = len(order)
        counts = []
        for arch, group in hit.groupby("architecture", sort=False):
            classes = sorted({int(c) for c in (runs[(runs["architecture"] == arch) & runs["collapsed"]]["top_class"]
                                               if runs is not None else group["top_class"])})
            counts.append(f"`{arch}` on {len(group)} (class{'es' if len(classes) > 1 else ''} "
                          f"{', '.join(map(str, classes))})")
        parts.append(f"Runs collapsed on {plural(hit.groupby(['family', 'strength']).ngroups, 'condition')} of "
                     f"{n_cond}, by architecture: {_and(counts)}. @tbl-robustness shows them at each family's "
                     "strongest perturbation, and results/stats/robustness_runs.csv every run on every condition.")
    else:
        parts.append("Below, each collapsed architecture is followed by the class its runs predict and that class's "
                     "share of the predictions (k of n runs, their classes and shares, when not every run collapsed "
                     "onto one class).")
        where = []
        for (family, strength), group in hit.groupby(["family", "strength"], sort=False):
            # Class and share in short: the sentence form repeated itself once per collapsed architecture.
            archs = [f"`{r['architecture']}` ({_short(r, runs).removeprefix('collapsed: ')})"
                     for _, r in group.iterrows()]
            where.append(f"{_condition(family, strength)}, {_and(archs)}")
        parts.append(f"Runs collapsed on {plural(len(where), 'condition')}: {'; '.join(where)}.")
    uci = cnn[(cnn["family"] == "uci_digits") & (cnn["n_collapsed"] == 0)].set_index("architecture")
    if len(uci) >= 2:
        top = uci["accuracy"].idxmax()
        parts.append(f"On the UCI digits the architectures that did not collapse reach {uci['accuracy'].min():.4f} to "
                     f"{uci['accuracy'].max():.4f} (mean over {n_seeds}); `{top}` has the highest mean, "
                     f"{mean_sd(uci.loc[top, 'accuracy'], uci.loc[top, 'sd'])}.")
    elif len(uci) == 1:
        parts.append(f"On the UCI digits only `{uci.index[0]}` did not collapse: "
                     f"{mean_sd(uci['accuracy'].iloc[0], uci['sd'].iloc[0])} (mean over {n_seeds}).")
    else:
        parts.append("On the UCI digits every architecture collapsed, so none is ranked there.")
    refs = table[(table["kind"] == "baseline") & (table["family"] == "uci_digits")]
    if len(refs):
        said = [f"the {display(r['architecture'])} {_cell(r, runs, ci=True)}" for _, r in refs.iterrows()]
        parts.append("The classical baselines, fitted once on the MNIST training subset of their section and tested on "
                     f"the same images as a reference (not compared), reach on the UCI digits: {_and(said)}.")
    return " ".join(parts) + "\n"


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables, the robustness table, one paragraph of tested comparisons per condition, and what the runs
    predict (collapse onto one class, the UCI ranking of the architectures that did not collapse, baselines).

    Args:
        files: ``summary`` (``results/stats/robustness.csv``: architectures and, ``kind`` baseline,
            reference rows), ``tests`` (``results/stats/robustness_tests.csv``: which strength each
            family was tested at), ``claims`` (``results/stats/claims.json``: the robustness families'
            claims), ``runs`` (``results/stats/robustness_runs.csv``; without it a collapse is described
            by the class the architecture's runs predict most together) and ``occlusion``
            (``results/occlusion/summary.npz``).
        ctx: The report's context (the ``robustness`` and ``occlusion`` config sections).
    """
    robustness = ctx.config["robustness"]
    table = pd.read_csv(files["summary"])
    tests = pd.read_csv(files["tests"])
    runs = pd.read_csv(files["runs"]) if "runs" in files else None
    with open(files["claims"], encoding="utf-8") as fh:
        claims = json.load(fh)["claims"]
    cnn = table[table["kind"] == "cnn"]
    clean = cnn[cnn["family"] == "clean"]
    uci = cnn[cnn["family"] == "uci_digits"]
    share = float(robustness["collapse_share"])
    variables = {
        "n_images": fmt_int(clean["n_images"].iloc[0]), "n_uci": fmt_int(uci["n_images"].iloc[0]),
        "n_seeds": plural(int(clean["n_seeds"].max()), "seed"),
        "strengths": {f: _strengths(robustness[f], UNITS[f]) for f in FAMILIES},
        "collapse_share": f"{100 * share:g}%",
    }
    # Families the runs were evaluated on (every family of the config; fewer in hand-made tables).
    strongest = {f: cnn[cnn["family"] == f]["strength"].max() for f in FAMILIES if (cnn["family"] == f).any()}
    rows = []
    for (kind, arch), t in table.groupby(["kind", "architecture"], sort=False):
        row = {"arch": f"`{arch}`" if kind == "cnn" else f"{display(arch).capitalize()} (reference)",
               "n": str(int(t["n_seeds"].iloc[0])) if kind == "cnn" else "1 fit",
               "clean": _cell(t[t["family"] == "clean"].iloc[0], runs)}
        for f in strongest:
            row[f] = _cell(t[(t["family"] == f) & (t["strength"] == strongest[f])].iloc[0], runs)
        row["uci"] = _cell(t[t["family"] == "uci_digits"].iloc[0], runs, ci=True)
        rows.append(row)
    level = f"{100 * float(table['confidence'].iloc[0]):g}%"
    headers = {"arch": "Architecture", "n": "n", "clean": "Clean",
               **{f: f"{f.capitalize()} {strongest[f]:g}{UNITS[f]}" for f in strongest},
               "uci": f"UCI digits [{level} CI]"}
    md = markdown_table(pd.DataFrame(rows), f"Accuracy of each architecture (mean ± SD over its n seeds) on "
                        f"{variables['n_images']} clean test images, on the same images under each family's strongest "
                        f"perturbation, and on the {variables['n_uci']} UCI digits, with the two-level {level} "
                        "interval (seeds and images resampled). Where a run predicts one class for at least "
                        f"{variables['collapse_share']} of the images the cell names that class and its share of the "
                        "predictions instead of an accuracy (collapsed: class (share); k of n runs, their classes and "
                        "shares, when not every run collapsed onto one class). The classical baselines are references, "
                        "fitted once on MNIST.", "tbl-robustness", headers=headers,
                        max_widths={c: 18 for c in ("clean", *strongest, "uci")} | {"arch": 24})
    by_family: dict[str, list[dict[str, Any]]] = {}
    for c in claims:
        by_family.setdefault(c["family"].removeprefix("pairwise_"), []).append(c)
    strength_of = dict(zip(tests["family"], tests["strength"])) if len(tests) else {}

    def left_out(family: str, strength: float) -> list[str]:
        rows = cnn[(cnn["family"] == family) & (cnn["strength"] == strength) & (cnn["n_collapsed"] > 0)]
        return [f"`{r['architecture']}` ({_short(r, runs)})" for _, r in rows.iterrows()]

    compared = [c for family in by_family.values() for c in family
                if c["family"].startswith(("pairwise_robustness_", "pairwise_uci_digits"))]
    if compared and not any(c.get("tested", True) for c in compared):
        # Nothing was tested for the reason the main comparisons give: said once, not once per condition.
        parts = [f"The architectures are not tested against each other here either ({compared[0]['note']}); "
                 "the table gives their accuracies.\n"]
    else:
        parts = [_family_text(f, by_family.get(f"robustness_{f}", []),
                              strength_of.get(f"robustness_{f}", strongest[f]), "error rate",
                              left_out(f, strongest[f])) for f in strongest]
        parts.append(_family_text("uci_digits", by_family.get("uci_digits", []), 0.0, "error rate",
                                  left_out("uci_digits", 0.0)))
    texts = {"robustness_tests": "".join(parts),
             "robustness_behaviour": _behaviour_text(table, runs, share, variables["n_seeds"])}
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
