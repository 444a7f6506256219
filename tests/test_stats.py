"""Known-answer tests of every statistic, and the bad inputs the statistics rules must reject clearly."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn.metrics import f1_score

from digitbench.stats import bootstrap as B
from digitbench.stats import calibration as C
from digitbench.stats import claims as K
from digitbench.stats import comparisons as M
from digitbench.stats import tests as T
from digitbench.stats.predictions import Predictions, PredictionsError, Study, load_predictions, load_study


def _model(name, y_true, accuracy, rng, kind="cnn", arch=None, seed=None, classes=10):
    """Predictions that are right on about ``accuracy`` of the items, with softmax-like probabilities."""
    wrong = rng.random(len(y_true)) > accuracy
    y_pred = np.where(wrong, (y_true + rng.integers(1, classes, len(y_true))) % classes, y_true)
    logits = rng.normal(0, 1, (len(y_true), classes))
    logits[np.arange(len(y_true)), y_pred] += 4
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return Predictions(name, kind, y_true, proba, arch, seed, source=f"{name}.npz")


def synthetic_study(n_seeds=3, n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    baselines = [_model("logreg", y, 0.85, rng, "baseline"), _model("random_forest", y, 0.9, rng, "baseline")]
    runs = [_model(f"{a}/seed{s}", y, acc + 0.01 * s, rng, "cnn", a, s)
            for a, acc in (("enhanced_cnn", 0.93), ("resnet_inspired", 0.95), ("se_cnn", 0.9))
            for s in range(1, n_seeds + 1)]
    return Study(baselines, runs)


def write_stats_outputs(tmp_path, n_seeds=3):
    """All results/stats files of a synthetic study, written by the real code (used by the plotting tests)."""
    study = synthetic_study(n_seeds)
    models = study.baselines + study.runs + study.ensembles()
    paths = {k: tmp_path / f"stats_{k}" for k in ("bootstrap.csv", "comparisons.csv", "friedman.json", "ranks.csv",
                                                   "wilcoxon.csv", "calibration.csv", "calibration_bins.csv",
                                                   "calibration_tests.csv")}
    B.intervals_table(models, n_resamples=200, seed=1).to_csv(paths["bootstrap.csv"], index=False)
    M.comparison_tables(study, n_resamples=200)[0].to_csv(paths["comparisons.csv"], index=False)
    runs = pd.DataFrame([{"architecture": r.architecture, "seed": r.seed, "accuracy": r.accuracy} for r in study.runs])
    scores = M.seed_scores(runs)
    ranks = T.average_ranks(scores)
    paths["friedman.json"].write_text(json.dumps({**T.friedman(scores), "alpha": 0.05}))
    ranks.rename("average_rank").rename_axis("architecture").reset_index().to_csv(paths["ranks.csv"], index=False)
    T.wilcoxon_pairs(scores).to_csv(paths["wilcoxon.csv"], index=False)
    summary, bins = C.calibration_tables(models, 15, dict(n_resamples=200, confidence=0.95, seed=1))
    summary.to_csv(paths["calibration.csv"], index=False)
    bins.to_csv(paths["calibration_bins.csv"], index=False)
    C.calibration_tests({a: study.runs_of(a) for a in study.architectures}, 15, 200, 0.95, 1,
                        0.05).to_csv(paths["calibration_tests.csv"], index=False)
    return {"bootstrap": paths["bootstrap.csv"], "comparisons": paths["comparisons.csv"],
            "friedman": paths["friedman.json"], "ranks": paths["ranks.csv"], "wilcoxon": paths["wilcoxon.csv"],
            "calibration": paths["calibration.csv"], "calibration_bins": paths["calibration_bins.csv"],
            "calibration_tests": paths["calibration_tests.csv"]}


# --- McNemar and Holm --------------------------------------------------------------------------------


def _correct_vectors(both, only_a, only_b, neither):
    a = np.array([1] * both + [1] * only_a + [0] * only_b + [0] * neither, bool)
    b = np.array([1] * both + [0] * only_a + [1] * only_b + [0] * neither, bool)
    return a, b


def test_mcnemar_exact_matches_binomial_by_hand():
    a, b = _correct_vectors(50, 10, 2, 5)
    res = T.mcnemar(a, b)
    # Two-sided exact: 2 * P(X <= 2), X ~ Binomial(12, 1/2) = 2 * (1 + 12 + 66) / 4096.
    assert res["method"] == "exact binomial" and res["discordant"] == 12
    assert res["p"] == pytest.approx(2 * 79 / 4096, rel=1e-12)


def test_mcnemar_chi_square_with_continuity_correction_by_hand():
    a, b = _correct_vectors(100, 30, 10, 5)
    res = T.mcnemar(a, b)
    chi2 = (abs(30 - 10) - 1) ** 2 / 40
    assert res["method"].startswith("chi-square")
    assert res["statistic"] == pytest.approx(chi2)
    assert res["p"] == pytest.approx(math.erfc(math.sqrt(chi2 / 2)), rel=1e-9)  # chi2(1) survival by hand


def test_mcnemar_identical_models_is_defined_and_says_so():
    a, _ = _correct_vectors(20, 5, 0, 5)
    res = T.mcnemar(a, a)
    assert res["p"] == 1.0 and res["discordant"] == 0 and "never disagree" in res["note"]


def test_holm_on_known_vector_and_untested_entries():
    corrected, reject = T.holm([0.01, 0.04, 0.03, 0.005, np.nan], alpha=0.05)
    np.testing.assert_allclose(corrected[:4], [0.03, 0.06, 0.06, 0.02])
    assert np.isnan(corrected[4]) and reject.tolist() == [True, False, False, True, False]


# --- Bootstrap ---------------------------------------------------------------------------------------


def test_vectorised_macro_f1_equals_scikit_learn():
    rng = np.random.default_rng(3)
    t, p = rng.integers(0, 10, 300), rng.integers(0, 9, 300)  # class 9 never predicted
    counts = B._confusion_counts((t * 10 + p)[None, :], 10)[0]
    assert B.macro_f1_from_counts(counts) == pytest.approx(f1_score(t, p, average="macro", zero_division=0))


def test_accuracy_interval_equals_scipy_bca_of_the_mean_with_the_same_seed():
    study = synthetic_study(n=500)
    m = study.runs[0]
    ours = B.metric_intervals(m, n_resamples=2000, seed=7).set_index("metric").loc["accuracy"]
    ref = sps.bootstrap((m.correct.astype(float),), np.mean, n_resamples=2000, method="BCa",
                        rng=np.random.default_rng(7)).confidence_interval
    assert ours["estimate"] == pytest.approx(m.accuracy)
    assert ours["ci_low"] == pytest.approx(ref.low) and ours["ci_high"] == pytest.approx(ref.high)
    # and the width agrees with the normal approximation to within 15%
    half = 1.96 * math.sqrt(m.accuracy * (1 - m.accuracy) / 500)
    assert (ours["ci_high"] - ours["ci_low"]) == pytest.approx(2 * half, rel=0.15)


def test_same_seed_gives_every_model_the_same_resamples():
    study = synthetic_study(n=300)
    a = B.metric_intervals(study.runs[0], 500, seed=11)
    b = B.metric_intervals(study.runs[0], 500, seed=11)
    pd.testing.assert_frame_equal(a, b)


def test_error_difference_of_identical_models_is_a_point_with_a_note():
    m = synthetic_study(n=200).runs[0]
    res = B.error_difference(m, m, 500, seed=1)
    assert res["error_difference"] == res["ci_low"] == res["ci_high"] == 0.0
    assert "point" in res["ci_note"]


def test_error_difference_interval_brackets_the_estimate():
    s = synthetic_study(n=400)
    res = B.error_difference(s.baselines[0], s.runs[0], 1000, seed=1)
    assert res["ci_low"] < res["error_difference"] < res["ci_high"]
    assert res["error_difference"] == pytest.approx(s.runs[0].accuracy - s.baselines[0].accuracy)


def test_seed_mean_interval_resamples_seeds_and_test_items():
    s = synthetic_study(n_seeds=3, n=300)
    runs = s.runs_of("se_cnn")
    row = B.seed_mean_intervals({"se_cnn": runs}, 1000, seed=3).iloc[0]
    assert row["estimate"] == pytest.approx(np.mean([r.accuracy for r in runs])) and row["model"] == "seeds/se_cnn"
    assert row["method"].startswith("two-level")
    # Two seeds far apart on a large test set: the interval must cover both (issue 13: the test-set-only
    # interval excluded both seeds of se_cnn), and be wider than resampling test items alone.
    rng = np.random.default_rng(0)
    correct = np.vstack([rng.random(10000) < 0.9386, rng.random(10000) < 0.9530])
    low, high = np.quantile(B.two_level_distribution(correct, 2000, seed=1), [0.025, 0.975])
    assert low < correct[0].mean() and correct[1].mean() < high
    share = correct.mean(axis=0)
    items_only = sps.bootstrap((share,), np.mean, n_resamples=2000, method="percentile", rng=np.random.default_rng(1))
    assert high - low > 2 * (items_only.confidence_interval.high - items_only.confidence_interval.low)
    one = B.two_level_distribution(correct[:1], 2000, seed=1)  # one seed: test-set sampling only
    assert np.quantile(one, 0.025) < correct[0].mean() < np.quantile(one, 0.975)


# --- Calibration -------------------------------------------------------------------------------------


def test_ece_on_a_hand_computable_case():
    y = np.array([0, 1, 0, 1])
    proba = np.array([[0.9, 0.1], [0.9, 0.1], [0.3, 0.7], [0.3, 0.7]])
    # bin (0.6, 0.7]: confidence 0.7, accuracy 0.5; bin (0.8, 0.9]: confidence 0.9, accuracy 0.5
    assert C.expected_calibration_error(y, proba, n_bins=10) == pytest.approx(0.5 * 0.2 + 0.5 * 0.4)
    bins = C.reliability_bins(y, proba, n_bins=10)
    assert bins["count"].sum() == 4 and bins["accuracy"].isna().sum() == 8


def test_perfectly_confident_and_right_has_zero_ece():
    y = np.arange(10)
    assert C.expected_calibration_error(y, np.eye(10)[y]) == 0.0


def test_ece_interval_resamples_test_items_and_covers_the_estimate():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 2000)
    proba = rng.dirichlet(np.full(10, 0.3), size=2000)
    ece = C.expected_calibration_error(y, proba, 15)
    conf, corr = proba.max(axis=1), proba.argmax(axis=1) == y
    assert C._ece(conf, corr, 15)[0] == pytest.approx(ece)  # the batched ECE is the same statistic
    low, high = C.ece_interval(y, proba, 15, n_resamples=300, confidence=0.95, seed=1)
    assert low < ece < high and high - low < 0.1
    assert C.ece_interval(y, proba, 15, n_resamples=300, confidence=0.95, seed=1) == (low, high)  # seeded
    assert C.ece_interval(np.arange(10), np.eye(10), 15, n_resamples=100, confidence=0.95, seed=1) == (0.0, 0.0)


# --- Friedman, Wilcoxon, ranks -----------------------------------------------------------------------


def test_friedman_matches_the_rank_formula_without_ties():
    scores = pd.DataFrame({"a": [0.9, 0.8, 0.95, 0.7], "b": [0.8, 0.85, 0.9, 0.6], "c": [0.7, 0.75, 0.85, 0.65]})
    n, k = scores.shape
    rank_sums = T.average_ranks(scores) * n
    chi2 = 12 / (n * k * (k + 1)) * float(np.sum(rank_sums ** 2)) - 3 * n * (k + 1)
    res = T.friedman(scores)
    assert res["status"] == "tested" and res["statistic"] == pytest.approx(chi2)
    assert res["p"] == pytest.approx(math.exp(-chi2 / 2))  # chi2 with 2 df: survival = exp(-x/2)
    assert T.average_ranks(scores).to_dict() == pytest.approx({"a": 1.25, "b": 2.0, "c": 2.75})


def test_friedman_with_too_few_seeds_or_constant_scores_says_why():
    two = pd.DataFrame({"a": [0.9, 0.8], "b": [0.8, 0.7], "c": [0.7, 0.6]})
    assert T.friedman(two)["status"] == "not_run" and "2 seed" in T.friedman(two)["note"]
    same = pd.DataFrame({"a": [0.9] * 4, "b": [0.9] * 4, "c": [0.9] * 4})
    res = T.friedman(same)
    assert res["status"] == "undefined" and res["p"] is None


def test_wilcoxon_exact_p_and_smallest_attainable_p():
    scores = pd.DataFrame({"a": [0.91, 0.92, 0.93, 0.94, 0.95], "b": [0.90, 0.90, 0.90, 0.90, 0.90],
                           "c": [0.90, 0.90, 0.90, 0.90, 0.90]})
    table = T.wilcoxon_pairs(scores).set_index(["model_a", "model_b"])
    ab = table.loc[("a", "b")]
    assert ab["p"] == pytest.approx(2 / 32) and ab["min_attainable_p"] == pytest.approx(2 / 32)
    assert table.loc[("b", "c"), "status"] == "undefined"  # all differences zero
    assert ab["p_holm"] == pytest.approx(2 * 2 / 32)  # two tested pairs


def test_seed_scores_require_a_complete_design():
    runs = pd.DataFrame({"architecture": ["a", "a", "b"], "seed": [1, 2, 1], "accuracy": [0.9, 0.8, 0.7]})
    with pytest.raises(ValueError, match="b seed 2"):
        M.seed_scores(runs)


# --- 5x2cv -------------------------------------------------------------------------------------------


def test_5x2cv_f_statistic_recomputed_from_the_recorded_folds():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    x, y = load_iris(return_X_y=True)
    res = T.cv_5x2(LogisticRegression(max_iter=500), DecisionTreeClassifier(random_state=0), x, y, seed=1)
    d = np.array(res["accuracy_a"]) - np.array(res["accuracy_b"])
    pairs = d.reshape(5, 2)
    s2 = ((pairs - pairs.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
    f = np.sum(d ** 2) / (2 * np.sum(s2))  # Alpaydin (1999), eq. for the combined F
    assert res["folds"] == 10 and res["statistic"] == pytest.approx(f)
    assert res["p"] == pytest.approx(sps.f.sf(f, 10, 5))
    with pytest.raises(ValueError, match="Received: z_test"):
        T.cv_5x2(LogisticRegression(), DecisionTreeClassifier(), x, y, 1, "z_test")


# --- Predictions: loading, alignment, ensembles --------------------------------------------------------


def _save(path, y, proba):
    np.savez(path, y_true=y, y_pred=proba.argmax(1), proba=proba)
    return str(path)


def test_bad_predictions_are_named(tmp_path):
    s = synthetic_study(n=50)
    good = _save(tmp_path / "good.npz", s.runs[0].y_true, s.runs[0].proba)
    short = _save(tmp_path / "short.npz", s.runs[0].y_true[:40], s.runs[0].proba[:40])
    shuffled = _save(tmp_path / "shuffled.npz", s.runs[0].y_true[::-1], s.runs[0].proba)
    with pytest.raises(PredictionsError, match="short.npz.*40 test predictions"):
        load_study([good], ["logreg"], [short], [("se_cnn", 1)])
    with pytest.raises(PredictionsError, match="shuffled.npz.*different order"):
        load_study([good], ["logreg"], [shuffled], [("se_cnn", 1)])
    with pytest.raises(PredictionsError, match="not found: .*missing.npz"):
        load_predictions(tmp_path / "missing.npz", "x", "cnn")
    np.savez(tmp_path / "nolabels.npz", proba=s.runs[0].proba)
    with pytest.raises(PredictionsError, match="nolabels.npz lacks y_true"):
        load_predictions(tmp_path / "nolabels.npz", "x", "cnn")


def test_constant_predictor_gets_defined_statistics():
    s = synthetic_study(n=300)
    y = s.runs[0].y_true
    const = Predictions("const", "baseline", y, np.tile(np.eye(10)[0], (len(y), 1)))
    table = B.metric_intervals(const, 500, seed=1).set_index("metric")
    assert table.loc["accuracy", "estimate"] == pytest.approx(np.mean(y == 0))
    assert np.isfinite(table[["ci_low", "ci_high"]].to_numpy()).all()
    assert T.mcnemar(const.correct, s.runs[0].correct)["p"] < 0.05


def test_ensembles_average_their_runs():
    s = synthetic_study(n_seeds=2)
    ensembles = s.ensembles()
    assert [e.name for e in ensembles][-1] == "ensemble/all_cnns" and len(ensembles) == 4
    np.testing.assert_allclose(ensembles[0].proba, (s.runs[0].proba + s.runs[1].proba) / 2)


def test_two_level_difference_sees_the_seed_spread():
    rng = np.random.default_rng(0)
    n = 2000
    a = np.array([rng.random(n) < 0.80, rng.random(n) < 0.90])  # two seeds far apart
    b = np.array([rng.random(n) < 0.85, rng.random(n) < 0.85])
    diff = B.two_level_difference(B.accuracy_on(a), 2, B.accuracy_on(b), 2, n, 2000, 1, 0.95)
    assert diff["difference"] == pytest.approx(a.mean() - b.mean())
    # Test items alone give an interval about +-0.015 wide; seed resampling spans the 0.1 gap between seeds.
    assert diff["ci_low"] < -0.03 and diff["ci_high"] > 0.03 and diff["p"] > 0.05
    clear = B.two_level_difference(B.accuracy_on(b + 0 | (rng.random((2, n)) < 0.5)), 2, B.accuracy_on(b), 2, n,
                                   999, 1, 0.95)
    assert clear["ci_low"] > 0 and clear["p"] == pytest.approx(2 / 1000)  # never 0: the +1 correction
    same = B.two_level_difference(B.accuracy_on(b), 2, B.accuracy_on(b), 2, n, 500, 1, 0.95)
    assert same["difference"] == 0 and same["p"] > 0.5


def test_pairs_use_mcnemar_for_single_prediction_sets_and_all_seeds_otherwise():
    s = synthetic_study(n_seeds=2, n=400)
    single = M.compare_pair("logreg", s.baselines[:1], "random_forest", s.baselines[1:], 200, 1, 25, 0.95)
    assert single["test"] == "McNemar" and single["discordant"] >= 0
    runs = s.runs_of("resnet_inspired")
    pair = M.compare_pair("logreg", s.baselines[:1], "resnet_inspired", runs, 200, 1, 25, 0.95)
    assert pair["method"] == M.TWO_LEVEL and pair["n_seeds_b"] == 2
    mean_error = 1 - np.mean([r.accuracy for r in runs])
    assert pair["error_difference"] == pytest.approx((1 - s.baselines[0].accuracy) - mean_error)
    assert pair["ci_low"] <= pair["error_difference"] <= pair["ci_high"]
    tests, models = M.comparison_tables(s, n_resamples=200)
    assert len(tests[tests["family"] == "models"]) == 10  # 2 baselines + 3 architectures, all pairs
    ens = tests[tests["family"] == "ensembles"]
    best = max(s.architectures, key=lambda a: np.mean([r.accuracy for r in s.runs_of(a)]))
    # Every ensemble against the best architecture by all its seeds (none picked on the test set).
    assert list(ens["model_a"]) == ["ensemble/enhanced_cnn", "ensemble/resnet_inspired", "ensemble/se_cnn",
                                    "ensemble/all_cnns"]
    assert set(ens["model_b"]) == {best} and set(ens["n_seeds_b"]) == {2}
    assert set(models["stands_for"]) >= {"all its seeds, resampled", "the baseline itself"}


def test_below_min_seeds_architectures_are_described_not_tested():
    s = synthetic_study(n_seeds=2, n=400)
    tests, _ = M.comparison_tables(s, n_resamples=200, min_seeds=3)
    models = tests[tests["family"] == "models"]
    single = models["model_a"].isin(["logreg", "random_forest"]) & models["model_b"].isin(["logreg", "random_forest"])
    assert (models.loc[single, "test"] == "McNemar").all() and models.loc[single, "p"].notna().all()
    described = models[~single]
    assert len(described) == 9 and (described["method"] == M.DESCRIPTIVE).all()
    assert described["p"].isna().all() and described["p_holm"].isna().all() and not described["reject"].any()
    assert described["ci_low"].isna().all() and described["note"].str.contains("stats.min_seeds = 3").all()
    row = described.iloc[0]
    assert row["error_difference"] == pytest.approx(row["error_a"] - row["error_b"])
    # The one tested pair is corrected alone: Holm over one test is the test itself.
    assert models.loc[single, "p_holm"].iloc[0] == pytest.approx(models.loc[single, "p"].iloc[0])
    tested, _ = M.comparison_tables(s, n_resamples=200, min_seeds=2)
    assert tested["p"].notna().all()
    assert M.too_few_seeds(1, 2, 3) and not M.too_few_seeds(1, 1, 3) and not M.too_few_seeds(3, 5, 3)


def test_ece_statistic_matches_the_plain_ece_and_the_lowest_is_tested_against_the_rest():
    s = synthetic_study(n_seeds=2, n=400)
    runs = s.runs_of("se_cnn")
    stat = C.ece_on(runs[0].y_true, [r.proba for r in runs], 15)(np.ones((1, 400)))
    assert stat[0] == pytest.approx([C.expected_calibration_error(r.y_true, r.proba, 15) for r in runs])
    table = C.calibration_tests({a: s.runs_of(a) for a in s.architectures}, 15, 200, 0.95, 1, 0.05)
    assert len(table) == 2 and table["model_a"].nunique() == 1
    assert (table["ece_a"] <= table["ece_b"]).all() and (table["ece_difference"] <= 0).all()


def test_best_holds_only_when_the_leader_beats_every_other_architecture():
    def pair(subject, obj, holds):
        return {"id": f"{subject}-{obj}", "family": "pairwise_models", "subject": subject, "object": obj,
                "relation": "lower_error", "holds": holds, "p_corrected": 0.01 if holds else 0.2, "test": "t",
                "correction": "Holm over 3 pairs"}
    archs = ["a", "b", "c"]
    claims = [pair("a", "b", True), pair("a", "c", True), pair("b", "c", False)]
    best = K.best_claims(claims, archs, 0.05)
    assert len(best) == 1 and best[0]["subject"] == "a" and best[0]["holds"]
    claims[1] = pair("a", "c", False)
    best = K.best_claims(claims, archs, 0.05)[0]
    assert not best["holds"] and best["not_significant_against"] == ["c"] and best["p_corrected"] == 0.2
    claims = [pair("a", "b", True), pair("c", "a", True), pair("b", "c", False)]  # nobody leads every pair
    assert K.best_claims(claims, archs, 0.05) == []


# --- Claims ------------------------------------------------------------------------------------------


def test_claims_follow_the_corrected_tests(tmp_path):
    study = synthetic_study(n_seeds=3, n=400)
    mcnemar, _ = M.comparison_tables(study, n_resamples=300)
    mcnemar.to_csv(tmp_path / "comparisons.csv", index=False)
    mcnemar = pd.read_csv(tmp_path / "comparisons.csv")  # as collect_claims reads it: empty notes become NaN
    runs = pd.DataFrame([{"architecture": r.architecture, "seed": r.seed, "accuracy": r.accuracy} for r in study.runs])
    scores = M.seed_scores(runs)
    out = K.build_claims(mcnemar, T.wilcoxon_pairs(scores), T.friedman(scores), None, 0.05)
    json.dumps(out)  # serialisable
    assert out["n_claims"] == len(out["claims"]) == len(mcnemar) + 1 + 3
    for c in out["claims"]:
        assert c["test"] and c["statistic_name"] and "p_corrected" in c and isinstance(c["note"], str)
        if c["family"].startswith("pairwise"):
            row = mcnemar[(mcnemar["model_a"].isin([c["subject"], c["object"]]))
                          & (mcnemar["model_b"].isin([c["subject"], c["object"]]))
                          & (mcnemar["family"] == c["family"].removeprefix("pairwise_"))].iloc[0]
            assert c["holds"] == bool(row["p_holm"] < 0.05)
            assert c["effect_size"]["value"] <= 0  # the subject is the model with fewer errors
            assert c["effect_size"]["ci_low"] <= c["effect_size"]["ci_high"]
        if c["family"] == "wilcoxon_seeds":
            assert not c["holds"] and "smallest attainable p" in c["note"]  # 3 seeds: p >= 0.25
