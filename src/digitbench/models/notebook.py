"""The original notebook's CNN definitions, transcribed call for call, to count what its code builds.

The notebook printed parameter counts (89,634 for ``Enhanced_CNN``, ...) in a simulated results
summary, not from its models. To confront those numbers with the notebook's own code, this module
restates ``create_residual_block``, ``create_squeeze_excitation_block``, ``create_dense_block`` and
``create_advanced_cnn_models`` (section 5 of the notebook) with the same layers, arguments and order,
independently of the workflow's builders in :mod:`digitbench.models.architectures`. Only the Keras 3
spelling differs (``keras.Model``, ``keras.regularizers.L2``); a regularizer adds no parameters.
Nothing here is trained: the workflow trains its own builders, and a test holds the two to the same
parameter count.
"""

from __future__ import annotations

import keras
from keras import layers

# The notebook's model names and the workflow's architecture each corresponds to.
NOTEBOOK_NAMES = {"Enhanced_CNN": "enhanced_cnn", "ResNet_Inspired": "resnet_inspired", "SE_CNN": "se_cnn",
                  "DenseNet_Inspired": "densenet_inspired"}


def _l2() -> keras.regularizers.Regularizer:
    return keras.regularizers.L2(1e-4)


def create_residual_block(x, filters, kernel_size=3, stride=1, activation="relu"):
    """The notebook's residual block: two conv-BN, a 1x1 conv-BN shortcut when the channels change."""
    shortcut = x
    x = layers.Conv2D(filters, kernel_size, strides=stride, padding="same", kernel_regularizer=_l2())(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation(activation)(x)
    x = layers.Conv2D(filters, kernel_size, strides=1, padding="same", kernel_regularizer=_l2())(x)
    x = layers.BatchNormalization()(x)
    if stride != 1 or shortcut.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, padding="same", kernel_regularizer=_l2())(shortcut)
        shortcut = layers.BatchNormalization()(shortcut)
    x = layers.Add()([x, shortcut])
    return layers.Activation(activation)(x)


def create_squeeze_excitation_block(x, ratio=16):
    """The notebook's squeeze-and-excitation block."""
    channels = x.shape[-1]
    se = layers.GlobalAveragePooling2D()(x)
    se = layers.Dense(channels // ratio, activation="relu", kernel_regularizer=_l2())(se)
    se = layers.Dense(channels, activation="sigmoid", kernel_regularizer=_l2())(se)
    se = layers.Reshape((1, 1, channels))(se)
    return layers.Multiply()([x, se])


def create_dense_block(x, growth_rate, num_layers):
    """The notebook's dense block: BN-ReLU-1x1 conv (4k), BN-ReLU-3x3 conv (k), concatenated."""
    for _ in range(num_layers):
        x1 = layers.BatchNormalization()(x)
        x1 = layers.Activation("relu")(x1)
        x1 = layers.Conv2D(4 * growth_rate, 1, padding="same", kernel_regularizer=_l2())(x1)
        x1 = layers.BatchNormalization()(x1)
        x1 = layers.Activation("relu")(x1)
        x1 = layers.Conv2D(growth_rate, 3, padding="same", kernel_regularizer=_l2())(x1)
        x = layers.Concatenate()([x, x1])
    return x


def _enhanced_cnn(inputs):
    x = layers.Conv2D(32, 3, activation="relu", padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(32, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Dropout(0.25)(x)
    x = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.5)(x)
    x = layers.Dense(128, activation="relu", kernel_regularizer=_l2())(x)
    x = layers.BatchNormalization()(x)
    x = layers.Dropout(0.5)(x)
    return layers.Dense(10, activation="softmax")(x)


def _resnet_inspired(inputs):
    x = layers.Conv2D(32, 3, padding="same", kernel_regularizer=_l2())(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = create_residual_block(x, 32)
    x = create_residual_block(x, 32)
    x = layers.MaxPooling2D(2)(x)
    x = create_residual_block(x, 64, stride=1)
    x = create_residual_block(x, 64)
    x = layers.MaxPooling2D(2)(x)
    x = create_residual_block(x, 128, stride=1)
    x = create_residual_block(x, 128)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.5)(x)
    return layers.Dense(10, activation="softmax")(x)


def _se_cnn(inputs):
    x = layers.Conv2D(32, 3, activation="relu", padding="same")(inputs)
    x = layers.BatchNormalization()(x)
    x = create_squeeze_excitation_block(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = create_squeeze_excitation_block(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Conv2D(128, 3, activation="relu", padding="same")(x)
    x = layers.BatchNormalization()(x)
    x = create_squeeze_excitation_block(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.5)(x)
    return layers.Dense(10, activation="softmax")(x)


def _densenet_inspired(inputs):
    x = layers.Conv2D(32, 3, padding="same")(inputs)
    x = create_dense_block(x, growth_rate=12, num_layers=3)
    x = layers.Conv2D(64, 1, padding="same")(x)
    x = layers.MaxPooling2D(2)(x)
    x = create_dense_block(x, growth_rate=12, num_layers=3)
    x = layers.Conv2D(128, 1, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(0.5)(x)
    return layers.Dense(10, activation="softmax")(x)


_BODIES = {"Enhanced_CNN": _enhanced_cnn, "ResNet_Inspired": _resnet_inspired, "SE_CNN": _se_cnn,
           "DenseNet_Inspired": _densenet_inspired}


def create_advanced_cnn_models() -> dict[str, keras.Model]:
    """The notebook's four models, under the notebook's names."""
    models = {}
    for name, body in _BODIES.items():
        inputs = layers.Input(shape=(28, 28, 1))
        models[name] = keras.Model(inputs, body(inputs), name=name)
    return models


def notebook_parameter_counts() -> dict[str, int]:
    """``count_params()`` of each notebook model (as its own print loop calls it), by workflow architecture."""
    return {NOTEBOOK_NAMES[name]: int(model.count_params()) for name, model in create_advanced_cnn_models().items()}
