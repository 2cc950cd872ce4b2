"""Hard-negative mining: the pixels where a model sees motion that nobody labelled, as a traps raster."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy import ndimage

from massmap.grid import Grid
from massmap.io.traps import TRAP_MODEL_FALSE_POSITIVE
from massmap.io.write import write_geotiff

# Pixels this close to a label are disagreements about its outline, not false alarms.
MARGIN_PX = 3


def false_alarm_pixels(probability: np.ndarray, labelled: np.ndarray, threshold: float,
                       margin_px: int = MARGIN_PX) -> np.ndarray:
    """Boolean map of pixels at or above `threshold` lying more than `margin_px` pixels (in rows or columns,
    diagonals included) from any labelled pixel; NaN probability, i.e. nodata, never counts."""
    near_label = labelled > 0
    if margin_px > 0:
        near_label = ndimage.binary_dilation(near_label, structure=np.ones((3, 3), bool), iterations=margin_px)
    return (np.nan_to_num(probability, nan=0.0) >= threshold) & ~near_label


def write_mined_traps(path: str | Path, false_alarms: np.ndarray, grid: Grid, traps: np.ndarray | None = None
                      ) -> Path:
    """Write the false alarms as code TRAP_MODEL_FALSE_POSITIVE over the scene's own trap codes (`traps`, e.g. the
    simulator's atmosphere and layover marks, else none) on the scene's grid."""
    base = np.zeros(grid.shape, dtype=np.uint8) if traps is None else traps.astype(np.uint8)
    # A false alarm on a simulator trap is marked as the model's: that is the mistake to learn from.
    return write_geotiff(path, np.where(false_alarms, TRAP_MODEL_FALSE_POSITIVE, base).astype(np.uint8), grid)
