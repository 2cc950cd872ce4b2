"""STAPLE consensus of several binary delineations (Warfield, Zou & Wells 2004, IEEE TMI 23(7):903-921).

Expectation-maximisation of each rater's sensitivity p_j and specificity q_j with a fixed prior f of the
structure. Pixels with the same pattern of rater decisions share the same posterior, so the EM runs on the
(at most 2**k) distinct patterns weighted by their pixel counts: exact, and independent of the image size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from massmap.log import get_logger

log = get_logger(__name__)

# Warfield et al. start every rater as good (p = q = 0.99 is their usual initial value).
INITIAL_PERFORMANCE = 0.99
# Up to this many raters, decision patterns are counted with bincount (2**k bins) rather than sorted.
MAX_RATERS_FOR_COUNTING = 20
# Keep the log-likelihood finite when a rater is perfect on the current estimate.
_EPS = 1e-10


@dataclass(frozen=True)
class StapleResult:
    """STAPLE's answer: posterior probability of the structure (rows, cols) and each rater's performance."""

    probability: np.ndarray
    sensitivity: np.ndarray
    specificity: np.ndarray
    prior: float
    iterations: int
    converged: bool

    def consensus(self, threshold: float = 0.5) -> np.ndarray:
        """The consensus mask: pixels whose posterior probability is at least `threshold`."""
        return self.probability >= threshold


def staple(
    masks: np.ndarray,
    valid: np.ndarray | None = None,
    prior: float | None = None,
    max_iterations: int = 200,
    tolerance: float = 1e-7,
) -> StapleResult:
    """Estimate the true mask and each rater's sensitivity and specificity from k binary masks.

    Args:
        masks: (k, rows, cols) decisions of k raters, nonzero = structure.
        valid: (rows, cols) pixels to use; others get probability NaN.
        prior: probability of the structure at a pixel; the mean of all raters' decisions when None.
    """
    d = np.asarray(masks).astype(bool, copy=False)
    if d.ndim != 3 or d.shape[0] < 2:
        raise ValueError(f"STAPLE needs masks of shape (k >= 2, rows, cols), got {d.shape}")
    k, h, w = d.shape
    v = np.ones((h, w), dtype=bool) if valid is None else np.asarray(valid, dtype=bool)
    decisions = d[:, v]  # (k, n_valid)
    # Encode each pixel's decision vector as one integer pattern.
    code = np.zeros(decisions.shape[1], dtype=np.int64)
    for j in range(k):
        code |= decisions[j].astype(np.int64) << j
    if k <= MAX_RATERS_FOR_COUNTING:
        all_counts = np.bincount(code, minlength=1 << k)
        patterns = np.flatnonzero(all_counts)
        lookup = np.zeros(all_counts.size, dtype=np.int64)
        lookup[patterns] = np.arange(patterns.size)
        inverse, count = lookup[code], all_counts[patterns]
    else:
        patterns, inverse, count = np.unique(code, return_inverse=True, return_counts=True)
    pattern_d = ((patterns[None, :] >> np.arange(k)[:, None]) & 1).astype(np.float64)  # (k, n_patterns)
    count = count.astype(np.float64)
    f = float(decisions.mean()) if prior is None else float(prior)
    f = min(max(f, _EPS), 1.0 - _EPS)

    p = np.full(k, INITIAL_PERFORMANCE)
    q = np.full(k, INITIAL_PERFORMANCE)
    converged = False
    for iteration in range(1, max_iterations + 1):  # noqa: B007  (the count is returned after the loop)
        weights = _posterior(pattern_d, p, q, f)
        wc = weights * count
        p_new = (pattern_d @ wc) / max(wc.sum(), _EPS)
        q_new = ((1.0 - pattern_d) @ ((1.0 - weights) * count)) / max(((1.0 - weights) * count).sum(), _EPS)
        change = max(np.abs(p_new - p).max(), np.abs(q_new - q).max())
        p, q = p_new, q_new
        if change < tolerance:
            converged = True
            break
    if not converged:
        log.warning("STAPLE did not converge in %d iterations (last change %.2g)", max_iterations, change)
    probability = np.full((h, w), np.nan, dtype=np.float32)
    probability[v] = _posterior(pattern_d, p, q, f)[inverse]
    return StapleResult(probability, p, q, f, iteration, converged)


def _posterior(pattern_d: np.ndarray, p: np.ndarray, q: np.ndarray, f: float) -> np.ndarray:
    """E-step: probability of the structure for each decision pattern, in the log domain for stability."""
    lp, l1p = np.log(np.clip(p, _EPS, 1.0))[:, None], np.log(np.clip(1.0 - p, _EPS, 1.0))[:, None]
    lq, l1q = np.log(np.clip(q, _EPS, 1.0))[:, None], np.log(np.clip(1.0 - q, _EPS, 1.0))[:, None]
    log_a = np.log(f) + (pattern_d * lp + (1.0 - pattern_d) * l1p).sum(axis=0)
    log_b = np.log(1.0 - f) + ((1.0 - pattern_d) * lq + pattern_d * l1q).sum(axis=0)
    return 1.0 / (1.0 + np.exp(np.clip(log_b - log_a, -700.0, 700.0)))


def majority_vote(masks: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Consensus by majority: pixels drawn by more than half of the k raters (a tie is not a majority)."""
    d = np.asarray(masks).astype(bool, copy=False)
    votes = d.sum(axis=0)
    out = 2 * votes > d.shape[0]
    return out if valid is None else out & np.asarray(valid, dtype=bool)
