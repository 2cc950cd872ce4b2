"""Pixel-level agreement of two masks: IoU, Dice, precision and recall over valid pixels."""

from __future__ import annotations

import numpy as np


def pixel_counts(pred: np.ndarray, truth: np.ndarray, valid: np.ndarray | None = None) -> tuple[int, int, int]:
    """True-positive, false-positive and false-negative pixel counts of `pred` against `truth` (valid pixels only)."""
    p = np.asarray(pred).astype(bool, copy=False)
    t = np.asarray(truth).astype(bool, copy=False)
    if p.shape != t.shape:
        raise ValueError(f"prediction {p.shape} and truth {t.shape} masks differ in shape")
    if valid is not None:
        v = np.asarray(valid).astype(bool, copy=False)
        p = p & v
        t = t & v
    tp = int(np.count_nonzero(p & t))
    return tp, int(np.count_nonzero(p)) - tp, int(np.count_nonzero(t)) - tp


def metrics_from_counts(tp: int, fp: int, fn: int) -> dict:
    """IoU, Dice, precision and recall from pixel counts; both masks empty gives 1, one empty gives 0."""
    if tp + fp + fn == 0:
        # Nothing drawn and nothing predicted: perfect agreement, by convention.
        return {"iou": 1.0, "dice": 1.0, "precision": 1.0, "recall": 1.0, "tp": 0, "fp": 0, "fn": 0}
    return {
        "iou": tp / (tp + fp + fn),
        "dice": 2 * tp / (2 * tp + fp + fn),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "tp": int(tp),
        "fp": int(fp),
        "fn": int(fn),
    }


def pixel_metrics(pred: np.ndarray, truth: np.ndarray, valid: np.ndarray | None = None) -> dict:
    """IoU, Dice, precision, recall (and tp, fp, fn pixel counts) of a predicted mask against a true one.

    Pixels where `valid` is False (nodata) are ignored. Both masks empty gives 1 for every score; one empty gives 0.
    """
    return metrics_from_counts(*pixel_counts(pred, truth, valid))
