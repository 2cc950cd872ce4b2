"""Trap marks: pixels whose phase can pass for a mass movement though nothing moves there.

A traps raster is uint8 on the phase grid: 0 none, 1 strong atmosphere, 2 layover or shadow, 3 decorrelation,
4 a false alarm of an earlier model (hard-negative mining). The simulator writes codes 1-3 per scene
(NAME_traps.tif), hard-negative mining adds code 4 over them (NAME_mined.tif); the patch sampler centres
hard-negative patches on any marked pixel, on code 4 for half of a scene's draws when it has any.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import rasterio
from rasterio.errors import RasterioError, RasterioIOError
from rasterio.windows import Window

from massmap.errors import BadInputError
from massmap.grid import Grid

TRAP_NONE = 0
TRAP_ATMOSPHERE = 1
TRAP_LAYOVER_SHADOW = 2
TRAP_DECORRELATION = 3
TRAP_MODEL_FALSE_POSITIVE = 4
# Trap pixels kept per scene for sampling: a few thousand spread over a scene are plenty to centre patches on,
# and small enough (2 x 8 bytes each) to hold for every scene of a split.
MAX_TRAP_PIXELS = 4000
# Rows read at a time, so a large traps raster never sits in memory whole.
SCAN_ROWS = 512


def read_trap_pixels(path: str | Path, grid: Grid, max_pixels: int = MAX_TRAP_PIXELS, seed: int = 0,
                     code: int | None = None) -> np.ndarray:
    """(row, col) of up to `max_pixels` marked pixels (of trap `code` only, when given) of a traps raster on
    `grid`: int64 (n, 2), sorted.

    The raster is read in row blocks; when more pixels are marked, a uniform random subsample (fixed by `seed`)
    is kept: each marked pixel draws a random key and the smallest keys win, block by block.
    """
    rng = np.random.default_rng(seed)
    kept = np.zeros(0, dtype=np.int64)
    keys = np.zeros(0)
    with _open_traps(path, grid) as ds:
        for r0 in range(0, ds.height, SCAN_ROWS):
            block = ds.read(1, window=Window(0, r0, ds.width, min(SCAN_ROWS, ds.height - r0)))
            flat = np.flatnonzero(block if code is None else block == code) + r0 * ds.width
            kept, keys = _smallest_keys(np.concatenate([kept, flat]),
                                        np.concatenate([keys, rng.random(flat.size)]), max_pixels)
    kept = np.sort(kept)
    return np.stack([kept // grid.width, kept % grid.width], axis=1).astype(np.int64)


def read_trap_codes(path: str | Path, grid: Grid) -> np.ndarray:
    """The whole traps raster on `grid` as uint8 codes (for merging new marks into it; scenes are small)."""
    with _open_traps(path, grid) as ds:
        return ds.read(1).astype(np.uint8)


@contextlib.contextmanager
def _open_traps(path: str | Path, grid: Grid) -> Iterator[rasterio.DatasetReader]:
    """A traps raster open for reading, checked to hold integer codes on `grid`; rasterio's errors (on opening
    or reading) become one-line BadInputErrors naming the file."""
    path = Path(path)
    try:
        with rasterio.open(path) as ds:
            if (ds.height, ds.width) != grid.shape or not np.issubdtype(np.dtype(ds.dtypes[0]), np.integer):
                raise BadInputError(f"{path}: traps raster is {ds.height} x {ds.width} {ds.dtypes[0]}; it must be "
                                    f"integer codes on the phase grid ({grid.height} x {grid.width})")
            yield ds
    except (RasterioIOError, RasterioError) as exc:
        raise BadInputError(f"{path}: not a readable traps raster ({str(exc).strip().splitlines()[0]})") from None


def _smallest_keys(items: np.ndarray, keys: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The `k` items with the smallest keys (all of them when there are fewer)."""
    if items.size <= k:
        return items, keys
    best = np.argpartition(keys, k)[:k]
    return items[best], keys[best]
