"""One grid for all pairs of a stack: pairs on other grids or CRSs are resampled onto it."""

from __future__ import annotations

import numpy as np
from rasterio.enums import Resampling
from rasterio.transform import from_origin
from rasterio.warp import reproject, transform_bounds

from massmap.errors import BadInputError
from massmap.grid import Grid


def same_grid(a: Grid, b: Grid) -> bool:
    """True when two grids have the same shape, transform and CRS."""
    return a.shape == b.shape and a.crs == b.crs and a.transform.almost_equals(b.transform)


def common_grid(grids: list[Grid], names: list[str]) -> Grid:
    """The grid of the first pair when every pair shares it, else the union of all pairs' extents in the first
    pair's CRS at its pixel size (north up)."""
    first = grids[0]
    if all(same_grid(first, g) for g in grids[1:]):
        return first
    if any(g.crs is None for g in grids):
        bad = next(n for n, g in zip(names, grids) if not same_grid(first, g))
        raise BadInputError(f"{bad}: on another grid than {names[0]}, and without georeferencing to align them")
    xres, yres = abs(first.transform.a), abs(first.transform.e)
    bounds = np.array([transform_bounds(g.crs, first.crs, *g.bounds()) for g in grids])
    left, bottom = bounds[:, 0].min(), bounds[:, 1].min()
    right, top = bounds[:, 2].max(), bounds[:, 3].max()
    width, height = int(np.ceil((right - left) / xres - 1e-6)), int(np.ceil((top - bottom) / yres - 1e-6))
    return Grid(height, width, from_origin(left, top, xres, yres), first.crs, first.pixel_size_m)


def onto_grid(array: np.ndarray, src: Grid, dst: Grid, resampling: Resampling = Resampling.bilinear) -> np.ndarray:
    """A float32 array (NaN = nodata) of grid `src` on grid `dst` (NaN outside `src`)."""
    if same_grid(src, dst):
        return array.astype(np.float32, copy=False)
    out = np.full(dst.shape, np.nan, dtype=np.float32)
    reproject(array.astype(np.float32, copy=False), out, src_transform=src.transform, src_crs=src.crs,
              dst_transform=dst.transform, dst_crs=dst.crs, src_nodata=np.nan, dst_nodata=np.nan,
              resampling=resampling)
    return out
