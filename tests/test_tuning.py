"""Tuning on the validation split: candidates, config checks, ranking, and a run that never sees the test set."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from digitbench.config import ConfigError, check_consistency, check_tuning, load_schema, tuning_candidates, validate_config
from digitbench.training import tuning
from tests.conftest import ROOT

SCHEMA = load_schema(ROOT / "workflow/schemas/config.schema.yaml")


def _config(**tuning_section):
    return validate_config({"training": {"seeds": [1, 2]}, "tuning": tuning_section}, SCHEMA)


def test_candidates_are_every_combination_in_grid_order():
    found = tuning_candidates({"bn_momentum": [0.99, 0.9], "recalibrate_bn": [False, True]})
    assert found == [("c1", {"bn_momentum": 0.99, "recalibrate_bn": False}),
                     ("c2", {"bn_momentum": 0.99, "recalibrate_bn": True}),
                     ("c3", {"bn_momentum": 0.9, "recalibrate_bn": False}),
                     ("c4", {"bn_momentum": 0.9, "recalibrate_bn": True})]
    assert len(tuning_candidates(SCHEMA["properties"]["tuning"]["properties"]["grid"]["default"])) == 4


def test_default_tuning_section_is_consistent():
    assert check_tuning(_config(), SCHEMA) == []


@pytest.mark.parametrize("section,match", [
    ({"seed": 2}, r"tuning\.seed is 2, one of training\.seeds \[1, 2\]"),
    ({"grid": {"seeds": [[1], [2]]}}, r"tuning\.grid has 'seeds'.*not tunable"),
    ({"grid": {"bn_momentun": [0.9]}}, r"tuning\.grid has 'bn_momentun'"),
    ({"grid": {"bn_momentum": [0.9, 1.5]}}, r"candidate c2 \(\{'bn_momentum': 1\.5\}\).*training\.bn_momentum"),
])
def test_bad_tuning_sections_are_named_before_any_job(section, match):
    with pytest.raises(ConfigError, match=match):
        check_consistency(_config(**section), source="x.yaml", schema=SCHEMA)


def test_collect_ranks_candidates_by_mean_over_architectures(tmp_path):
    def result(name, arch, acc, **overrides):
        path = tmp_path / f"{name}_{arch}.json"
        path.write_text(json.dumps({"architecture": arch, "overrides": overrides, "best_val_accuracy": acc,
                                    "best_val_loss": 1 - acc, "best_epoch": 2, "epochs_run": 2,
                                    "training_seconds": 1.0}))
        return path

    table = tuning.collect({
        "c1": [result("c1", "a", 0.90, bn_momentum=0.99), result("c1", "b", 0.99, bn_momentum=0.99)],
        "c2": [result("c2", "a", 0.96, bn_momentum=0.9), result("c2", "b", 0.96, bn_momentum=0.9)],
    })
    assert list(table["candidate"]) == ["c2", "c2", "c1", "c1"]  # 0.96 beats 0.945 although c1 has the top run
    assert list(table["rank"]) == [1, 1, 2, 2]
    assert table.loc[0, "bn_momentum"] == 0.9
    assert table.loc[2, "mean_best_val_accuracy"] == pytest.approx(0.945)


def test_a_candidate_run_reads_only_the_training_images(tmp_path):
    pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    y = np.tile(np.arange(10, dtype=np.uint8), 30)
    x = (rng.random((300, 28, 28)) * 255).astype(np.uint8)
    training = validate_config({"training": {"train_size": 300, "epochs": 1, "batch_size": 50, "warmup_epochs": 1,
                                             "augmentation": {"enabled": False}}}, SCHEMA)["training"]
    out = tmp_path / "c1" / "baseline_cnn.json"
    result = tuning.run_candidate("baseline_cnn", {"bn_momentum": 0.9}, training, 0, arrays={"x_train": x, "y_train": y},
                                  split_seed=42, preprocessing="standard", percentiles=(1.0, 99.0), out=out,
                                  log=logging.getLogger("test"))
    assert json.loads(out.read_text()) == result
    assert result["overrides"] == {"bn_momentum": 0.9} and result["epochs_run"] == 1
    assert 0 <= result["best_val_accuracy"] <= 1
    assert not out.with_suffix(".checkpoint").exists()
