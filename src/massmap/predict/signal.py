"""Where a scene has no signal for the model: nodata, or a block whose mean coherence is below the model's floor.

Such pixels map to probability 0 (nodata stays NaN) whatever the network would say, and tiles without any
signal pixel are not run at all: mapping then costs what the scene's signal covers (not sea, glaciers or swath
margins), and the output is the same as running every tile. Blocks of SIGNAL_BLOCK_PX are aligned on the scene
grid, so the rule does not depend on the tile size; a block is judged by the mean coherence of its valid pixels,
so a few decorrelated pixels inside a moving slope never punch a hole in it.
"""

from __future__ import annotations

import numpy as np

SIGNAL_BLOCK_PX = 16


def signal_pixels(coherence: np.ndarray, valid: np.ndarray, floor: float | None, row0: int = 0) -> np.ndarray:
    """Pixels (bool, like `valid`) of a strip starting at scene row `row0` that the model may find patterns in.

    Without a floor every valid pixel counts. With one, a valid pixel counts when the mean coherence of the valid
    pixels of its SIGNAL_BLOCK_PX block (aligned on scene rows and columns; blocks cut by the strip use the rows
    it holds) reaches the floor.
    """
    if floor is None:
        return valid.copy()
    rows, cols = valid.shape
    b = SIGNAL_BLOCK_PX
    top = row0 % b
    n_r, n_c = -(-(top + rows) // b), -(-cols // b)
    total = np.zeros((n_r * b, n_c * b), dtype=np.float64)
    count = np.zeros((n_r * b, n_c * b), dtype=np.float64)
    total[top:top + rows, :cols] = np.where(valid, np.nan_to_num(coherence, nan=0.0), 0.0)
    count[top:top + rows, :cols] = valid
    sums = total.reshape(n_r, b, n_c, b).sum(axis=(1, 3))
    counts = count.reshape(n_r, b, n_c, b).sum(axis=(1, 3))
    blocks = sums >= floor * counts
    blocks &= counts > 0
    spread = np.repeat(np.repeat(blocks, b, axis=0), b, axis=1)
    return spread[top:top + rows, :cols] & valid
