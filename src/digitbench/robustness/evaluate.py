"""One trained run on the perturbed test images and on the UCI digits (inference only, no training)."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from digitbench.robustness.behaviour import behaviour_arrays
from digitbench.robustness.occlusion import maps_from, occluded, pick_digits
from digitbench.robustness.perturb import perturbed_sets, test_subset, uci_digits_as_mnist


def evaluate_run(model_path: str, data_path: str, *, training: dict[str, Any], split_seed: int, preprocessing: str,
                 percentiles: tuple[float, float], test_set: dict[str, Any], robustness: dict[str, Any],
                 occlusion: dict[str, Any], log: logging.Logger) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Predictions of one saved model on every perturbation condition and on the UCI digits, and its
    occlusion maps, from one pass of the model over all of these images.

    The images are scaled exactly as the run's own test images were: the scaler is fitted again on
    the run's training subset (``digitbench.training.data.prepare``, deterministic in the study seed).

    Args:
        model_path: The run's ``model.keras``.
        data_path: ``resources/mnist/mnist.npz``.
        training: The run's training parameters (``train_size``, ``validation_split``).
        split_seed, preprocessing, percentiles, test_set: As for training.
        robustness: The ``robustness`` config section.
        occlusion: The ``occlusion`` config section (``per_class``, ``patch``, ``stride``).
        log: Job log.

    Returns:
        ``(robustness, occlusion)`` arrays. Robustness: those of
        :func:`digitbench.robustness.behaviour.behaviour_arrays` (correctness, predicted labels and the
        most-predicted class per condition, the UCI digits' probabilities). Occlusion:
        ``index`` (into the robustness subset of the test set), ``y_true``, ``images`` (raw),
        ``proba`` (unoccluded), ``maps`` (digits, 28, 28).
    """
    import keras

    import digitbench.training.augment  # noqa: F401 -- registers the augmentation layer the model holds
    from digitbench.training.data import prepare

    arrays = test_subset(data_path, test_set, robustness["test_size"], robustness["seed"])
    conds, images = perturbed_sets(arrays["x_test"], robustness, robustness["seed"])
    uci_x, uci_y = uci_digits_as_mnist()
    n_cond, n = len(conds), len(arrays["y_test"])
    picks = pick_digits(arrays["y_test"], occlusion["per_class"])
    hidden = occluded(arrays["x_test"][picks], occlusion["patch"], occlusion["stride"])
    parts = [images.reshape(-1, 28, 28), uci_x, hidden]
    stacked = {**arrays, "x_test": np.concatenate(parts),
               "y_test": np.concatenate([np.tile(arrays["y_test"], n_cond), uci_y, np.zeros(len(hidden), np.int64)])}
    x = prepare(stacked, train_size=training["train_size"], validation_split=training["validation_split"],
                split_seed=split_seed, preprocessing=preprocessing, percentiles=percentiles).x_test
    model = keras.saving.load_model(model_path)
    log.info("%d conditions x %d test images, %d UCI digits and %d occluded copies of %d digits: %d predictions",
             n_cond, n, len(uci_y), len(hidden), len(picks), len(x))
    proba = np.asarray(model.predict(x, batch_size=512, verbose=0), dtype=np.float64)
    uci_proba = proba[n_cond * n:n_cond * n + len(uci_y)]
    behaviour = behaviour_arrays(conds, arrays["y_test"], proba[: n_cond * n].reshape(n_cond, n, -1), uci_y, uci_proba)
    for (family, strength), row, cls, share in zip(conds, behaviour["correct"], behaviour["top_class"],
                                                   behaviour["top_share"]):
        log.info("%s %g: accuracy %.4f, class %d predicted for %.1f%%", family, strength, row.mean(), cls, 100 * share)
    log.info("UCI digits: accuracy %.4f, class %d predicted for %.1f%%",
             float(np.mean(behaviour["uci_predicted"] == uci_y)), behaviour["uci_top_class"],
             100 * behaviour["uci_top_share"])
    labels = arrays["y_test"][picks].astype(np.int64)
    clean = proba[picks]  # condition 0 is the unperturbed subset, so its first n rows are these images' own
    maps = maps_from(clean, proba[n_cond * n + len(uci_y):], labels, occlusion["patch"], occlusion["stride"])
    return (behaviour,
            {"index": picks, "y_true": labels, "images": arrays["x_test"][picks].astype(np.float32), "proba": clean,
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
