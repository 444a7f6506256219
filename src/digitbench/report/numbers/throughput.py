"""The report's numbers on training throughput, from ``results/benchmarks/throughput.csv``."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from digitbench.report.numbers.format import fmt_fixed, markdown_table
from digitbench.section_table import Built, ReportContext

PIPELINE_LABELS = {"augment_in_model": "in the model (this workflow)", "notebook_cpu": "CPU, batch by batch (notebook)",
                   "no_augmentation": "none (ceiling)"}


def _compiled_sentence(df: pd.DataFrame) -> str:
    parts = []
    for (backend, device), g in df[df["pipeline"] == "augment_in_model"].groupby(["backend", "device"], sort=False):
        done = bool(g["compiled"].all())
        parts.append(f"on {backend} ({device}) Keras {'jit-compiled' if done else 'did not compile'} the train step "
                     "with augmentation" + ("" if done or backend != "tensorflow" else
                                            " (TensorFlow compiles with XLA only on a GPU whose XLA has the "
                                            "image-transform kernel)"))
    sentence = "; ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "."


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables ``throughput.*`` and the table ``throughput``.

    Args:
        files: ``table``: the benchmark's combined table.
        ctx: The report's context (unused: the table holds its own settings).
    """
    df = pd.read_csv(files["table"])
    ours = df[df["pipeline"] == "augment_in_model"]
    variables = {
        "batch_size": str(int(df["batch_size"].iloc[0])), "steps": str(int(df["steps"].iloc[0])),
        "repeats": str(int(df["repeats"].iloc[0])),
        "setups": ", ".join(f"{b} on {d}" for b, d in dict.fromkeys(zip(df["backend"], df["device"]))),
        "ratio_notebook_min": f"{ours['ratio_to_notebook'].min():.2f}",
        "ratio_notebook_max": f"{ours['ratio_to_notebook'].max():.2f}",
        "ratio_ceiling_min": f"{ours['ratio_to_ceiling'].min():.2f}",
        "compiled_sentence": _compiled_sentence(df),
    }
    shown = df.assign(pipeline=df["pipeline"].map(PIPELINE_LABELS))
    table = markdown_table(
        shown[["architecture", "backend", "device", "pipeline", "images_per_second", "ratio_to_notebook",
               "ratio_to_ceiling"]],
        f"Training throughput at batch size {variables['batch_size']}: median of {variables['repeats']} timed rounds "
        f"of {variables['steps']} steps on synthetic images; ratios to the notebook's pipeline and to the model "
        "without augmentation, measured in the same run (results/benchmarks/throughput.csv).", "tbl-throughput",
        formats={"images_per_second": fmt_fixed(0), "ratio_to_notebook": fmt_fixed(2),
                 "ratio_to_ceiling": fmt_fixed(2)},
        headers={"architecture": "Architecture", "backend": "Backend", "device": "Device", "pipeline": "Augmentation",
                 "images_per_second": "Images/s", "ratio_to_notebook": "× notebook", "ratio_to_ceiling": "× ceiling"})
    return Built({"throughput": variables}, {"throughput": table})
