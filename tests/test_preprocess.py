"""Preprocessing: each method's definition, training-only fitting and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from digitbench.preprocess import fit_scaler, stratified_subset, subsample_test_set


def test_standard_maps_to_unit_interval():
    x = np.array([[0, 255], [51, 102]], dtype=np.uint8)
    out = fit_scaler(x, "standard").transform(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0, 1], [0.2, 0.4]], rtol=1e-6)


def test_zero_mean_is_fitted_on_training_data_only():
    train = np.array([0, 0, 100, 100], dtype=np.uint8)
    test = np.array([200], dtype=np.uint8)
    scaler = fit_scaler(train, "zero_mean")
    np.testing.assert_allclose(scaler.transform(train).mean(), 0, atol=1e-6)
    np.testing.assert_allclose(scaler.transform(train).std(), 1, rtol=1e-6)
    np.testing.assert_allclose(scaler.transform(test), [(200 - 50) / 50], rtol=1e-6)


def test_robust_uses_percentiles():
    x = np.arange(101, dtype=np.uint8)
    scaler = fit_scaler(x, "robust", (25, 75))
    assert (scaler.offset, scaler.scale) == (25.0, 50.0)


def test_robust_with_zero_range_says_how_to_fix():
    mostly_zero = np.zeros(100, dtype=np.uint8)  # MNIST is about 80% zeros: its IQR is 0
    mostly_zero[-10:] = 255
    with pytest.raises(ValueError, match=r"robust_percentiles"):
        fit_scaler(mostly_zero, "robust", (25, 75))
    assert fit_scaler(mostly_zero, "robust", (1, 99)).scale == 255


def test_unknown_method_lists_valid_ones():
    with pytest.raises(ValueError, match=r"standard, zero_mean, robust\. Received: minmax"):
        fit_scaler(np.zeros(3, np.uint8), "minmax")


def test_stratified_subset_keeps_class_balance():
    y = np.repeat(np.arange(10), 100)
    idx = stratified_subset(y, 200, seed=1)
    assert len(idx) == 200 and np.all(np.bincount(y[idx]) == 20)
    np.testing.assert_array_equal(stratified_subset(y, 0, seed=1), np.arange(1000))
    with pytest.raises(ValueError, match="Received: 5000"):
        stratified_subset(y, 5000, seed=1)


def test_subsample_test_set_cuts_only_the_test_set_the_same_way_each_time():
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 255, (50, 4, 4)), "y_train": np.arange(50) % 10,
              "x_test": np.arange(400).reshape(100, 2, 2), "y_test": np.repeat(np.arange(10), 10)}
    cut = subsample_test_set(arrays, 30, seed=3)
    assert cut["x_train"] is arrays["x_train"] and cut["y_train"] is arrays["y_train"]
    assert len(cut["y_test"]) == 30 and np.all(np.bincount(cut["y_test"]) == 3)
    kept = cut["x_test"][:, 0, 0] // 4  # each image's index in the full test set
    assert np.all(np.diff(kept) > 0) and np.array_equal(arrays["y_test"][kept], cut["y_test"])
    np.testing.assert_array_equal(subsample_test_set(arrays, 30, seed=3)["y_test"], cut["y_test"])  # same seed, same images
    assert subsample_test_set(arrays, 0, seed=None) is arrays
    with pytest.raises(ValueError, match=r"data\.test_size: .*Received: 101"):
        subsample_test_set(arrays, 101, seed=3)
