"""Numbers of the Data section: the EDA summary, class balance and pixel statistics."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from digitbench.report.escape import markdown_literal
from digitbench.report.numbers.format import fmt_fixed, fmt_int, markdown_table, p_clause
from digitbench.section_table import Built, ReportContext


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables under ``data`` and ``preprocessing``, and the ``class_distribution`` / ``class_statistics`` tables.

    Args:
        files: ``summary`` (``eda_summary.json``), ``class_distribution``, ``class_statistics`` and
            ``pixel_statistics`` (the EDA's CSV files).
        ctx: The report's context (the preprocessing method of the config).
    """
    summary_path, class_statistics_path = files["summary"], files["class_statistics"]
    pixel_statistics_path, class_distribution_path = files["pixel_statistics"], files["class_distribution"]
    with open(summary_path, encoding="utf-8") as fh:
        s = json.load(fh)
    pix = pd.read_csv(pixel_statistics_path).set_index("split")
    dist = pd.read_csv(class_distribution_path)
    most, least = dist.loc[dist["train_count"].idxmax()], dist.loc[dist["train_count"].idxmin()]
    variables = {
        "n_train": fmt_int(s["n_train"]), "n_test": fmt_int(s["n_test"]),
        "height": str(s["image_height"]), "width": str(s["image_width"]),
        "balance_train": f"{s['balance_train']:.4f}", "balance_test": f"{s['balance_test']:.4f}",
        "pixel_mean": f"{pix.loc['train', 'mean']:.2f}", "pixel_std": f"{pix.loc['train', 'std']:.2f}",
        "zero_pct": f"{pix.loc['train', 'zero_pct']:.2f}",
        "anova_f": f"{s['anova_f']:.1f}", "anova_p": p_clause(s["anova_p"]),
        "anova_df1": str(s["anova_df_between"]), "anova_df2": fmt_int(s["anova_df_within"]),
        "n_extreme": str(s["n_extreme_pixels"]), "n_zero_variance": str(s["n_zero_variance_pixels"]),
        "variation_digit": str(s["variation_digit"]),
        "most_common_digit": str(int(most["digit"])), "most_common_count": fmt_int(most["train_count"]),
        "least_common_digit": str(int(least["digit"])), "least_common_count": fmt_int(least["train_count"]),
    }
    tables = {
        "class_distribution": markdown_table(
            dist, "Images per digit in the training and test sets.", "tbl-class-distribution",
            formats={"digit": str, "train_count": fmt_int, "train_pct": fmt_fixed(2), "test_count": fmt_int,
                     "test_pct": fmt_fixed(2)},
            headers={"digit": "Digit", "train_count": "Train", "train_pct": "Train %", "test_count": "Test",
                     "test_pct": "Test %"}),
        "class_statistics": markdown_table(
            pd.read_csv(class_statistics_path), "Pixel intensity (0–255) of the training images of each digit.",
            "tbl-class-statistics",
            formats={"digit": str, "count": fmt_int, "mean_intensity": fmt_fixed(2), "std_intensity": fmt_fixed(2),
                     "zero_pixel_pct": fmt_fixed(2)},
            headers={"digit": "Digit", "count": "Images", "mean_intensity": "Mean", "std_intensity": "SD",
                     "zero_pixel_pct": "Zero pixels %"}),
    }
    preprocessing = {"method": markdown_literal(ctx.config["preprocessing"]["method"])}
    return Built({"data": variables, "preprocessing": preprocessing}, tables)
