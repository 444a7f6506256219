"""What a rerun changes: two results folders compared run by run, shipped with their digest and printed."""

from __future__ import annotations

import datetime
import json

import numpy as np
import pandas as pd
import pytest

from digitbench import reruns
from digitbench.report.numbers import reruns as reruns_section
from digitbench.section_table import ReportContext
from digitbench.shipped import ShippedFileError, sha256_file

WHEN = datetime.datetime(2026, 12, 4, tzinfo=datetime.timezone.utc)


def _results(root, profile="quick", flip=0, noise=0.0, runs=(("baseline_cnn", 1), ("baseline_cnn", 2))):
    """A results folder with CNN runs and one baseline; ``flip`` predictions of the first run changed."""
    rng = np.random.default_rng(0)
    y_true = np.tile(np.arange(10), 10)
    proba = rng.dirichlet(np.ones(10), size=len(y_true))
    root.mkdir(parents=True)
    (root / ".profile.json").write_text(json.dumps({"profile": profile}))
    for i, (arch, seed) in enumerate(runs):
        y_pred = y_true.copy()
        y_pred[:3] = (y_pred[:3] + 1) % 10  # 97% accurate
        if i == 0 and flip:
            y_pred[50:50 + flip] = (y_pred[50:50 + flip] + 1) % 10
        folder = root / "models" / arch / f"seed{seed}"
        folder.mkdir(parents=True)
        np.savez(folder / "predictions.npz", y_true=y_true, y_pred=y_pred, proba=proba + (noise if i == 0 else 0))
    (root / "baselines" / "logreg").mkdir(parents=True)
    np.savez(root / "baselines" / "logreg" / "predictions.npz", y_true=y_true.astype(np.uint8), y_pred=y_true,
             proba=proba.astype(np.float32))
    return root


def test_identical_runs_are_identical_to_the_bit(tmp_path):
    table = reruns.compare(_results(tmp_path / "a"), _results(tmp_path / "b"), when=WHEN)
    assert list(table.columns) == reruns.COLUMNS
    assert list(zip(table["kind"], table["model"], table["seed"])) == [
        ("cnn", "baseline_cnn", "1"), ("cnn", "baseline_cnn", "2"), ("baseline", "logreg", "")]
    assert table["identical"].all() and table["proba_identical"].all() and (table["n_differ"] == 0).all()
    assert set(table["compared_on"]) == {"2026-12-04"} and set(table["profile"]) == {"quick"}
    assert list(table["accuracy_a"]) == pytest.approx([0.97, 0.97, 1.0])


def test_a_rerun_that_differs_is_counted(tmp_path):
    table = reruns.compare(_results(tmp_path / "a"), _results(tmp_path / "b", flip=4, noise=1e-7), when=WHEN)
    first = table.iloc[0]
    assert not first["identical"] and first["n_differ"] == 4 and not first["proba_identical"]
    assert first["max_proba_diff"] == pytest.approx(1e-7)
    assert first["accuracy_a"] == pytest.approx(0.97) and first["accuracy_b"] == pytest.approx(0.93)
    assert table.iloc[1]["identical"] and table.iloc[1]["proba_identical"]


def test_only_runs_in_both_folders_are_compared_and_profiles_must_match(tmp_path):
    a = _results(tmp_path / "a")
    table = reruns.compare(a, _results(tmp_path / "b", runs=(("baseline_cnn", 2),)), when=WHEN)
    assert list(table["seed"]) == ["2", ""]
    with pytest.raises(ValueError, match="profile 'quick'.*profile 'paper'.*Received"):
        reruns.compare(a, _results(tmp_path / "c", profile="paper"))
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / ".profile.json").write_text(json.dumps({"profile": "quick"}))
    with pytest.raises(ValueError, match="no run in common.*Received: 3 and 0 runs"):
        reruns.compare(a, tmp_path / "empty")


def test_different_test_sets_are_refused(tmp_path):
    a, b = _results(tmp_path / "a"), _results(tmp_path / "b")
    path = b / "baselines" / "logreg" / "predictions.npz"
    with np.load(path) as f:
        arrays = dict(f)
    np.savez(path, **{**arrays, "y_true": arrays["y_true"][::-1]})
    with pytest.raises(ValueError, match="different test sets"):
        reruns.compare(a, b)


def test_cli_writes_the_comparison_and_adopt_verifies_its_digest(tmp_path, capsys):
    out = tmp_path / "ship" / "quick.csv"
    assert reruns.main([str(_results(tmp_path / "a")), str(_results(tmp_path / "b", flip=2)), "--out", str(out)]) == 0
    assert "2 of 3 runs gave identical test predictions; 2 predictions differ" in capsys.readouterr().out
    digest = sha256_file(out)
    adopted = reruns.adopt("ship/quick.csv", digest, tmp_path)
    assert list(adopted["seed"]) == ["1", "2", ""] and set(adopted["sha256"]) == {digest}
    out.write_text(out.read_text().replace("quick", "quack"))
    with pytest.raises(ShippedFileError, match=r"ship/quick\.csv \(config key report\.rerun_check\) has SHA-256.*"
                                               r"python -m digitbench\.reruns A B --out ship/quick\.csv"):
        reruns.adopt("ship/quick.csv", digest, tmp_path)
    out.unlink()
    with pytest.raises(ShippedFileError, match="does not exist"):
        reruns.adopt("ship/quick.csv", digest, tmp_path)
    assert reruns.adopt("", "", tmp_path).empty


def _built(tmp_path, **kwargs):
    table = reruns.compare(_results(tmp_path / "a"), _results(tmp_path / "b", **kwargs), when=WHEN)
    table.to_csv(tmp_path / "quick.csv", index=False)
    reruns.adopt("quick.csv", sha256_file(tmp_path / "quick.csv"), tmp_path).to_csv(tmp_path / "adopted.csv",
                                                                                      index=False)
    return reruns_section.build({"table": str(tmp_path / "adopted.csv")}, ReportContext({}, {}, "c"))


def test_section_says_identical_in_n_of_n_with_machine_date_and_digest(tmp_path):
    built = _built(tmp_path)
    summary = built.variables["reruns"]["summary"]
    assert summary.startswith("Two runs of this profile on the same machine gave identical test predictions in 3 of "
                              "3 runs. The predicted probabilities were bit-identical in all of them.")
    assert "Measured on 2026-12-04 (" in summary and "), this holds for that machine and software only" in summary
    assert sha256_file(tmp_path / "quick.csv")[:12] in summary
    assert "`" not in summary and "'" not in summary  # the render looks for it in the output text
    assert "{#tbl-reruns}" in built.tables["reruns"] and "`baseline_cnn` seed 2" in built.tables["reruns"]


def test_section_states_the_measured_differences(tmp_path):
    summary = _built(tmp_path, flip=5)
    text = summary.variables["reruns"]["summary"]
    assert "identical test predictions in 2 of 3 runs; in the other 1 run, 5 of 100 test predictions differ" in text
    assert "at most 5.00 percentage points" in text and "bit-identical in all of them." in text


def test_section_without_a_comparison_says_so(tmp_path):
    pd.DataFrame(columns=[*reruns.COLUMNS, "file", "sha256"]).to_csv(tmp_path / "a.csv", index=False)
    built = reruns_section.build({"table": str(tmp_path / "a.csv")}, ReportContext({}, {}, "c"))
    assert "was not measured" in built.variables["reruns"]["summary"]
