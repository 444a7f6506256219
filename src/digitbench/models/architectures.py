"""The five CNNs of the study, each a thin wrapper around ``build_model``, registered in ``ARCHITECTURES``.

``baseline_cnn`` is the companion paper's model; the other four follow the original study's code.
"""

from __future__ import annotations

from collections.abc import Callable

import keras
from keras import layers

from digitbench.models import blocks as B
from digitbench.models.builder import build_model, softmax_classifier


def baseline_cnn(input_shape=(28, 28, 1), num_classes: int = 10) -> keras.Model:
    """Companion paper: three valid-padded 3x3 convolutions, a 256-unit dense layer, dropout and BN."""
    def stem(x, name):
        return B.conv_block(x, 32, padding="valid", name=name)

    def stage1(x, name):
        x = B.conv_block(x, 64, padding="valid", batch_norm=False, name=f"{name}_block1")
        x = B.max_pool(x, name=f"{name}_pool")
        return B.dropout(x, 0.25, name=f"{name}_dropout")

    def stage2(x, name):
        x = B.conv_block(x, 64, padding="valid", name=f"{name}_block1")
        x = B.max_pool(x, name=f"{name}_pool")
        return B.dropout(x, 0.25, name=f"{name}_dropout")

    def head(x, n, name):
        x = layers.Flatten(name=f"{name}_flatten")(x)
        x = layers.Dense(256, activation="relu", name=f"{name}_dense")(x)
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        x = B.dropout(x, 0.5, name=f"{name}_dropout")
        return softmax_classifier(x, n, name=name)

    return build_model("baseline_cnn", stem=stem, stages=[stage1, stage2], head=head,
                       input_shape=input_shape, num_classes=num_classes)


def enhanced_cnn(input_shape=(28, 28, 1), num_classes: int = 10, weight_decay: float = 1e-4) -> keras.Model:
    """Two conv-conv-pool stages (32, 64 filters), a 128-filter conv, global pooling and a 128-unit dense head."""
    def stem(x, name):
        return B.conv_block(x, 32, name=name)

    def stage(filters):
        def apply(x, name):
            if filters == 32:
                x = B.conv_block(x, 32, batch_norm=False, name=f"{name}_block1")
            else:
                x = B.conv_block(x, filters, name=f"{name}_block1")
                x = B.conv_block(x, filters, batch_norm=False, name=f"{name}_block2")
            x = B.max_pool(x, name=f"{name}_pool")
            return B.dropout(x, 0.25, name=f"{name}_dropout")
        return apply

    def stage3(x, name):
        return B.conv_block(x, 128, name=f"{name}_block1")

    def head(x, n, name):
        x = layers.GlobalAveragePooling2D(name=f"{name}_gap")(x)
        x = B.dropout(x, 0.5, name=f"{name}_dropout1")
        x = layers.Dense(128, activation="relu", kernel_regularizer=keras.regularizers.L2(weight_decay),
                         name=f"{name}_dense")(x)
        x = layers.BatchNormalization(name=f"{name}_bn")(x)
        x = B.dropout(x, 0.5, name=f"{name}_dropout2")
        return softmax_classifier(x, n, name=name)

    return build_model("enhanced_cnn", stem=stem, stages=[stage(32), stage(64), stage3], head=head,
                       input_shape=input_shape, num_classes=num_classes)


def _gap_dropout_head(x, n, name, rate=0.5):
    x = layers.GlobalAveragePooling2D(name=f"{name}_gap")(x)
    x = B.dropout(x, rate, name=f"{name}_dropout")
    return softmax_classifier(x, n, name=name)


def resnet_inspired(input_shape=(28, 28, 1), num_classes: int = 10, weight_decay: float = 1e-4) -> keras.Model:
    """Stem conv-BN-ReLU, three stages of two residual blocks (32, 64, 128 filters), pooling between stages."""
    def stem(x, name):
        return B.conv_bn_relu(x, 32, weight_decay=weight_decay, name=name)

    def stage(filters, pool):
        def apply(x, name):
            x = B.residual_block(x, filters, weight_decay=weight_decay, name=f"{name}_block1")
            x = B.residual_block(x, filters, weight_decay=weight_decay, name=f"{name}_block2")
            return B.max_pool(x, name=f"{name}_pool") if pool else x
        return apply

    return build_model("resnet_inspired", stem=stem, stages=[stage(32, True), stage(64, True), stage(128, False)],
                       head=_gap_dropout_head, input_shape=input_shape, num_classes=num_classes)


def se_cnn(input_shape=(28, 28, 1), num_classes: int = 10, weight_decay: float = 1e-4, ratio: int = 16) -> keras.Model:
    """Three conv-BN-SE stages (32, 64, 128 filters) with pooling between them."""
    def stage(filters, pool):
        def apply(x, name):
            x = B.conv_block(x, filters, name=f"{name}_block1")
            x = B.squeeze_excitation_block(x, ratio=ratio, weight_decay=weight_decay, name=f"{name}_se")
            return B.max_pool(x, name=f"{name}_pool") if pool else x
        return apply

    def stem(x, name):
        return x  # the first stage starts from the raw image, as in the study

    return build_model("se_cnn", stem=stem, stages=[stage(32, True), stage(64, True), stage(128, False)],
                       head=_gap_dropout_head, input_shape=input_shape, num_classes=num_classes)


def densenet_inspired(input_shape=(28, 28, 1), num_classes: int = 10, weight_decay: float = 1e-4,
                      growth_rate: int = 12, num_layers: int = 3) -> keras.Model:
    """A 32-filter stem, two dense blocks with 1x1 transitions to 64 and 128 channels, pooling between them."""
    def stem(x, name):
        return layers.Conv2D(32, 3, padding="same", name=f"{name}_conv")(x)

    def stage(filters, pool):
        def apply(x, name):
            x = B.dense_block(x, num_layers=num_layers, growth_rate=growth_rate, weight_decay=weight_decay,
                              name=f"{name}_dense")
            x = B.transition_block(x, filters, name=f"{name}_transition")
            return B.max_pool(x, name=f"{name}_pool") if pool else x
        return apply

    return build_model("densenet_inspired", stem=stem, stages=[stage(64, True), stage(128, False)],
                       head=_gap_dropout_head, input_shape=input_shape, num_classes=num_classes)


ARCHITECTURES: dict[str, Callable[..., keras.Model]] = {
    "baseline_cnn": baseline_cnn,
    "enhanced_cnn": enhanced_cnn,
    "resnet_inspired": resnet_inspired,
    "se_cnn": se_cnn,
    "densenet_inspired": densenet_inspired,
}


def build(name: str, **kwargs) -> keras.Model:
    """Build a registered architecture, or one declared under the config's ``models``, by name."""
    if name not in ARCHITECTURES:
        from digitbench.user_models import declared_builder

        builder = declared_builder(name)
        if builder is None:
            raise ValueError(f"Unknown architecture; expected one of {', '.join(ARCHITECTURES)} or a name "
                             f"declared under models. Received: {name}")
        ARCHITECTURES[name] = builder
    return ARCHITECTURES[name](**kwargs)
