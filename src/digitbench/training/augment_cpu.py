"""The original notebook's augmentation pipeline: ``ImageDataGenerator`` on the CPU, image by image.

The notebook fed ``model.fit`` from ``ImageDataGenerator.flow``: each batch was drawn, every image
transformed with ``scipy.ndimage.affine_transform`` on the host, and only then sent to the
device. This module reproduces that pipeline with the same draws and the same matrices as
``RandomAffine`` (``augment.compose``). It serves as the geometric reference in the tests and as
the baseline of the throughput benchmark; training itself never uses it.
"""

from __future__ import annotations

import math

import keras
import numpy as np
from scipy import ndimage

from digitbench.training.augment import AugmentParams, compose


def draw(params: AugmentParams, rng: np.random.Generator, n: int, height: int, width: int) -> dict[str, np.ndarray]:
    """``ImageDataGenerator.get_random_transform`` for ``n`` images: angles in degrees, shifts in pixels."""
    z = params.zoom
    return {"rotation": rng.uniform(-params.rotation_degrees, params.rotation_degrees, n),
            "shear": rng.uniform(-params.shear_degrees, params.shear_degrees, n),
            "zoom_row": rng.uniform(1 - z, 1 + z, n), "zoom_col": rng.uniform(1 - z, 1 + z, n),
            "shift_row": rng.uniform(-params.shift, params.shift, n) * height,
            "shift_col": rng.uniform(-params.shift, params.shift, n) * width,
            "brightness": rng.uniform(*params.brightness, n)}


def apply(images: np.ndarray, draws: dict[str, np.ndarray], fill_mode: str = "nearest", order: int = 1) -> np.ndarray:
    """Transform each (H, W, C) image on the CPU with ``scipy.ndimage``, then scale its brightness.

    Args:
        images: Batch of shape (n, H, W, C).
        draws: Parameters from ``draw`` (or from ``RandomAffine.draw``, converted to NumPy).
        fill_mode: ``scipy.ndimage`` mode for pixels moved in from outside.
        order: Spline order: 1 is ``ImageDataGenerator``'s bilinear interpolation, 0 nearest.

    Returns:
        The transformed batch, float32.
    """
    height, width = images.shape[1:3]
    a, b = compose(np, np.deg2rad(draws["rotation"]), np.deg2rad(draws["shear"]), draws["zoom_row"],
                   draws["zoom_col"], draws["shift_row"], draws["shift_col"], height, width)
    out = np.empty(images.shape, dtype=np.float32)
    for i, image in enumerate(images):
        for c in range(image.shape[-1]):
            out[i, ..., c] = ndimage.affine_transform(image[..., c], a[i], offset=b[i], order=order, mode=fill_mode)
        low = out[i].min()
        out[i] = low + np.minimum((out[i] - low) * draws["brightness"][i], out[i].max() - low)
    return out


class NotebookPipeline(keras.utils.PyDataset):
    """Batches augmented on the CPU as ``ImageDataGenerator.flow`` made them, for ``Model.fit``.

    Args:
        x: Images (n, H, W, C).
        y: Labels (n,).
        params: Augmentation strengths.
        batch_size: Images per batch.
        seed: Seed of the draws and of the shuffling.
        steps: Batches per epoch (default: one pass over ``x``).
    """

    def __init__(self, x, y, params: AugmentParams, batch_size: int, seed: int, steps: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.params, self.batch_size = x, y, params, batch_size
        self.rng = np.random.default_rng(seed)
        self.steps = steps or math.ceil(len(x) / batch_size)
        self.order = self.rng.permutation(len(x))

    def __len__(self) -> int:
        return self.steps

    def on_epoch_end(self) -> None:
        self.order = self.rng.permutation(len(self.x))

    def __getitem__(self, index: int):
        idx = np.take(self.order, np.arange(index * self.batch_size, (index + 1) * self.batch_size), mode="wrap")
        batch = self.x[idx]
        draws = draw(self.params, self.rng, len(batch), *batch.shape[1:3])
        return apply(batch, draws, self.params.fill_mode), self.y[idx]
