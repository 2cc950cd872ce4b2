"""Pairwise agreement with and without classes, and a candidate placed within the experts' spread."""

import numpy as np
import pytest
from sklearn.metrics import jaccard_score

from massmap.evaluate.agreement import candidate_placement, pair_scores, pair_values, pairwise_matrices, spread
from massmap.metrics.pixel import pixel_metrics


def test_class_distinction_pools_per_class_intersections_and_unions():
    a = np.zeros((2, 4, 8), bool)  # (classes coherent/incoherent, rows, cols)
    b = np.zeros((2, 4, 8), bool)
    a[0, :, 0:4] = True  # A: coherent left half, incoherent right half
    a[1, :, 4:8] = True
    b[0, :, :] = True  # B: all coherent
    assert pair_scores(a.any(axis=0), b.any(axis=0)) == (1.0, 1.0)  # merged, they agree everywhere
    iou, dice = pair_scores(a, b)
    assert iou == pytest.approx(16 / 48)  # coherent 16/32, incoherent 0/16, pooled
    assert dice == pytest.approx(32 / 64)


def test_pairwise_matrix_agrees_with_scikit_learn_and_summary_is_over_pairs():
    rng = np.random.default_rng(5)
    masks = [rng.random((30, 30)) < 0.4 for _ in range(4)]
    iou, dice = pairwise_matrices(masks)
    assert np.allclose(np.diag(iou), 1.0) and np.allclose(iou, iou.T)
    assert iou[1, 3] == pytest.approx(jaccard_score(masks[1].ravel(), masks[3].ravel()))
    s = spread(pair_values(iou))
    assert s["n"] == 6
    assert s["mean"] == pytest.approx(np.mean([iou[i, j] for i in range(4) for j in range(i + 1, 4)]))
    assert s["min"] <= s["mean"] <= s["max"]


def test_candidate_is_placed_beside_the_experts():
    experts = [np.zeros((10, 10), bool) for _ in range(3)]
    experts[0][0:6, 0:6] = True
    experts[1][1:7, 1:7] = True
    experts[2][2:8, 2:8] = True
    candidate = np.zeros((10, 10), bool)
    candidate[1:7, 1:7] = True  # identical to expert 1
    iou, dice = pairwise_matrices(experts)
    placed = candidate_placement(candidate, experts, iou, dice)
    assert placed["iou_per_expert"][1] == 1.0
    assert placed["iou_per_expert"][0] == pytest.approx(pixel_metrics(candidate, experts[0])["iou"])
    assert placed["iou"]["mean"] == pytest.approx(np.mean(placed["iou_per_expert"]))
    assert placed["experts_iou"]["mean"] == pytest.approx((iou[0, 1] + iou[0, 2] + iou[1, 2]) / 3)
    # The candidate copies the central expert, so it agrees with the others better than they agree with each other.
    assert placed["iou"]["mean"] > placed["experts_iou"]["mean"]
    assert placed["within_expert_range"] is False
