"""Augmentation: the geometry of the composed affine map, its ranges, seeding, saving, and the CPU twin."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

keras = pytest.importorskip("keras")

from digitbench.training import augment_cpu  # noqa: E402
from tests.conftest import augment_params  # noqa: E402
from digitbench.training.augment import (  # noqa: E402
    RandomAffine, build_augmentation, compose, sample_bilinear_nearest, to_keras_transform)

NO_CHANGE = {"rotation": 0.0, "shear": 0.0, "zoom_row": 1.0, "zoom_col": 1.0, "shift_row": 0.0, "shift_col": 0.0,
             "brightness": 1.0}


def _draws(**kw):
    return {k: np.array([kw.get(k, v)], dtype=np.float32) for k, v in NO_CHANGE.items()}


def _layer(**kw):
    return build_augmentation(augment_params(**kw), seed=7)


def _apply(layer, images, draws):
    return np.asarray(layer.transform(images, {k: keras.ops.convert_to_tensor(v) for k, v in draws.items()}))


@pytest.mark.parametrize("draw", [
    {"rotation": 30.0}, {"shift_row": 3.0, "shift_col": -5.0}, {"zoom_row": 0.7, "zoom_col": 1.3},
    {"shear": 20.0}, {"rotation": -15.0, "shear": 10.0, "zoom_row": 1.1, "zoom_col": 0.9, "shift_row": 2.0}])
def test_marked_pixel_lands_where_the_matrix_says(draw):
    image = np.zeros((1, 28, 28, 1), np.float32)
    src = np.array([9.0, 17.0])
    image[0, 8:11, 16:19, 0] = 1.0  # a 3x3 mark centred on src: a lone pixel can fall between samples
    d = _draws(**draw)
    a, b = compose(np, np.deg2rad(d["rotation"]), np.deg2rad(d["shear"]), d["zoom_row"], d["zoom_col"],
                   d["shift_row"], d["shift_col"], 28, 28)
    expected = np.linalg.solve(a[0], src - b[0])  # the output point that samples the mark's centre
    out = _apply(RandomAffine(fill_mode="constant", name="t"), image, d)[0, ..., 0]
    rows, cols = np.mgrid[:28, :28]
    centroid = np.array([(out * rows).sum(), (out * cols).sum()]) / out.sum()
    assert np.abs(centroid - expected).max() < 0.35, (centroid, expected)
    assert np.abs(centroid - src).max() > 1.0  # the mark did move


def test_fixed_rotation_agrees_with_scipy_rotate():
    yy, xx = np.mgrid[:28, :28]
    blob = np.exp(-((yy - 9) ** 2 / 8 + (xx - 16) ** 2 / 18)).astype(np.float32)  # smooth, off-centre
    out = _apply(RandomAffine(name="t"), blob[None, ..., None], _draws(rotation=25.0))[0, ..., 0]
    # Our angle turns the sampling grid, so the image turns the other way in scipy's convention.
    reference = ndimage.rotate(blob, -25.0, reshape=False, order=1, mode="nearest")
    assert np.abs(out - reference).max() < 0.02
    assert np.abs(out - ndimage.rotate(blob, 25.0, reshape=False, order=1, mode="nearest")).max() > 0.3


def test_layer_equals_the_cpu_pipeline_on_the_same_draws():
    rng = np.random.default_rng(0)
    images = rng.random((6, 28, 28, 1), dtype=np.float32)
    params = augment_params(shear_degrees=15.0)
    draws = augment_cpu.draw(params, rng, 6, 28, 28)
    cpu = augment_cpu.apply(images, draws, "nearest")
    ours = _apply(build_augmentation(params, 1), images, {k: v.astype(np.float32) for k, v in draws.items()})
    # Both interpolate bilinearly from the same map; scipy and Keras differ only in rounding at borders.
    assert np.mean(np.abs(ours - cpu) < 1e-3) > 0.98


def test_fast_sampler_equals_the_keras_op():
    """The JAX path's own bilinear sampler against keras.ops.image.affine_transform, same maps."""
    rng = np.random.default_rng(3)
    images = rng.random((16, 28, 28, 2), dtype=np.float32)
    d = augment_cpu.draw(augment_params(rotation_degrees=40, shift=0.3, zoom=0.3, shear_degrees=20), rng, 16, 28, 28)
    a, b = compose(np, np.deg2rad(d["rotation"]), np.deg2rad(d["shear"]), d["zoom_row"], d["zoom_col"],
                   d["shift_row"], d["shift_col"], 28, 28)
    a, b = a.astype(np.float32), b.astype(np.float32)
    ours = np.asarray(sample_bilinear_nearest(images, a, b))
    reference = np.asarray(keras.ops.image.affine_transform(images, to_keras_transform(np, a, b), fill_mode="nearest"))
    np.testing.assert_allclose(ours, reference, atol=1e-5)


def test_every_range_bound_holds_over_many_draws():
    layer = RandomAffine(rotation_degrees=20, shift=0.15, zoom=0.15, shear_degrees=0.1, brightness=(0.8, 1.2), seed=3)
    d = {k: np.asarray(v) for k, v in layer.draw(20000, 28, 20).items()}
    bounds = {"rotation": (-20, 20), "shear": (-0.1, 0.1), "zoom_row": (0.85, 1.15), "zoom_col": (0.85, 1.15),
              "shift_row": (-0.15 * 28, 0.15 * 28), "shift_col": (-0.15 * 20, 0.15 * 20), "brightness": (0.8, 1.2)}
    for key, (low, high) in bounds.items():
        span = high - low
        assert low <= d[key].min() and d[key].max() <= high, key
        assert d[key].min() < low + 0.01 * span and d[key].max() > high - 0.01 * span, f"{key} does not fill its range"
    assert abs(np.corrcoef(d["zoom_row"], d["zoom_col"])[0, 1]) < 0.05  # drawn per axis, independently


def test_brightness_scales_above_the_minimum_and_clips_at_the_maximum():
    image = np.zeros((2, 4, 4, 1), np.float32)
    image[:, 1, 1] = 0.5
    image[:, 2, 2] = 1.0
    d = _draws()
    d["brightness"] = np.array([0.8, 1.2], np.float32)
    out = _apply(RandomAffine(name="t"), image, {k: np.repeat(v, 2) if k != "brightness" else v for k, v in d.items()})
    assert out[0, 1, 1, 0] == pytest.approx(0.4) and out[0, 2, 2, 0] == pytest.approx(0.8)
    assert out[1, 1, 1, 0] == pytest.approx(0.6) and out[1, 2, 2, 0] == pytest.approx(1.0)
    assert out[:, 0, 0, 0] == pytest.approx([0.0, 0.0])


def test_identity_when_not_training_and_random_when_training():
    layer = _layer()
    x = np.random.default_rng(0).random((4, 28, 28, 1), dtype=np.float32)
    np.testing.assert_array_equal(np.asarray(layer(x, training=False)), x)
    np.testing.assert_array_equal(np.asarray(layer(x)), x)
    assert not np.allclose(np.asarray(layer(x, training=True)), x)


def test_same_seed_same_batch_other_seed_other_batch():
    x = np.random.default_rng(0).random((8, 28, 28, 1), dtype=np.float32)
    a, b, c = (build_augmentation(augment_params(), seed) for seed in (5, 5, 6))
    first_a, first_b = np.asarray(a(x, training=True)), np.asarray(b(x, training=True))
    np.testing.assert_array_equal(first_a, first_b)
    assert not np.allclose(first_a, np.asarray(c(x, training=True)))
    assert not np.allclose(first_a, np.asarray(a(x, training=True)))  # the generator moves on between batches


def test_saved_with_the_model(tmp_path):
    model = keras.Sequential([keras.Input((28, 28, 1)), _layer(rotation_degrees=12, shear_degrees=3),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.get_layer("augment").get_config() == model.get_layer("augment").get_config()
    x = np.random.default_rng(1).random((3, 28, 28, 1), dtype=np.float32)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("kw", [{"rotation_degrees": -1}, {"shift": 1.5}, {"zoom": 2}, {"shear_degrees": 91},
                                {"brightness": (1.2, 0.8)}, {"fill_mode": "mirror-ish"}, {"interpolation": "cubic"}])
def test_bad_settings_name_the_value(kw):
    with pytest.raises(ValueError, match="Received"):
        RandomAffine(**kw)


def test_notebook_pipeline_batches():
    x = np.random.default_rng(0).random((50, 28, 28, 1), dtype=np.float32)
    y = np.arange(50) % 10
    data = augment_cpu.NotebookPipeline(x, y, augment_params(), batch_size=16, seed=1)
    assert len(data) == 4
    xb, yb = data[0]
    assert xb.shape == (16, 28, 28, 1) and xb.dtype == np.float32 and yb.shape == (16,)
    assert not np.allclose(xb, x[:16])
