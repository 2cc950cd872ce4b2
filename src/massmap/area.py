"""True ground area of polygons in any CRS: geodesic on the WGS84 ellipsoid."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS, Geod

_GEOD = Geod(ellps="WGS84")


def geodesic_area_m2(geoms: gpd.GeoSeries, pixel_size_m: float | None = None) -> np.ndarray:
    """Ground area (m2) of each geometry, exact on the ellipsoid whatever the CRS (projected or geographic).

    Without a CRS, geometries are in pixel units: area is pixels times `pixel_size_m**2` (or pixels if unknown).
    """
    if len(geoms) == 0:
        return np.zeros(0, dtype=np.float64)
    if geoms.crs is None:
        scale = (pixel_size_m or 1.0) ** 2
        return geoms.area.to_numpy(dtype=np.float64) * scale
    lonlat = geoms if CRS(geoms.crs).is_geographic else geoms.to_crs(CRS(geoms.crs).geodetic_crs)
    return np.array(
        [abs(_GEOD.geometry_area_perimeter(g)[0]) if g is not None and not g.is_empty else 0.0 for g in lonlat],
        dtype=np.float64,
    )
