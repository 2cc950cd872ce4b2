"""STAPLE recovers the sensitivity and specificity of simulated raters; majority vote."""

import numpy as np

from massmap.evaluate.staple import majority_vote, staple


def _raters(truth, sensitivity, specificity, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for p, q in zip(sensitivity, specificity):
        u = rng.random(truth.shape)
        out.append(np.where(truth, u < p, u > q))
    return np.stack(out)


def test_staple_recovers_known_sensitivity_and_specificity():
    truth = np.zeros((160, 160), bool)
    truth[30:110, 20:100] = True
    truth[120:150, 120:150] = True
    sensitivity = np.array([0.95, 0.80, 0.60, 0.90])
    specificity = np.array([0.99, 0.97, 0.995, 0.92])
    result = staple(_raters(truth, sensitivity, specificity))
    assert result.converged
    np.testing.assert_allclose(result.sensitivity, sensitivity, atol=0.02)
    np.testing.assert_allclose(result.specificity, specificity, atol=0.01)
    assert (result.consensus() == truth).mean() > 0.98


def test_staple_ignores_nodata_pixels():
    truth = np.zeros((40, 40), bool)
    truth[10:30, 10:30] = True
    masks = _raters(truth, [0.9, 0.9, 0.9], [0.95, 0.95, 0.95], seed=1)
    valid = np.ones((40, 40), bool)
    valid[:, :5] = False
    result = staple(masks, valid)
    assert np.isnan(result.probability[:, :5]).all()
    assert np.isfinite(result.probability[:, 5:]).all()


def test_majority_vote_needs_more_than_half():
    a = np.array([[1, 1, 0, 0]], bool)
    b = np.array([[1, 0, 1, 0]], bool)
    c = np.array([[1, 1, 0, 0]], bool)
    d = np.array([[0, 0, 1, 0]], bool)
    assert majority_vote(np.stack([a, b, c])).tolist() == [[True, True, False, False]]
    assert majority_vote(np.stack([a, b, c, d])).tolist() == [[True, False, False, False]]  # 2 of 4 is a tie
