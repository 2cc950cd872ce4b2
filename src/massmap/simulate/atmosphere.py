"""Tropospheric and orbital phase: turbulent screen, topography-correlated stratified delay, orbital ramp."""

from __future__ import annotations

import numpy as np

from massmap.simulate import constants as C
from massmap.simulate.spectral import power_law_field


def turbulent_phase(rng: np.random.Generator, shape: tuple[int, int], pixel_size_m: float,
                    rms_rad: float) -> np.ndarray:
    """Turbulent delay (rad) with a k^-8/3 power spectrum; `rms_rad` is its expected rms over a 20 km scene."""
    return power_law_field(rng, shape, pixel_size_m, C.TURBULENCE_SPECTRAL_EXPONENT, rms_rad,
                           reference_size_m=C.TURBULENCE_REFERENCE_SIZE_M)


def stratified_phase(
    dem_m: np.ndarray, rad_per_km: float, curvature_per_km: float = 0.0, variation: np.ndarray | None = None
) -> np.ndarray:
    """Stratified delay (rad) proportional to height above the scene's mean elevation.

    `curvature_per_km` bends the phase-height relation (the delay decays roughly exponentially with height),
    and `variation` (relative, around 0) lets the coefficient drift slowly across the scene.
    """
    height_km = (dem_m - np.float32(dem_m.mean())) / np.float32(1000.0)
    coefficient: np.ndarray | np.float32 = np.float32(rad_per_km)
    if variation is not None:
        coefficient = coefficient * (np.float32(1.0) + variation)
    return (coefficient * height_km * (np.float32(1.0) + np.float32(curvature_per_km) * height_km)).astype(np.float32)


def orbital_ramp(shape: tuple[int, int], pixel_size_m: float, east_rad_per_km: float,
                 north_rad_per_km: float) -> np.ndarray:
    """A planar phase ramp (rad) from residual orbit errors, zero at the scene centre."""
    rows, cols = shape
    east_km = (np.arange(cols, dtype=np.float32) - cols / 2) * np.float32(pixel_size_m / 1000.0)
    north_km = -(np.arange(rows, dtype=np.float32) - rows / 2) * np.float32(pixel_size_m / 1000.0)
    return (np.float32(east_rad_per_km) * east_km[None, :]
            + np.float32(north_rad_per_km) * north_km[:, None]).astype(np.float32)


def draw_atmosphere(
    rng: np.random.Generator, dem_m: np.ndarray, pixel_size_m: float, scale: float
) -> tuple[np.ndarray, dict]:
    """The scene's total atmospheric and orbital phase (rad), with the parameters drawn; `scale` multiplies
    the turbulent and stratified strengths."""
    shape = dem_m.shape
    turbulence_rms = float(rng.uniform(*C.TURBULENCE_RMS_RAD)) * scale
    stratified = float(rng.uniform(*C.STRATIFIED_RAD_PER_KM)) * scale * (1.0 if rng.random() < 0.5 else -1.0)
    curvature = float(rng.uniform(-0.15, 0.15))
    variation_rms = float(rng.uniform(0.05, 0.25))
    ramp = rng.uniform(-C.ORBITAL_RAMP_RAD_PER_KM, C.ORBITAL_RAMP_RAD_PER_KM, 2)
    variation = power_law_field(rng, shape, pixel_size_m, 4.0, variation_rms, reference_size_m=20480.0)
    phase = turbulent_phase(rng, shape, pixel_size_m, turbulence_rms)
    phase += stratified_phase(dem_m, stratified, curvature, variation)
    phase += orbital_ramp(shape, pixel_size_m, float(ramp[0]), float(ramp[1]))
    params = dict(turbulence_rms_rad=turbulence_rms, stratified_rad_per_km=stratified,
                  stratified_curvature_per_km=curvature, stratified_variation_rms=variation_rms,
                  orbital_ramp_east_rad_per_km=float(ramp[0]), orbital_ramp_north_rad_per_km=float(ramp[1]))
    return phase, params
