"""Numbers of the Data section: the EDA summary, class balance and pixel statistics."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from digitbench.report.numbers.format import fmt_fixed, fmt_int, markdown_table, p_clause


def build(summary_path: str, class_distribution_path: str, class_statistics_path: str,
          pixel_statistics_path: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Variables under ``data`` and the ``class_distribution`` / ``class_statistics`` tables.

    Args:
        summary_path: ``eda_summary.json``.
        class_distribution_path: ``eda_class_distribution.csv``.
        class_statistics_path: ``eda_class_statistics.csv``.
        pixel_statistics_path: ``eda_pixel_statistics.csv``.
    """
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
    return variables, tables
