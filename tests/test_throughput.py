"""Throughput benchmark: ratios, a tiny real measurement, the CPU-training estimate and its message."""

from __future__ import annotations

import pandas as pd
import pytest

pytest.importorskip("keras")

from digitbench import throughput, throughput_table  # noqa: E402
from digitbench.report.numbers import throughput as throughput_variables  # noqa: E402
from digitbench.section_table import ReportContext  # noqa: E402
from tests.conftest import augment_params, training_config  # noqa: E402
from tests.test_plotting import write_throughput  # noqa: E402


def test_ratios_divide_by_the_notebook_and_the_ceiling_of_the_same_setup():
    rows = [{"architecture": "a", "pipeline": p, "backend": b, "device": "cpu:0", "batch_size": 8, "steps": 2,
             "repeats": 1, "compiled": False, "images_per_second": v * (2 if b == "jax" else 1)}
            for b in ("tensorflow", "jax")
            for p, v in (("augment_in_model", 300.0), ("notebook_cpu", 200.0), ("no_augmentation", 400.0))]
    df = throughput_table.with_ratios(rows).set_index(["backend", "pipeline"])
    assert df.loc[("tensorflow", "augment_in_model"), "ratio_to_notebook"] == pytest.approx(1.5)
    assert df.loc[("jax", "augment_in_model"), "ratio_to_ceiling"] == pytest.approx(0.75)
    assert df.loc[("jax", "notebook_cpu"), "ratio_to_notebook"] == 1.0
    assert list(throughput_table.with_ratios(rows).columns) == throughput_table.COLUMNS


def test_tiny_measurement_of_the_three_pipelines():
    params = throughput.benchmark_params("baseline_cnn", training_config(augmentation={"enabled": False}), 8, 0)
    assert params.augment == augment_params() and params.batch_size == 8  # augmented whatever training does
    rows = throughput.measure_architecture(params, steps=2, warmup_steps=1, repeats=1)
    df = throughput_table.with_ratios(rows)
    assert sorted(df["pipeline"]) == sorted(throughput.PIPELINES)
    assert (df["images_per_second"] > 0).all() and (df["backend"] == "tensorflow").all()
    with pytest.raises(ValueError, match="benchmark.steps .* Received: 0"):
        throughput.measure_architecture(params, steps=0, warmup_steps=1, repeats=1)


def test_estimate_by_hand():
    # 2 jobs x 50 epochs x 51,000 images at 100 img/s = 51,000 s = 14.17 hours
    assert throughput.estimate_hours({"a": 100.0}, [("a", 1), ("a", 2)], 51000, 50) == pytest.approx(14.1667, 1e-4)
    training = {"train_size": 0, "validation_split": 0.15, "epochs": 50}
    message = throughput.cpu_training_message(training, ["a"] * 25, {"a": 100.0})
    assert "25 pending training jobs (50 epochs x 51,000 images each)" in message
    assert "about 177 hours (7.4 days)" in message and "config/quick.yaml" in message


def test_no_warning_unless_paper_profile_without_gpu_and_with_training_to_do():
    cfg = {"profile": "paper", "training": {}}
    assert throughput.warn_if_training_on_cpu({**cfg, "profile": "quick"}, ["baseline_cnn"], gpus=[]) is None
    assert throughput.warn_if_training_on_cpu(cfg, ["baseline_cnn"], gpus=["0"]) is None
    assert throughput.warn_if_training_on_cpu(cfg, [], gpus=[]) is None


def test_warning_from_a_measured_step(capsys):
    training = training_config(train_size=0, epochs=50, batch_size=16, threads=1)
    message = throughput.warn_if_training_on_cpu({"profile": "paper", "training": training},
                                                 ["baseline_cnn"] * 5, gpus=[])
    assert message.startswith("WARNING: no GPU found. The paper profile's 5 pending training jobs"), message
    assert "measured: baseline_cnn" in message and message in capsys.readouterr().err


def test_report_variables_and_table(tmp_path):
    built = throughput_variables.build({"table": str(write_throughput(tmp_path / "t.csv"))},
                                       ReportContext(config={}, schema={}, commit="c"))
    variables, tables = built.variables["throughput"], built.tables
    assert variables["setups"] == "tensorflow on cpu:0, jax on cuda:0"
    assert variables["ratio_notebook_min"] == "2.00" and variables["ratio_ceiling_min"] == "0.91"
    assert variables["compiled_sentence"].startswith("On tensorflow (cpu:0) Keras did not compile")
    assert "on jax (cuda:0) Keras jit-compiled" in variables["compiled_sentence"]
    assert "{#tbl-throughput}" in tables["throughput"] and "| resnet_inspired |" in tables["throughput"]
    assert len(pd.read_csv(tmp_path / "t.csv")) == 12
