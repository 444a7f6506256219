"""The CNNs' view of MNIST: a fixed stratified train/validation split and the shared preprocessing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from digitbench.preprocess import Scaler, fit_scaler, stratified_subset


@dataclass
class SplitData:
    """Preprocessed images with a channel axis, integer labels, and what was used to make them."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    scaler_method: str


def prepare(arrays: dict[str, np.ndarray], *, train_size: int, validation_split: float, split_seed: int,
            preprocessing: str = "standard", percentiles: tuple[float, float] = (1.0, 99.0)) -> SplitData:
    """Subset, split and scale MNIST for CNN training.

    The subset and split depend on ``split_seed`` only (the study seed), so every replicate seed of
    every architecture trains and validates on the same images; seeds vary initialisation,
    augmentation and batch order.

    Args:
        arrays: ``x_train``, ``y_train``, ``x_test``, ``y_test`` as in ``resources/mnist/mnist.npz``.
        train_size: Stratified training subset before the validation split (0 = all).
        validation_split: Stratified share held out for validation, in (0, 0.5].
        split_seed: Seed of the subset and the split.
        preprocessing: Method of ``digitbench.preprocess.fit_scaler``, fitted on the training part only.
        percentiles: Percentiles of the robust method.

    Returns:
        A ``SplitData``.
    """
    x, y, tr, va = _split(arrays, train_size, validation_split, split_seed)
    scaler = fit_scaler(x[tr], preprocessing, percentiles)

    def prep(images: np.ndarray) -> np.ndarray:
        return scaler.transform(images)[..., None]

    return SplitData(prep(x[tr]), y[tr].astype(np.int64), prep(x[va]), y[va].astype(np.int64),
                     prep(arrays["x_test"]), arrays["y_test"].astype(np.int64), scaler.method)


def _split(arrays: dict[str, np.ndarray], train_size: int, validation_split: float,
           split_seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The training subset's images and labels, and the positions of its training and validation parts."""
    if not 0 < validation_split <= 0.5:
        raise ValueError(f"validation_split must be in (0, 0.5]. Received: {validation_split}")
    from sklearn.model_selection import train_test_split

    idx = stratified_subset(arrays["y_train"], train_size, split_seed)
    x, y = arrays["x_train"][idx], arrays["y_train"][idx]
    tr, va = train_test_split(np.arange(len(y)), test_size=validation_split, stratify=y, random_state=split_seed)
    return x, y, tr, va


def run_scaler(arrays: dict[str, np.ndarray], *, train_size: int, validation_split: float, split_seed: int,
               preprocessing: str = "standard", percentiles: tuple[float, float] = (1.0, 99.0)) -> Scaler:
    """The scaler :func:`prepare` fits for a run, to scale other images exactly as the run's own.

    Args:
        arrays, train_size, validation_split, split_seed, preprocessing, percentiles: As for :func:`prepare`.
    """
    x, _, tr, _ = _split(arrays, train_size, validation_split, split_seed)
    return fit_scaler(x[tr], preprocessing, percentiles)
