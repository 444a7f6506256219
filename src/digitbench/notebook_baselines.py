"""The original notebook's two baselines, fitted exactly as its section 4 fits them.

The notebook (``baseline_models`` in "4. Baseline Models for Comparison") fits scikit-learn's
``LogisticRegression(max_iter=1000, random_state=42, n_jobs=-1)`` and
``RandomForestClassifier(n_estimators=100, random_state=42, n_jobs=-1)`` on all 60,000 training images,
flattened and divided by 255 (``preprocess_mnist_advanced(..., 'standard')``), and tests them on all
10,000 test images. Its logistic regression is therefore multinomial (one softmax model; what
L-BFGS fits for more than two classes in every scikit-learn since 0.22), not the one-vs-rest model
the workflow's own baseline fits by default (``baselines.logreg_strategy``). The workflow's
``fit_baseline`` follows the config (a subset in the quick profile); these fits follow the notebook
in every profile, so that its accuracy claims can be checked wherever the report is built.

Where a setting cannot be followed, :data:`SETTINGS` says so and why it does not change the result;
the rule writes that list into the model's ``metrics.json`` and the report prints it.
"""

from __future__ import annotations

import logging

import numpy as np
import sklearn
from sklearn.base import ClassifierMixin
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from digitbench.baselines import fit_and_score
from digitbench.stats.bootstrap import metric_intervals
from digitbench.stats.predictions import Predictions

MODELS = {"logreg": "Logistic regression", "random_forest": "Random forest"}
RANDOM_STATE = 42  # the notebook's random_state
LOGREG_MAX_ITER = 1000
RF_N_ESTIMATORS = 100

# The data both fits see, as the notebook prepared it.
_DATA = [
    {"setting": "training images", "notebook": "all 60,000", "here": "all 60,000", "note": ""},
    {"setting": "pixels", "notebook": "flattened, divided by 255", "here": "flattened, divided by 255", "note": ""},
]
# Each estimator setting of the notebook, what these fits use, and, where they differ, why the
# difference changes no prediction. A result that depended on one of them would need another fit.
SETTINGS: dict[str, list[dict[str, str]]] = {
    "logreg": [
        *_DATA,
        {"setting": "max_iter", "notebook": "1000", "here": "1000", "note": ""},
        {"setting": "random_state", "notebook": "42", "here": "42", "note": ""},
        # Not passed by the notebook: scikit-learn's defaults, the same values here.
        {"setting": "solver, penalty, C", "notebook": "lbfgs, L2, 1.0", "here": "lbfgs, L2, 1.0", "note": ""},
        {"setting": "multi-class", "notebook": "multinomial", "here": "multinomial", "note": ""},
        {"setting": "n_jobs", "notebook": "-1", "here": "not passed",
         "note": "it only ever ran one-vs-rest fits in parallel; scikit-learn 1.8 and later ignore it and warn"},
    ],
    "random_forest": [
        *_DATA,
        {"setting": "n_estimators", "notebook": "100", "here": "100", "note": ""},
        {"setting": "random_state", "notebook": "42", "here": "42", "note": ""},
        {"setting": "n_jobs", "notebook": "-1, every core", "here": "the rule's threads",
         "note": "with a fixed random_state the trees are the same on any number of threads"},
    ],
}
# Both models: the notebook's 5-fold cross-validation is not repeated, because the claims quote only
# the test accuracy, which the notebook computes from the fit on all training images.
CV_NOTE = {"setting": "5-fold cross-validation", "notebook": "run before the final fit", "here": "not run",
           "note": "the test accuracy comes from the final fit on all training images, which does not use it"}


def notebook_features(images: np.ndarray) -> np.ndarray:
    """The notebook's flat features: one row of 784 float32 pixels in [0, 1] per image."""
    if images.ndim < 2:
        raise ValueError(f"Expected a stack of images, shape (n, 28, 28) or (n, 784). Received shape: {images.shape}")
    return images.reshape(len(images), -1).astype("float32") / 255.0


def make_notebook_model(name: str, n_jobs: int = 1) -> ClassifierMixin:
    """The notebook's unfitted estimator (``logreg`` or ``random_forest``), with its settings."""
    if name == "logreg":
        # n_jobs is left out: it has no effect on L-BFGS and scikit-learn warns about it (SETTINGS).
        return LogisticRegression(max_iter=LOGREG_MAX_ITER, random_state=RANDOM_STATE)
    if name == "random_forest":
        return RandomForestClassifier(n_estimators=RF_N_ESTIMATORS, random_state=RANDOM_STATE, n_jobs=n_jobs)
    raise ValueError(f"Unknown baseline; expected one of {', '.join(MODELS)}. Received: {name}")


def settings(name: str) -> list[dict[str, str]]:
    """The settings table of one model (:data:`SETTINGS` and the cross-validation note)."""
    if name not in SETTINGS:
        raise ValueError(f"Unknown baseline; expected one of {', '.join(MODELS)}. Received: {name}")
    return [*SETTINGS[name], CV_NOTE]


def fit_notebook_baseline(name: str, data: dict[str, np.ndarray], n_jobs: int = 1, n_resamples: int = 2000,
                          seed: int = 42, confidence: float = 0.95,
                          log: logging.Logger | None = None) -> tuple[dict, np.ndarray, np.ndarray]:
    """Fit one of the notebook's baselines on the whole training set and test it on the whole test set.

    Args:
        name: ``logreg`` or ``random_forest``.
        data: MNIST arrays ``x_train``, ``y_train``, ``x_test``, ``y_test`` (raw 0-255 pixels).
        n_jobs: Threads of the random forest (the rule's threads).
        n_resamples, seed, confidence: The BCa bootstrap interval of test accuracy (``stats`` config;
            the same resamples as every other model's interval).
        log: Where progress goes.

    Returns:
        ``(metrics, y_pred, proba)``: the metrics (with the accuracy interval, fit time, the settings
        table and, for the logistic regression, its iterations and parameter count), test predictions
        and class probabilities.
    """
    log = log or logging.getLogger(__name__)
    model = make_notebook_model(name, n_jobs)
    x_train, x_test = notebook_features(data["x_train"]), notebook_features(data["x_test"])
    y_train, y_test = np.asarray(data["y_train"]), np.asarray(data["y_test"])
    log.info("%s (notebook settings): fitting on %d training images, %d thread(s)", name, len(y_train), n_jobs)
    result, y_pred, proba, fit_seconds = fit_and_score(model, x_train, y_train, x_test, y_test)
    ci = metric_intervals(Predictions(name, "baseline", y_test, proba), n_resamples, seed, confidence)
    acc = ci.set_index("metric").loc["accuracy"]
    result.update(model=name, label=MODELS[name], accuracy_ci_low=float(acc["ci_low"]),
                  accuracy_ci_high=float(acc["ci_high"]), confidence=float(confidence), fit_seconds=float(fit_seconds),
                  threads=int(n_jobs), n_train=int(len(y_train)), n_test=int(len(y_test)),
                  sklearn_version=sklearn.__version__, settings=settings(name))
    if name == "logreg":
        # The notebook printed "7,850 parameters" for it: 784 weights and a bias per digit.
        result["n_parameters"] = int(model.coef_.size + model.intercept_.size)
        result["n_iter"] = int(np.max(model.n_iter_))
        result["converged"] = bool(result["n_iter"] < LOGREG_MAX_ITER)
    log.info("%s (notebook settings): test accuracy %.4f [%.4f, %.4f], fit %.1f s", name, result["accuracy"],
             result["accuracy_ci_low"], result["accuracy_ci_high"], fit_seconds)
    return result, y_pred, proba


def summarize(paths: list[str]) -> dict[str, object]:
    """One file for the report: each fitted model's ``metrics.json`` by model (none when the fits are off).

    Args:
        paths: ``results/baselines/notebook/{model}/metrics.json`` of the fitted models.

    Returns:
        ``{"models": {model: metrics}}``.
    """
    import json
    from pathlib import Path

    models = {}
    for path in paths:
        metrics = json.loads(Path(path).read_text(encoding="utf-8"))
        models[metrics["model"]] = metrics
    return {"models": models}
