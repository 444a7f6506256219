"""Pixel scaling shared by the classical baselines and the CNNs.

Every statistic a method needs is fitted on the training images only, so that the test set
never leaks into preprocessing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("standard", "zero_mean", "robust")


@dataclass(frozen=True)
class Scaler:
    """An affine pixel map ``(x - offset) / scale`` fitted on the training images.

    Attributes:
        method: One of ``METHODS``.
        offset: Value subtracted from every pixel.
        scale: Value every centred pixel is divided by.
    """

    method: str
    offset: float
    scale: float

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Apply the map to an array of raw uint8 pixels of any shape; returns float32."""
        return ((x.astype(np.float32) - np.float32(self.offset)) / np.float32(self.scale)).astype(np.float32)


def fit_scaler(x_train: np.ndarray, method: str = "standard", percentiles: tuple[float, float] = (1.0, 99.0)) -> Scaler:
    """Fit a pixel scaler on the raw training images.

    Args:
        x_train: Raw uint8 training images, any shape.
        method: ``standard`` ([0, 1]), ``zero_mean`` (training mean 0, standard deviation 1) or
            ``robust`` (lower percentile to 0, percentile range to 1).
        percentiles: Lower and upper percentile for ``robust``.

    Returns:
        The fitted ``Scaler``.

    Raises:
        ValueError: on an unknown method, bad percentiles, or a degenerate (zero) scale.
    """
    if method not in METHODS:
        raise ValueError(f"Unknown preprocessing method; expected one of {', '.join(METHODS)}. Received: {method}")
    if method == "standard":
        return Scaler(method, 0.0, 255.0)
    pixels = np.asarray(x_train, dtype=np.float64).ravel()
    if method == "zero_mean":
        offset, scale = float(pixels.mean()), float(pixels.std())
    else:
        low, high = (float(p) for p in percentiles)
        if not 0 <= low < high <= 100:
            raise ValueError(f"robust_percentiles must satisfy 0 <= low < high <= 100. Received: {list(percentiles)}")
        offset, upper = (float(v) for v in np.percentile(pixels, [low, high]))
        scale = upper - offset
    if scale <= 0:
        raise ValueError(
            f"preprocessing '{method}' found a zero pixel range on the training set "
            f"(percentiles {list(percentiles)}); widen preprocessing.robust_percentiles, e.g. [1, 99]. "
            f"Received: scale={scale}"
        )
    return Scaler(method, offset, scale)


def stratified_subset(y: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Indices of a class-stratified random subset of ``size`` labels (all, sorted, if size is 0).

    Args:
        y: Integer labels.
        size: Subset size; 0 or ``len(y)`` keeps everything.
        seed: Seed of the draw.

    Returns:
        Sorted index array.
    """
    n = len(y)
    if size < 0 or size > n:
        raise ValueError(f"subset size must be between 0 and {n}. Received: {size}")
    if size in (0, n):
        return np.arange(n)
    # Local import: sklearn is heavy and most callers never subset.
    from sklearn.model_selection import train_test_split

    idx, _ = train_test_split(np.arange(n), train_size=size, stratify=y, random_state=seed)
    return np.sort(idx)


def subsample_test_set(arrays: dict[str, np.ndarray], size: int, seed: int | None) -> dict[str, np.ndarray]:
    """The arrays with the test set cut to a class-stratified subset (a smoke run's shortcut).

    Every rule that reads the test set calls this with the same ``data.test_size`` and study seed,
    so the CNNs, the baselines, the EDA and the statistics all see the same test images.

    Args:
        arrays: MNIST arrays (``x_train``, ``y_train``, ``x_test``, ``y_test``).
        size: Test images to keep; 0 keeps all of them (and returns ``arrays`` itself).
        seed: Seed of the draw (the study seed; unused, and may be None, when ``size`` is 0).

    Returns:
        The arrays, with ``x_test`` and ``y_test`` subset.

    Raises:
        ValueError: If ``size`` is negative or larger than the test set.
    """
    if size == 0:
        return arrays
    try:
        idx = stratified_subset(arrays["y_test"], size, seed)
    except ValueError as err:
        raise ValueError(f"data.test_size: {err}") from None
    return {**arrays, "x_test": arrays["x_test"][idx], "y_test": arrays["y_test"][idx]}
