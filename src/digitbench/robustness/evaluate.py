"""One trained run on the perturbed test images and on the UCI digits (inference only, no training)."""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from digitbench.robustness.behaviour import behaviour_arrays
from digitbench.robustness.occlusion import maps_from, occluded, pick_digits
from digitbench.robustness.perturb import conditions, perturb, perturbed_sets, test_subset, uci_digits_as_mnist

# Largest difference of a class probability between the record of a run and the same model predicting
# again that still counts as the same model.
RECORD_TOLERANCE = 0.01


def evaluate_run(model_path: str, data_path: str, *, record: str, training: dict[str, Any], split_seed: int,
                 preprocessing: str, percentiles: tuple[float, float], test_set: dict[str, Any],
                 robustness: dict[str, Any], occlusion: dict[str, Any], batch_size: int,
                 log: logging.Logger) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Predictions of one saved model on every perturbation condition and on the UCI digits, and its
    occlusion maps, from one load of the model and one pass over all of these images.

    The images are scaled exactly as the run's own test images were: the scaler is fitted again on
    the run's training subset (``digitbench.training.data.run_scaler``, deterministic in the study
    seed). The clean condition is the run's recorded test predictions (``record``), not predicted
    again; the digits of the occlusion maps are predicted again and must agree with the record
    (within ``RECORD_TOLERANCE``), so
    the model evaluated is the model the report describes. Occluded copies identical to their digit
    (the patch over blank background) take the digit's own prediction.

    Args:
        model_path: The run's ``model.keras``.
        data_path: ``resources/mnist/mnist.npz``.
        record: The run's ``predictions.npz`` (``proba`` of the cut test set).
        training: The run's training parameters (``train_size``, ``validation_split``).
        split_seed, preprocessing, percentiles, test_set: As for training.
        robustness: The ``robustness`` config section.
        occlusion: The ``occlusion`` config section (``per_class``, ``patch``, ``stride``).
        batch_size: Images per forward pass (``robustness.batch_size``).
        log: Job log.

    Returns:
        ``(robustness, occlusion)`` arrays. Robustness: those of
        :func:`digitbench.robustness.behaviour.behaviour_arrays` (correctness, predicted labels and the
        most-predicted class per condition, the UCI digits' probabilities). Occlusion:
        ``index`` (into the robustness subset of the test set), ``y_true``, ``images`` (raw),
        ``proba`` (unoccluded), ``maps`` (digits, 28, 28).

    Raises:
        ValueError: The record does not cover the test set, or the model predicts the occlusion digits
            differently from it.
    """
    import keras

    import digitbench.training.augment  # noqa: F401 -- registers the augmentation layer the model holds
    from digitbench.training.data import run_scaler

    arrays = test_subset(data_path, test_set, robustness["test_size"], robustness["seed"])
    scaler = run_scaler(arrays, train_size=training["train_size"], validation_split=training["validation_split"],
                        split_seed=split_seed, preprocessing=preprocessing, percentiles=percentiles)
    with np.load(record) as z:
        recorded = np.asarray(z["proba"], dtype=np.float64)
    if recorded.shape[0] <= arrays["test_index"].max():
        raise ValueError(f"{record} holds {recorded.shape[0]} test predictions, fewer than the test set: rerun rule "
                         f"train_cnn for this run. Received: {recorded.shape}")
    clean = recorded[arrays["test_index"]]
    conds, x_raw, n = conditions(robustness), arrays["x_test"], len(arrays["y_test"])
    uci_x, uci_y = uci_digits_as_mnist()
    picks = pick_digits(arrays["y_test"], occlusion["per_class"])
    hidden = occluded(x_raw[picks], occlusion["patch"], occlusion["stride"])
    per_digit = len(hidden) // len(picks)
    blank = (hidden == np.repeat(x_raw[picks].astype(np.float32), per_digit, axis=0)).all(axis=(1, 2))
    # One buffer of scaled images, filled part by part, keeps the peak memory near one copy of them.
    parts = [perturb(x_raw, f, s, robustness["seed"]) for f, s in conds[1:]]
    parts += [uci_x, x_raw[picks], hidden[~blank]]
    x = np.empty((sum(len(p) for p in parts), 28, 28, 1), dtype=np.float32)
    at = 0
    for part in parts:
        x[at:at + len(part), ..., 0] = scaler.transform(part)
        at += len(part)
    del parts
    model = keras.saving.load_model(model_path)
    log.info("%d conditions x %d test images (the clean one recorded by training), %d UCI digits, %d digits and "
             "%d of their %d occluded copies (the rest hide blank background): %d predictions, batches of %d",
             len(conds), n, len(uci_y), len(picks), int((~blank).sum()), len(hidden), len(x), batch_size)
    started = time.perf_counter()
    proba = np.asarray(model.predict(x, batch_size=batch_size, verbose=0), dtype=np.float64)
    seconds = time.perf_counter() - started
    log.info("inference: %d images in %.1f s, %.0f images/s", len(x), seconds, len(x) / max(seconds, 1e-9))
    n_pert = (len(conds) - 1) * n
    uci_proba, own = proba[n_pert:n_pert + len(uci_y)], proba[n_pert + len(uci_y):n_pert + len(uci_y) + len(picks)]
    # A tolerance, not equality: another batch size or device (TF32 on a GPU) moves the last digits.
    gap = float(np.abs(own - clean[picks]).max())
    if gap > RECORD_TOLERANCE:
        raise ValueError(f"{model_path} predicts the test digits differently from {record} (probabilities differ by "
                         f"up to {gap:.3g}, more than {RECORD_TOLERANCE}): rerun rule train_cnn for this run. "
                         f"Received: {gap:.3g}")
    all_proba = np.concatenate([clean[None], proba[:n_pert].reshape(len(conds) - 1, n, -1)])
    behaviour = behaviour_arrays(conds, arrays["y_test"], all_proba, uci_y, uci_proba)
    for (family, strength), row, cls, share in zip(conds, behaviour["correct"], behaviour["top_class"],
                                                   behaviour["top_share"]):
        log.info("%s %g: accuracy %.4f, class %d predicted for %.1f%%", family, strength, row.mean(), cls, 100 * share)
    log.info("UCI digits: accuracy %.4f, class %d predicted for %.1f%%",
             float(np.mean(behaviour["uci_predicted"] == uci_y)), behaviour["uci_top_class"],
             100 * behaviour["uci_top_share"])
    occluded_proba = np.repeat(own, per_digit, axis=0)
    occluded_proba[~blank] = proba[n_pert + len(uci_y) + len(picks):]
    labels = arrays["y_test"][picks].astype(np.int64)
    maps = maps_from(own, occluded_proba, labels, occlusion["patch"], occlusion["stride"])
    return (behaviour,
            {"index": picks, "y_true": labels, "images": x_raw[picks].astype(np.float32), "proba": own,
             "maps": maps, "patch": np.array(occlusion["patch"]), "stride": np.array(occlusion["stride"])})


def example_images(data_path: str, test_set: dict[str, Any], robustness: dict[str, Any],
                   digits: tuple[int, ...] = (2, 5, 7)) -> dict[str, np.ndarray]:
    """What the perturbations and the UCI resampling look like, for the example figures.

    Returns:
        ``family``, ``strength`` per condition, ``perturbed`` (conditions, digits, 28, 28): the first test
        image of each of ``digits`` in the robustness subset under every condition; ``uci_original``
        (10, 8, 8) and ``uci_resampled`` (10, 28, 28): the first UCI image of each class, before and after.
    """
    from sklearn.datasets import load_digits

    arrays = test_subset(data_path, test_set, robustness["test_size"], robustness["seed"])
    picks = [int(np.flatnonzero(arrays["y_test"] == d)[0]) for d in digits]
    # The same seed and the same image order as evaluate_run, so these are images the runs were tested on.
    conds, images = perturbed_sets(arrays["x_test"], robustness, robustness["seed"])
    uci = load_digits()
    first = [int(np.flatnonzero(uci.target == d)[0]) for d in range(10)]
    return {"family": np.array([f for f, _ in conds]), "strength": np.array([s for _, s in conds]),
            "digits": np.array(digits), "perturbed": images[:, picks], "uci_original": uci.images[first],
            "uci_resampled": uci_digits_as_mnist()[0][first]}
