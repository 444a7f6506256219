"""What the runs predict: the most-predicted class, collapse onto one class (kept out of the comparisons and
named in the report), and the classical baselines on the same images as a reference."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from digitbench.robustness.perturb import conditions
from digitbench.stats import robustness as R
from tests.conftest import make_tiny_digits
from tests.test_robustness import STRENGTHS, write_runs


def _build(build, folder, config, with_runs):
    from digitbench.section_table import ReportContext

    files = {"summary": str(folder / "summary.csv"), "tests": str(folder / "tests.csv"),
             "claims": str(folder / "claims.json"), **({"runs": str(folder / "runs.csv")} if with_runs else {})}
    built = build(files, ReportContext(config={"robustness": config}, schema={}, commit="c"))
    return built.variables["robustness"], built.tables, built.texts


def test_report_names_the_class_a_collapsed_architecture_predicts_and_ranks_only_the_others(tmp_path):
    from digitbench.report.numbers.robustness import build
    from digitbench.stats.claims import pairwise_claims

    # a is the most accurate on the UCI digits, but collapses onto 3 there; b collapses at rotation 30.
    runs = write_runs(tmp_path, archs=(("a", 0.9), ("b", 0.6), ("c", 0.5)), collapse={("a", None): 3, ("b", 2): 7})
    (tmp_path / "ref").mkdir()
    refs = write_runs(tmp_path / "ref", archs=(("logreg", 0.8),), seeds=(0,), kind="baseline")
    R.summary_table(runs + refs, 200, 1, 0.95, 0.5).to_csv(tmp_path / "summary.csv", index=False)
    R.runs_table(runs + refs, 0.5).to_csv(tmp_path / "runs.csv", index=False)
    tests = R.tests_table(runs, 0.05, 200, 1, 0.95, 0.5)
    tests.to_csv(tmp_path / "tests.csv", index=False)
    (tmp_path / "claims.json").write_text(json.dumps({"claims": pairwise_claims(tests, 0.05)}))
    config = {"rotation": [15, 30], "shift": [2], "blur": [1], "noise": [0.1], "collapse_share": 0.5}
    variables, tables, texts = _build(build, tmp_path, config, with_runs=True)
    table = tables["robustness"]
    assert "| collapsed: 3 (100%) |" in table and "| collapsed: 7 (100%) |" in table
    assert "Logistic regression (reference)" in table and variables["collapse_share"] == "50%"
    behaviour = texts["robustness_behaviour"]
    assert ("Runs collapsed on 2 conditions: at rotation 30°, `b` (7 (100%)); on the UCI digits, `a` (3 (100%))."
            in behaviour)
    assert "`b` has the highest mean" in behaviour and "`a` has the highest mean" not in behaviour
    assert "the logistic regression 0." in behaviour
    text = texts["robustness_tests"]
    assert "On the UCI digits, leaving out `a` (collapsed: 3 (100%)):" in text
    assert "At the strongest rotation (30°), leaving out `b` (collapsed: 7 (100%))" in text
    uci = text[text.index("On the UCI digits"):].split("):", 1)[1]  # after the left-out list
    assert "`a`" not in uci and uci.count("`b` has a lower error rate than `c`") == 1


def test_top_class_counts_each_row_and_refuses_bad_labels():
    from digitbench.robustness.behaviour import collapsed, top_class

    classes, shares = top_class(np.array([[3, 3, 3, 1], [0, 1, 2, 2]]))
    assert classes.tolist() == [3, 2] and shares.tolist() == [0.75, 0.5]
    cls, share = top_class(np.array([4, 4, 7, 7, 7]))
    assert int(cls) == 7 and float(share) == 0.6
    assert collapsed(shares, 0.6).tolist() == [True, False]
    with pytest.raises(ValueError, match="labels must lie in 0-9. Received: 0 to 10"):
        top_class(np.array([0, 10]))
    with pytest.raises(ValueError, match=r"threshold must lie in \(0.1, 1\]. Received: 0.1"):
        collapsed(shares, 0.1)


def test_behaviour_arrays_store_predictions_and_the_top_class():
    from digitbench.robustness.behaviour import behaviour_arrays

    y = np.arange(10)
    proba = np.stack([np.eye(10)[y], np.eye(10)[np.full(10, 6)]])  # clean: all right; rotation: always 6
    out = behaviour_arrays([("clean", 0.0), ("rotation", 15.0)], y, proba, y[:4], np.eye(10)[[5, 5, 5, 3]])
    assert out["predicted"].dtype == np.int8 and out["predicted"][1].tolist() == [6] * 10
    assert out["correct"].sum(axis=1).tolist() == [10, 1]
    assert out["top_class"].tolist() == [0, 6] and out["top_share"].tolist() == [0.1, 1.0]
    assert int(out["uci_top_class"]) == 5 and float(out["uci_top_share"]) == 0.75
    with pytest.raises(ValueError, match=r"proba must have shape \(2, 10, 10\). Received: \(10, 10\)"):
        behaviour_arrays([("clean", 0.0), ("rotation", 15.0)], y, proba[0], y, proba[0])


def test_collapsed_architectures_are_reported_not_compared(tmp_path):
    # b predicts class 3 for every image at the strongest rotation (row 2) and on the UCI digits.
    runs = write_runs(tmp_path, archs=(("a", 0.9), ("b", 0.6), ("c", 0.5)), collapse={("b", 2): 3, ("b", None): 3})
    tests = R.tests_table(runs, 0.05, 200, 1, 0.95, collapse_share=0.5)
    for family in ("robustness_rotation", "uci_digits"):
        pairs = tests[tests["family"] == family]
        assert len(pairs) == 1 and set(pairs[["model_a", "model_b"]].iloc[0]) == {"a", "c"}
    assert len(tests[tests["family"] == "robustness_noise"]) == 3
    (tmp_path / "healthy").mkdir()
    healthy = write_runs(tmp_path / "healthy", archs=(("a", 0.9), ("b", 0.6), ("c", 0.5)))
    assert len(R.tests_table(healthy, 0.05, 200, 1, 0.95, collapse_share=0.5)) == 9
    summary = R.summary_table(runs, 200, 1, 0.95, 0.5).set_index(["architecture", "family", "strength"])
    row = summary.loc[("b", "rotation", 30.0)]
    assert row["n_collapsed"] == 2 and row["top_class"] == 3 and row["top_share"] == 1.0
    assert summary.loc[("a", "rotation", 30.0), "n_collapsed"] == 0
    assert summary.loc[("a", "rotation", 30.0), "top_share"] < 0.5
    per_run = R.runs_table(runs, 0.5)
    assert len(per_run) == 3 * 2 * 5 and per_run["collapsed"].sum() == 4
    assert set(per_run[per_run["collapsed"]]["architecture"]) == {"b"}


def test_baselines_on_other_images_are_refused(tmp_path):
    runs = write_runs(tmp_path)
    (tmp_path / "ref").mkdir()
    reference = write_runs(tmp_path / "ref", archs=(("logreg", 0.8),), seeds=(0,), n=50, kind="baseline")
    with pytest.raises(ValueError, match="logreg was evaluated on other conditions or images than the CNNs"):
        R.check_same_images(runs, reference)


@pytest.mark.parametrize("model", ["logreg", "random_forest"])
def test_a_fitted_baseline_is_evaluated_on_every_condition_as_fit_baseline_saved_it(tmp_path, monkeypatch, model):
    import joblib

    import digitbench.data
    from digitbench.baselines import BaselineParams, run_baseline, subset_args, training_subset
    from digitbench.robustness.behaviour import evaluate_baseline

    digits = make_tiny_digits()
    np.savez(tmp_path / "mnist.npz", **digits)
    read = lambda path: dict(np.load(path))  # noqa: E731 -- the toy digits are not MNIST: no digest check
    monkeypatch.setattr(digitbench.data, "load_npz", read)
    config = {"seed": 4, "preprocessing": {"method": "standard", "robust_percentiles": [1.0, 99.0]},
              "baselines": {"train_size": 200, "cv_folds": 2, "logreg_max_iter": 200, "logreg_c": 1.0,
                            "logreg_strategy": "multinomial", "rf_n_estimators": 10}}
    # What rule fit_baseline does and saves.
    x, y, scaler = training_subset(digits, **subset_args(config))
    result = run_baseline(model, x, y, scaler.transform(digits["x_test"]), digits["y_test"],
                          BaselineParams.from_config(config))
    np.savez(tmp_path / "predictions.npz", y_pred=result.y_pred)
    joblib.dump(result.model, tmp_path / "model.joblib")
    robustness = {"test_size": 50, "seed": 3, **STRENGTHS}
    args = (str(tmp_path / "model.joblib"), str(tmp_path / "mnist.npz"), config, {"size": 0, "seed": None}, robustness)
    out = evaluate_baseline(*args, str(tmp_path / "predictions.npz"), logging.getLogger("test"))
    assert out["predicted"].shape == (7, 50) and out["uci_predicted"].shape == (1797,)
    assert list(out["family"]) == [f for f, _ in conditions(STRENGTHS)]
    assert out["correct"][0].mean() > 0.9  # the toy problem is learnable, and clean is the unperturbed subset
    # A model other than fit_baseline's is refused.
    np.savez(tmp_path / "other.npz", y_pred=(result.y_pred + 1) % 10)
    with pytest.raises(ValueError, match="model.joblib predicts 100 test images differently from .*other.npz: rerun"):
        evaluate_baseline(*args, str(tmp_path / "other.npz"), logging.getLogger("test"))


def test_runs_that_collapse_onto_different_classes_are_counted_with_their_classes(tmp_path):
    from digitbench.report.numbers.robustness import build

    runs = write_runs(tmp_path, collapse={("a", 3): {1: 4, 2: 6}, ("b", 3): {2: 5}})
    R.summary_table(runs, 200, 1, 0.95, 0.5).to_csv(tmp_path / "summary.csv", index=False)
    R.runs_table(runs, 0.5).to_csv(tmp_path / "runs.csv", index=False)
    R.tests_table(runs, 0.05, 200, 1, 0.95, 0.5).to_csv(tmp_path / "tests.csv", index=False)
    (tmp_path / "claims.json").write_text(json.dumps({"claims": []}))
    config = {"rotation": [15, 30], "shift": [2], "blur": [1], "noise": [0.1], "collapse_share": 0.5}
    table = _build(build, tmp_path, config, with_runs=True)[1]["robustness"]
    # Short enough for a narrow column at five seeds too: the runs, their classes, their shares.
    assert "collapsed: 2 of 2 runs, 4, 6 (100%)" in table and "collapsed: 1 of 2 runs, 5 (100%)" in table
    # Without the per-run table the class is the one over all the architecture's runs, and said to be.
    pooled = _build(build, tmp_path, config, with_runs=False)[1]["robustness"]
    assert "collapsed (2 of 2 runs); pooled: 4 (50%)" in pooled
