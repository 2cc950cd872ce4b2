import numpy as np
import pytest

from massmap.stack.pgs import DAYS_PER_YEAR, GradientStack, robust_threshold, wrapped_gradients
from tests.stack.factories import CELL, SIZE, SLOPE

RAMP_RAD_PER_PX_PER_12_DAYS = 0.5


def chain_phases(n_pairs: int = 4, seed: int = 0) -> list[np.ndarray]:
    """Wrapped phases of a chain of 12-day pairs: a slope ramping 0.5 rad per pixel (along columns) per 12 days,
    and a 2-rad atmospheric bump on the third date only (positive in one pair, negative in the next)."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32)
    bump = 2.0 * np.exp(-((rows - 46) ** 2 + (cols - 46) ** 2) / (2 * 4.0**2))
    delays = [np.zeros((SIZE, SIZE), np.float32) for _ in range(n_pairs + 1)]
    delays[2] = bump.astype(np.float32)
    phases = []
    for k in range(n_pairs):
        phase = rng.uniform(-0.3, 0.3, (SIZE, SIZE)).astype(np.float32) + delays[k + 1] - delays[k]
        phase[SLOPE] += RAMP_RAD_PER_PX_PER_12_DAYS * (cols[SLOPE] - SLOPE[1].start)
        phases.append(np.angle(np.exp(1j * phase)).astype(np.float32))
    return phases


def test_stacked_gradients_give_the_slope_rate_and_cancel_a_date_atmosphere():
    stack = GradientStack((SIZE, SIZE))
    valid = np.ones((SIZE, SIZE), bool)
    for phase in chain_phases():
        stack.add(wrapped_gradients(phase, valid), 12.0)
    pgs = stack.pgs()
    rate = RAMP_RAD_PER_PX_PER_12_DAYS / (12.0 / DAYS_PER_YEAR)  # 15.2 rad per pixel per year
    assert np.median(pgs[SLOPE][3:-3, 3:-3]) == pytest.approx(rate, rel=0.1)
    # The bump's delay enters one pair with + and the next with -: its stacked gradient is background.
    assert np.nanmax(pgs[CELL]) < 0.1 * rate
    level = robust_threshold(pgs, 5.0)
    assert np.nanmax(pgs[CELL]) < level < rate / 2


def test_a_single_pair_shows_the_atmospheric_bump():
    phase = chain_phases()[1]
    gradients = wrapped_gradients(phase, np.ones((SIZE, SIZE), bool))
    assert np.nanmax(np.abs(gradients[:, 40:52, 40:52])) > 0.15
    # Range (columns) and the two diagonals see the 0.5 rad/px ramp; azimuth (rows) does not.
    inner = (slice(0, 4), slice(SLOPE[0].start + 3, SLOPE[0].stop - 3), slice(SLOPE[1].start + 3, SLOPE[1].stop - 3))
    assert np.median(np.abs(gradients[inner][1])) == pytest.approx(0.5, rel=0.1)
    assert np.median(np.abs(gradients[inner][0])) < 0.05
    assert np.median(np.abs(gradients[inner][2])) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)


def test_robust_threshold_ignores_nan_and_outliers():
    values = np.concatenate([np.random.default_rng(1).normal(0.0, 1.0, 100_000), [1e6, np.nan]])
    assert robust_threshold(values, 5.0) == pytest.approx(5.0, abs=0.1)
