"""Exploratory analysis of MNIST, following the original study's definitions.

Everything here returns plain tables and arrays; the plotting modules draw them, so that a
figure can be regenerated without touching the raw data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

N_CLASSES = 10


def balance_coefficient(counts: np.ndarray) -> float:
    """Coefficient of variation of class counts (std/mean, population std); 0 is perfectly balanced."""
    counts = np.asarray(counts, dtype=np.float64)
    return float(counts.std() / counts.mean())


def class_distribution(y_train: np.ndarray, y_test: np.ndarray) -> pd.DataFrame:
    """Count and percentage of each digit in the training and test sets."""
    train = np.bincount(y_train, minlength=N_CLASSES)
    test = np.bincount(y_test, minlength=N_CLASSES)
    return pd.DataFrame(
        {
            "digit": np.arange(N_CLASSES),
            "train_count": train,
            "train_pct": 100 * train / train.sum(),
            "test_count": test,
            "test_pct": 100 * test / test.sum(),
        }
    )


def pixel_statistics(x: np.ndarray) -> dict[str, float]:
    """Mean and standard deviation of raw pixel intensity (0-255) and percentage of zero pixels."""
    return {
        "mean": float(x.mean(dtype=np.float64)),
        "std": float(x.std(dtype=np.float64)),
        "zero_pct": float(100 * np.mean(x == 0)),
    }


def class_statistics(x: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """Per digit: count, mean and std of pixel intensity, percentage of zero pixels."""
    rows = []
    for digit in range(N_CLASSES):
        stats_ = pixel_statistics(x[y == digit])
        rows.append(
            {
                "digit": digit,
                "count": int(np.sum(y == digit)),
                "mean_intensity": stats_["mean"],
                "std_intensity": stats_["std"],
                "zero_pixel_pct": stats_["zero_pct"],
            }
        )
    return pd.DataFrame(rows)


def class_images(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard-deviation image of each digit, each of shape (10, H, W)."""
    means = np.stack([x[y == d].mean(axis=0, dtype=np.float64) for d in range(N_CLASSES)])
    stds = np.stack([x[y == d].std(axis=0, dtype=np.float64) for d in range(N_CLASSES)])
    return means, stds


def extreme_pixels(variance: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices of the ``n`` most and ``n`` least variable pixels (stable order on ties)."""
    flat = variance.ravel()
    if not 1 <= n <= flat.size // 2:
        raise ValueError(f"n_extreme_pixels must be between 1 and {flat.size // 2}. Received: {n}")
    order = np.argsort(flat, kind="stable")
    return order[-n:][::-1], order[:n]


def anova_mean_intensity(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """One-way ANOVA of per-image mean intensity across digits (scipy.stats.f_oneway): (F, p)."""
    per_image = x.reshape(len(x), -1).mean(axis=1)
    result = stats.f_oneway(*(per_image[y == d] for d in range(N_CLASSES)))
    return float(result.statistic), float(result.pvalue)


@dataclass
class EdaResult:
    """Everything the EDA rule writes: tables, a scalar summary and arrays for the figures."""

    class_distribution: pd.DataFrame
    class_statistics: pd.DataFrame
    pixel_statistics: pd.DataFrame
    summary: dict[str, float | int | list[int]]
    arrays: dict[str, np.ndarray]


def analyse(
    x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
    *, variation_digit: int = 1, n_extreme: int = 100,
) -> EdaResult:
    """Run the whole exploratory analysis.

    Args:
        x_train, y_train, x_test, y_test: Raw uint8 images (n, H, W) and integer labels.
        variation_digit: Digit whose first 16 training images are kept for the variations figure.
        n_extreme: How many most/least variable pixels to mark.

    Returns:
        An ``EdaResult``.
    """
    dist = class_distribution(y_train, y_test)
    pix = pd.DataFrame([{"split": "train", **pixel_statistics(x_train)}, {"split": "test", **pixel_statistics(x_test)}])
    means, stds = class_images(x_train, y_train)
    variance = x_train.var(axis=0, dtype=np.float64)
    most, least = extreme_pixels(variance, n_extreme)
    f_stat, p_value = anova_mean_intensity(x_train, y_train)
    first_of_class = np.array([np.flatnonzero(y_train == d)[0] for d in range(N_CLASSES)])
    variations = np.flatnonzero(y_train == variation_digit)[:16]
    summary = {
        "n_train": int(len(y_train)),
        "n_test": int(len(y_test)),
        "image_height": int(x_train.shape[1]),
        "image_width": int(x_train.shape[2]),
        "balance_train": balance_coefficient(dist["train_count"]),
        "balance_test": balance_coefficient(dist["test_count"]),
        "anova_f": f_stat,
        "anova_p": p_value,
        "anova_df_between": N_CLASSES - 1,
        "anova_df_within": int(len(y_train) - N_CLASSES),
        "n_extreme_pixels": int(n_extreme),
        "n_zero_variance_pixels": int(np.sum(variance == 0)),
        "variation_digit": int(variation_digit),
    }
    arrays = {
        "mean_images": means,
        "std_images": stds,
        "pixel_variance": variance,
        "most_variable": most,
        "least_variable": least,
        "sample_images": x_train[first_of_class],
        "sample_labels": y_train[first_of_class],
        "variation_images": x_train[variations],
    }
    return EdaResult(dist, class_statistics(x_train, y_train), pix, summary, arrays)
