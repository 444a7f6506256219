"""The original notebook's baselines (digitbench.notebook_baselines) on tiny synthetic digits."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from digitbench import notebook_baselines as nb


def _digits(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """0-255 images whose class is a bright 4x4 patch at one of ten places, over noise."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(10), n_per_class)
    x = rng.integers(0, 60, size=(len(y), 28, 28)).astype(np.uint8)
    for i, label in enumerate(y):
        r, c = divmod(int(label), 5)
        x[i, 4 + 10 * r:8 + 10 * r, 2 + 5 * c:6 + 5 * c] = 255
    return x, y


@pytest.fixture(scope="module")
def data() -> dict[str, np.ndarray]:
    x_train, y_train = _digits(12, 0)
    x_test, y_test = _digits(5, 1)
    return {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}


def test_estimators_carry_the_notebooks_settings():
    logreg = nb.make_notebook_model("logreg")
    assert isinstance(logreg, LogisticRegression)
    p = logreg.get_params()
    # The notebook's arguments; solver, C and penalty left at scikit-learn's defaults, as there.
    assert (p["max_iter"], p["random_state"], p["solver"], p["C"]) == (1000, 42, "lbfgs", 1.0)
    assert p["n_jobs"] is None  # ignored by L-BFGS in scikit-learn >= 1.8, which warns when it is set
    forest = nb.make_notebook_model("random_forest", n_jobs=3)
    assert isinstance(forest, RandomForestClassifier)
    assert (forest.n_estimators, forest.random_state, forest.n_jobs) == (100, 42, 3)
    with pytest.raises(ValueError, match=r"logreg, random_forest\. Received: svm"):
        nb.make_notebook_model("svm")


def test_features_are_flat_pixels_divided_by_255():
    images = np.full((2, 28, 28), 255, dtype=np.uint8)
    images[1] = 51
    flat = nb.notebook_features(images)
    assert flat.shape == (2, 784) and flat.dtype == np.float32
    assert flat[0].max() == 1.0 and flat[1].max() == pytest.approx(0.2)
    with pytest.raises(ValueError, match="Received shape: \\(3,\\)"):
        nb.notebook_features(np.zeros(3))


def test_every_setting_that_departs_says_why():
    for model in nb.MODELS:
        rows = nb.settings(model)
        assert rows[0] == {"setting": "training images", "notebook": "all 60,000", "here": "all 60,000", "note": ""}
        departing = [r for r in rows if r["notebook"] != r["here"]]
        assert departing and all(r["note"] for r in departing)
        assert {"n_jobs", "5-fold cross-validation"} == {r["setting"] for r in departing}
    with pytest.raises(ValueError, match="Received: svm"):
        nb.settings("svm")


@pytest.mark.parametrize("model", ["logreg", "random_forest"])
def test_fit_reports_accuracy_interval_fit_time_and_settings(data, model, caplog):
    with caplog.at_level(logging.INFO):
        result, y_pred, proba = nb.fit_notebook_baseline(model, data, n_resamples=200, seed=3,
                                                         log=logging.getLogger("test"))
    assert y_pred.shape == (50,) and proba.shape == (50, 10)
    assert result["accuracy"] == pytest.approx(np.mean(y_pred == data["y_test"]))
    assert result["accuracy"] > 0.9  # the patches separate the classes
    assert result["accuracy_ci_low"] <= result["accuracy"] <= result["accuracy_ci_high"]
    assert (result["n_train"], result["n_test"], result["threads"]) == (120, 50, 1)
    assert result["fit_seconds"] > 0 and result["settings"] == nb.settings(model)
    assert "notebook settings" in caplog.text
    if model == "logreg":
        # One softmax model: 784 weights and a bias per digit, the notebook's "7,850 parameters".
        assert result["n_parameters"] == 7850
        assert result["converged"] and result["n_iter"] < 1000
    else:
        assert "n_parameters" not in result


def test_the_departing_n_jobs_changes_no_prediction(data):
    # SETTINGS says n_jobs (-1 in the notebook) changes nothing; hold both notes to it on the tiny digits.
    import warnings

    x, y, x_test = nb.notebook_features(data["x_train"]), data["y_train"], nb.notebook_features(data["x_test"])
    one = nb.make_notebook_model("random_forest", n_jobs=1).fit(x, y).predict_proba(x_test)
    two = nb.make_notebook_model("random_forest", n_jobs=2).fit(x, y).predict_proba(x_test)
    np.testing.assert_array_equal(one, two)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scikit-learn >= 1.8: n_jobs has no effect
        theirs = LogisticRegression(max_iter=1000, random_state=42, n_jobs=-1).fit(x, y)
    ours = nb.make_notebook_model("logreg").fit(x, y)
    np.testing.assert_array_equal(ours.coef_, theirs.coef_)
