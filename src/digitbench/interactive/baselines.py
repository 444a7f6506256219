"""Interactive baseline figures: each baseline's confusion matrix, as its static twin in
:mod:`digitbench.plotting.baselines`, with a cell's test images on click."""

from __future__ import annotations

from collections.abc import Mapping

from digitbench.interactive.confusion import confusion

_LABELS = {"logreg": "logistic regression", "random_forest": "random forest"}


def confusion_matrix(name: str, inputs: Mapping[str, str]) -> str:
    """One baseline's test confusion matrix (``name`` ends with the model, as its file does)."""
    model = next((m for m in _LABELS if name.endswith(f"_{m}")), name)
    return confusion(name, inputs["confusion"], inputs["baseline_confusion_examples"], _LABELS.get(model, model),
                     "one fit")
