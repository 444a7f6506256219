"""The report's numbers on the tuning that chose this profile's settings, from ``results/tuning/adopted.csv``.

That file is the shipped tuning table (config ``tuning.results``) after rule adopt_tuning_results
verified its SHA-256 and checked it against the config's grid; it has no rows for a profile that ships
none (the paper profile tunes nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from digitbench.report.escape import markdown_literal
from digitbench.report.numbers.format import display_path, fmt_fixed, fmt_int, markdown_table
from digitbench.section_table import Built, ReportContext
from digitbench.wording import plural

_FIXED = ["candidate", "architecture", "best_val_accuracy", "best_val_loss", "best_epoch", "epochs_run",
          "training_seconds"]
_RANKED = ["mean_best_val_accuracy", "rank", "kept", "seed", "n_validation", "file", "sha256"]
SHORT_DIGEST = 12


def _value(v: object) -> str:
    # Config spelling (YAML), as the profile table shows the same settings.
    return ("true" if v else "false") if pd.api.types.is_bool(v) else str(v)


def _settings(row: Mapping[str, object], keys: list[str]) -> str:
    return ", ".join(f"{k} {_value(row[k])}" for k in keys)


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables ``tuning.*`` and the table ``tuning`` (Methods, Training protocol).

    Args:
        files: ``table``: the adopted tuning table (one row per candidate and architecture).
        ctx: The report's context: the project directory the file's path is shown against (the adopted table
            holds the settings, seed and digest it was checked against).
    """
    df = pd.read_csv(files["table"], dtype={"file": str, "sha256": str})
    keys = [c for c in df.columns if c not in _FIXED + _RANKED]
    if df.empty:
        # Neutral on purpose: a profile may set grid keys by hand (the smoke profile) or tune nothing (the paper).
        variables = {"summary": "No tuning results are shipped with this profile (config key tuning.results is "
                                "empty), so the table below has no rows."}
        table = markdown_table(pd.DataFrame(columns=["candidate", *keys]),
                               "Tuning results: none shipped with this profile.", "tbl-tuning",
                               headers={"candidate": "Candidate"})
        return Built({"tuning": variables}, {"tuning": table})
    archs = list(dict.fromkeys(df["architecture"]))
    wide = df.pivot(index="candidate", columns="architecture", values="best_val_accuracy")[archs]
    per_candidate = df.drop_duplicates("candidate").set_index("candidate")
    shown = per_candidate[keys].join(wide).join(per_candidate[["mean_best_val_accuracy", "rank", "kept"]])
    shown = shown.reset_index().sort_values(["rank", "candidate"], kind="stable")
    kept = shown[shown["kept"].astype(bool)].iloc[0]
    first = df.iloc[0]
    ties = int((shown["rank"] == kept["rank"]).sum()) - 1
    standing = "ranked first" if int(kept["rank"]) == 1 else f"ranked {int(kept['rank'])}"
    if ties:
        standing += f" (tied with {plural(ties, 'other candidate')}; the grid lists the values of the paper profile first)"
    digest = markdown_literal(first["sha256"][:SHORT_DIGEST])
    variables = {
        "n_candidates": str(len(shown)), "seed": str(int(first["seed"])),
        "n_validation": fmt_int(first["n_validation"]), "architectures": markdown_literal(" and ".join(archs)),
        "kept": markdown_literal(_settings(kept, keys)), "kept_mean": f"{kept['mean_best_val_accuracy']:.4f}",
        "standing": standing, "sha256": digest,
        "file": markdown_literal(display_path(first["file"], Path(ctx.project or Path.cwd()))),
    }
    # No code spans in variables: the render finds each value in the output text, where backticks are gone.
    variables["summary"] = (
        f"The {variables['n_candidates']} candidates of the tuning grid were each trained once with tuning seed "
        f"{variables['seed']} for {variables['architectures']} and ranked by their best validation accuracy on "
        f"{variables['n_validation']} validation images; the candidate this profile keeps ({variables['kept']}, mean "
        f"{variables['kept_mean']}) {standing}. The table is the output of rule collect_tuning, shipped as "
        f"{variables['file']} (SHA-256 {digest}…) and verified against that digest by rule adopt_tuning_results "
        "before this report read it.")
    table = markdown_table(
        shown.assign(kept=shown["kept"].map(lambda k: "kept" if k else "")),
        f"Tuning on the validation split ({variables['n_validation']} images, tuning seed {variables['seed']}; the "
        "test set was not read): best validation accuracy of each candidate per architecture, their mean and rank. "
        f"Source: {variables['file']}, SHA-256 {digest}…", "tbl-tuning",
        formats={**{a: fmt_fixed(4) for a in archs}, "mean_best_val_accuracy": fmt_fixed(4), "rank": fmt_int,
                 **{k: lambda v: markdown_literal(_value(v)) for k in keys}},
        headers={"candidate": "Candidate", **{k: markdown_literal(k) for k in keys}, **{a: f"`{a}`" for a in archs},
                 "mean_best_val_accuracy": "Mean", "rank": "Rank", "kept": "This profile"})
    return Built({"tuning": variables}, {"tuning": table})
