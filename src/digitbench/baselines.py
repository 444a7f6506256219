"""Classical baselines on flattened pixels: logistic regression and a random forest."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier

from digitbench import metrics
from digitbench.preprocess import Scaler, fit_scaler, stratified_subset

MODELS = {"logreg": "Logistic regression", "random_forest": "Random forest"}


@dataclass(frozen=True)
class BaselineParams:
    """Hyper-parameters of the baselines (config keys under ``baselines``; defaults live in the schema)."""

    seed: int
    cv_folds: int
    logreg_max_iter: int
    logreg_c: float
    logreg_strategy: str
    rf_n_estimators: int
    n_jobs: int = 1  # not a config key: the rule's threads

    @classmethod
    def from_config(cls, config: Mapping[str, Any], n_jobs: int = 1) -> BaselineParams:
        """Build from the validated config (or the part of it the rules pass: see ``baseline_config``)."""
        b = config["baselines"]
        return cls(seed=config["seed"], cv_folds=b["cv_folds"], logreg_max_iter=b["logreg_max_iter"],
                   logreg_c=b["logreg_c"], logreg_strategy=b["logreg_strategy"],
                   rf_n_estimators=b["rf_n_estimators"], n_jobs=n_jobs)


def subset_args(config: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of :func:`training_subset` from the validated config."""
    return {"train_size": config["baselines"]["train_size"], "seed": config["seed"],
            "method": config["preprocessing"]["method"],
            "robust_percentiles": tuple(config["preprocessing"]["robust_percentiles"])}


def training_subset(data: dict[str, np.ndarray], train_size: int, seed: int, method: str,
                    robust_percentiles: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, Scaler]:
    """The stratified training subset the baselines use, preprocessed, and the scaler fitted on it.

    Args:
        data: MNIST arrays (``x_train``, ``y_train``, ...).
        train_size: Images to keep (0 = all), stratified by digit.
        seed: Seed of the subset.
        method, robust_percentiles: Preprocessing (``preprocessing`` config section).

    Returns:
        ``(x, y, scaler)``: scaled images, their labels, and the scaler for the test images.
    """
    idx = stratified_subset(data["y_train"], train_size, seed)
    x, y = data["x_train"][idx], data["y_train"][idx]
    scaler = fit_scaler(x, method, tuple(robust_percentiles))
    return scaler.transform(x), y, scaler


def make_model(name: str, params: BaselineParams) -> ClassifierMixin:
    """Build an unfitted, seeded baseline by name (``logreg`` or ``random_forest``)."""
    if name == "logreg":
        logreg = LogisticRegression(max_iter=params.logreg_max_iter, C=params.logreg_c, random_state=params.seed)
        if params.logreg_strategy == "ovr":
            return OneVsRestClassifier(logreg, n_jobs=params.n_jobs)
        if params.logreg_strategy == "multinomial":
            return logreg
        raise ValueError(f"logreg_strategy must be 'ovr' or 'multinomial'. Received: {params.logreg_strategy}")
    if name == "random_forest":
        return RandomForestClassifier(n_estimators=params.rf_n_estimators, random_state=params.seed, n_jobs=params.n_jobs)
    raise ValueError(f"Unknown baseline; expected one of {', '.join(MODELS)}. Received: {name}")


@dataclass
class BaselineResult:
    """What one baseline run produces."""

    name: str
    cv_scores: np.ndarray
    metrics: dict[str, float | int | str]
    per_class: pd.DataFrame
    confusion: pd.DataFrame
    y_pred: np.ndarray
    proba: np.ndarray
    extra: dict[str, object] = field(default_factory=dict)
    model: ClassifierMixin | None = None  # the fitted model, saved by fit_baseline for later evaluations


def cross_validate(model: ClassifierMixin, x: np.ndarray, y: np.ndarray, folds: int, seed: int,
                   log: logging.Logger) -> np.ndarray:
    """Stratified k-fold accuracy, one fold at a time so progress shows in the log."""
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = []
    for i, (train_idx, val_idx) in enumerate(splitter.split(x, y), start=1):
        start = time.perf_counter()
        fold_model = clone(model).fit(x[train_idx], y[train_idx])
        scores.append(float(np.mean(fold_model.predict(x[val_idx]) == y[val_idx])))
        log.info("CV fold %d/%d: accuracy %.4f (%.1f s)", i, folds, scores[-1], time.perf_counter() - start)
    return np.array(scores)


def fit_and_score(model: ClassifierMixin, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                  y_test: np.ndarray) -> tuple[dict[str, Any], np.ndarray, np.ndarray, float]:
    """Fit ``model``, then score it on the test set: ``(metrics, predictions, probabilities, fit seconds)``."""
    start = time.perf_counter()
    model.fit(x_train, y_train)
    fit_seconds = time.perf_counter() - start
    proba = model.predict_proba(x_test)
    return metrics.classification_metrics(y_test, proba), proba.argmax(axis=1), proba, fit_seconds


def run_baseline(name: str, x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                 params: BaselineParams, log: logging.Logger | None = None) -> BaselineResult:
    """Cross-validate a baseline, refit it on the whole training set and evaluate it on the test set.

    Args:
        name: ``logreg`` or ``random_forest``.
        x_train, x_test: Preprocessed images, flattened to (n, 784) here if they are not already.
        y_train, y_test: Integer labels.
        params: Hyper-parameters and seed.
        log: Where progress goes.

    Returns:
        A ``BaselineResult`` with CV scores, test metrics, per-class table, confusion matrix,
        test predictions and probabilities, and the fitted model.
    """
    log = log or logging.getLogger(__name__)
    model = make_model(name, params)
    x_train = x_train.reshape(len(x_train), -1)
    x_test = x_test.reshape(len(x_test), -1)
    log.info("%s: %d-fold CV on %d training images", name, params.cv_folds, len(y_train))
    cv_scores = cross_validate(model, x_train, y_train, params.cv_folds, params.seed, log)
    log.info("%s: refitting on all %d training images", name, len(y_train))
    result, y_pred, proba, fit_seconds = fit_and_score(model, x_train, y_train, x_test, y_test)
    result.update(
        model=name,
        label=MODELS[name],
        cv_mean=float(cv_scores.mean()),
        cv_sd=float(cv_scores.std(ddof=1)),
        cv_folds=int(params.cv_folds),
        fit_seconds=float(fit_seconds),
        n_train=int(len(y_train)),
        n_test=int(len(y_test)),
        seed=int(params.seed),
    )
    if name == "logreg":
        # An unconverged L-BFGS fit is a different model from the one the paper describes.
        fitted = model.estimators_ if isinstance(model, OneVsRestClassifier) else [model]
        result["n_iter"] = int(max(np.max(m.n_iter_) for m in fitted))
        result["strategy"] = params.logreg_strategy
        result["converged"] = bool(result["n_iter"] < params.logreg_max_iter)
    log.info("%s: test accuracy %.4f, fit %.1f s", name, result["accuracy"], fit_seconds)
    return BaselineResult(name, cv_scores, result, metrics.per_class_table(y_test, y_pred),
                          metrics.confusion_table(y_test, y_pred), y_pred, proba, model=model)


def summarize(metric_files: list[str], cv_files: list[str], per_class_files: list[str]) -> dict[str, pd.DataFrame]:
    """Combine the per-baseline outputs into the three summary tables of the report.

    Args:
        metric_files: ``metrics.json`` of each baseline.
        cv_files: ``cv_scores.csv`` of each baseline, same order.
        per_class_files: ``per_class.csv`` of each baseline, same order.

    Returns:
        ``metrics`` (one row a model), ``cv_folds`` (one row a fold) and ``per_class`` tables.
    """
    import json

    rows, folds, per_class = [], [], []
    for m_path, cv_path, pc_path in zip(metric_files, cv_files, per_class_files, strict=True):
        with open(m_path, encoding="utf-8") as fh:
            m = json.load(fh)
        rows.append(m)
        cv = pd.read_csv(cv_path).assign(model=m["model"], label=m["label"])
        folds.append(cv)
        per_class.append(pd.read_csv(pc_path).assign(model=m["model"], label=m["label"]))
    columns = ["model", "label", "accuracy", "top3_accuracy", "top5_accuracy", "macro_precision", "macro_recall",
               "macro_f1", "log_loss", "cv_mean", "cv_sd", "cv_folds", "fit_seconds", "n_train", "n_test", "seed"]
    metrics_df = pd.DataFrame(rows)
    return {
        "metrics": metrics_df[columns + [c for c in metrics_df.columns if c not in columns]],
        "cv_folds": pd.concat(folds, ignore_index=True)[["model", "label", "fold", "accuracy"]],
        "per_class": pd.concat(per_class, ignore_index=True),
    }
