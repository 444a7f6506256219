"""Occlusion sensitivity: where a digit must not be hidden for the network to keep its answer.

A grey patch (background intensity, 0) slides over the image; at each position the drop in the
probability of the true class is recorded and spread over the pixels the patch covered. It needs
only the model's predictions, so it works the same on every backend (no gradients).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def positions(size: int = 28, patch: int = 6, stride: int = 2) -> list[tuple[int, int]]:
    """Top-left corners of the patches; the last row and column reach the image's edge.

    Raises:
        ValueError: ``patch`` or ``stride`` outside 1..size.
    """
    if not 1 <= patch <= size or not 1 <= stride <= size:
        raise ValueError(f"patch and stride must be in 1..{size}. Received: patch={patch}, stride={stride}")
    starts = list(range(0, size - patch + 1, stride))
    if starts[-1] != size - patch:
        starts.append(size - patch)
    return [(r, c) for r in starts for c in starts]


def occluded(images: np.ndarray, patch: int = 6, stride: int = 2) -> np.ndarray:
    """Every image with the patch at every position: (n * positions, 28, 28), image-major."""
    corners = positions(images.shape[1], patch, stride)
    out = np.repeat(np.asarray(images, dtype=np.float32)[:, None], len(corners), axis=1)
    for k, (r, c) in enumerate(corners):
        out[:, k, r:r + patch, c:c + patch] = 0.0
    return out.reshape(-1, *images.shape[1:])


def maps_from(proba: np.ndarray, hidden: np.ndarray, labels: np.ndarray, patch: int = 6,
              stride: int = 2) -> np.ndarray:
    """Occlusion maps from the probabilities of the images (n, classes) and of :func:`occluded` ones.

    Returns:
        (n, 28, 28): each pixel the mean drop of the true class's probability over the patches that
        covered it (positive: hiding it costs the true class).
    """
    n, size = len(labels), 28
    corners = positions(size, patch, stride)
    hidden = hidden.reshape(n, len(corners), -1)
    rows = np.arange(n)
    drops = proba[rows, labels][:, None] - hidden[rows, :, labels]  # (n, positions)
    total = np.zeros((n, size, size), dtype=np.float64)
    count = np.zeros((size, size), dtype=np.float64)
    for k, (r, c) in enumerate(corners):
        total[:, r:r + patch, c:c + patch] += drops[:, k, None, None]
        count[r:r + patch, c:c + patch] += 1
    return total / count


def occlusion_maps(predict: Callable[[np.ndarray], np.ndarray], images: np.ndarray, labels: np.ndarray,
                   patch: int = 6, stride: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Drop in the true class's probability when each pixel's neighbourhood is hidden.

    Args:
        predict: Raw images (n, 28, 28), 0-255 -> class probabilities (n, classes); the caller
            applies the run's own preprocessing.
        images: Raw test images, (n, 28, 28).
        labels: True classes, (n,).
        patch, stride: Patch side and step, in pixels.

    Returns:
        ``(maps, proba)``: :func:`maps_from`'s maps and the probabilities of the unoccluded images.
    """
    proba = predict(np.asarray(images, dtype=np.float32))
    return maps_from(proba, predict(occluded(images, patch, stride)), labels, patch, stride), proba


def pick_digits(labels: np.ndarray, per_class: int) -> np.ndarray:
    """The first ``per_class`` images of every class, in class order: the same digits for every run.

    Raises:
        ValueError: A class has fewer images than ``per_class``.
    """
    picks = []
    for d in range(10):
        found = np.flatnonzero(labels == d)[:per_class]
        if len(found) < per_class:
            raise ValueError(f"Digit {d} has {len(found)} images, fewer than occlusion.per_class. "
                             f"Received: {per_class}")
        picks.extend(found.tolist())
    return np.array(picks)


def summarize(paths: list[str], keys: list[tuple[str, int]], n_examples: int = 4) -> dict[str, np.ndarray]:
    """Every architecture's occlusion maps, averaged over its seeds, and the digits the figures show.

    Args:
        paths: The runs' ``occlusion.npz`` files; ``keys`` their (architecture, seed), in the same order.
        n_examples: Digits shown of each kind: right in every run (one per class, classes in order), and
            wrong in the most runs.

    Returns:
        ``architectures``, ``images``/``y_true`` of the shared digits, ``maps`` (architectures, digits, 28, 28)
        and ``class_maps`` (architectures, 10, 28, 28), means over seeds; ``wrong`` (architectures, digits):
        runs that misclassified each digit, ``n_seeds`` per architecture; ``examples`` (digit positions)
        and ``example_wrong`` (whether each was misclassified by some run).

    Raises:
        ValueError: The runs' maps are of different digits.
    """
    by_arch: dict[str, list[dict[str, np.ndarray]]] = {}
    first = None
    for path, (arch, _) in zip(paths, keys):
        with np.load(path) as z:
            run = {k: z[k] for k in ("index", "y_true", "images", "proba", "maps")}
        if first is None:
            first = (path, run)
        elif not np.array_equal(run["index"], first[1]["index"]):
            raise ValueError(f"{path} holds maps of other digits than {first[0]}: rerun rule evaluate_behaviour for "
                             "every run with the same occlusion and robustness config.")
        by_arch.setdefault(arch, []).append(run)
    archs = list(by_arch)
    y = first[1]["y_true"]
    maps = np.stack([np.mean([r["maps"] for r in by_arch[a]], axis=0) for a in archs])
    wrong = np.stack([np.sum([r["proba"].argmax(axis=1) != y for r in by_arch[a]], axis=0) for a in archs])
    class_maps = np.stack([[maps[i, y == d].mean(axis=0) for d in range(10)] for i in range(len(archs))])
    total_wrong = wrong.sum(axis=0)
    # Right in every run: one digit per class, so the examples are not all zeros.
    always_right = total_wrong == 0
    right = [int(np.flatnonzero(always_right & (y == d))[0]) for d in range(10) if (always_right & (y == d)).any()]
    right = np.array(right[:n_examples], dtype=np.int64)
    worst = [i for i in np.argsort(-total_wrong, kind="stable") if total_wrong[i] > 0][:n_examples]
    examples = np.concatenate([right, np.array(worst, dtype=np.int64)]).astype(np.int64)
    return {"architectures": np.array(archs), "images": first[1]["images"], "y_true": y, "maps": maps,
            "class_maps": class_maps, "wrong": wrong, "n_seeds": np.array([len(by_arch[a]) for a in archs]),
            "examples": examples, "example_wrong": total_wrong[examples] > 0}
