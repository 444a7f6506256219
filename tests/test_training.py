"""Training: LR schedule and plateau rule by hand, a tiny run whose loss falls, resume, errors."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from digitbench.training import checkpoint, trainer  # noqa: E402
from digitbench.training.schedule import (  # noqa: E402
    EarlyStopping, LearningRateController, warmup_cosine)
from digitbench.training.trainer import TrainingError, train  # noqa: E402
from tests.conftest import schedule_params, train_params  # noqa: E402


def test_warmup_cosine_by_hand():
    p = schedule_params(epochs=15, warmup_epochs=5, max_lr=1e-3, min_lr=1e-6)
    assert warmup_cosine(0, p) == pytest.approx(2e-4)  # (0 + 1) / 5 of max
    assert warmup_cosine(4, p) == pytest.approx(1e-3)
    assert warmup_cosine(5, p) == pytest.approx(1e-3)  # cosine starts at its top
    assert warmup_cosine(10, p) == pytest.approx(1e-6 + (1e-3 - 1e-6) / 2)  # half-way: cos(pi/2) = 0
    assert warmup_cosine(15, p) == pytest.approx(1e-6)


def test_plateau_scales_the_schedule_instead_of_overriding_it():
    c = LearningRateController(schedule_params(epochs=10, warmup_epochs=0, plateau_patience=2, plateau_factor=0.5))
    base = c.lr(3)
    assert not c.update(1.0) and not c.update(1.0)  # first value improves; then wait 1
    assert c.update(1.0)  # wait 2 = patience: reduce
    assert c.scale == 0.5 and c.lr(3) == pytest.approx(base / 2)
    c2 = LearningRateController(c.params)
    c2.load_state(c.state())
    assert c2.lr(7) == c.lr(7)


def test_plateau_never_goes_below_its_floor():
    c = LearningRateController(schedule_params(epochs=4, warmup_epochs=0, plateau_min_lr=1e-7), scale=1e-9)
    assert c.lr(0) == 1e-7


def test_early_stopping_counts_patience_with_min_delta():
    es = EarlyStopping(patience=2, min_delta=0.01)
    assert es.update(0, 0.90) == (True, False)
    assert es.update(1, 0.905) == (False, False)  # below min_delta: not an improvement
    assert es.update(2, 0.91) == (False, True)
    assert es.best_epoch == 0


def _toy(n, seed):
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(10), n // 10)
    x = rng.random((len(y), 28, 28, 1), dtype=np.float32) * 0.1
    for i, label in enumerate(y):
        r, c = 3 + 10 * (label // 5), 2 + 5 * (label % 5)
        x[i, r:r + 4, c:c + 4] = 1.0
    return x, y


@pytest.fixture
def toy_data():
    xt, yt = _toy(200, 0)
    xv, yv = _toy(50, 1)
    return {"x_train": xt, "y_train": yt, "x_val": xv, "y_val": yv}


def _params(epochs=3, **kw):
    # The schedule is replaced after validation, so that a test can also hand train() what the schema forbids.
    base = train_params("baseline_cnn", 1, batch_size=25, warmup_epochs=1, augmentation={"enabled": False})
    return replace(base, schedule=replace(base.schedule, epochs=epochs), **kw)


def test_tiny_run_loss_falls(toy_data, tmp_path):
    out = train(_params(), toy_data, tmp_path / "ck")
    assert list(out.history["epoch"]) == [1, 2, 3]
    assert out.history["loss"].iloc[-1] < out.history["loss"].iloc[0]
    assert out.history["lr"].iloc[0] == pytest.approx(1e-3)
    assert 1 <= out.best_epoch <= 3 and out.resumed_from is None


def test_killed_run_resumes_at_next_epoch(toy_data, tmp_path, monkeypatch):
    calls = {"n": 0}
    real = trainer._fit_epoch

    def dies_in_epoch_three(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # stands in for kill -9 between two epochs
        return real(*args, **kwargs)

    monkeypatch.setattr(trainer, "_fit_epoch", dies_in_epoch_three)
    with pytest.raises(KeyboardInterrupt):
        train(_params(epochs=4), toy_data, tmp_path / "ck")
    saved = checkpoint.load_state(tmp_path / "ck", checkpoint.fingerprint({}))
    assert saved is None  # another run's settings never match
    monkeypatch.setattr(trainer, "_fit_epoch", real)
    out = train(_params(epochs=4), toy_data, tmp_path / "ck")
    assert out.resumed_from == 2  # epochs 1-2 were done: the rerun starts with epoch 3
    assert list(out.history["epoch"]) == [1, 2, 3, 4]


def test_resume_restores_optimizer_state(toy_data, tmp_path):
    params = _params(epochs=2)
    train(params, toy_data, tmp_path / "ck")
    fresh = trainer.new_training_model(params, (28, 28, 1))
    checkpoint.restore(tmp_path / "ck", fresh)
    assert int(keras.ops.convert_to_numpy(fresh.optimizer.iterations)) == 2 * 200 // 25


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(toy_data, tmp_path, monkeypatch):
    real = trainer._fit_epoch

    def nan_in_epoch_two(train_model, data, epoch, params):
        metrics = real(train_model, data, epoch, params)
        return {**metrics, "loss": float("nan")} if epoch == 1 else metrics

    monkeypatch.setattr(trainer, "_fit_epoch", nan_in_epoch_two)
    with pytest.raises(TrainingError, match=r"NaN in epoch 2 \(last good checkpoint: epoch 1.*lower training\.max_lr"):
        train(_params(), toy_data, tmp_path / "ck")
    fp = trainer.run_fingerprint(_params(), 200, 50)
    assert checkpoint.load_state(tmp_path / "ck", fp)["epoch"] == 0


@pytest.mark.parametrize("kw,match", [({"epochs": 0}, "epochs.*Received: 0")])
def test_bad_epochs(toy_data, tmp_path, kw, match):
    with pytest.raises(ValueError, match=match):
        train(_params(**kw), toy_data, tmp_path / "ck")


def test_batch_larger_than_training_set(toy_data, tmp_path):
    params = train_params("baseline_cnn", 1, batch_size=500, augmentation={"enabled": False})
    with pytest.raises(ValueError, match="batch_size must be between 1 and the 200 training images. Received: 500"):
        train(params, toy_data, tmp_path / "ck")


def test_out_of_memory_suggests_smaller_batch(toy_data, tmp_path, monkeypatch):
    def oom(*args, **kwargs):
        raise RuntimeError("RESOURCE_EXHAUSTED: OOM when allocating tensor")

    monkeypatch.setattr(keras.Model, "fit", oom)
    with pytest.raises(TrainingError, match=r"out of memory with batch size 25.*e\.g\. 12"):
        train(_params(), toy_data, tmp_path / "ck")


def test_fingerprint_is_stable_and_sensitive():
    assert checkpoint.fingerprint({"a": 1, "b": 2}) == checkpoint.fingerprint({"b": 2, "a": 1})
    assert checkpoint.fingerprint({"a": 1}) != checkpoint.fingerprint({"a": 2})


def test_recalibrated_batch_norm_holds_the_clean_batch_average():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3, kernel_initializer="identity"),
                              keras.layers.BatchNormalization(momentum=0.99), keras.layers.Dropout(0.5)])
    x = np.random.default_rng(0).normal(5.0, 2.0, size=(1000, 3)).astype(np.float32)
    assert trainer.recalibrate_batch_norm(model, x, batch_size=100) == 10
    bn = model.layers[1]
    mean = np.asarray(bn.moving_mean)
    np.testing.assert_allclose(mean, x.mean(axis=0), rtol=1e-5)  # exact mean of equal-size batch means
    variances = np.mean([x[i:i + 100].var(axis=0) for i in range(0, 1000, 100)], axis=0)
    np.testing.assert_allclose(np.asarray(bn.moving_variance), variances, rtol=1e-3)
    assert bn.momentum == 0.99 and model.layers[2].rate == 0.5  # settings restored


def test_best_epoch_is_chosen_on_the_model_that_is_tested(toy_data, tmp_path):
    # Precise BN: each epoch is validated after its statistics are recomputed, and the best checkpoint
    # keeps them, so the selected epoch's validation numbers are the tested model's.
    params = _params(recalibrate_bn=True, recalibrate_bn_images=120)
    out = train(params, toy_data, tmp_path / "ck")
    best = out.history.loc[out.history["epoch"] == out.best_epoch].iloc[0]
    proba = out.model.predict(toy_data["x_val"], verbose=0)
    loss = -np.mean(np.log(np.clip(proba[np.arange(len(proba)), toy_data["y_val"]], 1e-7, 1)))
    assert np.mean(proba.argmax(axis=1) == toy_data["y_val"]) == pytest.approx(best["val_accuracy"])
    # The loss, unlike accuracy, sees the difference: 2.07 against 0.0003 when fit validated on moving averages.
    assert loss == pytest.approx(best["val_loss"], rel=1e-3)


def test_recalibration_images_are_a_fixed_seeded_subset():
    x = np.arange(500, dtype=np.float32).reshape(500, 1)
    params = _params(recalibrate_bn=True, recalibrate_bn_images=256)
    first, again = trainer.recalibration_images(params, x), trainer.recalibration_images(params, x)
    assert len(first) == 256 and len(np.unique(first)) == 256
    np.testing.assert_array_equal(first, again)
    other = trainer.recalibration_images(replace(params, seed=2), x)
    assert not np.array_equal(first, other)
    assert len(trainer.recalibration_images(params, x[:100])) == 100  # never more than the split holds
