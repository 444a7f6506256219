"""TensorBoard logs of a finished run: each scalar is the history's value at Keras' tag and step; bad files named."""

from __future__ import annotations

import ast
import json

import numpy as np
import pandas as pd
import pytest
import yaml

from digitbench import tensorboard_logs as tb
from tests.conftest import ROOT

PARAMS = {"architecture": "se_cnn", "seed": 3, "batch_size": 64,
          "schedule": {"epochs": 3, "warmup_epochs": 1, "max_lr": 0.001, "min_lr": 1e-06},
          "augment": None, "recalibrate_bn": True}


def a_run(tmp_path, epochs=3, drop=(), **metrics):
    """A history.csv and metrics.json as train_cnn writes them, with values no two columns share."""
    rng = np.random.default_rng(epochs)
    history = pd.DataFrame({"epoch": np.arange(1, epochs + 1), "loss": rng.uniform(0.1, 2, epochs),
                            "accuracy": rng.uniform(0.1, 1, epochs), "val_loss": rng.uniform(0.1, 2, epochs),
                            "val_accuracy": rng.uniform(0.1, 1, epochs), "lr": rng.uniform(1e-6, 1e-3, epochs),
                            "seconds": rng.uniform(5, 50, epochs)}).drop(columns=list(drop))
    history.to_csv(tmp_path / "history.csv", index=False)
    record = {"architecture": "se_cnn", "seed": 3, "params": PARAMS, "epochs_run": epochs, "best_epoch": 2,
              "n_train": 510, "backend": "jax", "train_step_compiled": True, "accuracy": 0.97, **metrics}
    (tmp_path / "metrics.json").write_text(json.dumps(record))
    return tmp_path / "history.csv", tmp_path / "metrics.json", pd.read_csv(tmp_path / "history.csv")


def read_back(run_dir):
    """What TensorBoard itself reads from a run folder."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir))
    acc.Reload()
    return acc


def test_every_history_value_is_a_scalar_at_keras_tag_and_step(tmp_path):
    history_path, metrics_path, history = a_run(tmp_path)
    out = tmp_path / "tensorboard/se_cnn/seed3"
    written = tb.write_run_logs(history_path, metrics_path, out)
    assert sorted(p.name for p in out.iterdir()) == ["train", "validation"]
    expected = {"train": {"epoch_loss": "loss", "epoch_accuracy": "accuracy", "epoch_learning_rate": "lr",
                          "epoch_seconds": "seconds"},
                "validation": {"epoch_loss": "val_loss", "epoch_accuracy": "val_accuracy"}}
    elapsed = history["seconds"].cumsum().tolist()
    for run, tags in expected.items():
        acc = read_back(out / run)
        assert sorted(acc.Tags()["scalars"]) == sorted(tags)
        assert written[run] == len(tags) * len(history)
        for tag, column in tags.items():
            events = acc.Scalars(tag)
            assert [e.step for e in events] == [0, 1, 2]  # epoch index from 0, as Keras' callback counts
            # Stored as float32, as Keras stores them: equal to the history's value at that precision.
            assert [e.value for e in events] == [float(np.float32(v)) for v in history[column]], (run, tag)
            assert [e.wall_time for e in events] == pytest.approx(elapsed, rel=1e-12)


def test_settings_text_is_the_runs_metrics_json(tmp_path):
    history_path, metrics_path, _ = a_run(tmp_path)
    tb.write_run_logs(history_path, metrics_path, tmp_path / "logs")
    acc = read_back(tmp_path / "logs/train")
    assert acc.Tags()["tensors"] == [tb.SETTINGS_TAG]
    assert read_back(tmp_path / "logs/validation").Tags()["tensors"] == []
    (event,) = acc.Tensors(tb.SETTINGS_TAG)
    text = event.tensor_proto.string_val[0].decode()
    assert event.step == 0 and text.startswith("Settings of se_cnn seed 3")
    for row in ["| architecture | `se_cnn` |", "| seed | `3` |", "| batch_size | `64` |", "| schedule.epochs | `3` |",
                "| schedule.min_lr | `1e-06` |", "| augment | `null` |", "| recalibrate_bn | `true` |",
                "| epochs_run | `3` |", "| backend | `jax` |", "| train_step_compiled | `true` |"]:
        assert row in text
    assert "| accuracy |" not in text and "0.97" not in text  # settings, not test results


def test_rewriting_gives_the_same_bytes_and_replaces_the_folder(tmp_path):
    history_path, metrics_path, _ = a_run(tmp_path)
    out = tmp_path / "logs"
    tb.write_run_logs(history_path, metrics_path, out)
    first = (out / "train" / tb.EVENT_FILE).read_bytes()
    (out / "train/events.out.tfevents.stale").write_bytes(b"old")
    tb.write_run_logs(history_path, metrics_path, out)
    assert sorted(p.name for p in (out / "train").iterdir()) == [tb.EVENT_FILE]
    assert (out / "train" / tb.EVENT_FILE).read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv", "logs", "metrics.json"]  # no temporary left


def test_without_seconds_the_events_have_no_time(tmp_path):
    history_path, metrics_path, history = a_run(tmp_path, drop=["seconds"])
    tb.write_run_logs(history_path, metrics_path, tmp_path / "logs")
    acc = read_back(tmp_path / "logs/train")
    assert "epoch_seconds" not in acc.Tags()["scalars"]
    assert [e.wall_time for e in acc.Scalars("epoch_loss")] == [0.0] * len(history)


@pytest.mark.parametrize("column", ["epoch", "val_loss", "lr"])
def test_history_without_a_needed_column_is_named(tmp_path, column):
    history_path, metrics_path, _ = a_run(tmp_path, drop=[column])
    with pytest.raises(ValueError, match=rf"history\.csv lacks the column\(s\) {column} .*Received: columns"):
        tb.write_run_logs(history_path, metrics_path, tmp_path / "logs")
    assert not (tmp_path / "logs").exists()


def test_bad_histories_are_named(tmp_path):
    history_path, metrics_path, history = a_run(tmp_path)
    history.assign(epoch=[1, 3, 4]).to_csv(history_path, index=False)
    with pytest.raises(ValueError, match=r"history\.csv: column epoch must count .*Received: \[1, 3, 4\]"):
        tb.read_history(history_path)
    history.assign(loss=["a", "b", "c"]).to_csv(history_path, index=False)
    with pytest.raises(ValueError, match=r"history\.csv: column loss must hold numbers\. Received: \['a'"):
        tb.read_history(history_path)
    history.iloc[:0].to_csv(history_path, index=False)
    with pytest.raises(ValueError, match=r"history\.csv has no epoch to log\. Received: 0 rows"):
        tb.read_history(history_path)


def test_metrics_without_settings_or_of_another_run_are_named(tmp_path):
    history_path, metrics_path, _ = a_run(tmp_path, params=None)
    with pytest.raises(ValueError, match=r"metrics\.json lacks the key\(s\) params \(a mapping\).*Received: keys"):
        tb.write_run_logs(history_path, metrics_path, tmp_path / "logs")
    metrics_path.write_text(json.dumps({"seed": 1, "params": {}}))
    with pytest.raises(ValueError, match=r"metrics\.json lacks the key\(s\) architecture of the run's settings"):
        tb.read_metrics(metrics_path)
    history_path, metrics_path, _ = a_run(tmp_path, epochs_run=5)
    with pytest.raises(ValueError, match=r"history\.csv has 3 epochs but .*metrics\.json says epochs_run 5"):
        tb.write_run_logs(history_path, metrics_path, tmp_path / "logs")
    assert not (tmp_path / "logs").exists()


def test_tags_are_keras_callback_names():
    assert tb.scalar_tag("loss") == ("train", "epoch_loss")
    assert tb.scalar_tag("lr") == ("train", "epoch_learning_rate")
    assert tb.scalar_tag("val_accuracy") == ("validation", "epoch_accuracy")
    with pytest.raises(ValueError, match="Received: 'epoch'"):
        tb.scalar_tag("epoch")


def test_history_columns_are_what_train_cnn_writes():
    tree = ast.parse((ROOT / "src/digitbench/training/trainer.py").read_text())
    (columns,) = [ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                  and any(getattr(t, "id", None) == "HISTORY_COLUMNS" for t in node.targets)]
    assert tuple(columns) == tb.HISTORY_COLUMNS and set(tb.REQUIRED_COLUMNS) <= set(columns)


def test_profiles_write_logs_except_the_quick_one():
    from digitbench.config import load_schema, validate_config

    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    enabled = {path: validate_config(yaml.safe_load((ROOT / path).read_text()), schema)["tensorboard"]["enabled"]
               for path in ("config/config.yaml", "config/quick.yaml", ".test/config.yaml")}
    assert enabled == {"config/config.yaml": True, "config/quick.yaml": False, ".test/config.yaml": True}
