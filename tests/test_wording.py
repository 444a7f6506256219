"""Generated prose reads as written by a person: counts, ranges, signs, no template leftovers."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from digitbench.report.numbers import baselines as Bl
from digitbench.report.numbers import claims as S
from digitbench.report.numbers.format import fmt_signed
from digitbench.stats import claims as K
from digitbench.wording import count_range, plural
from tests.test_stats import write_stats_outputs

# What a template leaks when a count is 1, a range is empty or a sign is typed as a hyphen, and an
# author-year citation typed into a test's name (the report cites in the numeric IEEE style).
LEFTOVERS = re.compile(r"\([A-Z][a-z]+ (?:19|20)\d\d\)|\(s\)|\ball 2 pairs\b|\b1 (?:seeds|epochs|pairs|architectures)\b|\b(\d+) to \1 |(?<![\w−])-\d|\bnan\b|None")


def test_counts_and_ranges():
    assert plural(1, "seed") == "1 seed" and plural(2, "seed") == "2 seeds" and plural(0, "epoch") == "0 epochs"
    assert plural(10000, "image") == "10,000 images" and plural(3, "analysis", "analyses") == "3 analyses"
    assert count_range(4, 4, "epoch") == "4 epochs" and count_range(2, 4, "epoch") == "2 to 4 epochs"
    assert count_range(1, 1, "epoch") == "1 epoch"
    assert fmt_signed(-1.234) == "\u22121.23" and fmt_signed(0.5) == "+0.50"
    assert fmt_signed(-0.004) == "\u22120.004" and fmt_signed(-0.00004) == "0.0000" and fmt_signed(0.0) == "0.00"
    assert fmt_signed(0.0004) == "+0.0004"


@pytest.mark.parametrize("n_seeds", [1, 2, 3, 5])
def test_generated_sentences_have_no_template_leftovers(tmp_path, n_seeds):
    paths = write_stats_outputs(tmp_path, n_seeds=n_seeds)
    claims = K.build_claims(pd.read_csv(paths["comparisons"]), pd.read_csv(paths["wilcoxon"]),
                            json.loads(paths["friedman"].read_text()), None, 0.05, pd.read_csv(paths["calibration_tests"]),
                            ["enhanced_cnn", "resnet_inspired", "se_cnn"])
    texts = S.claim_texts(json.loads(json.dumps(claims)))
    assert texts and all(text.endswith("\n") for text in texts.values())
    assert texts["friedman_seeds"].strip() and texts["pairwise_models"].strip()
    drawn = json.loads(paths["friedman"].read_text())["status"] == "tested"
    assert drawn == (n_seeds >= 3) and ("{#fig-stats-cd}" in texts["critical_difference"]) == drawn
    for name, text in texts.items():
        assert not LEFTOVERS.search(text), (n_seeds, name, LEFTOVERS.search(text).group(0), text)


@pytest.mark.parametrize(("accuracies", "sentence"), [
    ((0.9, 0.95), "The random forest is the more accurate of the two on the test set."),
    ((0.95, 0.9), "The logistic regression is the more accurate of the two on the test set."),
    ((0.9, 0.9), "The logistic regression and the random forest are equally accurate on the test set."),
])
def test_baseline_comparison_is_a_sentence_also_for_a_tie(accuracies, sentence):
    metrics = pd.DataFrame({"model": ["logreg", "random_forest"], "label": ["Logistic regression", "Random forest"],
                            "accuracy": accuracies})
    assert Bl._comparison(metrics.sort_values("accuracy", ascending=False, kind="stable")) == sentence
