"""Which orbit geometry sees a slope move: line-of-sight sensitivity to downslope motion, layover and shadow.

A slope's motion is taken as downslope along the surface, (cos s sin a, cos s cos a, -sin s) in east-north-up
for slope s and aspect a (azimuth of steepest descent). Its line-of-sight component is its dot product with
the look vector of a right-looking Sentinel-1 (`massmap.sensor.look_vector_enu`): near 0 the
motion is almost invisible whatever its speed; near +-1 it is seen in full.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import RasterioIOError
from rasterio.features import geometry_mask
from rasterio.vrt import WarpedVRT
from rasterio.warp import calculate_default_transform
from rasterio.windows import Window, from_bounds
from rasterio.windows import transform as window_transform

from massmap.constants import HEADING_ASCENDING_DEG, HEADING_DESCENDING_DEG
from massmap.errors import BadInputError
from massmap.sensor import layover_shadow_masks, look_vector_enu
from massmap.terrain import downslope_unit_enu, slope_aspect

# Sentinel-1 IW incidence at mid-swath (the swath spans 29-46 degrees; ESA Sentinel-1 User Handbook).
TYPICAL_INCIDENCE_DEG = 39.0
# Below this share of a downslope motion reaching the line of sight, a slope is called poorly visible.
MIN_LOS_SENSITIVITY = 0.3
# DEM pixels read around each polygon so the slope at its edge has neighbours on both sides.
HALO_PX = 2


def los_sensitivity(slope_rad: np.ndarray, aspect_rad: np.ndarray, heading_deg: float,
                    incidence_deg: float = TYPICAL_INCIDENCE_DEG) -> np.ndarray:
    """Share of a unit downslope motion along the line of sight (positive: away from the radar), shape (n,)."""
    look = look_vector_enu(heading_deg, np.radians(incidence_deg)).astype(np.float64)
    slope_rad, aspect_rad = np.asarray(slope_rad, dtype=np.float64), np.asarray(aspect_rad, dtype=np.float64)
    return np.einsum("k,kn->n", look, downslope_unit_enu(slope_rad, aspect_rad))


def slope_visibility(
    slope_deg: np.ndarray,
    aspect_deg: np.ndarray,
    incidence_deg: float = TYPICAL_INCIDENCE_DEG,
    min_sensitivity: float = MIN_LOS_SENSITIVITY,
) -> pd.DataFrame:
    """Per slope: LOS sensitivity, layover/shadow proneness and visibility for ascending and descending orbits.

    Columns asc_sensitivity, desc_sensitivity, layover_shadow_asc, layover_shadow_desc, visible_asc,
    visible_desc. Visible means |sensitivity| >= `min_sensitivity` and neither layover (slope facing the radar
    steeper than the incidence) nor shadow (slope facing away steeper than 90 degrees minus the incidence).
    Slopes without DEM values (NaN) are not visible.
    """
    slope = np.radians(np.asarray(slope_deg, dtype=np.float64))
    aspect = np.radians(np.asarray(aspect_deg, dtype=np.float64))
    known = np.isfinite(slope) & np.isfinite(aspect)
    incidence = np.float32(np.radians(incidence_deg))
    out = {}
    for tag, heading in (("asc", HEADING_ASCENDING_DEG), ("desc", HEADING_DESCENDING_DEG)):
        sensitivity = los_sensitivity(slope, aspect, heading, incidence_deg)
        layover, shadow = layover_shadow_masks(slope.astype(np.float32), aspect.astype(np.float32), heading, incidence)
        prone = (layover | shadow) & known
        out[f"{tag}_sensitivity"] = sensitivity
        out[f"layover_shadow_{tag}"] = prone
        out[f"visible_{tag}"] = known & (np.abs(sensitivity) >= min_sensitivity) & ~prone
    columns = ["asc_sensitivity", "desc_sensitivity", "layover_shadow_asc", "layover_shadow_desc",
               "visible_asc", "visible_desc"]
    return pd.DataFrame({c: out[c] for c in columns})


def _metric_view(ds: rasterio.DatasetReader, geoms: gpd.GeoSeries):
    """The DEM itself when on square metric pixels, else warped on the fly to the polygons' UTM zone."""
    t = ds.transform
    if not ds.crs.is_geographic and np.isclose(abs(t.a), abs(t.e), rtol=1e-6) and t.b == 0 and t.d == 0:
        return ds
    utm = geoms.estimate_utm_crs()
    probe, _, _ = calculate_default_transform(ds.crs, utm, ds.width, ds.height, *ds.bounds)
    res = min(abs(probe.a), abs(probe.e))
    transform, width, height = calculate_default_transform(ds.crs, utm, ds.width, ds.height, *ds.bounds, resolution=res)
    return WarpedVRT(ds, crs=utm, transform=transform, width=width, height=height, resampling=Resampling.bilinear,
                     src_nodata=ds.nodata, nodata=np.nan, dtype="float32")


def terrain_under_polygons(geoms: gpd.GeoSeries, dem_path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Mean slope and aspect (degrees; aspect clockwise from north, downslope) of the DEM under each polygon.

    Slopes are averaged as downslope gradient vectors (aspect is circular); NaN where the DEM has no value.
    A geographic DEM is warped to the polygons' UTM zone first.
    """
    dem_path = Path(dem_path)
    if geoms.crs is None:
        raise BadInputError(f"{dem_path}: the polygons have no CRS, so they cannot be placed on the DEM")
    if not dem_path.exists():
        raise BadInputError(f"{dem_path}: file not found")
    slope_deg = np.full(len(geoms), np.nan)
    aspect_deg = np.full(len(geoms), np.nan)
    try:
        ds = rasterio.open(dem_path)
    except RasterioIOError as exc:
        raise BadInputError(f"{dem_path}: not a readable raster ({str(exc).splitlines()[0]})") from None
    with ds:
        if ds.crs is None:
            raise BadInputError(f"{dem_path}: the DEM has no CRS")
        src = _metric_view(ds, geoms)
        try:
            pixel_m = abs(src.transform.a)
            full = Window(0, 0, src.width, src.height)
            for i, geom in enumerate(geoms.to_crs(src.crs)):
                if geom is None or geom.is_empty:
                    continue
                win = from_bounds(*geom.bounds, transform=src.transform).round_offsets().round_lengths()
                win = Window(win.col_off - HALO_PX, win.row_off - HALO_PX, win.width + 2 * HALO_PX + 1,
                             win.height + 2 * HALO_PX + 1)
                try:
                    win = win.intersection(full)
                except Exception:  # noqa: BLE001 -- rasterio's WindowError: the polygon lies off the DEM
                    continue
                if win.width < 2 or win.height < 2:
                    continue
                dem = src.read(1, window=win, masked=True).astype(np.float32).filled(np.nan)
                slope, aspect = slope_aspect(dem, pixel_m)
                inside = geometry_mask([geom], dem.shape, window_transform(win, src.transform), invert=True,
                                       all_touched=True) & np.isfinite(slope)
                if not inside.any():
                    continue
                tan_s = np.tan(slope[inside].astype(np.float64))
                east = float(np.mean(tan_s * np.sin(aspect[inside])))
                north = float(np.mean(tan_s * np.cos(aspect[inside])))
                slope_deg[i] = np.degrees(np.arctan(np.hypot(east, north)))
                aspect_deg[i] = np.degrees(np.arctan2(east, north)) % 360.0
        finally:
            if src is not ds:
                src.close()
    return slope_deg, aspect_deg
