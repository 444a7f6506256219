"""Training-time augmentation as Keras preprocessing layers, so it runs on the device with the model.

Random layers are active only when called with ``training=True``: evaluation and prediction see the
images unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import keras
from keras import layers


@dataclass(frozen=True)
class AugmentParams:
    """Augmentation strengths (config keys under ``training.augmentation``); the original study's values."""

    rotation_degrees: float = 20.0
    shift: float = 0.15
    zoom: float = 0.15
    shear: float = 0.1
    brightness: tuple[float, float] = (0.8, 1.2)
    fill_mode: str = "nearest"


@keras.saving.register_keras_serializable(package="digitbench")
class RandomBrightnessScale(layers.Layer):
    """Multiply each image by a factor drawn uniformly from ``[low, high]``.

    ``keras.layers.RandomBrightness`` adds an offset; the original ``ImageDataGenerator``
    ``brightness_range`` scales intensities, which this layer reproduces.
    """

    def __init__(self, low: float = 0.8, high: float = 1.2, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        if not 0 < low <= high:
            raise ValueError(f"brightness range must satisfy 0 < low <= high. Received: {[low, high]}")
        self.low, self.high, self.seed = float(low), float(high), seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, training=None):
        if not training:
            return inputs
        shape = (keras.ops.shape(inputs)[0], 1, 1, 1)
        factor = keras.random.uniform(shape, self.low, self.high, seed=self.seed_generator, dtype=inputs.dtype)
        return inputs * factor

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "low": self.low, "high": self.high, "seed": self.seed}


def build_augmentation(params: AugmentParams, seed: int, input_shape=(28, 28, 1)) -> keras.Sequential:
    """The augmentation pipeline: rotation, shift, zoom, shear, brightness; no flips (digits are not symmetric).

    Args:
        params: Strengths.
        seed: Seed of every random layer (different offsets, so layers draw independently).
        input_shape: Image shape.

    Returns:
        A ``keras.Sequential`` of random layers named ``augment``.
    """
    fill = params.fill_mode
    return keras.Sequential(
        [
            keras.Input(shape=input_shape),
            layers.RandomRotation(params.rotation_degrees / 360.0, fill_mode=fill, seed=seed, name="rotation"),
            layers.RandomTranslation(params.shift, params.shift, fill_mode=fill, seed=seed + 1, name="shift"),
            layers.RandomZoom(params.zoom, params.zoom, fill_mode=fill, seed=seed + 2, name="zoom"),
            layers.RandomShear(params.shear, params.shear, fill_mode=fill, seed=seed + 3, name="shear"),
            RandomBrightnessScale(*params.brightness, seed=seed + 4, name="brightness"),
        ],
        name="augment",
    )


def params_from_config(cfg: dict) -> AugmentParams:
    """``AugmentParams`` from the ``training.augmentation`` config section."""
    return AugmentParams(cfg["rotation_degrees"], cfg["shift"], cfg["zoom"], cfg["shear"], tuple(cfg["brightness"]),
                         cfg["fill_mode"])


def sample_examples(images, params: AugmentParams, seed: int, n: int = 7):
    """Each image followed by ``n`` augmented versions of it, as one (len(images), n + 1, H, W, C) array.

    Args:
        images: Preprocessed images with a channel axis.
        params: Augmentation strengths.
        seed: Seed of the augmentation layers.
        n: Augmented versions per image.
    """
    import numpy as np

    aug = build_augmentation(params, seed, images.shape[1:])
    rows = []
    for image in images:
        batch = np.repeat(image[None], n, axis=0)
        rows.append(np.concatenate([image[None], np.asarray(aug(batch, training=True))]))
    return np.stack(rows)
