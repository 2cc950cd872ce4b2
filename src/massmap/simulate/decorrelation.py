"""Coherence from land cover and time, and interferometric phase noise with exact multi-look statistics."""

from __future__ import annotations

import functools

import numpy as np
from scipy import ndimage

from massmap.simulate import constants as C
from massmap.simulate.spectral import power_law_field

COVER_CODES = {name: code for code, name in enumerate(C.LAND_COVER_COHERENCE)}
# Coherences at which the exact phase spread is tabulated (the density is singular at 1).
_SPREAD_GRID = np.linspace(0.0, 0.995, 200)


def draw_land_cover(
    rng: np.random.Generator, dem_m: np.ndarray, slope_rad: np.ndarray, water: np.ndarray, pixel_size_m: float,
    snowline_m: float | None = None,
) -> tuple[np.ndarray, dict]:
    """Land cover codes (uint8, see COVER_CODES) from elevation and slope proxies with ragged boundaries.

    Meadows and fields on valley floors, forest up to the treeline (with clearings), meadow and rock above,
    bare rock on cliffs, snow and glaciers above the snowline (drawn near 3,000 m unless `snowline_m` is
    given), water in lakes.
    """
    treeline = float(rng.uniform(*C.TREELINE_M))
    forest_bottom = float(rng.uniform(*C.FOREST_BOTTOM_M))
    snowline = float(rng.uniform(*C.SNOWLINE_M)) if snowline_m is None else float(snowline_m)
    forest_share = float(rng.uniform(0.55, 0.9))
    shape = dem_m.shape
    # Boundaries follow contours only roughly: perturb the elevation seen by each class boundary.
    ragged = power_law_field(rng, shape, pixel_size_m, 3.6, 120.0, reference_size_m=20480.0)
    patches = power_law_field(rng, shape, pixel_size_m, 3.6, 1.0, reference_size_m=5000.0)
    height = dem_m + ragged
    slope_deg = np.degrees(slope_rad)
    cover = np.full(shape, COVER_CODES["meadow"], dtype=np.uint8)
    # Flat valley floors are fields, meadows and villages rather than forest.
    forest_band = (height > forest_bottom) & (height < treeline) & (slope_deg > C.VALLEY_FLOOR_SLOPE_DEG)
    clearing_level = np.quantile(patches, 1.0 - forest_share)
    cover[forest_band & (patches > clearing_level)] = COVER_CODES["forest"]
    above_trees = height >= treeline
    rocky = (slope_deg > C.ROCK_SLOPE_DEG) | (above_trees & (patches + (height - treeline) / 600.0 > 0.8))
    cover[rocky] = COVER_CODES["rock"]
    cover[height > snowline] = COVER_CODES["snow"]
    cover[water] = COVER_CODES["water"]
    params = dict(treeline_m=treeline, forest_bottom_m=forest_bottom, snowline_m=snowline, forest_share=forest_share,
                  cover_fractions={name: float((cover == code).mean()) for name, code in COVER_CODES.items()})
    return cover, params


def land_cover_coherence(
    rng: np.random.Generator, cover: np.ndarray, baseline_days: float, pixel_size_m: float
) -> np.ndarray:
    """True coherence per pixel: gamma0 of the cover times exp(-dt / tau), with mild spatial variation."""
    gamma0 = np.array([v[0] for v in C.LAND_COVER_COHERENCE.values()], dtype=np.float32)
    tau = np.array([v[1] for v in C.LAND_COVER_COHERENCE.values()], dtype=np.float32)
    per_cover = gamma0 * np.exp(-np.float32(baseline_days) / tau)
    variation = power_law_field(rng, cover.shape, pixel_size_m, 3.0, 0.12, reference_size_m=20480.0)
    gamma = per_cover[cover] * (np.float32(1.0) + variation)
    return np.clip(gamma, 0.0, 0.97).astype(np.float32)


def multilook_noise_phase(rng: np.random.Generator, coherence: np.ndarray, looks: int) -> np.ndarray:
    """Phase (rad) of an L-look interferogram of two circular complex Gaussian signals with coherence gamma
    and no signal phase.

    Averaging L looks of z1 z2* with z2 = gamma z1 + sqrt(1-gamma^2) n gives
    gamma * P + sqrt(1-gamma^2) * sum(z1 n*), where P = sum|z1|^2 ~ Gamma(L, 1) and, given z1, the sum is
    CN(0, P); so the phase is exactly arg(gamma sqrt(P) + sqrt(1-gamma^2) c) with c ~ CN(0, 1): the
    multi-look phase statistics (Lee et al. 1994) from three random numbers per pixel instead of 4L.
    """
    shape = coherence.shape
    power = rng.standard_gamma(float(looks), size=shape, dtype=np.float32)
    c_re = rng.standard_normal(shape, dtype=np.float32)
    c_im = rng.standard_normal(shape, dtype=np.float32)
    gamma = coherence.astype(np.float32)
    spread = np.sqrt(np.float32(0.5) * (np.float32(1.0) - gamma * gamma))  # CN(0,1) has variance 1/2 per part
    return np.arctan2(spread * c_im, gamma * np.sqrt(power) + spread * c_re).astype(np.float32)


def estimated_coherence(
    rng: np.random.Generator, coherence: np.ndarray, signal_phase_rad: np.ndarray, window_px: int
) -> np.ndarray:
    """Coherence as a processor estimates it: |sum z1 z2*| / sqrt(sum|z1|^2 sum|z2|^2) in a boxcar window
    over simulated single-look samples, so it is biased upwards where gamma is low and drops where fringes
    are dense within the window, as in operational products."""
    shape = coherence.shape
    a_re, a_im, b_re, b_im = (rng.standard_normal(shape, dtype=np.float32) for _ in range(4))
    gamma = coherence.astype(np.float32)
    rest = np.sqrt(np.float32(1.0) - gamma * gamma)
    z2_re = gamma * a_re + rest * b_re
    z2_im = gamma * a_im + rest * b_im
    # z1 * conj(z2), rotated by the signal phase.
    prod_re = a_re * z2_re + a_im * z2_im
    prod_im = a_im * z2_re - a_re * z2_im
    cos_s, sin_s = np.cos(signal_phase_rad), np.sin(signal_phase_rad)
    ifg_re = prod_re * cos_s - prod_im * sin_s
    ifg_im = prod_re * sin_s + prod_im * cos_s
    box = dict(size=window_px, mode="reflect")
    num = np.hypot(ndimage.uniform_filter(ifg_re, **box), ndimage.uniform_filter(ifg_im, **box))
    p1 = ndimage.uniform_filter(a_re * a_re + a_im * a_im, **box)
    p2 = ndimage.uniform_filter(z2_re * z2_re + z2_im * z2_im, **box)
    return np.clip(num / np.sqrt(p1 * p2 + np.float32(1e-12)), 0.0, 1.0).astype(np.float32)


def multilook_phase_std(coherence: np.ndarray, looks: int) -> np.ndarray:
    """Standard deviation (rad) of L-look interferometric phase at a coherence, from the exact phase density of
    Lee et al. (1994) that `multilook_noise_phase` draws from; pi / sqrt(3) (uniform phase) at coherence 0.

    The Cramer-Rao bound sqrt(1 - g^2) / (g sqrt(2L)) holds only for many looks and high coherence: at 5 looks it
    is 25 % too low at coherence 0.5, and infinite instead of 1.81 rad at 0."""
    std = _phase_std_table(int(looks))
    g = np.clip(np.asarray(coherence, dtype=np.float64), 0.0, _SPREAD_GRID[-1])
    return np.interp(g, _SPREAD_GRID, std).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _phase_std_table(looks: int) -> np.ndarray:
    """The phase standard deviation at each coherence of _SPREAD_GRID for `looks` looks (integrated density)."""
    from scipy.special import gammaln, hyp2f1

    phi = np.linspace(-np.pi, np.pi, 4001)
    out = np.empty(len(_SPREAD_GRID))
    for k, g in enumerate(_SPREAD_GRID):
        beta = g * np.cos(phi)
        base = (1.0 - g * g) ** looks
        pdf = (np.exp(gammaln(looks + 0.5) - gammaln(looks)) * base * beta
               / (2.0 * np.sqrt(np.pi) * (1.0 - beta * beta) ** (looks + 0.5))
               + base / (2.0 * np.pi) * hyp2f1(looks, 1.0, 0.5, beta * beta))
        out[k] = np.sqrt(np.trapezoid(phi * phi * pdf, phi) / np.trapezoid(pdf, phi))
    return out
