"""Agreement between delineations: pairwise IoU and Dice matrices, their spread, and a candidate placed within it."""

from __future__ import annotations

import numpy as np

from massmap.metrics.pixel import metrics_from_counts, pixel_counts


def pair_scores(a: np.ndarray, b: np.ndarray, valid: np.ndarray | None = None) -> tuple[float, float]:
    """IoU and Dice of two delineations; with a leading class axis (classes, rows, cols) counts pool over classes.

    Pooling means a pixel agrees only when both mappers give it the same class: IoU = sum of per-class
    intersections over sum of per-class unions.
    """
    a, b = np.asarray(a), np.asarray(b)
    if a.ndim == 2:
        a, b = a[None], b[None]
    tp = fp = fn = 0
    for ac, bc in zip(a, b):
        t, p, n = pixel_counts(ac, bc, valid)
        tp, fp, fn = tp + t, fp + p, fn + n
    m = metrics_from_counts(tp, fp, fn)
    return m["iou"], m["dice"]


def pairwise_matrices(masks: list[np.ndarray], valid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric IoU and Dice matrices (k, k) of k delineations (each (rows, cols), or (classes, rows, cols))."""
    k = len(masks)
    iou, dice = np.eye(k), np.eye(k)
    for i in range(k):
        for j in range(i + 1, k):
            iou[i, j], dice[i, j] = iou[j, i], dice[j, i] = pair_scores(masks[i], masks[j], valid)
    return iou, dice


def spread(values: np.ndarray) -> dict:
    """Mean, sample standard deviation (ddof=1; 0 for one value), range and count of scores."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        return {"mean": None, "std": None, "min": None, "max": None, "n": 0}
    return {
        "mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
        "min": float(v.min()), "max": float(v.max()), "n": int(v.size),
    }


def pair_values(matrix: np.ndarray) -> np.ndarray:
    """The scores of the distinct pairs (upper triangle without the diagonal) of a pairwise matrix."""
    i, j = np.triu_indices(matrix.shape[0], k=1)
    return matrix[i, j]


def mean_to_others(matrix: np.ndarray) -> np.ndarray:
    """For each delineation, its mean score against every other one; shape (k,)."""
    k = matrix.shape[0]
    off = ~np.eye(k, dtype=bool)
    return np.array([matrix[i, off[i]].mean() if k > 1 else np.nan for i in range(k)])


def candidate_placement(
    candidate: np.ndarray, experts: list[np.ndarray], expert_iou: np.ndarray, expert_dice: np.ndarray,
    valid: np.ndarray | None = None,
) -> dict:
    """A candidate's IoU and Dice against each expert, beside the experts' scores against each other.

    `within_expert_range` is True when the candidate's mean IoU lies within the range of the expert pairs' IoU.
    """
    scores = np.array([pair_scores(candidate, e, valid) for e in experts])
    pairs_iou = pair_values(expert_iou)
    iou_spread = spread(scores[:, 0])
    within = bool(pairs_iou.size and pairs_iou.min() <= iou_spread["mean"] <= pairs_iou.max())
    return {
        "iou_per_expert": scores[:, 0].tolist(),
        "dice_per_expert": scores[:, 1].tolist(),
        "iou": iou_spread,
        "dice": spread(scores[:, 1]),
        "experts_iou": spread(pairs_iou),
        "experts_dice": spread(pair_values(expert_dice)),
        "expert_mean_iou_to_others": mean_to_others(expert_iou).tolist(),
        "expert_mean_dice_to_others": mean_to_others(expert_dice).tolist(),
        "within_expert_range": within,
    }
