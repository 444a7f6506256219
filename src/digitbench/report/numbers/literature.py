"""Published reference results the report compares against, each with its bibliography key.

These are literature values, not results of this workflow; the report always quotes them next
to the number the workflow computed and the citation they come from.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from digitbench.cnn_results import best_architecture
from digitbench.report.numbers.format import comparable_to_paper, markdown_table
from digitbench.section_table import Built, ReportContext

# Published MNIST test errors (%, on the standard 10,000-image test set, as the authors report them).
# Keys become report variables (literature.KEY.error_pct / .accuracy_pct), so they must stay valid
# YAML keys; "cite" must be a key of report/references.bib.
PUBLISHED_RESULTS: dict[str, dict] = {
    # Verified: MNIST web page results table (yann.lecun.com/exdb/mnist, "Linear Classifiers"),
    # row "linear classifier (1-layer NN), none, 12.0, LeCun et al. 1998".
    "lecun1998_linear": {
        "method": "Linear classifier (1-layer NN)",
        "error_pct": 12.0,
        "cite": "lecun1998gradient",
        "note": "raw pixels, no preprocessing",
    },
    # Verified: MNIST web page results table, "K-Nearest Neighbors",
    # row "K-nearest-neighbors, Euclidean (L2), none, 5.0, LeCun et al. 1998".
    "lecun1998_knn": {
        "method": "k-nearest neighbours, Euclidean distance",
        "error_pct": 5.0,
        "cite": "lecun1998gradient",
        "note": "raw pixels, no preprocessing",
    },
    # Verified: MNIST web page results table, "Convolutional nets",
    # row "Convolutional net LeNet-5, [no distortions], none, 0.95, LeCun et al. 1998".
    "lecun1998_lenet5": {
        "method": "LeNet-5 convolutional network",
        "error_pct": 0.95,
        "cite": "lecun1998gradient",
        "note": "single network, no distortions",
    },
    # Verified: MNIST web page results table, row "Convolutional net Boosted LeNet-4,
    # [distortions], none, 0.7, LeCun et al. 1998".
    "lecun1998_boosted_lenet4": {
        "method": "Boosted LeNet-4",
        "error_pct": 0.7,
        "cite": "lecun1998gradient",
        "note": "boosted ensemble, distorted training images",
    },
    # Verified: MNIST web page results table, row "committee of 35 conv. net, 1-20-P-40-P-150-10
    # [elastic distortions], width normalization, 0.23, Ciresan et al. CVPR 2012"; the same 0.23
    # in the Papers-with-Code entry of the paper (MCDNN, MNIST, percentage error 0.23).
    "ciresan2012": {
        "method": "Multi-column deep neural network (MCDNN)",
        "error_pct": 0.23,
        "cite": "ciresan2012multi",
        "note": "committee of 35 CNN columns, elastic distortions, width normalization",
    },
    # Verified: project page cs.nyu.edu/~wanli/dropc (results table: MNIST, DropConnect 0.21,
    # Dropout 0.27, previous best 0.23); Papers-with-Code entry (percentage error 0.21). The
    # abstract says the state-of-the-art results come from aggregating several trained models.
    "wan2013": {
        "method": "DropConnect",
        "error_pct": 0.21,
        "cite": "wan2013regularization",
        "note": "ensemble of DropConnect-regularized networks",
    },
    # Verified: arXiv:2008.10400 abstract (arxiv.org, paperswithcode.com): "A two-layer ensemble,
    # a heterogeneous ensemble of three homogeneous ensemble networks, can achieve up to 99.91%
    # test accuracy" (majority vote of three single models: up to 99.87%).
    "an2020": {
        "method": "Ensemble of simple CNNs (3×3, 5×5, 7×7 kernels)",
        "error_pct": 0.09,
        "cite": "an2020ensemble",
        "note": "two-level ensemble, rotation and translation augmentation; best reported run",
    },
    # Verified: arXiv:2001.09136 v6 abstract ("No Routing Needed Between Capsules",
    # huggingface.co/papers/2001.09136): "an accuracy of 99.87% for an ensemble of these models"
    # (single model 99.83%). Earlier versions of the same preprint reported 99.84% / 99.79%.
    "byerly2021": {
        "method": "Homogeneous vector capsules, branching CNN",
        "error_pct": 0.13,
        "cite": "byerly2021no",
        "note": "ensemble of capsule networks without routing",
    },
}


def published_variables() -> dict[str, dict[str, str]]:
    """Report variables of every published result, for the ``literature`` block of the variables file.

    Returns:
        ``{key: {"error_pct": "0.23", "accuracy_pct": "99.77"}}`` for every key of
        ``PUBLISHED_RESULTS``, formatted with two decimals.
    """
    return {
        key: {"error_pct": f"{entry['error_pct']:.2f}", "accuracy_pct": f"{100 - entry['error_pct']:.2f}"}
        for key, entry in PUBLISHED_RESULTS.items()
    }


def published_table_rows() -> list[dict[str, object]]:
    """Rows of the published-results table, in the order of ``PUBLISHED_RESULTS``.

    Returns:
        One dict per entry with ``method``, ``error_pct`` (float, as published), ``cite`` (a
        bibliography key, without ``@``) and ``note``.
    """
    return [{field: entry[field] for field in ("method", "error_pct", "cite", "note")}
            for entry in PUBLISHED_RESULTS.values()]


def build(files: Mapping[str, str], ctx: ReportContext) -> Built:
    """Variables under ``literature`` and the ``published`` table (Discussion).

    This study's best architecture is listed beside the published errors only when the run trains
    and tests as the paper profile does: a short budget beside records would mislead.

    Args:
        files: ``cnn_summary``: ``cnn_summary.csv``, for this study's best architecture.
        ctx: The report's context (config and schema: whether the run is comparable to the paper's).
    """
    cnn_summary = pd.read_csv(files["cnn_summary"])
    comparable = comparable_to_paper("cnn", ctx.config, ctx.schema)
    rows = [{"method": r["method"], "error": f"{r['error_pct']:.2f}", "source": f"[@{r['cite']}]", "note": r["note"]}
            for r in published_table_rows()]
    if comparable:
        best = cnn_summary.set_index("architecture").loc[best_architecture(cnn_summary)]
        rows.append({"method": f"This study: `{best.name}` (mean of {int(best['n_seeds'])} seeds)",
                     "error": f"{100 * (1 - best['accuracy_mean']):.2f}", "source": "this report",
                     "note": "profile and training budget in the Methods section"})
    caption = ("Published MNIST test errors, as reported by their authors, next to this study's best architecture."
               if comparable else "Published MNIST test errors, as reported by their authors. This report's profile "
               "trains or tests differently from the paper profile, so its networks are not listed beside them.")
    table = markdown_table(pd.DataFrame(rows), caption, "tbl-published",
                           headers={"method": "Method", "error": "Test error (%)", "source": "Source", "note": "Note"},
                           align={"error": "r"})
    return Built({"literature": published_variables()}, {"published": table})
