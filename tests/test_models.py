"""Builders over the registry: parameter counts derived by hand from each definition, shapes, names, errors."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from digitbench.models import ARCHITECTURES, build  # noqa: E402
from digitbench.models import blocks  # noqa: E402


def conv(k, cin, cout):
    return k * k * cin * cout + cout


def bn(c):
    return 4 * c  # gamma, beta, moving mean, moving variance


def dense(n_in, n_out):
    return n_in * n_out + n_out


def residual(cin, f):
    proj = conv(1, cin, f) + bn(f) if cin != f else 0
    return conv(3, cin, f) + bn(f) + conv(3, f, f) + bn(f) + proj


def se_stage(cin, f, ratio=16):
    return conv(3, cin, f) + bn(f) + dense(f, f // ratio) + dense(f // ratio, f)


def dense_block(c0, growth=12, layers=3, bottleneck=4):
    total = 0
    for i in range(layers):
        c = c0 + i * growth
        total += bn(c) + conv(1, c, bottleneck * growth) + bn(bottleneck * growth) + conv(3, bottleneck * growth, growth)
    return total, c0 + layers * growth


def _densenet():
    b1, c1 = dense_block(32)
    b2, c2 = dense_block(64)
    return conv(3, 1, 32) + b1 + conv(1, c1, 64) + b2 + conv(1, c2, 128) + dense(128, 10)


EXPECTED_PARAMS = {
    # valid padding: 28 -> 26 -> 24 -> pool 12 -> 10 -> pool 5, so Flatten gives 5 * 5 * 64
    "baseline_cnn": conv(3, 1, 32) + bn(32) + conv(3, 32, 64) + conv(3, 64, 64) + bn(64)
    + dense(5 * 5 * 64, 256) + bn(256) + dense(256, 10),
    "enhanced_cnn": conv(3, 1, 32) + bn(32) + conv(3, 32, 32) + conv(3, 32, 64) + bn(64) + conv(3, 64, 64)
    + conv(3, 64, 128) + bn(128) + dense(128, 128) + bn(128) + dense(128, 10),
    "resnet_inspired": conv(3, 1, 32) + bn(32) + 2 * residual(32, 32) + residual(32, 64) + residual(64, 64)
    + residual(64, 128) + residual(128, 128) + dense(128, 10),
    "se_cnn": se_stage(1, 32) + se_stage(32, 64) + se_stage(64, 128) + dense(128, 10),
    "densenet_inspired": _densenet(),
}


def test_registry_is_complete():
    assert set(ARCHITECTURES) == set(EXPECTED_PARAMS)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_parameter_count_matches_the_definition(name):
    assert build(name).count_params() == EXPECTED_PARAMS[name]


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_output_is_a_probability_vector(name):
    model = build(name)
    assert model.name == name and model.output_shape == (None, 10)
    out = np.asarray(model(np.random.default_rng(0).random((2, 28, 28, 1), dtype=np.float32), training=False))
    assert out.shape == (2, 10) and np.allclose(out.sum(axis=1), 1, atol=1e-5)


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_layer_names_are_fixed(name):
    a, b = build(name), build(name)
    assert [layer.name for layer in a.layers] == [layer.name for layer in b.layers]
    assert a.layers[0].name == "input" and a.layers[-1].name == "head_predictions"


def test_other_input_and_class_counts():
    assert build("resnet_inspired", input_shape=(32, 32, 3), num_classes=7).output_shape == (None, 7)


def test_unknown_architecture_lists_valid_names():
    with pytest.raises(ValueError, match=r"baseline_cnn, enhanced_cnn.*Received: vgg"):
        build("vgg")


@pytest.mark.parametrize("call,match", [
    (lambda x: blocks.conv_block(x, 0, name="b"), "filters.*Received: 0"),
    (lambda x: blocks.residual_block(x, -3, name="b"), "filters.*Received: -3"),
    (lambda x: blocks.squeeze_excitation_block(x, ratio=64, name="b"), "ratio.*Received: 64"),
    (lambda x: blocks.dense_block(x, growth_rate=0, name="b"), "growth_rate.*Received: 0"),
    (lambda x: blocks.dropout(x, 1.5, name="b"), "dropout.*Received: 1.5"),
    (lambda x: blocks.conv_block(x, 8, weight_decay=-1, name="b"), "weight_decay.*Received: -1"),
])
def test_blocks_reject_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call(keras.Input((28, 28, 16)))


def test_bad_builder_arguments():
    with pytest.raises(ValueError, match="num_classes.*Received: 1"):
        build("se_cnn", num_classes=1)
    with pytest.raises(ValueError, match="input_shape.*Received"):
        build("se_cnn", input_shape=(28, 28))


def test_registry_matches_the_schema_s_one_list_of_names():
    import yaml

    from tests.conftest import ROOT

    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert list(ARCHITECTURES) == schema["$defs"]["architecture"]["enum"]
