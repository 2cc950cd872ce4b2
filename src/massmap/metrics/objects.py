"""Objects on a grid: connected components of a mask, ids of a label image, or one polygon feature each.

An `ObjectSet` stores objects as rows of a sparse pixel-membership matrix, so objects may overlap (as polygons
drawn by a mapper often do) and nothing costs a full image per object.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from rasterio import windows
from rasterio.errors import WindowError
from rasterio.features import rasterize
from scipy import ndimage, sparse

from massmap.grid import Grid
from massmap.log import get_logger

log = get_logger(__name__)

# 8-connectivity: pixels touching at a corner belong to the same movement.
EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def mask_objects(mask: np.ndarray) -> np.ndarray:
    """Label the 8-connected components of a mask: int32 ids 1..n, 0 = background."""
    labels, _ = ndimage.label(np.asarray(mask).astype(bool, copy=False), structure=EIGHT_CONNECTED)
    return labels.astype(np.int32, copy=False)


@dataclass(frozen=True)
class ObjectSet:
    """Objects on a raster of `shape` (rows, cols); row i of `membership` marks object i's pixels (flat indices).

    `ids` gives each object's source: its label value in a label image, or its feature index in a vector file.
    """

    membership: sparse.csr_array
    shape: tuple[int, int]
    ids: np.ndarray

    def __len__(self) -> int:
        return self.membership.shape[0]

    def _object_of_pixel(self) -> np.ndarray:
        """Object index of every stored (object, pixel) entry."""
        return np.repeat(np.arange(len(self)), np.diff(self.membership.indptr))

    def pixel_counts(self) -> np.ndarray:
        """Number of pixels of each object; shape (n_objects,)."""
        return np.diff(self.membership.indptr).astype(np.int64)

    def union_mask(self) -> np.ndarray:
        """Boolean mask (rows, cols) of the pixels covered by any object."""
        flat = np.zeros(self.shape[0] * self.shape[1], dtype=bool)
        flat[self.membership.indices] = True
        return flat.reshape(self.shape)

    def areas_m2(self, grid: Grid) -> np.ndarray:
        """Ground area (m2) of each object's pixels on `grid` (geodesic pixel areas for geographic grids)."""
        rows = self.membership.indices // self.shape[1]
        return np.bincount(self._object_of_pixel(), weights=grid.row_pixel_area_m2()[rows], minlength=len(self))

    def touches_border(self) -> np.ndarray:
        """True for objects with a pixel on the raster's outer edge (possibly cut by the scene border)."""
        h, w = self.shape
        r, c = np.divmod(self.membership.indices, w)
        edge = (r == 0) | (r == h - 1) | (c == 0) | (c == w - 1)
        return np.bincount(self._object_of_pixel(), weights=edge, minlength=len(self)) > 0

    def restricted_to(self, valid: np.ndarray | None) -> ObjectSet:
        """The same objects keeping only valid pixels; objects left with no pixel are dropped."""
        if valid is None:
            return self
        valid_flat = np.asarray(valid, dtype=bool).ravel()
        owner = self._object_of_pixel()
        keep = valid_flat[self.membership.indices]
        counts = np.bincount(owner[keep], minlength=len(self))
        alive = counts > 0
        if (~alive).any():
            log.debug("%d objects lie wholly on nodata pixels and are left out", int((~alive).sum()))
        return _from_sorted(self.membership.indices[keep], counts[alive], self.shape, self.ids[alive])


def _from_sorted(indices: np.ndarray, counts: np.ndarray, shape: tuple[int, int], ids: np.ndarray) -> ObjectSet:
    """Build an ObjectSet from flat pixel indices grouped by object, with each object's pixel count."""
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    data = np.ones(len(indices), dtype=np.float64)
    matrix = sparse.csr_array((data, indices.astype(np.int64), indptr), shape=(len(counts), shape[0] * shape[1]))
    return ObjectSet(membership=matrix, shape=(int(shape[0]), int(shape[1])), ids=np.asarray(ids))


def objects_from_labels(labels: np.ndarray, valid: np.ndarray | None = None) -> ObjectSet:
    """Objects of a label image (int ids, 0 = background); each distinct id is one object."""
    labels = np.asarray(labels)
    flat = labels.ravel()
    idx = np.flatnonzero(flat)
    values = flat[idx]
    if values.size and (values.min() < 0 or values.max() > 4 * values.size + 65536):
        ids, inverse = np.unique(values, return_inverse=True)
    else:
        # Ids are small integers here: a counting pass is several times faster than np.unique's sort.
        values = values.astype(np.intp, copy=False)
        ids = np.flatnonzero(np.bincount(values, minlength=1))
        lookup = np.zeros(int(values.max(initial=0)) + 1, dtype=np.int64)
        lookup[ids] = np.arange(ids.size)
        inverse = lookup[values]
    order = np.argsort(inverse, kind="stable")
    objects = _from_sorted(idx[order], np.bincount(inverse, minlength=len(ids)), labels.shape, ids)
    return objects.restricted_to(valid)


def objects_from_mask(mask: np.ndarray, valid: np.ndarray | None = None) -> ObjectSet:
    """Objects of a binary mask: each 8-connected component is one object."""
    return objects_from_labels(mask_objects(mask), valid)


def objects_from_polygons(gdf: gpd.GeoDataFrame, grid: Grid, valid: np.ndarray | None = None) -> ObjectSet:
    """Objects of a vector layer on `grid`: one feature (row) is one object, whatever its geometry type.

    Polygons must be in the grid's CRS. Each is burnt within its own bounding box; parts outside the grid are
    cut off. A polygon too small to cover any pixel centre keeps the pixels it touches, so no drawn object vanishes.
    """
    full = windows.Window(0, 0, grid.width, grid.height)
    axis_aligned = grid.transform.b == 0 and grid.transform.d == 0
    chunks, counts, ids = [], [], []
    for i, geom in enumerate(gdf.geometry):
        if geom is None or geom.is_empty:
            continue
        win = _window_of(geom.bounds, grid, full) if axis_aligned else full
        if win is None:
            continue
        pixels = _burn(geom, grid, win)
        if pixels.size == 0:
            continue
        chunks.append(pixels)
        counts.append(pixels.size)
        ids.append(i)
    dropped = int(gdf.geometry.notna().sum()) - len(ids) if len(gdf) else 0
    if dropped:
        log.info("%d features lie outside the grid and are left out", dropped)
    indices = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int64)
    objects = _from_sorted(indices, np.asarray(counts, dtype=np.int64), grid.shape, np.asarray(ids, dtype=np.int64))
    return objects.restricted_to(valid)


def _window_of(bounds: tuple[float, float, float, float], grid: Grid, full: windows.Window) -> windows.Window | None:
    """The grid window covering `bounds` with a one-pixel margin, or None when it misses the grid."""
    win = windows.from_bounds(*bounds, transform=grid.transform)
    win = windows.Window(win.col_off - 1, win.row_off - 1, win.width + 2, win.height + 2)
    win = win.round_offsets(op="floor").round_lengths(op="ceil")
    try:
        win = win.intersection(full)
    except WindowError:
        return None
    return win if win.width > 0 and win.height > 0 else None


def _burn(geom, grid: Grid, win: windows.Window) -> np.ndarray:
    """Flat grid indices of the pixels a geometry covers within a window (sorted)."""
    shape = (int(win.height), int(win.width))
    transform = windows.transform(win, grid.transform)
    burnt = rasterize([(geom, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8")
    if not burnt.any():
        burnt = rasterize([(geom, 1)], out_shape=shape, transform=transform, fill=0, dtype="uint8", all_touched=True)
    r, c = np.nonzero(burnt)
    return (r + int(win.row_off)).astype(np.int64) * grid.width + (c + int(win.col_off))


def as_objects(objects: ObjectSet | np.ndarray, valid: np.ndarray | None = None) -> ObjectSet:
    """Objects from an ObjectSet, a label image (integer ids, 0 = background) or a boolean mask (8-connected)."""
    if isinstance(objects, ObjectSet):
        return objects.restricted_to(valid)
    arr = np.asarray(objects)
    if arr.dtype == bool:
        return objects_from_mask(arr, valid)
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"objects must be an ObjectSet, an integer label image or a boolean mask, not {arr.dtype}")
    return objects_from_labels(arr, valid)
