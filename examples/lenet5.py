"""A LeNet-5-style network (LeCun et al., 1998), declared in config as an architecture beside the five.

The study builds it as ``build(input_shape=(28, 28, 1), num_classes=10)`` and trains, tests and reports it
like its own architectures; see README "Bring your own architecture".
"""

import keras
from keras import layers


def build(input_shape=(28, 28, 1), num_classes=10):
    """Two 5x5 convolutions with average pooling, then 120 and 84 units: about 61,000 parameters."""
    inputs = keras.Input(shape=input_shape, name="input")
    x = layers.Conv2D(6, 5, padding="same", activation="tanh", name="c1")(inputs)
    x = layers.AveragePooling2D(2, name="s2")(x)
    x = layers.Conv2D(16, 5, activation="tanh", name="c3")(x)
    x = layers.AveragePooling2D(2, name="s4")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(120, activation="tanh", name="f5")(x)
    x = layers.Dense(84, activation="tanh", name="f6")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="predictions")(x)
    return keras.Model(inputs, outputs, name="lenet5")
