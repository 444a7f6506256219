"""CNN summaries over synthetic job outputs: mean/SD/n, best architecture, pooled confusion, confident errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from digitbench import cnn_results as R
from digitbench.report.numbers.format import mean_sd


def _job(tmp_path, arch, seed, accuracy, params=1000):
    d = tmp_path / arch / f"seed{seed}"
    d.mkdir(parents=True)
    metrics = {c: 0.0 for c in R.RUN_COLUMNS}
    metrics.update(architecture=arch, seed=seed, accuracy=accuracy, parameters=params, backend="tensorflow",
                   device="cpu:0", training_seconds=10.0 * seed)
    (d / "metrics.json").write_text(json.dumps(metrics))
    y = np.arange(10).repeat(2)
    pred = y.copy()
    pred[0] = 9  # one error: true 0, predicted 9
    proba = np.full((20, 10), 0.01)
    proba[np.arange(20), pred] = 0.91 - 0.1 * seed / 10
    np.savez(d / "predictions.npz", y_true=y, y_pred=pred, proba=proba)
    pd.DataFrame({"epoch": [1, 2], "loss": [1.0, 0.5], "val_accuracy": [0.8, 0.9], "lr": [1e-3, 5e-4]}).to_csv(
        d / "history.csv", index=False)
    return d


def test_summary_mean_sd_n_and_best(tmp_path):
    dirs = [_job(tmp_path, "a", 1, 0.90), _job(tmp_path, "a", 2, 0.92), _job(tmp_path, "b", 1, 0.95, params=10)]
    runs = R.collect_runs([d / "metrics.json" for d in dirs])
    s = R.summarize_runs(runs, ["a", "b"]).set_index("architecture")
    assert s.loc["a", "accuracy_mean"] == pytest.approx(0.91)
    assert s.loc["a", "accuracy_sd"] == pytest.approx(np.std([0.90, 0.92], ddof=1))
    assert s.loc["a", "n_seeds"] == 2 and s.loc["b", "n_seeds"] == 1
    assert np.isnan(s.loc["b", "accuracy_sd"])  # one seed: no SD, never a fake 0
    assert R.best_architecture(s.reset_index()) == "b"


def test_pooled_confusion_and_confident_errors(tmp_path):
    dirs = [_job(tmp_path, "a", 1, 0.95), _job(tmp_path, "a", 2, 0.95)]
    cm = R.pooled_confusion([d / "predictions.npz" for d in dirs])
    assert cm.to_numpy().sum() == 40 and cm.loc[0, "9"] == 2
    x_test = np.arange(20 * 4).reshape(20, 2, 2).astype(np.uint8)
    e = R.confident_errors([d / "predictions.npz" for d in dirs], [1, 2], x_test, k=16)
    assert list(e["true"]) == [0, 0] and list(e["pred"]) == [9, 9]
    assert e["confidence"][0] >= e["confidence"][1] and list(e["seed"]) == [1, 2]
    np.testing.assert_array_equal(e["images"][0], x_test[0])


def test_histories_and_per_class_keep_their_keys(tmp_path):
    dirs = [_job(tmp_path, "a", 1, 0.9), _job(tmp_path, "b", 3, 0.9)]
    h = R.collect_histories([d / "history.csv" for d in dirs], [("a", 1), ("b", 3)])
    assert set(zip(h["architecture"], h["seed"])) == {("a", 1), ("b", 3)} and len(h) == 4
    pc = R.per_class_f1([d / "predictions.npz" for d in dirs], [("a", 1), ("b", 3)])
    assert len(pc) == 20 and pc.loc[(pc["architecture"] == "a") & (pc["digit"] == 1), "f1"].item() == 1.0


def test_mean_sd_text():
    assert mean_sd(0.9912, 0.0011) == "0.9912 ± 0.0011"
    assert mean_sd(0.99, float("nan")) == "0.9900 (one seed, no SD)"
    assert mean_sd(0.99, 0.00003) == "0.9900 ± < 0.0001" and mean_sd(0.99, 0.0) == "0.9900 ± 0.0000"


def test_convergence_sentence_names_runs_still_improving_at_the_end():
    from digitbench.report.numbers.cnn import convergence

    runs = pd.DataFrame({"architecture": ["a", "a", "b"], "epochs_run": [4, 4, 3], "best_epoch": [4, 2, 3]})
    text = convergence(runs, 4)  # b stopped early at its best epoch: not "still improving"
    assert text.startswith("In 1 of 3 runs (of a) the best validation accuracy came in the last of the 4 epochs")
    assert convergence(runs.assign(best_epoch=[1, 2, 1]), 4).startswith("Every run reached")
