"""Writing consensus maps: a two-band GeoTIFF (majority vote, STAPLE probability) or polygons of both masks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import rasterio

from massmap.atomic import atomic_path
from massmap.grid import Grid
from massmap.io.labels import is_raster_path
from massmap.io.write import raster_profile, write_vector
from massmap.vectorize import polygons_from_array

# STAPLE's consensus mask keeps pixels at least this probable.
STAPLE_THRESHOLD = 0.5


def write_consensus(path: str | os.PathLike, majority: np.ndarray, staple_probability: np.ndarray, grid: Grid) -> Path:
    """Write consensus maps: GeoTIFF bands (1 majority 0/1, 2 STAPLE probability; NaN = nodata) or polygons.

    A vector file gets one feature per consensus region with a `method` column ('majority' or 'staple',
    the latter at probability >= 0.5, its `score` the mean STAPLE probability of the region).
    """
    path = Path(path)
    if is_raster_path(path):
        bands = np.stack([np.where(np.isnan(staple_probability), np.nan, majority.astype(np.float32)),
                          staple_probability]).astype(np.float32)
        with atomic_path(path) as tmp:
            with rasterio.open(tmp, "w", **raster_profile(grid, "float32", count=2, nodata=float("nan"))) as dst:
                dst.write(bands)
                dst.set_band_description(1, "majority vote (1 = more than half of the mappers)")
                dst.set_band_description(2, "STAPLE posterior probability of a mass movement")
        return path
    # Every consensus region is kept, however small: min_area_m2 = 0.
    layers = [
        polygons_from_array(majority.astype(np.float32), grid, 0.5, min_area_m2=0.0, source="majority"),
        polygons_from_array(np.nan_to_num(staple_probability, nan=0.0).astype(np.float32), grid, STAPLE_THRESHOLD,
                            min_area_m2=0.0, source="staple"),
    ]
    for layer, method in zip(layers, ("majority", "staple")):
        layer["method"] = method
    return write_vector(pd.concat(layers, ignore_index=True), path)
