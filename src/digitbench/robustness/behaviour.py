"""What a classifier predicts on each condition, not only how often it is right: the most-predicted class
and its share, and whether the classifier has collapsed onto one class (rule evaluate_behaviour for the
CNNs, evaluate_baseline_behaviour for the classical baselines).

A classifier that answers one class for most images scores about that class's share of the images,
whatever it learned; such an accuracy is not a graded measure of robustness, and the statistics keep
collapsed conditions out of the comparisons (``digitbench.stats.robustness``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

N_CLASSES = 10


def top_class(predicted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The most-predicted class of each row of predictions and its share of the row.

    Args:
        predicted: Integer class labels, shape (items,) or (conditions, items).

    Returns:
        ``(classes, shares)``: int64 and float64 arrays, shape () or (conditions,); a tie goes to the
        lower class.

    Raises:
        ValueError: No items, or a label outside 0-9.
    """
    labels = np.asarray(predicted)
    if labels.shape[-1] == 0 or labels.ndim not in (1, 2):
        raise ValueError(f"predicted must be (items,) or (conditions, items) with items > 0. Received: {labels.shape}")
    if labels.min() < 0 or labels.max() >= N_CLASSES:
        raise ValueError(f"labels must lie in 0-{N_CLASSES - 1}. Received: {labels.min()} to {labels.max()}")
    rows = labels.reshape(-1, labels.shape[-1])
    counts = np.stack([np.bincount(r, minlength=N_CLASSES) for r in rows])
    classes, shares = counts.argmax(axis=1), counts.max(axis=1) / rows.shape[1]
    shape = labels.shape[:-1]
    return classes.astype(np.int64).reshape(shape), shares.astype(np.float64).reshape(shape)


def collapsed(shares: np.ndarray | float, threshold: float) -> np.ndarray:
    """Whether a classifier with these top-class shares has collapsed (one class takes ``threshold`` or more).

    Raises:
        ValueError: ``threshold`` outside (0.1, 1], where a balanced ten-class set would count as collapsed.
    """
    if not 1 / N_CLASSES < threshold <= 1:
        raise ValueError(f"threshold must lie in ({1 / N_CLASSES:g}, 1]. Received: {threshold}")
    return np.asarray(shares) >= threshold


def behaviour_arrays(conds: list[tuple[str, float]], y_true: np.ndarray, proba: np.ndarray, uci_y_true: np.ndarray,
                     uci_proba: np.ndarray) -> dict[str, np.ndarray]:
    """The per-run behaviour file: correctness, predicted labels and most-predicted class per condition.

    Args:
        conds: ``(family, strength)`` per condition.
        y_true: Labels of the test subset, (items,).
        proba: Class probabilities, (conditions, items, 10).
        uci_y_true, uci_proba: Labels and probabilities on the UCI digits.

    Returns:
        ``family``, ``strength``, ``y_true``, ``correct`` and ``predicted`` (conditions x items, int8),
        ``top_class``, ``top_share`` (conditions,), ``uci_y_true``, ``uci_proba``, ``uci_predicted``,
        ``uci_top_class``, ``uci_top_share``.

    Raises:
        ValueError: ``proba`` does not hold one row of ten probabilities per condition and item.
    """
    proba = np.asarray(proba)
    if proba.shape != (len(conds), len(y_true), N_CLASSES):
        raise ValueError(f"proba must have shape {(len(conds), len(y_true), N_CLASSES)}. Received: {proba.shape}")
    predicted = proba.argmax(axis=2).astype(np.int8)  # ten classes: int8 keeps the file small
    uci_predicted = np.asarray(uci_proba).argmax(axis=1).astype(np.int8)
    classes, shares = top_class(predicted)
    uci_class, uci_share = top_class(uci_predicted)
    return {"family": np.array([f for f, _ in conds]), "strength": np.array([s for _, s in conds], dtype=np.float64),
            "y_true": np.asarray(y_true, dtype=np.int64), "correct": predicted == np.asarray(y_true)[None, :],
            "predicted": predicted, "top_class": classes, "top_share": shares,
            "uci_y_true": np.asarray(uci_y_true, dtype=np.int64), "uci_proba": np.asarray(uci_proba),
            "uci_predicted": uci_predicted, "uci_top_class": uci_class, "uci_top_share": uci_share}


def evaluate_baseline(model_path: str, data_path: str, config: Mapping[str, Any], test_set: Mapping[str, Any],
                      robustness: Mapping[str, Any], reference: str, log: logging.Logger) -> dict[str, np.ndarray]:
    """A fitted classical baseline on the perturbed test images and the UCI digits, as a reference for the CNNs.

    The images are scaled as rule fit_baseline scaled the baseline's (the scaler is fitted again on the
    same training subset, deterministic in the study seed). The model must predict the test set as
    fit_baseline recorded, so the reference is the model the report describes.

    Args:
        model_path: fit_baseline's ``model.joblib``.
        data_path: ``resources/mnist/mnist.npz``.
        config: ``baseline_config()`` of the rules (seed, preprocessing, baselines).
        test_set: ``test_set_params()`` (the study's test-set cut).
        robustness: The ``robustness`` config section (subset size, seed, strengths).
        reference: fit_baseline's ``predictions.npz``.
        log: Job log.

    Returns:
        The arrays of :func:`behaviour_arrays`.

    Raises:
        ValueError: The model predicts the test set differently from fit_baseline's record.
    """
    import joblib

    from digitbench.baselines import subset_args, training_subset
    from digitbench.data import load_npz
    from digitbench.preprocess import subsample_test_set
    from digitbench.robustness.perturb import perturbed_sets, test_subset, uci_digits_as_mnist

    with np.load(reference) as z:
        saved = z["y_pred"]
    data = subsample_test_set(load_npz(data_path), **test_set)
    scaler = training_subset(data, **subset_args(config))[2]
    model = joblib.load(model_path)

    def proba_of(images: np.ndarray) -> np.ndarray:
        return model.predict_proba(scaler.transform(images).reshape(len(images), -1))

    differing = int(np.sum(proba_of(data["x_test"]).argmax(axis=1) != saved))
    if differing:
        raise ValueError(f"{model_path} predicts {differing} test images differently from {reference}: rerun "
                         f"rule fit_baseline. Received: {differing} differing predictions")
    log.info("%s predicts the test set as %s records", model_path, reference)
    arrays = test_subset(data_path, test_set, robustness["test_size"], robustness["seed"])
    conds, images = perturbed_sets(arrays["x_test"], robustness, robustness["seed"])
    proba = proba_of(images.reshape(-1, 28, 28)).reshape(len(conds), len(arrays["y_test"]), N_CLASSES)
    uci_x, uci_y = uci_digits_as_mnist()
    out = behaviour_arrays(conds, arrays["y_test"], proba, uci_y, proba_of(uci_x))
    for (family, strength), acc, cls, share in zip(conds, out["correct"].mean(axis=1), out["top_class"],
                                                   out["top_share"]):
        log.info("%s %g: accuracy %.4f, class %d predicted for %.1f%%", family, strength, acc, cls, 100 * share)
    log.info("UCI digits: accuracy %.4f, class %d predicted for %.1f%%", np.mean(out["uci_predicted"] == uci_y),
             out["uci_top_class"], 100 * out["uci_top_share"])
    return out
