"""The raster grid a scene lives on: shape, affine transform and CRS, travelling together."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from affine import Affine
from pyproj import CRS, Geod

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Grid:
    """Shape (rows, cols), affine transform and CRS of a raster; `crs=None` means pixel units.

    `pixel_size_m` stands in for the pixel size when the raster has no CRS (given by the user).
    """

    height: int
    width: int
    transform: Affine
    crs: CRS | None
    pixel_size_m: float | None = None

    def __post_init__(self) -> None:
        # rasterio hands out its own CRS class; keep one type (pyproj's) everywhere.
        if self.crs is not None and not isinstance(self.crs, CRS):
            object.__setattr__(self, "crs", CRS.from_user_input(self.crs))

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, cols)."""
        return (self.height, self.width)

    @property
    def is_geographic(self) -> bool:
        """True for a longitude/latitude CRS, where pixels are not squares on the ground."""
        return self.crs is not None and self.crs.is_geographic

    def row_pixel_area_m2(self) -> np.ndarray:
        """Ground area of one pixel in each row (m2), geodesic for geographic grids; shape (rows,).

        Without a CRS the pixel area is `pixel_size_m**2`, or 1 (a pixel count) when that is unknown.
        """
        rows = np.arange(self.height)
        if self.crs is None:
            size = self.pixel_size_m if self.pixel_size_m else 1.0
            return np.full(self.height, size * size, dtype=np.float64)
        if not self.crs.is_geographic:
            unit = self.crs.axis_info[0].unit_conversion_factor if self.crs.axis_info else 1.0
            area = abs(self.transform.a * self.transform.e - self.transform.b * self.transform.d) * unit * unit
            return np.full(self.height, area, dtype=np.float64)
        # A geographic pixel's area depends on latitude only: measure one pixel per row on the ellipsoid.
        t = self.transform
        lon0 = t.c
        lats_top = t.f + rows * t.e
        lats_bot = lats_top + t.e
        dlon = t.a
        areas = np.empty(self.height, dtype=np.float64)
        for i, (la, lb) in enumerate(zip(lats_top, lats_bot)):
            areas[i], _ = _GEOD.polygon_area_perimeter(
                [lon0, lon0 + dlon, lon0 + dlon, lon0], [la, la, lb, lb]
            )
        return np.abs(areas)

    def mask_area_m2(self, mask: np.ndarray) -> float:
        """Ground area (m2) of the True pixels of a mask on this grid."""
        return float(np.asarray(mask, dtype=bool).sum(axis=1) @ self.row_pixel_area_m2())

    def area_km2(self) -> float:
        """Ground area of the whole grid in km2."""
        return float(self.row_pixel_area_m2().sum() * self.width / 1e6)

    def pixel_size_xy_m(self) -> tuple[float, float]:
        """Approximate ground pixel size (x, y) in m at the grid centre."""
        if self.crs is None:
            size = self.pixel_size_m if self.pixel_size_m else 1.0
            return (size, size)
        t = self.transform
        if not self.crs.is_geographic:
            unit = self.crs.axis_info[0].unit_conversion_factor if self.crs.axis_info else 1.0
            return (abs(t.a) * unit, abs(t.e) * unit)
        lon, lat = t @ (self.width / 2, self.height / 2)
        _, _, dx = _GEOD.inv(lon, lat, lon + t.a, lat)
        _, _, dy = _GEOD.inv(lon, lat, lon, lat + t.e)
        return (abs(dx), abs(dy))

    def mean_pixel_size_m(self) -> float:
        """Mean of the x and y ground pixel sizes in m, one length scale (terrain slopes use both: pixel_size_xy_m)."""
        return float(np.mean(self.pixel_size_xy_m()))

    def bounds(self) -> tuple[float, float, float, float]:
        """(left, bottom, right, top) in grid CRS units."""
        from rasterio.transform import array_bounds

        return array_bounds(self.height, self.width, self.transform)
