"""Baselines and shared metrics on tiny synthetic data."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from digitbench import metrics
from digitbench.baselines import make_model, run_baseline, summarize, training_subset
from digitbench.preprocess import fit_scaler
from tests.conftest import baseline_params


def test_topk_accuracy_by_hand():
    proba = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.6, 0.3, 0.1]])
    y = np.array([1, 2, 2])
    assert metrics.topk_accuracy(y, proba, 1) == pytest.approx(1 / 3)
    assert metrics.topk_accuracy(y, proba, 2) == pytest.approx(2 / 3)
    assert metrics.topk_accuracy(y, proba, 3) == 1.0
    with pytest.raises(ValueError, match="Received: 4"):
        metrics.topk_accuracy(y, proba, 4)


def test_topk_counts_ties_against_the_true_label_whatever_their_order():
    # Random-forest-like probabilities: the true class 2 ties with classes 0 and 1 at 0.3.
    proba = np.array([[0.3, 0.3, 0.3, 0.1, 0.0]])
    assert not metrics.topk_correct(np.array([2]), proba, 2)[0]  # two others are as likely
    assert metrics.topk_correct(np.array([2]), proba, 3)[0]
    reordered = proba[:, [2, 0, 1, 3, 4]]  # the same tie, listed in another order
    assert not metrics.topk_correct(np.array([0]), reordered, 2)[0] and metrics.topk_correct(np.array([0]), reordered, 3)[0]


def test_unknown_baseline_lists_valid_names():
    with pytest.raises(ValueError, match=r"logreg, random_forest\. Received: svm"):
        make_model("svm", baseline_params())


@pytest.mark.parametrize("name,strategy", [("logreg", "ovr"), ("logreg", "multinomial"), ("random_forest", "ovr")])
def test_baseline_learns_toy_problem(tiny_digits, tmp_path, name, strategy):
    d = tiny_digits
    scaler = fit_scaler(d["x_train"], "standard")
    params = baseline_params(seed=0, cv_folds=3, logreg_max_iter=200, logreg_strategy=strategy, rf_n_estimators=20)
    result = run_baseline(name, scaler.transform(d["x_train"]), d["y_train"], scaler.transform(d["x_test"]),
                          d["y_test"], params, logging.getLogger("test"))
    assert len(result.cv_scores) == 3
    assert result.metrics["accuracy"] > 0.9  # chance is 0.1
    assert result.metrics["top5_accuracy"] >= result.metrics["top3_accuracy"] >= result.metrics["accuracy"]
    assert result.proba.shape == (100, 10) and np.allclose(result.proba.sum(axis=1), 1)
    assert result.confusion.to_numpy().sum() == 100
    assert np.trace(result.confusion.to_numpy()) == round(result.metrics["accuracy"] * 100)
    assert list(result.per_class.columns) == ["digit", "precision", "recall", "f1", "support"]


def test_same_seed_same_result(tiny_digits):
    d = tiny_digits
    x, xt = d["x_train"] / 255.0, d["x_test"] / 255.0
    params = baseline_params(seed=3, cv_folds=2, rf_n_estimators=10)
    a = run_baseline("random_forest", x, d["y_train"], xt, d["y_test"], params)
    b = run_baseline("random_forest", x, d["y_train"], xt, d["y_test"], params)
    np.testing.assert_array_equal(a.proba, b.proba)
    np.testing.assert_array_equal(a.cv_scores, b.cv_scores)


def test_summarize_combines_models(tmp_path):
    files = {"metrics": [], "cv": [], "pc": []}
    for model, label, accuracy in [("logreg", "Logistic regression", 0.9), ("random_forest", "Random forest", 0.95)]:
        m = tmp_path / f"{model}.json"
        m.write_text(f'{{"model": "{model}", "label": "{label}", "accuracy": {accuracy}, "top3_accuracy": 1, '
                     '"top5_accuracy": 1, "macro_precision": 1, "macro_recall": 1, "macro_f1": 1, "log_loss": 0.1, '
                     '"cv_mean": 0.9, "cv_sd": 0.01, "cv_folds": 2, "fit_seconds": 1, "n_train": 10, "n_test": 5, '
                     '"seed": 1}')
        cv = tmp_path / f"{model}_cv.csv"
        cv.write_text("fold,accuracy\n1,0.9\n2,0.91\n")
        pc = tmp_path / f"{model}_pc.csv"
        pd.DataFrame({"digit": [0], "precision": [1], "recall": [1], "f1": [1], "support": [1]}).to_csv(pc, index=False)
        files["metrics"].append(str(m))
        files["cv"].append(str(cv))
        files["pc"].append(str(pc))
    tables = summarize(files["metrics"], files["cv"], files["pc"])
    assert list(tables["metrics"]["accuracy"]) == [0.9, 0.95]
    assert len(tables["cv_folds"]) == 4 and set(tables["per_class"]["model"]) == {"logreg", "random_forest"}


def test_training_subset_is_stratified_and_scaled_on_itself(tiny_digits):
    x, y, scaler = training_subset(tiny_digits, 40, seed=1, method="zero_mean", robust_percentiles=(1.0, 99.0))
    assert len(x) == len(y) == 40 and np.abs(np.bincount(y, minlength=10) - 4).max() <= 1
    assert abs(float(x.mean())) < 1e-5 and scaler.method == "zero_mean"  # fitted on the subset itself
    again = training_subset(tiny_digits, 40, seed=1, method="zero_mean", robust_percentiles=(1.0, 99.0))
    np.testing.assert_array_equal(again[1], y)


def test_float32_softmax_rows_give_no_probability_warning():
    import warnings

    rng = np.random.default_rng(0)
    logits = rng.normal(size=(500, 10)).astype(np.float32)
    proba = (np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)).astype(np.float32)
    y = rng.integers(0, 10, 500)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # sklearn warns when rows miss 1 by float32 rounding
        out = metrics.classification_metrics(y, proba)
    expected = -np.mean(np.log(proba.astype(np.float64)[np.arange(500), y] / proba.astype(np.float64).sum(axis=1)))
    assert out["log_loss"] == pytest.approx(expected, rel=1e-9)
