"""Classification metrics shared by every model family (baselines now, CNNs later)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import accuracy_score, confusion_matrix, log_loss, precision_recall_fscore_support

N_CLASSES = 10


def topk_correct(y_true: np.ndarray, proba: np.ndarray, k: int) -> np.ndarray:
    """Boolean per sample: the true label is among the ``k`` highest probabilities, ties counting against it.

    The true label counts only if fewer than ``k`` other classes have at least its probability. A
    random forest's probabilities are multiples of 1/trees, so ties are common, and picking "the k
    highest" by sort order made its top-3 accuracy depend on how tied classes happened to be ordered.
    """
    if not 1 <= k <= proba.shape[1]:
        raise ValueError(f"k must be between 1 and {proba.shape[1]}. Received: {k}")
    proba = np.asarray(proba)
    p_true = proba[np.arange(len(proba)), np.asarray(y_true)]
    at_least_as_likely = (proba >= p_true[:, None]).sum(axis=1) - 1  # other classes
    return at_least_as_likely < k


def topk_accuracy(y_true: np.ndarray, proba: np.ndarray, k: int) -> float:
    """Share of samples whose true label is among the ``k`` highest probabilities."""
    return float(np.mean(topk_correct(y_true, proba, k)))


def _normalised(proba: np.ndarray) -> np.ndarray:
    """Rows that sum to one in float64: float32 softmax outputs miss by about 1e-7, which sklearn warns about."""
    q = np.clip(np.asarray(proba, dtype=np.float64), 1e-12, 1.0)
    return q / q.sum(axis=1, keepdims=True)


def classification_metrics(y_true: np.ndarray, proba: np.ndarray) -> dict[str, float]:
    """Accuracy, macro precision/recall/F1, top-3/top-5 accuracy and log loss.

    Args:
        y_true: Integer labels, shape (n,).
        proba: Class probabilities, shape (n, 10).

    Returns:
        A flat dict of floats.
    """
    y_pred = proba.argmax(axis=1)
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_precision": float(p),
        "macro_recall": float(r),
        "macro_f1": float(f),
        "top3_accuracy": topk_accuracy(y_true, proba, 3),
        "top5_accuracy": topk_accuracy(y_true, proba, 5),
        "log_loss": float(log_loss(y_true, _normalised(proba), labels=np.arange(N_CLASSES))),
    }


def per_class_table(y_true: np.ndarray, y_pred: np.ndarray) -> pd.DataFrame:
    """Per-digit precision, recall, F1 and support."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=np.arange(N_CLASSES), zero_division=0)
    return pd.DataFrame({"digit": np.arange(N_CLASSES), "precision": p, "recall": r, "f1": f, "support": s})


def confusion_table(y_true: np.ndarray, y_pred: np.ndarray) -> pd.DataFrame:
    """Confusion matrix as a DataFrame: rows are true digits, columns predicted digits."""
    cm = confusion_matrix(y_true, y_pred, labels=np.arange(N_CLASSES))
    return pd.DataFrame(cm, index=pd.Index(range(N_CLASSES), name="true"), columns=[str(c) for c in range(N_CLASSES)])
