"""Config schema: defaults, and messages that name the bad key and the allowed values."""

from __future__ import annotations

import copy

import pytest
import yaml

from digitbench.config import ConfigError, load_schema, validate_config
from tests.conftest import ROOT

SCHEMA = load_schema(ROOT / "workflow/schemas/config.schema.yaml")


def _walk(schema, path=""):
    for key, sub in schema.get("properties", {}).items():
        yield f"{path}{key}", sub
        if sub.get("type") == "object":
            yield from _walk(sub, f"{path}{key}.")


def test_every_key_has_description_and_default():
    missing = [k for k, sub in _walk(SCHEMA) if "description" not in sub or "default" not in sub]
    assert missing == []


def test_empty_config_gets_all_defaults():
    config = validate_config({}, SCHEMA)
    assert config["preprocessing"]["method"] == "standard"
    assert config["baselines"]["cv_folds"] == 5
    assert config["data"]["sources"] == ["local", "keras", "npm"]


@pytest.mark.parametrize("path", ["config/config.yaml", "config/quick.yaml", ".test/config.yaml",
                                  "config/benchmark_cpu.yaml"])
def test_shipped_configs_are_valid(path):
    with open(ROOT / path, encoding="utf-8") as fh:
        validate_config(yaml.safe_load(fh), SCHEMA, source=path)


def test_bad_enum_value_names_key_and_allowed_values():
    with pytest.raises(ConfigError) as err:
        validate_config({"preprocessing": {"method": "minmax"}}, copy.deepcopy(SCHEMA), source="my.yaml")
    msg = str(err.value)
    assert "preprocessing.method" in msg and "'minmax'" in msg
    assert "'standard', 'zero_mean', 'robust'" in msg and "my.yaml" in msg


def test_unknown_key_is_rejected_with_allowed_keys():
    with pytest.raises(ConfigError) as err:
        validate_config({"baselines": {"cv_fold": 3}}, SCHEMA)
    msg = str(err.value)
    assert "'cv_fold'" in msg and "under 'baselines'" in msg and "cv_folds" in msg


def test_bad_source_in_list_is_named():
    with pytest.raises(ConfigError, match=r"data\.sources\.1.*'ftp'.*'local', 'keras', 'npm'"):
        validate_config({"data": {"sources": ["npm", "ftp"]}}, SCHEMA)


def test_out_of_range_value_is_named():
    with pytest.raises(ConfigError, match=r"baselines\.cv_folds"):
        validate_config({"baselines": {"cv_folds": 1}}, SCHEMA)


def test_few_resamples_only_in_the_smoke_profile():
    assert validate_config({"profile": "smoke", "stats": {"n_resamples": 200}}, SCHEMA)["stats"]["n_resamples"] == 200
    with pytest.raises(ConfigError, match=r"'stats.n_resamples'.*2000.*only in the smoke profile"):
        validate_config({"profile": "quick", "stats": {"n_resamples": 200}}, SCHEMA)
    with pytest.raises(ConfigError, match=r"'stats.n_resamples'.*minimum of 100"):
        validate_config({"profile": "smoke", "stats": {"n_resamples": 10}}, SCHEMA)


def test_test_set_subset_only_in_the_smoke_profile():
    assert validate_config({"profile": "smoke", "data": {"test_size": 1000}}, SCHEMA)["data"]["test_size"] == 1000
    assert validate_config({"profile": "quick"}, SCHEMA)["data"]["test_size"] == 0
    with pytest.raises(ConfigError, match=r"'data.test_size'.*only in the smoke profile.*set data.test_size to 0"):
        validate_config({"profile": "quick", "data": {"test_size": 1000}}, SCHEMA)


def test_batch_larger_than_the_training_subset_is_refused_before_any_job():
    from digitbench.config import check_consistency

    config = validate_config({"training": {"train_size": 100, "batch_size": 128}}, SCHEMA)
    with pytest.raises(ConfigError, match=r"training.batch_size is 128, larger than the 85 images .*lower "
                                          r"training.batch_size or raise training.train_size"):
        check_consistency(config, source="x.yaml")
    with pytest.raises(ConfigError, match="more than MNIST's 60,000"):
        check_consistency(validate_config({"training": {"train_size": 70000}}, SCHEMA))
    check_consistency(validate_config({"training": {"train_size": 100, "batch_size": 85}}, SCHEMA))


def test_duplicate_key_and_syntax_error_name_file_and_line(tmp_path):
    from digitbench.config import ConfigError, check_config_files

    dup = tmp_path / "dup.yaml"
    dup.write_text("training:\n  epochs: 3\n  seeds: [1]\n  epochs: 4\n")
    with pytest.raises(ConfigError, match=r"dup\.yaml, line 4: key 'epochs' is given twice \(first on line 2\)"):
        check_config_files([dup])
    bad = tmp_path / "bad.yaml"
    bad.write_text("training:\n  seeds: [1, 2\nstats:\n  alpha: 0.05\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml, line \d+, column \d+: not valid YAML"):
        check_config_files([bad])
    ok = tmp_path / "ok.yaml"
    ok.write_text("training:\n  epochs: 3\nstats:\n  epochs: 3\n")  # the same key in two mappings is fine
    check_config_files([ok])


def test_paper_profile_is_the_schema_defaults():
    import yaml

    from tests.conftest import ROOT, default_config

    paper = yaml.safe_load((ROOT / "config/config.yaml").read_text())
    assert paper == {"profile": "paper"}  # every other value has one home: the schema
    assert default_config(**paper)["profile"] == "paper"


def test_command_line_check_names_file_line_and_column_of_a_yaml_error(tmp_path, monkeypatch, capsys):
    # Snakemake reads --configfile before the workflow can: this is what the README sends users to.
    from digitbench.config import main

    monkeypatch.chdir(ROOT)
    broken = tmp_path / "broken.yaml"
    broken.write_text("training:\n  epochs: 3\n  seeds: [1, 2\nstats:\n  alpha: 0.05\n")
    assert main([str(broken)]) == 1
    assert f"{broken}, line 4, column 6: not valid YAML" in capsys.readouterr().err
    big = tmp_path / "big.yaml"
    big.write_text("training:\n  train_size: 100\n  batch_size: 128\n")
    assert main([str(big)]) == 1
    assert f"config/config.yaml + {big}" in capsys.readouterr().err  # layered as --configfile layers them
    assert main([".test/config.yaml"]) == 0
    assert "config/config.yaml + .test/config.yaml: valid" in capsys.readouterr().out


@pytest.mark.parametrize(("text", "expected"), [
    ("training:\n  seeds: [1, 4294967296]\n", "'training.seeds.1'"),
    ("seed: 4294967296\n", "'seed'"),
    ("training:\n  epochs: 3\n  warmup_epochs: 5\n", "training.warmup_epochs is 5, more than training.epochs (3)"),
    ("training:\n  train_size: 40\n", "training.train_size is 40: with training.validation_split 0.15 it splits into "
                                      "34 training and 6 validation images"),
])
def test_values_no_job_could_run_are_refused_naming_the_key_file_and_line(tmp_path, text, expected):
    from digitbench.config import check_consistency, load_schema, validate_config

    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    extra = tmp_path / "extra.yaml"
    extra.write_text("profile: x\n" + text)
    config = yaml.safe_load(extra.read_text())
    with pytest.raises(ConfigError) as err:
        validate_config(config, schema, source=str(extra), files=["config/config.yaml", str(extra)])
        check_consistency(config, source=str(extra), schema=schema, files=["config/config.yaml", str(extra)])
    assert expected in str(err.value)
    line = [i for i, row in enumerate(("profile: x\n" + text).splitlines(), 1) if row.strip().startswith(
        ("seeds", "seed:", "warmup", "train_size"))][-1]
    assert f"[{extra}, line {line}]" in str(err.value)


def test_a_value_set_by_config_on_the_command_line_is_not_blamed_on_the_file(tmp_path):
    from digitbench.config import load_schema, validate_config

    schema = load_schema(ROOT / "workflow/schemas/config.schema.yaml")
    extra = tmp_path / "extra.yaml"
    extra.write_text("profile: x\ntraining:\n  architectures: [baseline_cnn]\n  warmup_epochs: 9\n")
    # As Snakemake merges `--config training={architectures: [foo]}` over the file: the file's line holds another value.
    config = {"profile": "x", "training": {"architectures": ["foo"], "warmup_epochs": 9}}
    with pytest.raises(ConfigError) as err:
        validate_config(config, schema, source=str(extra), files=[str(extra)])
    assert "names 'foo'" in str(err.value) and "[set by --config on the command line" in str(err.value)
    assert "line 3" not in str(err.value)
    config = {"profile": "x", "training": {"architectures": ["baseline_cnn"], "warmup_epochs": 9, "epochs": 2}}
    from digitbench.config import check_consistency

    with pytest.raises(ConfigError) as err:  # the same value as in the file: the file's line is named
        check_consistency(validate_config(config, schema, files=[str(extra)]), schema=schema, files=[str(extra)])
    assert f"[{extra}, line 4]" in str(err.value)
    # A section is completed with defaults, so it differs from the file's: still the file's line, not --config.
    extra.write_text("profile: x\ntraining:\n  epochz: 3\n")
    with pytest.raises(ConfigError) as err:
        validate_config(yaml.safe_load(extra.read_text()), schema, files=[str(extra)])
    assert f"[{extra}, line 3]" in str(err.value) and "--config" not in str(err.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("- a\n- b\n", "holds a list (['a', 'b']), not config keys"),
    ("5\n", "holds a int (5), not config keys"),
    (None, "no such config file"),
])
def test_the_config_checker_names_a_file_that_holds_no_keys_without_a_traceback(tmp_path, capsys, monkeypatch, text,
                                                                             expected):
    from digitbench.config import main

    monkeypatch.chdir(ROOT)
    path = tmp_path / "extra.yaml"
    if text is not None:
        path.write_text(text)
    assert main([str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}: " in err and expected in err and "Traceback" not in err
