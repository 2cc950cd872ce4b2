"""One-to-one object matching by IoU and object precision, recall and F1."""

import numpy as np
import pytest

from massmap.metrics.matching import (
    CURVE_THRESHOLDS,
    label_overlap_pairs,
    match_pairs,
    object_curve,
    object_metrics,
    overlap_pairs,
)
from massmap.metrics.objects import objects_from_labels


def _greedy_trap():
    """Truth X = cols 0-9, Y = cols 10-13; prediction B = cols 0-3, A = cols 4-13 (three rows each).

    IoU(A, X) = 6/14 = 0.43 is the largest, so a greedy matcher pairs A with X and leaves B and Y unmatched;
    the optimal assignment pairs A-Y (4/10) and B-X (4/10): two matches at t = 0.4.
    """
    truth = np.zeros((3, 14), np.int32)
    truth[:, 0:10] = 1
    truth[:, 10:14] = 2
    pred = np.zeros((3, 14), np.int32)
    pred[:, 0:4] = 1
    pred[:, 4:14] = 2
    return pred, truth


def test_optimal_assignment_beats_greedy_matching():
    pred, truth = _greedy_trap()
    pairs = overlap_pairs(objects_from_labels(pred), objects_from_labels(truth))
    iou = pairs.dense()
    assert iou[1, 0] == pytest.approx(6 / 14)  # A-X, the greedy first pick
    assert iou[1, 1] == pytest.approx(0.4) and iou[0, 0] == pytest.approx(0.4)
    m = object_metrics(pred, truth, iou_threshold=0.4)
    assert m["tp"] == 2
    assert m["precision"] == m["recall"] == m["f1"] == 1.0
    p_idx, t_idx = match_pairs(pairs, 0.4)
    assert sorted(zip(p_idx.tolist(), t_idx.tolist())) == [(0, 0), (1, 1)]


def test_counts_precision_recall_and_f1_by_hand():
    truth = np.zeros((10, 30), np.int32)
    truth[0:4, 0:4] = 1
    truth[0:4, 10:14] = 2
    truth[6:10, 20:24] = 3
    pred = np.zeros((10, 30), np.int32)
    pred[0:4, 0:4] = 5  # exact match of truth 1
    pred[6:10, 0:4] = 9  # nothing there
    m = object_metrics(pred, truth, iou_threshold=0.4)
    assert (m["tp"], m["n_pred"], m["n_truth"]) == (1, 2, 3)
    assert m["precision"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(1 / 3)
    assert m["f1"] == pytest.approx(2 * 1 / 5)
    assert m["iou_threshold"] == 0.4


def test_a_match_counts_when_iou_reaches_the_threshold():
    truth = np.zeros((4, 10), np.int32)
    truth[:, 0:4] = 1
    pred = np.zeros((4, 10), np.int32)
    pred[:, 2:6] = 1  # IoU = 2/6 = 1/3
    assert object_metrics(pred, truth, iou_threshold=1 / 3)["tp"] == 1
    assert object_metrics(pred, truth, iou_threshold=0.34)["tp"] == 0


def test_one_prediction_over_two_true_objects_matches_once():
    truth = np.zeros((4, 10), np.int32)
    truth[:, 0:5] = 1
    truth[:, 5:10] = 2
    pred = np.ones((4, 10), np.int32)  # IoU 0.5 with each
    m = object_metrics(pred, truth, iou_threshold=0.4)
    assert (m["tp"], m["precision"], m["recall"]) == (1, 1.0, 0.5)


def test_boolean_masks_are_split_into_8_connected_objects():
    truth = np.zeros((6, 6), bool)
    truth[0:2, 0:2] = True
    truth[4:6, 4:6] = True
    m = object_metrics(truth.copy(), truth, iou_threshold=0.9)
    assert (m["tp"], m["n_truth"], m["n_pred"]) == (2, 2, 2)


def test_empty_sides():
    empty = np.zeros((5, 5), np.int32)
    one = empty.copy()
    one[1:3, 1:3] = 1
    both = object_metrics(empty, empty)
    assert both["precision"] == both["recall"] == both["f1"] == 1.0
    for pred, truth in ((empty, one), (one, empty)):
        m = object_metrics(pred, truth)
        assert m["precision"] == m["recall"] == m["f1"] == 0.0


def test_curve_covers_point_one_to_point_nine_and_never_gains_matches():
    rng = np.random.default_rng(3)
    truth = np.zeros((60, 60), np.int32)
    pred = np.zeros((60, 60), np.int32)
    for k in range(9):
        r, c = (k // 3) * 20, (k % 3) * 20
        truth[r:r + 10, c:c + 10] = k + 1
        s = int(rng.integers(0, 8))
        pred[r + s:r + s + 10, c:c + 10] = k + 1
    curve = object_curve(pred, truth)
    thresholds = [c["iou_threshold"] for c in curve]
    assert thresholds == list(CURVE_THRESHOLDS) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    tps = [c["tp"] for c in curve]
    assert tps == sorted(tps, reverse=True)
    assert tps[0] == 9 and tps[-1] < 9


@pytest.mark.parametrize("offset", [0, 10**9, -5])
def test_label_image_counting_agrees_with_object_sets(offset):
    rng = np.random.default_rng(8)
    truth = np.zeros((50, 50), np.int64)
    pred = np.zeros((50, 50), np.int64)
    for k in range(12):
        r, c = rng.integers(0, 40, 2)
        truth[r:r + 8, c:c + 8] = k + 1 + offset * (k % 2)
        s = rng.integers(-3, 4, 2)
        pred[max(r + s[0], 0):r + s[0] + 8, max(c + s[1], 0):c + s[1] + 8] = 3 * k + 2
    valid = rng.random((50, 50)) > 0.1
    fast = label_overlap_pairs(pred, truth, valid)
    slow = overlap_pairs(objects_from_labels(pred, valid), objects_from_labels(truth, valid))
    assert (fast.n_pred, fast.n_truth) == (slow.n_pred, slow.n_truth)
    np.testing.assert_allclose(fast.dense(), slow.dense())
