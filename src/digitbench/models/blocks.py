"""Building blocks, keras.applications style: ``block(x, ..., name) -> tensor`` with fixed layer names.

Only ``keras`` is imported, so every block runs on the TensorFlow, JAX and PyTorch backends.
"""

from __future__ import annotations

import keras
from keras import layers


def _l2(weight_decay: float) -> keras.regularizers.Regularizer | None:
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0. Received: {weight_decay}")
    return keras.regularizers.L2(weight_decay) if weight_decay else None


def _check_positive(what: str, value: int) -> None:
    if not isinstance(value, int) or value <= 0:
        raise ValueError(f"{what} must be a positive integer. Received: {value}")


def conv_block(x, filters: int, *, kernel_size: int = 3, padding: str = "same", batch_norm: bool = True,
               weight_decay: float = 0.0, name: str):
    """Conv2D with ReLU, then (optionally) batch normalization, as in the original study's plain CNNs."""
    _check_positive("filters", filters)
    x = layers.Conv2D(filters, kernel_size, padding=padding, activation="relu",
                      kernel_regularizer=_l2(weight_decay), name=f"{name}_conv")(x)
    if batch_norm:
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return x


def conv_bn_relu(x, filters: int, *, kernel_size: int = 3, weight_decay: float = 0.0, name: str):
    """Conv2D, batch normalization, ReLU: the ResNet ordering."""
    _check_positive("filters", filters)
    x = layers.Conv2D(filters, kernel_size, padding="same", kernel_regularizer=_l2(weight_decay),
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def residual_block(x, filters: int, *, kernel_size: int = 3, weight_decay: float = 1e-4, name: str):
    """Two 3x3 conv-BN layers with an identity shortcut, or a 1x1 conv-BN projection when channels change.

    Follows He et al. (2016); stride stays 1 because 28x28 inputs are downsampled by pooling instead.
    """
    _check_positive("filters", filters)
    shortcut = x
    y = conv_bn_relu(x, filters, kernel_size=kernel_size, weight_decay=weight_decay, name=f"{name}_1")
    y = layers.Conv2D(filters, kernel_size, padding="same", kernel_regularizer=_l2(weight_decay),
                      name=f"{name}_2_conv")(y)
    y = layers.BatchNormalization(name=f"{name}_2_bn")(y)
    if x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, padding="same", kernel_regularizer=_l2(weight_decay),
                                 name=f"{name}_proj_conv")(x)
        shortcut = layers.BatchNormalization(name=f"{name}_proj_bn")(shortcut)
    y = layers.Add(name=f"{name}_add")([y, shortcut])
    return layers.Activation("relu", name=f"{name}_out")(y)


def squeeze_excitation_block(x, *, ratio: int = 16, weight_decay: float = 1e-4, name: str):
    """Channel attention of Hu et al. (2018): squeeze by global pooling, excite by a bottleneck MLP."""
    _check_positive("ratio", ratio)
    channels = int(x.shape[-1])
    if channels // ratio < 1:
        raise ValueError(f"ratio must not exceed the channel count {channels}. Received: {ratio}")
    se = layers.GlobalAveragePooling2D(name=f"{name}_squeeze")(x)
    se = layers.Dense(channels // ratio, activation="relu", kernel_regularizer=_l2(weight_decay),
                      name=f"{name}_reduce")(se)
    se = layers.Dense(channels, activation="sigmoid", kernel_regularizer=_l2(weight_decay), name=f"{name}_expand")(se)
    se = layers.Reshape((1, 1, channels), name=f"{name}_reshape")(se)
    return layers.Multiply(name=f"{name}_excite")([x, se])


def dense_block(x, *, num_layers: int = 3, growth_rate: int = 12, bottleneck: int = 4, weight_decay: float = 1e-4,
                name: str):
    """DenseNet-BC block (Huang et al. 2017): BN-ReLU-1x1 conv, BN-ReLU-3x3 conv, concatenated onto the input."""
    _check_positive("num_layers", num_layers)
    _check_positive("growth_rate", growth_rate)
    for i in range(1, num_layers + 1):
        prefix = f"{name}_layer{i}"
        y = layers.BatchNormalization(name=f"{prefix}_bn1")(x)
        y = layers.Activation("relu", name=f"{prefix}_relu1")(y)
        y = layers.Conv2D(bottleneck * growth_rate, 1, padding="same", kernel_regularizer=_l2(weight_decay),
                          name=f"{prefix}_conv1")(y)
        y = layers.BatchNormalization(name=f"{prefix}_bn2")(y)
        y = layers.Activation("relu", name=f"{prefix}_relu2")(y)
        y = layers.Conv2D(growth_rate, 3, padding="same", kernel_regularizer=_l2(weight_decay),
                          name=f"{prefix}_conv2")(y)
        x = layers.Concatenate(name=f"{prefix}_concat")([x, y])
    return x


def transition_block(x, filters: int, *, name: str):
    """1x1 convolution that sets the channel count between dense blocks (no regularizer, as in the study)."""
    _check_positive("filters", filters)
    return layers.Conv2D(filters, 1, padding="same", name=f"{name}_conv")(x)


def max_pool(x, *, name: str):
    """2x2 max pooling."""
    return layers.MaxPooling2D(2, name=name)(x)


def dropout(x, rate: float, *, name: str):
    """Dropout with a checked rate."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout rate must be in [0, 1). Received: {rate}")
    return layers.Dropout(rate, name=name)(x)
