"""EDA statistics against values computed by hand on tiny arrays."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from digitbench import eda


def test_balance_coefficient_by_hand():
    assert eda.balance_coefficient([10, 10, 10]) == 0
    assert eda.balance_coefficient([5, 15]) == pytest.approx(0.5)


def test_pixel_statistics_by_hand():
    x = np.array([[0, 0], [100, 200]], dtype=np.uint8)
    s = eda.pixel_statistics(x)
    assert s == {"mean": 75.0, "std": pytest.approx(np.std([0, 0, 100, 200])), "zero_pct": 50.0}


def test_extreme_pixels_order_and_bounds():
    var = np.arange(16, dtype=float).reshape(4, 4)
    most, least = eda.extreme_pixels(var, 3)
    assert list(most) == [15, 14, 13] and list(least) == [0, 1, 2]
    with pytest.raises(ValueError, match="Received: 9"):
        eda.extreme_pixels(var, 9)


def test_analyse_tables_and_anova(tiny_digits):
    d = tiny_digits
    result = eda.analyse(d["x_train"], d["y_train"], d["x_test"], d["y_test"], variation_digit=3, n_extreme=10)
    assert result.class_distribution["train_count"].sum() == len(d["y_train"])
    assert result.class_distribution["test_pct"].sum() == pytest.approx(100)
    assert list(result.class_statistics["count"]) == [30] * 10
    means = d["x_train"].reshape(len(d["x_train"]), -1).mean(axis=1)
    expected = stats.f_oneway(*(means[d["y_train"] == k] for k in range(10)))
    assert result.summary["anova_f"] == pytest.approx(expected.statistic)
    assert result.arrays["mean_images"].shape == (10, 28, 28)
    assert len(result.arrays["variation_images"]) == 16
    assert np.all(result.arrays["sample_labels"] == np.arange(10))
