"""Sentences, tables and variables of the statistical evaluation, generated from the stats files."""

from __future__ import annotations

import copy
import json
import re

import pandas as pd

from digitbench.report.numbers import claims as S
from digitbench.report.numbers import stats as St
from digitbench.report.numbers.format import display
from digitbench.section_table import ReportContext
from tests.test_stats import write_stats_outputs

CLAIM = {"id": "pairwise/models/a-vs-b", "family": "pairwise_models", "statement": "a has a lower test error than b",
         "subject": "resnet_inspired", "object": "logreg", "relation": "lower_error",
         "test": "McNemar (chi-square, continuity-corrected)", "statistic_name": "chi2", "statistic": 20.55,
         "p": 0.001, "p_corrected": 0.004, "correction": "Holm over 21 pairs", "alpha": 0.05, "holds": True,
         "effect_size": {"value": -0.014, "ci_low": -0.0198, "ci_high": -0.0083, "ci_level": 0.95}, "n": 10000,
         "note": ""}


def test_sentence_says_significantly_only_when_the_claim_holds():
    holds = S.claim_sentence(CLAIM)
    assert holds == ("`resnet_inspired` has a significantly lower test error than logistic regression (McNemar "
                     "(chi-square, continuity-corrected), χ² = 20.6, Holm-corrected p = 0.004; error difference "
                     "−1.40 percentage points, 95% CI −1.98 to −0.83).")  # real minus signs (issue 13)
    weak = copy.deepcopy(CLAIM) | {"holds": False, "p_corrected": 0.2}
    sentence = S.claim_sentence(weak)
    assert "significantly" not in sentence.split("(")[0] and "not significant at α = 0.05" in sentence
    assert "Holm-corrected p = 0.200" in sentence
    tiny = copy.deepcopy(CLAIM) | {"p_corrected": 2e-12}
    assert "Holm-corrected p < 0.001;" in S.claim_sentence(tiny)  # one p-value rule (issue 13)


def test_best_sentence_names_the_architectures_the_leader_does_not_beat():
    claim = {"subject": "se_cnn", "holds": False, "not_significant_against": ["enhanced_cnn"], "p_corrected": 0.3,
             "test": "two-level paired bootstrap (seeds and test items)"}
    text = S.best_sentence(claim, "accuracy")
    assert text.startswith("`se_cnn` has the highest mean test accuracy, but the study does not show that it is the "
                           "most accurate architecture: its difference from `enhanced_cnn` is not significant")
    held = S.best_sentence(claim | {"holds": True, "p_corrected": 0.004}, "calibration")
    assert "it is the best-calibrated architecture" in held and "largest Holm-corrected p = 0.004" in held
    assert "none is called the best" in S.best_sentence(None, "accuracy")


def test_display_names():
    assert display("ensemble/all_cnns") == "the ensemble of all CNN runs"
    assert display("ensemble/se_cnn") == "the `se_cnn` seed ensemble"
    assert display("se_cnn/seed3") == "`se_cnn` seed 3"
    assert display("random_forest") == "random forest"


def test_untested_reasons_are_grouped_and_friedman_says_why():
    claims = {"claims": [], "untested": [
        {"test": "Friedman (seeds as blocks)", "subjects": "architectures", "status": "not_run", "note": "too few"},
        {"test": "Wilcoxon", "subjects": "a, b", "status": "not_run", "note": "only 2"},
        {"test": "Wilcoxon", "subjects": "a, c", "status": "not_run", "note": "only 2"}]}
    texts = S.claim_texts(claims)
    # No Friedman test, no Wilcoxon tests and no diagram: said once, with the reason, not three times.
    assert texts["friedman_seeds"] == ("The tests across seeds (Friedman, then pairwise Wilcoxon) and the critical-"
                                       "difference diagram drawn from them were not run: too few.\n")
    assert texts["critical_difference"] == texts["wilcoxon_seeds"] == texts["untested"] == "\n"
    claims["untested"].append({"test": "Nemenyi", "subjects": "a, b", "status": "not_run", "note": "other"})
    assert S.claim_texts(claims)["untested"] == "Tests that were not run, and why:\n\n- Nemenyi, a, b: other.\n"
    assert texts["pairwise_models"] == "No pairwise comparison was run.\n"
    assert "none is called the best" in texts["best_accuracy"]


def test_build_from_stats_files(tmp_path):
    from digitbench.stats import claims as K

    paths = write_stats_outputs(tmp_path, n_seeds=3)
    mcnemar = pd.read_csv(paths["comparisons"])
    models = tmp_path / "models.csv"
    pd.DataFrame([{"model": "x", "kind": "cnn", "stands_for": "all its seeds, resampled"}]).to_csv(models, index=False)
    claims = tmp_path / "claims.json"
    friedman = json.loads(paths["friedman"].read_text())
    claims.write_text(json.dumps(K.build_claims(mcnemar, pd.read_csv(paths["wilcoxon"]), friedman, None, 0.05,
                                                pd.read_csv(paths["calibration_tests"]),
                                                ["enhanced_cnn", "resnet_inspired", "se_cnn"])))
    boot = pd.read_csv(paths["bootstrap"])
    archs = ["enhanced_cnn", "resnet_inspired", "se_cnn"]
    summary = pd.DataFrame({"architecture": archs, "n_seeds": 3, "accuracy_mean": 0.9, "accuracy_sd": 0.01,
                            "macro_f1_mean": 0.9, "macro_f1_sd": 0.01, "top3_accuracy_mean": 0.99,
                            "parameters": 1000, "training_seconds_mean": 10.0, "inference_ms_per_image_mean": 0.1})
    baselines = pd.DataFrame({"model": ["logreg", "random_forest"], "label": ["Logistic regression", "Random forest"],
                              "accuracy": [0.85, 0.9], "macro_f1": [0.85, 0.9], "top3_accuracy": [0.95, 0.97],
                              "fit_seconds": [1.0, 2.0]})
    boot = pd.concat([boot, pd.DataFrame([{"model": f"seeds/{a}", "metric": "accuracy", "estimate": 0.9,
                                           "ci_low": 0.89, "ci_high": 0.91, "n_test": 400} for a in archs])])
    boot.to_csv(paths["bootstrap"], index=False)
    summary.to_csv(tmp_path / "cnn_summary.csv", index=False)
    baselines.to_csv(tmp_path / "baseline_metrics.csv", index=False)
    files = {"bootstrap": paths["bootstrap"], "comparisons": paths["comparisons"], "compared_models": str(models),
             "friedman": paths["friedman"], "wilcoxon": paths["wilcoxon"], "calibration": paths["calibration"],
             "claims": str(claims), "cnn_summary": str(tmp_path / "cnn_summary.csv"),
             "baseline_metrics": str(tmp_path / "baseline_metrics.csv"), "runs": str(tmp_path / "runs.csv")}
    pd.DataFrame([{"architecture": a, "seed": s, "accuracy": 0.9 + s / 100} for a in archs for s in (1, 2, 3)]).to_csv(
        files["runs"], index=False)
    config = {"alpha": 0.05, "confidence": 0.95, "n_resamples": 2000, "calibration_bins": 15, "min_seeds": 3}
    built = St.build(files, ReportContext(config={"stats": config}, schema={}, commit="c"))
    variables, tables, texts = built.variables["stats"], built.tables, built.texts
    # Each seed ensemble's ECE with its bootstrap interval (issue 13).
    assert re.search(r"\| \d\.\d{4} \[\d\.\d{4}, \d\.\d{4}\] \|", tables["calibration"]), tables["calibration"]
    assert variables["n_pairs"] == str(len(mcnemar[mcnemar["family"] == "models"]))
    acc = boot[boot["metric"] == "accuracy"].set_index("model")
    assert variables["ensemble_all_accuracy"].startswith(f"{acc.loc['ensemble/all_cnns', 'estimate']:.4f} [")
    assert "{#tbl-main-results}" in tables["main_results"] and "| `se_cnn` | 3 | 0.9000 ± 0.0100 |" in tables["main_results"]
    # One paragraph per family, not one bullet per pair: the table holds the pairs.
    assert texts["pairwise_models"].count("\n") == 1 and "tested differences" in texts["pairwise_models"]
    assert texts["best_accuracy"].startswith("`") and texts["calibration"].count("\n") == 1
    assert "| `se_cnn` | 0.9100 | 0.9200 | 0.9300 | 0.9200 | 0.0200 |" in tables["seed_accuracies"]
    assert variables["comparison_summary"] == f"Of {variables['n_pairs']} pairwise comparisons, " \
        f"{variables['n_pairs_significant']} {'is' if variables['n_pairs_significant'] == '1' else 'are'} significant " \
        "after Holm correction."


def test_below_min_seeds_the_abstract_and_tables_say_described_not_tested(tmp_path):
    from digitbench.stats import comparisons as M
    from digitbench.stats import claims as K
    from tests.test_stats import synthetic_study

    tests, _ = M.comparison_tables(synthetic_study(n_seeds=2, n=400), n_resamples=200, min_seeds=3)
    models = tests[tests["family"] == "models"]
    sentence = St.comparison_summary(models, 2, 3)
    assert sentence.startswith("With 2 seeds per architecture, fewer than the 3 that its tests require, the "
                               "architectures are compared descriptively")
    assert "only the one between single prediction sets is tested" in sentence and "significant" in sentence
    table = St._significance_table(models)
    assert table.count("| not tested |") == 9 and table.count("| McNemar") == 1
    claims = K.build_claims(tests, pd.DataFrame(), {"status": "not_run", "note": "too few"}, None, 0.05,
                            architectures=["enhanced_cnn", "resnet_inspired", "se_cnn"])
    best = next(c for c in claims["claims"] if c["id"] == "best/accuracy")
    assert not best["tested"] and not best["holds"] and best["p_corrected"] is None
    assert "does not call it the most accurate architecture" in S.best_sentence(best, "accuracy")
    assert St.best_verdict(claims, 2, 3) == "not tested against the other architectures: 2 seeds each, fewer " \
        "than the 3 the tests require"
    text = S.claim_texts(claims)["pairwise_models"]
    assert text.startswith("9 of the 10 pairs of models are described, not tested: 2 seeds per architecture, "
                           "fewer than stats.min_seeds = 3.")
    assert "significantly" not in text.replace("is significantly lower", "") or "McNemar" in text


def test_seed_level_sentence_follows_the_number_of_seeds():
    assert "only 3 distinct draws" in St.seed_level(2) and "= 0.50" in St.seed_level(2)
    assert "only 126 distinct draws" in St.seed_level(5) and "= 0.80" in St.seed_level(5)
    assert "test-set sampling only" in St.seed_level(1)


def test_best_verdict_comes_from_the_best_accuracy_claim():
    claim = {"id": "best/accuracy", "holds": True}
    assert St.best_verdict({"claims": [claim]}, 5, 3) == "significantly more accurate than every other architecture"
    assert St.best_verdict({"claims": [claim | {"holds": False}]}, 5, 3).startswith("not significantly")
    assert St.best_verdict({"claims": []}, 5, 3) == "no architecture leads every comparison"
