"""The report's numbers on what a rerun changes, from ``results/reruns/adopted.csv``.

That file is the shipped comparison of two runs of this profile on one machine (config
``report.rerun_check``, made by ``python -m digitbench.reruns``) after rule adopt_rerun_check verified
its SHA-256; it has no rows for a profile that ships none.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from digitbench.report.escape import markdown_literal
from digitbench.report.numbers.format import acc, display, display_path, fmt_int, markdown_table
from digitbench.section_table import Built, ReportContext
from digitbench.wording import plural

SHORT_DIGEST = 12


def _model(row: Mapping[str, object]) -> str:
    return display(f"{row['model']}/seed{row['seed']}" if row["kind"] == "cnn" else str(row["model"]))


def _sentence(df: pd.DataFrame, project: Path) -> str:
    n, same, bits = len(df), int(df["identical"].sum()), int(df["proba_identical"].sum())
    head = f"Two runs of this profile on the same machine gave identical test predictions in {same} of {n} runs"
    if same < n:
        differ = df[~df["identical"]]
        low, high = fmt_int(differ["n_differ"].min()), fmt_int(differ["n_differ"].max())
        head += (f"; in the other {plural(n - same, 'run')}, {low if low == high else f'{low} to {high}'} of "
                 f"{fmt_int(df['n_test'].iloc[0])} test predictions differ and the accuracy changes by at most "
                 f"{(differ['accuracy_a'] - differ['accuracy_b']).abs().max() * 100:.2f} percentage points")
    proba = "in all of them" if bits == n else f"in {bits} of {n}"
    first = df.iloc[0]
    return (f"{head}. The predicted probabilities were bit-identical {proba}. Measured on {first['compared_on']} "
            f"({markdown_literal(first['machine'])}; {markdown_literal(first['software'])}), this holds for that "
            "machine and software only: another CPU, a GPU or other library versions may change the last bits of "
            "the arithmetic and, through them, some predictions. The comparison is shipped as "
            f"{markdown_literal(display_path(first['file'], project))} (SHA-256 {first['sha256'][:SHORT_DIGEST]}…) and "
            "was verified against that digest by rule adopt_rerun_check.")


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables ``reruns.*`` and the table ``reruns`` (Limitations).

    Args:
        files: ``table``: the adopted rerun comparison (one row per run present in both runs of the profile).
        ctx: The report's context: the project directory the file's path is shown against (the file records its
            machine, software and date).
    """
    df = pd.read_csv(files["table"], dtype={"seed": str, "file": str}, keep_default_na=False)
    if df.empty:
        variables = {"summary": "No comparison of two runs of this profile is shipped (config key report.rerun_check "
                                "is empty), so what a rerun changes was not measured for this report."}
        table = markdown_table(pd.DataFrame(columns=["model"]), "Reruns: not compared for this profile.", "tbl-reruns",
                               headers={"model": "Model"})
        return Built({"reruns": variables}, {"reruns": table})
    for column in ("identical", "proba_identical"):
        df[column] = df[column].astype(str).str.lower().eq("true")
    for column in ("n_test", "n_differ"):
        df[column] = df[column].astype(int)
    for column in ("max_proba_diff", "accuracy_a", "accuracy_b"):
        df[column] = df[column].astype(float)
    variables = {"n_runs": str(len(df)), "n_identical": str(int(df["identical"].sum())),
                 "compared_on": str(df["compared_on"].iloc[0]), "summary": _sentence(df, Path(ctx.project or Path.cwd()))}
    shown = pd.DataFrame({"model": [_model(r) for r in df.to_dict("records")], "accuracy_a": df["accuracy_a"],
                          "accuracy_b": df["accuracy_b"], "n_differ": df["n_differ"],
                          "proba": df["proba_identical"].map({True: "identical", False: "differ"}),
                          "max_proba_diff": df["max_proba_diff"]})
    table = markdown_table(
        shown,
        f"Two runs of this profile on one machine, compared run by run on the {fmt_int(df['n_test'].iloc[0])} test "
        f"images ({variables['compared_on']}; python -m digitbench.reruns, verified by rule adopt_rerun_check): the "
        "accuracy of each run, how many predicted labels differ, whether the predicted probabilities are "
        "bit-identical, and their largest absolute difference.", "tbl-reruns",
        formats={"accuracy_a": acc, "accuracy_b": acc, "n_differ": fmt_int, "max_proba_diff": lambda v: f"{v:.1e}"},
        headers={"model": "Model", "accuracy_a": "Accuracy, run 1", "accuracy_b": "Accuracy, run 2",
                 "n_differ": "Labels that differ", "proba": "Probabilities", "max_proba_diff": "Largest difference"})
    return Built({"reruns": variables}, {"reruns": table})
