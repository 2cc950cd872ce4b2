"""One-to-one matching of predicted and true objects by IoU, and object-level precision, recall and F1.

Matching is the optimal assignment (scipy's `linear_sum_assignment`): among pairs with IoU >= t it maximises
the number of matched pairs first and their summed IoU second, so a greedy first pick cannot cost a match.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linear_sum_assignment
from scipy.sparse.csgraph import connected_components

from massmap.constants import OBJECT_IOU_THRESHOLD
from massmap.metrics.objects import ObjectSet, as_objects

# The thresholds of the precision/recall curve: 0.1, 0.2, ..., 0.9.
CURVE_THRESHOLDS = tuple(round(0.1 * k, 1) for k in range(1, 10))


@dataclass(frozen=True)
class OverlapPairs:
    """Every (predicted, true) object pair sharing a pixel, with its IoU; objects counted by `n_pred`, `n_truth`."""

    pred: np.ndarray
    truth: np.ndarray
    iou: np.ndarray
    n_pred: int
    n_truth: int

    def dense(self) -> np.ndarray:
        """The full IoU matrix (n_pred, n_truth); zero where objects do not overlap."""
        out = np.zeros((self.n_pred, self.n_truth))
        out[self.pred, self.truth] = self.iou
        return out

    def best_truth_iou(self) -> np.ndarray:
        """Each true object's highest IoU with any predicted object; shape (n_truth,)."""
        best = np.zeros(self.n_truth)
        np.maximum.at(best, self.truth, self.iou)
        return best


def overlap_pairs(pred: ObjectSet, truth: ObjectSet) -> OverlapPairs:
    """IoU of every overlapping (predicted, true) object pair, from one sparse product of pixel memberships."""
    if pred.shape != truth.shape:
        raise ValueError(f"predicted objects on {pred.shape} and true objects on {truth.shape} differ in shape")
    inter = (pred.membership @ truth.membership.T).tocoo()
    p, t, n_inter = inter.row.astype(np.int64), inter.col.astype(np.int64), inter.data
    union = pred.pixel_counts()[p] + truth.pixel_counts()[t] - n_inter
    return OverlapPairs(p, t, n_inter / union, len(pred), len(truth))


def _small_ids(labels: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """Flat label ids (0 = background or nodata), renumbered 1..n in value order when unfit for bincount."""
    flat = np.asarray(labels).ravel()
    if valid is not None:
        flat = np.where(np.asarray(valid, dtype=bool).ravel(), flat, 0)
    if flat.size and (flat.min() < 0 or flat.max() > 4 * flat.size + 65536):
        nonzero = flat != 0
        renumbered = np.zeros(flat.shape, dtype=np.int64)
        renumbered[nonzero] = np.unique(flat[nonzero], return_inverse=True)[1].ravel() + 1
        return renumbered
    return flat.astype(np.intp, copy=False)


def label_overlap_pairs(pred_labels: np.ndarray, truth_labels: np.ndarray,
                        valid: np.ndarray | None = None) -> OverlapPairs:
    """`overlap_pairs` of two label images (0 = background) by counting pixel pairs, without building ObjectSets.

    The fast path for training validation, which scores label images every epoch; objects are numbered in order
    of label value, as `objects_from_labels` numbers them.
    """
    if np.shape(pred_labels) != np.shape(truth_labels):
        raise ValueError(f"prediction {np.shape(pred_labels)} and truth {np.shape(truth_labels)} differ in shape")
    p, t = _small_ids(pred_labels, valid), _small_ids(truth_labels, valid)
    size_p, size_t = np.bincount(p, minlength=1), np.bincount(t, minlength=1)
    size_p[0] = size_t[0] = 0
    # Label value -> object index, objects numbered in order of label value.
    lookups = [np.cumsum(size > 0) - 1 for size in (size_p, size_t)]
    both = np.flatnonzero((p != 0) & (t != 0))
    stride = np.int64(size_t.size)
    key = p[both].astype(np.int64) * stride + t[both]
    if size_p.size * size_t.size <= 4 * p.size:
        n_inter = np.bincount(key, minlength=1)
        key = np.flatnonzero(n_inter)
        n_inter = n_inter[key]
    else:
        key, n_inter = np.unique(key, return_counts=True)
    raw_p, raw_t = np.divmod(key, stride)
    iou = n_inter / (size_p[raw_p] + size_t[raw_t] - n_inter)
    return OverlapPairs(lookups[0][raw_p], lookups[1][raw_t], iou,
                        int(np.count_nonzero(size_p)), int(np.count_nonzero(size_t)))


def _pairs_of(pred, truth, valid: np.ndarray | None) -> OverlapPairs:
    """Overlaps of any two object inputs, taking the pixel-pair counting path when both are label images."""
    if all(isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.integer) for x in (pred, truth)):
        return label_overlap_pairs(pred, truth, valid)
    return overlap_pairs(as_objects(pred, valid), as_objects(truth, valid))


def match_pairs(pairs: OverlapPairs, iou_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices (pred, truth) of the optimal one-to-one matching among pairs with IoU >= `iou_threshold`."""
    if not 0.0 < iou_threshold <= 1.0:
        raise ValueError(f"IoU threshold must be in (0, 1], got {iou_threshold}")
    keep = pairs.iou >= iou_threshold
    p, t, iou = pairs.pred[keep], pairs.truth[keep], pairs.iou[keep]
    if p.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # The assignment splits into independent problems, one per connected group of candidate pairs.
    n = pairs.n_pred + pairs.n_truth
    graph = sparse.coo_array((np.ones(p.size), (p, pairs.n_pred + t)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    edge_component = component[p]
    edges_per_component = np.bincount(edge_component)
    single = edges_per_component[edge_component] == 1
    out_p, out_t = [p[single]], [t[single]]
    for c in np.flatnonzero(edges_per_component > 1):
        sel = edge_component == c
        rows, r_inv = np.unique(p[sel], return_inverse=True)
        cols, c_inv = np.unique(t[sel], return_inverse=True)
        k = min(rows.size, cols.size)
        # A match is worth 1; IoU breaks ties and all tie-breaks together stay below one match (<= 0.5).
        score = np.zeros((rows.size, cols.size))
        score[r_inv, c_inv] = 1.0 + iou[sel] / (2.0 * k)
        ri, ci = linear_sum_assignment(score, maximize=True)
        ok = score[ri, ci] > 0
        out_p.append(rows[ri[ok]])
        out_t.append(cols[ci[ok]])
    return np.concatenate(out_p), np.concatenate(out_t)


def object_scores(tp: int, n_pred: int, n_truth: int, iou_threshold: float) -> dict:
    """Object precision, recall and F1; no objects on either side gives 1, objects on one side only gives 0."""
    if n_pred == 0 and n_truth == 0:
        precision = recall = f1 = 1.0
    else:
        precision = tp / n_pred if n_pred else 0.0
        recall = tp / n_truth if n_truth else 0.0
        f1 = 2 * tp / (n_pred + n_truth)
    return {
        "precision": precision, "recall": recall, "f1": f1, "tp": int(tp),
        "n_truth": int(n_truth), "n_pred": int(n_pred), "iou_threshold": float(iou_threshold),
    }


def metrics_from_pairs(pairs: OverlapPairs, iou_threshold: float = OBJECT_IOU_THRESHOLD) -> dict:
    """Object precision, recall, F1, tp, n_truth, n_pred and iou_threshold from precomputed overlaps."""
    matched, _ = match_pairs(pairs, iou_threshold)
    return object_scores(matched.size, pairs.n_pred, pairs.n_truth, iou_threshold)


def object_metrics(
    pred_objects: ObjectSet | np.ndarray,
    truth_objects: ObjectSet | np.ndarray,
    iou_threshold: float = OBJECT_IOU_THRESHOLD,
    valid: np.ndarray | None = None,
) -> dict:
    """Object-level precision, recall and F1 with one-to-one matches counted at IoU >= `iou_threshold`.

    Objects are ObjectSets, integer label images (0 = background) or boolean masks (8-connected components).
    Keys: precision, recall, f1, tp, n_truth, n_pred, iou_threshold.
    """
    return metrics_from_pairs(_pairs_of(pred_objects, truth_objects, valid), iou_threshold)


def object_curve(
    pred_objects: ObjectSet | np.ndarray,
    truth_objects: ObjectSet | np.ndarray,
    thresholds: tuple[float, ...] = CURVE_THRESHOLDS,
    valid: np.ndarray | None = None,
) -> list[dict]:
    """Object metrics (as `object_metrics`) at each IoU threshold, 0.1 ... 0.9 by default."""
    pairs = _pairs_of(pred_objects, truth_objects, valid)
    return [metrics_from_pairs(pairs, t) for t in thresholds]
