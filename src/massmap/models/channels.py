"""Input channels a model sees, built from a scene window: phase encodings, coherence and terrain.

Channel names: `sin`, `cos` (of the wrapped phase), `phase` (wrapped phase / pi), `coherence` (file or proxy),
`slope` (terrain slope / 90 degrees, from the DEM), `los` (line-of-sight share of a unit downslope motion, from
the DEM and the LOS geometry: where downslope motion is visible and with which phase sign). Every channel is
roughly in [-1, 1]; nodata pixels are 0.
"""

from __future__ import annotations

import numpy as np

from massmap.errors import IncompatibleModelError
from massmap.terrain import PixelSpacing, slope_aspect

KNOWN_CHANNELS = ("sin", "cos", "phase", "coherence", "slope", "los")
# The input encodings compared in the ablation, as channel lists.
ENCODINGS: dict[str, tuple[str, ...]] = {
    "sincos": ("sin", "cos"),
    "raw": ("phase",),
    "repeat": ("phase", "phase", "phase"),
}


def channels_for(encoding: str, coherence: bool = True, slope: bool = False, los: bool = False) -> tuple[str, ...]:
    """Channel list for a phase encoding (sincos, raw, repeat) plus optional coherence, slope and los."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown phase encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}")
    extra = (("coherence",) if coherence else ()) + (("slope",) if slope else ()) + (("los",) if los else ())
    return ENCODINGS[encoding] + extra


def slope_deg(dem_m: np.ndarray, pixel_size_m: PixelSpacing) -> np.ndarray:
    """Terrain slope in degrees from a DEM on a square grid."""
    return np.degrees(slope_aspect(dem_m.astype(np.float32), pixel_size_m)[0]).astype(np.float32)


def encode_channels(
    channels: tuple[str, ...] | list[str],
    phase_rad: np.ndarray,
    coherence: np.ndarray | None = None,
    dem_m: np.ndarray | None = None,
    pixel_size_m: PixelSpacing | None = None,
    los_sensitivity: np.ndarray | None = None,
) -> np.ndarray:
    """Stack the named channels into a float32 array (C, rows, cols); NaN (nodata) becomes 0.

    `los_sensitivity` is `massmap.terrain.downslope_los_sensitivity` of the window, computed before any flip or
    rotation so that it stays tied to the scene's own viewing geometry.
    """
    valid = np.isfinite(phase_rad)
    phase = np.where(valid, phase_rad, 0.0).astype(np.float32)
    out = np.empty((len(channels),) + phase.shape, dtype=np.float32)
    for i, name in enumerate(channels):
        if name == "sin":
            out[i] = np.sin(phase)
        elif name == "cos":
            out[i] = np.cos(phase)
        elif name == "phase":
            out[i] = phase / np.float32(np.pi)
        elif name == "coherence":
            if coherence is None:
                raise IncompatibleModelError("the model needs a coherence channel and none was given")
            out[i] = np.nan_to_num(coherence, nan=0.0)
        elif name == "slope":
            if dem_m is None or pixel_size_m is None:
                raise IncompatibleModelError("the model needs a slope channel: give a DEM (--dem)")
            out[i] = np.nan_to_num(slope_deg(dem_m, pixel_size_m), nan=0.0) / np.float32(90.0)
        elif name == "los":
            if los_sensitivity is None:
                raise IncompatibleModelError(
                    "the model needs a los channel: give a DEM (--dem) and the LOS geometry (--los)")
            out[i] = np.nan_to_num(los_sensitivity, nan=0.0)
        else:
            raise IncompatibleModelError(f"unknown input channel {name!r}; known: {', '.join(KNOWN_CHANNELS)}")
        out[i][~valid] = 0.0
    return out
