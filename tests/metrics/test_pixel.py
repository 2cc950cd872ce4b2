"""Pixel IoU, Dice, precision and recall on constructed masks, and against scikit-learn."""

import numpy as np
import pytest
from sklearn.metrics import f1_score, jaccard_score

from massmap.metrics.pixel import pixel_metrics


def _two_squares():
    pred = np.zeros((8, 8), bool)
    truth = np.zeros((8, 8), bool)
    pred[0:4, 0:4] = True  # 16 pixels
    truth[2:6, 0:4] = True  # 16 pixels, 8 shared
    return pred, truth


def test_overlapping_squares_give_hand_computed_scores():
    m = pixel_metrics(*_two_squares())
    assert (m["tp"], m["fp"], m["fn"]) == (8, 8, 8)
    assert m["iou"] == pytest.approx(8 / 24)
    assert m["dice"] == pytest.approx(0.5)
    assert m["precision"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(0.5)


def test_nodata_pixels_are_left_out():
    pred, truth = _two_squares()
    valid = np.ones((8, 8), bool)
    valid[0:2, :] = False  # the 8 prediction-only pixels fall on nodata
    m = pixel_metrics(pred, truth, valid)
    assert (m["tp"], m["fp"], m["fn"]) == (8, 0, 8)
    assert m["iou"] == pytest.approx(0.5)
    assert m["precision"] == pytest.approx(1.0)
    assert m["dice"] == pytest.approx(16 / 24)


def test_both_empty_is_perfect_and_one_empty_is_zero():
    empty = np.zeros((5, 5), bool)
    full = np.ones((5, 5), bool)
    both = pixel_metrics(empty, empty)
    assert both["iou"] == both["dice"] == both["precision"] == both["recall"] == 1.0
    for pred, truth in ((empty, full), (full, empty)):
        one = pixel_metrics(pred, truth)
        assert one["iou"] == one["dice"] == one["precision"] == one["recall"] == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_iou_and_dice_agree_with_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    pred = rng.random((40, 50)) < 0.3
    truth = rng.random((40, 50)) < 0.4
    valid = rng.random((40, 50)) < 0.9
    m = pixel_metrics(pred, truth, valid)
    assert m["iou"] == pytest.approx(jaccard_score(truth[valid], pred[valid]))
    assert m["dice"] == pytest.approx(f1_score(truth[valid], pred[valid]))
