"""Trap marks of a simulated scene: where its phase can pass for a mass movement though nothing moves there.

Codes as in `massmap.io.traps`: 1 strong atmosphere, 2 layover or shadow, 3 decorrelation, 0 elsewhere. Marks
are set only on motion-free pixels: a deformation phase below MAX_MOTION_PHASE_RAD, and a coherence not lowered
by the gradient of a neighbouring movement. Where several traps meet, layover/shadow wins, then decorrelation
(noise hides any atmospheric pattern), then atmosphere.

- Layover/shadow: the viewing geometry's mask; the phase there is noise from folded or unlit ground.
- Decorrelation: true coherence below DECORRELATED_COHERENCE from land cover, snow, water or a long baseline:
  noise patches that a network may take for the decorrelated core of a fast movement.
- Strong atmosphere: a movement shows as a local phase anomaly of about a radian or more against its
  surroundings over tens of metres to a kilometre or so. The atmosphere does the same where its phase departs
  from its own mean over ATMOSPHERE_SCALE_M (a Gaussian of that sigma) by MIN_ATMOSPHERE_ANOMALY_RAD or more:
  stratified delay over a ridge or down a valley, small turbulent cells. Planar orbital ramps and broad
  turbulent swells leave no such anomaly. Only the scene's top ATMOSPHERE_TOP_SHARE of anomalies are marked,
  the places most like a movement.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from massmap.io.traps import TRAP_ATMOSPHERE, TRAP_DECORRELATION, TRAP_LAYOVER_SHADOW
from massmap.simulate.deformation import gradient_coherence, phase_gradient_rad_per_px

# A sixtieth of a fringe: far below what anyone could see as motion.
MAX_MOTION_PHASE_RAD = 0.1
# Coherence the motion gradient may take away before a pixel counts as decorrelated by motion.
MIN_MOTION_COHERENCE_FACTOR = 0.99
# Below 0.2 the phase of the simulator's 5-look interferograms is close to uniform noise: multilook_noise_phase
# gives a standard deviation of 1.37 rad at coherence 0.2 (0.74 rad at 0.5; uniform noise: pi/sqrt(3) = 1.81 rad).
# It is also SimulationConfig.min_visible_coherence, below which no movement is labelled.
DECORRELATED_COHERENCE = 0.2
# Mapped landslides span about 70 m to 1.4 km (0.005-2 km2, massmap.simulate.constants AREA_*): anomalies are
# measured against the atmosphere's mean over a Gaussian of this sigma.
ATMOSPHERE_SCALE_M = 400.0
# A movement becomes visible in the phase at about 1 rad (SimulationConfig.visible_phase_rad).
MIN_ATMOSPHERE_ANOMALY_RAD = 1.0
ATMOSPHERE_TOP_SHARE = 0.05


def motion_free(deformation_rad: np.ndarray) -> np.ndarray:
    """Pixels where no movement changes the phase or, through its gradient, the coherence."""
    still = np.abs(deformation_rad) < MAX_MOTION_PHASE_RAD
    return still & (gradient_coherence(phase_gradient_rad_per_px(deformation_rad)) > MIN_MOTION_COHERENCE_FACTOR)


def without_plane(values: np.ndarray) -> np.ndarray:
    """`values` less their least-squares plane (fitted on every 4th pixel each way), float32."""
    rows, cols = np.mgrid[0:values.shape[0]:4, 0:values.shape[1]:4]
    design = np.stack([rows.ravel(), cols.ravel(), np.ones(rows.size)], axis=1)
    (a, b, c), *_ = np.linalg.lstsq(design, values[::4, ::4].ravel().astype(np.float64), rcond=None)
    r, k = np.mgrid[0:values.shape[0], 0:values.shape[1]].astype(np.float32)
    return (values - (np.float32(a) * r + np.float32(b) * k + np.float32(c))).astype(np.float32)


def atmosphere_anomaly_rad(atmosphere_rad: np.ndarray, pixel_size_m: float) -> np.ndarray:
    """|atmosphere - its Gaussian mean over ATMOSPHERE_SCALE_M|: the atmosphere's local, movement-sized relief.

    The scene's plane (orbital ramp, broad gradients) is removed first: near the edges a Gaussian mean would
    otherwise lag behind a ramp and call it an anomaly.
    """
    flat = without_plane(atmosphere_rad)
    mean = ndimage.gaussian_filter(flat, ATMOSPHERE_SCALE_M / pixel_size_m, mode="nearest")
    return np.abs(flat - mean).astype(np.float32)


def strong_atmosphere(atmosphere_rad: np.ndarray, pixel_size_m: float) -> np.ndarray:
    """Pixels whose atmospheric anomaly is at least MIN_ATMOSPHERE_ANOMALY_RAD and in the scene's top share."""
    anomaly = atmosphere_anomaly_rad(atmosphere_rad, pixel_size_m)
    level = max(float(np.quantile(anomaly, 1.0 - ATMOSPHERE_TOP_SHARE)), MIN_ATMOSPHERE_ANOMALY_RAD)
    return anomaly >= np.float32(level)


def trap_marks(
    deformation_rad: np.ndarray,
    atmosphere_rad: np.ndarray,
    layover_shadow: np.ndarray,
    true_coherence: np.ndarray,
    pixel_size_m: float,
) -> np.ndarray:
    """The traps raster (uint8 rows x cols, codes of massmap.io.traps) of a simulated scene's arrays."""
    traps = np.zeros(deformation_rad.shape, dtype=np.uint8)
    traps[strong_atmosphere(atmosphere_rad, pixel_size_m)] = TRAP_ATMOSPHERE
    traps[true_coherence < DECORRELATED_COHERENCE] = TRAP_DECORRELATION
    traps[layover_shadow] = TRAP_LAYOVER_SHADOW
    traps[~motion_free(deformation_rad)] = 0
    return traps
