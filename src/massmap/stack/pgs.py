"""Phase-gradient stacking (PGS): the training-free baseline for slow movements in a stack of short-baseline pairs.

Fu et al. (2022, Frontiers in Environmental Science 10:963322) sum the wrapped phase gradients of short-baseline
interferograms along range and azimuth: a moving slope's gradient keeps its sign from pair to pair and adds up,
while each date's atmosphere enters pairs with both signs and largely cancels. Zhang et al. (2024, Landslides)
take the gradients in four directions (the two grid axes and both diagonals). Here each pair's phasor is
averaged over a small window before differencing (noise), the stacked gradient of each direction is divided by
the summed temporal baselines (rad per pixel per year), and the PGS value is the largest of the four magnitudes.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import ndimage

# Direction offsets (row, col): azimuth and range on a radar grid (north and east on a geocoded one), both diagonals.
DIRECTIONS = ((1, 0), (0, 1), (1, 1), (1, -1))
# The phasor is averaged over this window (pixels) before differencing.
SMOOTH_PX = 5
# PGS is drawn only where the pairs' mean coherence reaches this.
MIN_MEAN_COHERENCE = 0.4
# PGS maps and per-pair gradients are smoothed with a Gaussian of this sigma (pixels) before thresholding.
MAP_SIGMA_PX = 1.0
DAYS_PER_YEAR = 365.25
# Robust spread: 1.4826 x median absolute deviation estimates a Gaussian sigma.
MAD_TO_SIGMA = 1.4826


def wrapped_gradients(phase_rad: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Wrapped phase gradients (rad per pixel) in the four DIRECTIONS, float32 (4, rows, cols); NaN where either
    end of a difference has no data."""
    z = np.where(valid, np.exp(1j * np.nan_to_num(phase_rad)), 0).astype(np.complex64)
    weight = ndimage.uniform_filter(valid.astype(np.float32), SMOOTH_PX, mode="nearest")
    z = (ndimage.uniform_filter(z.real, SMOOTH_PX, mode="nearest")
         + 1j * ndimage.uniform_filter(z.imag, SMOOTH_PX, mode="nearest")).astype(np.complex64)
    ok = valid & (weight > 0)
    rows, cols = phase_rad.shape
    out = np.full((len(DIRECTIONS), rows, cols), np.nan, dtype=np.float32)
    for k, (dr, dc) in enumerate(DIRECTIONS):
        step = float(np.hypot(dr, dc))
        r0, r1 = 0, rows - dr
        c0, c1 = max(0, -dc), cols - max(0, dc)
        here = z[r0:r1, c0:c1]
        there = z[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        both = ok[r0:r1, c0:c1] & ok[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        out[k, r0:r1, c0:c1] = np.where(both, np.angle(there * np.conj(here)) / step, np.nan)
    return out


def gradient_magnitude(gradients: np.ndarray) -> np.ndarray:
    """The largest absolute gradient over the directions, smoothed (NaN where no direction has data)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN pixels stay NaN
        peak = np.nanmax(np.abs(gradients), axis=0)
    return smooth_nan(peak, MAP_SIGMA_PX)


def smooth_nan(values: np.ndarray, sigma_px: float) -> np.ndarray:
    """Gaussian smoothing that ignores NaN (normalised convolution); NaN stays NaN."""
    finite = np.isfinite(values)
    num = ndimage.gaussian_filter(np.where(finite, values, 0.0).astype(np.float32), sigma_px)
    den = ndimage.gaussian_filter(finite.astype(np.float32), sigma_px)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(finite & (den > 0), num / den, np.nan).astype(np.float32)


def robust_threshold(values: np.ndarray, n_sigmas: float) -> float:
    """median + n_sigmas x (1.4826 x MAD) of the finite values: a level that only outliers exceed."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return float("inf")
    median = float(np.median(finite))
    return median + n_sigmas * MAD_TO_SIGMA * float(np.median(np.abs(finite - median)))


class GradientStack:
    """Running sums of the directional gradients of pairs (on one grid) and of their temporal baselines."""

    def __init__(self, shape: tuple[int, int]) -> None:
        self.sum_gradient = np.zeros((len(DIRECTIONS),) + shape, dtype=np.float64)
        self.sum_years = np.zeros((len(DIRECTIONS),) + shape, dtype=np.float64)

    def add(self, gradients: np.ndarray, baseline_days: float) -> None:
        """Add one pair's gradients (4, rows, cols), NaN where it has none."""
        finite = np.isfinite(gradients)
        self.sum_gradient += np.where(finite, gradients, 0.0)
        self.sum_years += finite * (baseline_days / DAYS_PER_YEAR)

    def pgs(self) -> np.ndarray:
        """PGS (rad per pixel per year): the largest stacked-gradient rate over the directions, smoothed."""
        with np.errstate(invalid="ignore", divide="ignore"):
            rates = np.where(self.sum_years > 0, self.sum_gradient / self.sum_years, np.nan)
        return gradient_magnitude(rates.astype(np.float32))
