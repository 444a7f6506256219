"""The generic builder: input, stem, stages, head. Each architecture only supplies those three parts."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import keras
from keras import layers

Block = Callable[..., object]  # (tensor, name=...) -> tensor


def build_model(name: str, *, stem: Block, stages: Sequence[Block], head: Block,
                input_shape: tuple[int, int, int] = (28, 28, 1), num_classes: int = 10) -> keras.Model:
    """Assemble a functional model.

    Args:
        name: Model name (the architecture's registry key).
        stem: ``stem(x, name="stem") -> tensor``.
        stages: Each ``stage(x, name="stageN") -> tensor``, applied in order.
        head: ``head(x, num_classes, name="head") -> tensor`` of logits-free softmax outputs.
        input_shape: Image shape (height, width, channels).
        num_classes: Number of classes.

    Returns:
        An uncompiled ``keras.Model``.
    """
    if len(input_shape) != 3 or min(input_shape) <= 0:
        raise ValueError(f"input_shape must be (height, width, channels) with positive sizes. Received: {input_shape}")
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"num_classes must be an integer >= 2. Received: {num_classes}")
    inputs = keras.Input(shape=input_shape, name="input")
    x = stem(inputs, name="stem")
    for i, stage in enumerate(stages, start=1):
        x = stage(x, name=f"stage{i}")
    outputs = head(x, num_classes, name="head")
    return keras.Model(inputs, outputs, name=name)


def softmax_classifier(x, num_classes: int, *, name: str):
    """Dense softmax output layer named ``{name}_predictions``."""
    return layers.Dense(num_classes, activation="softmax", name=f"{name}_predictions")(x)
