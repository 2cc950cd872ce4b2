"""One interferogram of a MintPy `ifgramStack.h5`, read window by window with h5py as if it were a raster band.

`StackLayer` offers the part of rasterio's dataset interface that scene reading uses (shape, dtype, nodata,
transform, CRS, windowed and decimated reads), so a pair is never written to a GeoTIFF first. The grid comes from
the stack's attributes: X_FIRST/Y_FIRST are the upper-left corner of the upper-left pixel, X_STEP/Y_STEP the
pixel size (Y_STEP negative), in degrees (EPSG:4326) unless EPSG or UTM_ZONE says otherwise.
"""

from __future__ import annotations

import numpy as np
from affine import Affine
from pyproj import CRS
from rasterio.coords import BoundingBox
from rasterio.transform import array_bounds
from rasterio.windows import Window

from massmap.errors import BadInputError
from massmap.products import Layer


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def stack_crs(attrs) -> CRS | None:
    """The CRS a MintPy file's attributes declare: EPSG, else UTM_ZONE (e.g. '11N'), else WGS 84 for degrees."""
    if "X_FIRST" not in attrs:
        return None
    epsg = _text(attrs.get("EPSG", "")).strip()
    if epsg and epsg.lower() not in ("none", "0"):
        return CRS.from_epsg(int(float(epsg)))
    zone = _text(attrs.get("UTM_ZONE", "")).strip().upper()
    if zone:
        number, hemisphere = int(zone[:-1]), zone[-1]
        return CRS.from_epsg((32600 if hemisphere == "N" else 32700) + number)
    return CRS.from_epsg(4326)


def stack_transform(attrs) -> Affine:
    """The affine transform of a geocoded MintPy file (identity for radar coordinates)."""
    if "X_FIRST" not in attrs:
        return Affine.identity()
    x0, y0 = float(_text(attrs["X_FIRST"])), float(_text(attrs["Y_FIRST"]))
    dx, dy = float(_text(attrs["X_STEP"])), float(_text(attrs["Y_STEP"]))
    return Affine(dx, 0.0, x0, 0.0, dy, y0)


class StackLayer:
    """One (rows, cols) slice `index` of dataset `name` in an HDF5 stack, read like a one-band raster."""

    def __init__(self, layer: Layer) -> None:
        import h5py

        self.name = layer.name
        try:
            self._file = h5py.File(layer.path, "r")
        except OSError as exc:
            raise BadInputError(f"{layer.path}: not a readable HDF5 file ({exc})") from None
        if layer.dataset not in self._file:
            self._file.close()
            raise BadInputError(f"{layer.path}: no dataset /{layer.dataset}")
        self._data = self._file[layer.dataset]
        self._index = int(layer.index or 0)
        attrs = self._file.attrs
        _, self.height, self.width = self._data.shape
        self.count = 1
        self.dtypes = (np.dtype(self._data.dtype).name,)
        self.nodata = None
        self.nodatavals = (None,)
        self.crs = stack_crs(attrs)
        self.transform = stack_transform(attrs)

    @property
    def bounds(self):
        """(left, bottom, right, top) in CRS units."""
        return BoundingBox(*array_bounds(self.height, self.width, self.transform))

    def read(self, band: int = 1, window: Window | None = None, boundless: bool = False,
             out_shape: tuple[int, int] | None = None) -> np.ndarray:
        """The slice's values in a window (or decimated to `out_shape` by taking every n-th pixel)."""
        window = window or Window(0, 0, self.width, self.height)
        r0, c0 = int(window.row_off), int(window.col_off)
        r1, c1 = r0 + int(window.height), c0 + int(window.width)
        if out_shape is None:
            return np.asarray(self._data[self._index, r0:r1, c0:c1])
        step_r = max((r1 - r0) // out_shape[-2], 1)
        step_c = max((c1 - c0) // out_shape[-1], 1)
        return np.asarray(self._data[self._index, r0:r1:step_r, c0:c1:step_c])

    def close(self) -> None:
        """Close the HDF5 file."""
        self._file.close()

    def __enter__(self) -> StackLayer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
