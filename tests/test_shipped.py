"""Shipped results verified by their digest: the tuning table a profile's settings were chosen with."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from digitbench.config import ConfigError, check_consistency, load_schema, validate_config
from digitbench.report.numbers import tuning as tuning_section
from digitbench.section_table import ReportContext
from digitbench.shipped import ShippedFileError, read_verified, sha256_file, verify
from digitbench.tuning_results import adopt, columns, fix_message, validation_images
from tests.conftest import ROOT

SCHEMA = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
GRID = {"bn_momentum": [0.99, 0.9], "recalibrate_bn": [False, True]}
# Validation accuracies per candidate (c1..c4) for two architectures; c2 and c4 tie for first.
ACCURACIES = {"c1": (0.13, 0.39), "c2": (0.97, 0.99), "c3": (0.96, 0.99), "c4": (0.97, 0.99)}


def _tuning_csv(path, accuracies=ACCURACIES):
    """A table shaped like collect_tuning's output (results/tuning/validation.csv)."""
    settings = {"c1": (0.99, False), "c2": (0.99, True), "c3": (0.9, False), "c4": (0.9, True)}
    rows = [{"candidate": c, "architecture": arch, "best_val_accuracy": acc, "best_val_loss": 1 - acc,
             "best_epoch": 4, "epochs_run": 4, "training_seconds": 300.0, "bn_momentum": settings[c][0],
             "recalibrate_bn": settings[c][1]}
            for c, accs in accuracies.items() for arch, acc in zip(("enhanced_cnn", "resnet_inspired"), accs)]
    df = pd.DataFrame(rows)
    mean = df.groupby("candidate")["best_val_accuracy"].mean()
    df["mean_best_val_accuracy"] = df["candidate"].map(mean)
    df["rank"] = df["candidate"].map(mean.rank(ascending=False, method="min").astype(int))
    df.to_csv(path, index=False)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _sections(tmp_path, **training):
    digest = _tuning_csv(tmp_path / "quick.csv")
    tuning = {"results": "quick.csv", "results_sha256": digest, "grid": GRID,
              "architectures": ["enhanced_cnn", "resnet_inspired"], "seed": 0}
    return tuning, {"train_size": 10000, "validation_split": 0.15, "bn_momentum": 0.99, "recalibrate_bn": True,
                    **training}


def test_verify_accepts_the_recorded_digest_and_names_file_key_and_fix_otherwise(tmp_path):
    (tmp_path / "t.csv").write_text("a\n1\n")
    digest = sha256_file(tmp_path / "t.csv")
    assert verify("t.csv", digest, "tuning.results", "FIX", tmp_path) == tmp_path / "t.csv"
    (tmp_path / "t.csv").write_text("a\n2\n")
    with pytest.raises(ShippedFileError, match=r"^t\.csv \(config key tuning\.results\) has SHA-256 .*but "
                                               r"tuning\.results_sha256 is " + digest + r".*FIX"):
        verify("t.csv", digest, "tuning.results", "FIX", tmp_path)
    with pytest.raises(ShippedFileError, match=r"gone\.csv \(config key tuning\.results\) does not exist\. FIX"):
        verify("gone.csv", digest, "tuning.results", "FIX", tmp_path)


@pytest.mark.parametrize("path,digest", [("", "0" * 64), ("t.csv", "ABC"), ("t.csv", "")])
def test_verify_refuses_an_empty_path_or_a_malformed_digest(tmp_path, path, digest):
    with pytest.raises(ValueError, match="Received"):
        verify(path, digest, "tuning.results", "FIX", tmp_path)


def test_read_verified_without_a_file_is_an_empty_table_with_the_columns(tmp_path):
    table = read_verified("", "", "tuning.results", "FIX", ["a", "b"], tmp_path)
    assert table.empty and list(table.columns) == ["a", "b"]


def test_adopt_marks_the_profiles_candidate_and_adds_seed_images_file_and_digest(tmp_path):
    tuning, training = _sections(tmp_path)
    table = adopt(tuning, training, "FIX", tmp_path)
    assert list(table.columns) == columns(GRID)
    assert list(table.loc[table["kept"], "candidate"].unique()) == ["c2"]
    assert set(table["n_validation"]) == {1500} and set(table["seed"]) == {0}
    assert set(table["sha256"]) == {tuning["results_sha256"]} and set(table["file"]) == {"quick.csv"}


def test_adopt_refuses_a_changed_file_another_grid_or_settings_it_did_not_choose(tmp_path):
    tuning, training = _sections(tmp_path)
    _tuning_csv(tmp_path / "quick.csv", {**ACCURACIES, "c3": (0.5, 0.5)})
    with pytest.raises(ShippedFileError, match=r"quick\.csv \(config key tuning\.results\) has SHA-256.*FIX"):
        adopt(tuning, training, "FIX", tmp_path)
    tuning, training = _sections(tmp_path)
    with pytest.raises(ShippedFileError, match="another grid"):
        adopt({**tuning, "grid": {"bn_momentum": [0.99, 0.95], "recalibrate_bn": [False, True]}}, training, "F", tmp_path)
    with pytest.raises(ShippedFileError, match="tuning.architectures"):
        adopt({**tuning, "architectures": ["enhanced_cnn"]}, training, "F", tmp_path)
    with pytest.raises(ShippedFileError, match="none of the candidates"):
        adopt(tuning, {**training, "bn_momentum": 0.5}, "F", tmp_path)


def test_adopt_without_results_is_an_empty_table_with_the_grids_columns(tmp_path):
    table = adopt({"results": "", "results_sha256": "", "grid": GRID}, {}, "FIX", tmp_path)
    assert table.empty and list(table.columns) == columns(GRID)


def test_fix_message_names_the_command_and_where_to_copy():
    text = fix_message("config/tuning/quick.csv", ["config/quick.yaml"])
    assert "snakemake results/tuning/validation.csv --cores all --resources gpu=1 --configfile config/quick.yaml" in text
    assert "copy results/tuning/validation.csv to config/tuning/quick.csv" in text


def test_validation_images_round_up_as_train_test_split_does():
    from sklearn.model_selection import train_test_split

    for n, share in ((10000, 0.15), (1001, 0.15), (0, 0.1)):
        expected = len(train_test_split(range(n or 60000), test_size=share)[1])
        assert validation_images({"train_size": n, "validation_split": share}) == expected


@pytest.mark.parametrize("section,key", [({"tuning": {"results": "x.csv"}}, "tuning.results"),
                                         ({"report": {"rerun_check_sha256": "a" * 64}}, "report.rerun_check")])
def test_a_shipped_file_needs_its_digest_and_a_digest_its_file(section, key):
    config = validate_config({"training": {"seeds": [1, 2]}, **section}, SCHEMA)
    with pytest.raises(ConfigError, match=rf"{key} is .* but {key}_sha256 is"):
        check_consistency(config, source="x.yaml", schema=SCHEMA)


def test_tuning_section_prints_every_candidate_and_the_kept_one(tmp_path):
    tuning, training = _sections(tmp_path)
    adopt(tuning, training, "FIX", tmp_path).to_csv(tmp_path / "adopted.csv", index=False)
    built = tuning_section.build({"table": str(tmp_path / "adopted.csv")}, ReportContext({}, {}, "c"))
    v, table = built.variables["tuning"], built.tables["tuning"]
    assert v["n_candidates"] == "4" and v["n_validation"] == "1,500" and v["seed"] == "0"
    assert v["kept_mean"] == "0.9800" and "tied with 1 other candidate" in v["standing"]
    assert v["sha256"] == tuning["results_sha256"][:12] and v["sha256"] in v["summary"]
    assert "`" not in v["summary"] and "'" not in v["summary"]  # the render looks for it in the output text
    rows = [line for line in table.splitlines() if line.startswith("| c")]
    assert [r.split("|")[1].strip() for r in rows] == ["c2", "c4", "c3", "c1"]  # by rank, ties in grid order
    assert rows[0].rstrip(" |").endswith("kept") and "kept" not in rows[1]
    assert "{#tbl-tuning}" in table


def test_tuning_section_without_results_says_so(tmp_path):
    adopt({"results": "", "results_sha256": "", "grid": GRID}, {}, "F", tmp_path).to_csv(tmp_path / "a.csv", index=False)
    built = tuning_section.build({"table": str(tmp_path / "a.csv")}, ReportContext({}, {}, "c"))
    assert "No tuning results are shipped" in built.variables["tuning"]["summary"]
    assert "{#tbl-tuning}" in built.tables["tuning"]


def test_the_quick_profiles_shipped_results_match_their_digests_and_its_grid():
    from digitbench import reruns
    from digitbench.config import layered_config

    files = [ROOT / "config/config.yaml", ROOT / "config/quick.yaml"]
    config = layered_config(files, SCHEMA, "quick")
    table = adopt(config["tuning"], config["training"], "FIX", ROOT)
    kept = table.loc[table["kept"]]
    assert set(kept["candidate"]) == {"c2"} and set(kept["rank"]) == {1}  # the settings quick.yaml uses ranked first
    comparison = reruns.adopt(config["report"]["rerun_check"], config["report"]["rerun_check_sha256"], ROOT)
    runs = len(config["training"]["seeds"]) * len(config["training"]["architectures"]) + len(config["baselines"]["models"])
    assert len(comparison) == runs and set(comparison["profile"]) == {"quick"}  # every run of the profile compared
