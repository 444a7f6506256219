"""Named hypothesis tests from maintained libraries, with the multiple-comparison bookkeeping.

McNemar (statsmodels), Holm (statsmodels), Friedman and Wilcoxon signed-rank (scipy.stats), the
5x2cv tests of Dietterich (1998) and Alpaydin (1999) (mlxtend). A test that cannot be run or is
undefined on the data returns a ``status`` and a ``note`` saying why, never a bare NaN.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.multitest import multipletests

from digitbench.wording import plural

MIN_BLOCKS = 3


def holm(p_values: Sequence[float], alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Holm (1979) step-down correction; NaN entries (tests not run) stay NaN and do not count.

    Returns:
        Corrected p-values and reject flags, aligned with ``p_values``.
    """
    p = np.asarray(p_values, dtype=float)
    corrected = np.full_like(p, np.nan)
    reject = np.zeros(len(p), dtype=bool)
    ok = np.isfinite(p)
    if ok.any():
        reject[ok], corrected[ok], _, _ = multipletests(p[ok], alpha=alpha, method="holm")
    return corrected, reject


def mcnemar(correct_a: np.ndarray, correct_b: np.ndarray, exact_below: int = 25) -> dict[str, float | int | str]:
    """McNemar's test of equal error rates of two classifiers on the same test items.

    Exact binomial test when fewer than ``exact_below`` items are discordant, otherwise the
    chi-square statistic with continuity correction.

    Returns:
        Counts (``only_a_correct``, ``only_b_correct``, ``discordant``), ``method``, ``statistic``, ``p``.
    """
    a, b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    if a.shape != b.shape:
        raise ValueError(f"correct_a and correct_b must have the same shape. Received: {a.shape} and {b.shape}")
    table = np.array([[np.sum(a & b), np.sum(a & ~b)], [np.sum(~a & b), np.sum(~a & ~b)]])
    discordant = int(table[0, 1] + table[1, 0])
    exact = discordant < exact_below
    res = sm_mcnemar(table, exact=exact, correction=True)
    return {"both_correct": int(table[0, 0]), "only_a_correct": int(table[0, 1]), "only_b_correct": int(table[1, 0]),
            "both_wrong": int(table[1, 1]), "discordant": discordant,
            "method": "exact binomial" if exact else "chi-square, continuity-corrected",
            "statistic": float(res.statistic), "p": float(res.pvalue),
            "note": "the models never disagree" if discordant == 0 else ""}


def friedman(scores: pd.DataFrame, min_blocks: int = MIN_BLOCKS) -> dict[str, object]:
    """Friedman test over the columns (treatments) of ``scores`` with its rows (seeds) as blocks.

    Returns:
        ``status`` (``tested``, ``not_run`` or ``undefined``), ``statistic``, ``p``, ``n_blocks``, ``k``, ``note``.
    """
    scores = scores.dropna()
    n, k = scores.shape
    out: dict[str, object] = {"test": "Friedman", "n_blocks": int(n), "k": int(k), "statistic": None, "p": None}
    if k < 3:
        return {**out, "status": "not_run", "note": f"it needs at least 3 architectures and the study has {k}"}
    if n < min_blocks:
        return {**out, "status": "not_run",
                "note": f"with only {plural(n, 'seed')} per architecture there are too few blocks (fewer than "
                        f"{min_blocks}) to detect a difference"}
    if np.all(scores.to_numpy() == scores.to_numpy()[:, :1]):
        return {**out, "status": "undefined", "note": "every architecture has the same score in every seed"}
    res = stats.friedmanchisquare(*[scores[c].to_numpy() for c in scores.columns])
    return {**out, "status": "tested", "statistic": float(res.statistic), "p": float(res.pvalue), "note": ""}


def average_ranks(scores: pd.DataFrame) -> pd.Series:
    """Mean rank of each column over rows, rank 1 = highest score, ties get the average rank."""
    ranks = scores.apply(lambda row: pd.Series(stats.rankdata(-row.to_numpy()), index=scores.columns), axis=1)
    return ranks.mean(axis=0)


def wilcoxon_pairs(scores: pd.DataFrame, alpha: float = 0.05, min_blocks: int = MIN_BLOCKS) -> pd.DataFrame:
    """Pairwise Wilcoxon signed-rank tests between the columns of ``scores`` (rows are paired blocks), Holm-corrected.

    Benavoli et al. (2016) recommend this over post-hoc tests based on mean ranks. ``min_attainable_p``
    is the smallest two-sided p the exact test can give with this many non-zero differences, so a
    reader sees when significance was impossible by design.
    """
    rows = []
    for a, b in itertools.combinations(scores.columns, 2):
        pair = scores[[a, b]].dropna()
        diff = (pair[a] - pair[b]).to_numpy()
        nonzero = int(np.count_nonzero(diff))
        row = {"model_a": a, "model_b": b, "n_blocks": len(diff), "n_nonzero": nonzero,
               "mean_difference": float(np.mean(diff)) if len(diff) else np.nan,
               "median_difference": float(np.median(diff)) if len(diff) else np.nan,
               "min_attainable_p": float(min(1.0, 2.0 / 2 ** nonzero)) if nonzero else np.nan,
               "statistic": np.nan, "p": np.nan}
        if len(diff) < min_blocks:
            row.update(status="not_run", note=f"with only {plural(len(diff), 'paired seed')} it has fewer than the {min_blocks} it needs")
        elif nonzero == 0:
            row.update(status="undefined", note="the two architectures score the same in every seed")
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # scipy warns that small samples use the exact test
                res = stats.wilcoxon(pair[a], pair[b])
            row.update(statistic=float(res.statistic), p=float(res.pvalue), status="tested", note="")
        rows.append(row)
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["p_holm"], table["reject"] = holm(table["p"].to_numpy(), alpha)
    return table


def cv_5x2(estimator_a, estimator_b, x: np.ndarray, y: np.ndarray, seed: int,
           test: str = "combined_ftest") -> dict[str, object]:
    """5x2 cross-validation test between two scikit-learn estimators (mlxtend).

    ``combined_ftest`` is Alpaydin's (1999) combined F test, ``paired_ttest`` Dietterich's (1998)
    t test. The per-fold accuracies are recorded through the scorer so the effect size (mean
    accuracy difference, a minus b) comes from the same ten fits as the test.
    """
    from mlxtend.evaluate import combined_ftest_5x2cv, paired_ttest_5x2cv

    tests = {"combined_ftest": (combined_ftest_5x2cv, "F", "combined 5×2cv F test"),
             "paired_ttest": (paired_ttest_5x2cv, "t", "5×2cv paired t test")}
    if test not in tests:
        raise ValueError(f"test must be one of {', '.join(tests)}. Received: {test}")
    func, stat_name, label = tests[test]
    scores: dict[int, list[float]] = {id(estimator_a): [], id(estimator_b): []}

    def scorer(estimator, x_eval, y_eval):
        score = float(np.mean(estimator.predict(x_eval) == y_eval))
        scores[id(estimator)].append(score)
        return score

    statistic, p = func(estimator_a, estimator_b, x, y, scoring=scorer, random_seed=seed)
    acc_a, acc_b = np.array(scores[id(estimator_a)]), np.array(scores[id(estimator_b)])
    diff = acc_a - acc_b
    return {"test": label, "statistic_name": stat_name, "statistic": float(statistic), "p": float(p),
            "folds": len(diff), "accuracy_a": acc_a.tolist(), "accuracy_b": acc_b.tolist(),
            "mean_difference": float(diff.mean()), "sd_difference": float(diff.std(ddof=1)), "seed": int(seed)}
