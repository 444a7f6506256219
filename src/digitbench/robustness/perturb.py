"""Perturbations of test digits with growing strength, and the UCI optical digits in MNIST's format.

Images are MNIST's raw intensities (float, 0-255, 28 x 28), perturbed before the study's scaling, so
every network sees them through its own training preprocessing. Every random choice (rotation sign,
shift direction, noise) comes from one seed, so all runs are tested on identical images.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import ndimage

# Family -> (unit of strength, what one step means); the strengths themselves are config.
FAMILIES: dict[str, str] = {
    "rotation": "degrees, clockwise or anticlockwise at random",
    "shift": "pixels, in a random direction",
    "blur": "pixels, standard deviation of a Gaussian kernel",
    "noise": "standard deviation of added Gaussian noise, as a share of full intensity",
}


def perturb(images: np.ndarray, family: str, strength: float, seed: int) -> np.ndarray:
    """The images perturbed by one family at one strength (0 returns a copy).

    Args:
        images: Raw intensities, shape (n, 28, 28), values 0-255.
        family: A key of :data:`FAMILIES`.
        strength: In the family's unit.
        seed: Seed of the random parts (the same for every run, so comparisons are paired).

    Returns:
        float32 images, clipped to 0-255.

    Raises:
        ValueError: Unknown family, or a negative strength.
    """
    if family not in FAMILIES:
        raise ValueError(f"family must be one of {', '.join(FAMILIES)}. Received: {family}")
    if strength < 0:
        raise ValueError(f"strength must be >= 0. Received: {strength}")
    x = np.asarray(images, dtype=np.float32)
    rng = np.random.default_rng(seed)
    if strength == 0:
        out = x.copy()
    elif family == "rotation":
        signs = rng.choice([-1.0, 1.0], size=len(x))
        out = np.stack([ndimage.rotate(img, s * strength, reshape=False, order=1, mode="constant")
                        for img, s in zip(x, signs)])
    elif family == "shift":
        angles = rng.uniform(0, 2 * np.pi, size=len(x))
        out = np.stack([ndimage.shift(img, (strength * np.sin(a), strength * np.cos(a)), order=1, mode="constant")
                        for img, a in zip(x, angles)])
    elif family == "blur":
        out = ndimage.gaussian_filter(x, sigma=(0, strength, strength), mode="constant")
    else:
        out = x + rng.normal(0.0, strength * 255.0, size=x.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.float32)


def conditions(strengths: dict[str, list[float]]) -> list[tuple[str, float]]:
    """``("clean", 0)`` followed by every (family, strength) of the config, in family order.

    ``strengths`` maps families to their strengths; other keys (the rest of the config section) are ignored."""
    return [("clean", 0.0)] + [(f, float(s)) for f in FAMILIES for s in strengths.get(f, [])]


def perturbed_sets(images: np.ndarray, strengths: dict[str, list[float]], seed: int) -> tuple[list[tuple[str, float]],
                                                                                                 np.ndarray]:
    """Every condition's images, stacked: shape (conditions, n, 28, 28)."""
    conds = conditions(strengths)
    return conds, np.stack([np.asarray(images, dtype=np.float32) if f == "clean" else perturb(images, f, s, seed)
                            for f, s in conds])


def uci_digits_as_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The UCI optical digits (scikit-learn's ``load_digits``: 1,797 images, 8 x 8, 17 grey levels) in
    MNIST's format, as MNIST itself was made from NIST's digits.

    Each image is scaled from 0-16 to 0-255, enlarged to 20 x 20 pixels (bilinear, the size of
    MNIST's digit box) and placed in a 28 x 28 frame with its centre of mass at the centre, then
    clipped to 0-255.

    Returns:
        ``(images, labels)``: float32 (1797, 28, 28) in 0-255, and int64 labels.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    small = digits.images.astype(np.float32) * (255.0 / 16.0)
    out = np.zeros((len(small), 28, 28), dtype=np.float32)
    for i, img in enumerate(small):
        big = np.clip(ndimage.zoom(img, 20 / 8, order=1), 0, 255)
        frame = np.zeros((28, 28), dtype=np.float32)
        frame[4:24, 4:24] = big
        cy, cx = ndimage.center_of_mass(frame)
        out[i] = ndimage.shift(frame, (13.5 - cy, 13.5 - cx), order=1, mode="constant")
    return np.clip(out, 0, 255), digits.target.astype(np.int64)


def test_subset(data_path: str, test_set: dict[str, Any], size: int, seed: int) -> dict[str, np.ndarray]:
    """MNIST with its test set cut as every rule cuts it (``data.test_size``), then to ``size`` images
    (``robustness.test_size``, class-stratified, 0 = all), the same for every run.

    Returns:
        The arrays, and ``test_index``: the kept images' positions in the cut test set (the rows of a
        run's ``predictions.npz``).

    Raises:
        ValueError: ``size`` is larger than the cut test set, or leaves a class without images.
    """
    from digitbench.data import load_npz
    from digitbench.preprocess import stratified_subset, subsample_test_set

    arrays = subsample_test_set(load_npz(data_path), **test_set)
    index = np.arange(len(arrays["y_test"]))
    if size and size < len(index):
        try:
            index = stratified_subset(arrays["y_test"], size, seed)
        except ValueError as err:
            raise ValueError(f"robustness.test_size: {err}") from None
    return {**arrays, "x_test": arrays["x_test"][index], "y_test": arrays["y_test"][index], "test_index": index}
