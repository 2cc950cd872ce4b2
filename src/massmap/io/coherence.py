"""A coherence proxy from the phase itself, for products without a coherence file (their naming: `massmap.products`)."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter

# Half-width of the window over which the proxy averages unit phasors (a 5 x 5 box).
PROXY_HALF_WINDOW_PX = 2


def phase_consistency(phase_rad: np.ndarray, half_window_px: int = PROXY_HALF_WINDOW_PX) -> np.ndarray:
    """Coherence proxy: magnitude of the locally averaged unit phasor exp(i*phase), in [0, 1]; NaN stays NaN.

    Smooth fringes give values near 1, pure phase noise about 1/sqrt(window pixels).
    """
    valid = np.isfinite(phase_rad)
    size = 2 * half_window_px + 1
    ph = np.where(valid, phase_rad, 0.0).astype(np.float32)
    w = valid.astype(np.float32)
    c = uniform_filter(np.cos(ph) * w, size=size, mode="nearest")
    s = uniform_filter(np.sin(ph) * w, size=size, mode="nearest")
    n = uniform_filter(w, size=size, mode="nearest")
    with np.errstate(invalid="ignore", divide="ignore"):
        gamma = np.hypot(c, s) / n
    gamma = np.clip(gamma, 0.0, 1.0).astype(np.float32)
    gamma[~valid] = np.nan
    return gamma
