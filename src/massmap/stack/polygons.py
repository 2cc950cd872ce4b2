"""Polygons of a fused stack, each with the pairs that judge and detect it and when it was first and last seen."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from massmap.constants import MIN_MAPPED_AREA_M2
from massmap.io.labels import rasterize_polygons
from massmap.stack.fuse import FusedStack
from massmap.stack.pairs import pair_dates
from massmap.vectorize import polygons_from_array

STACK_COLUMNS = ["n_pairs_valid", "n_pairs_detected", "persistence", "first_date", "last_date", "score", "area_m2"]
# A pair judges a polygon when it can judge half its pixels, and detects it when it detects a quarter of them
# (a movement's detected outline shifts from pair to pair with its fringes).
JUDGED_SHARE = 0.5
DETECTED_SHARE = 0.25


def empty_stack_polygons(crs=None) -> gpd.GeoDataFrame:
    """A stack polygon layer with no rows and every column."""
    frame = pd.DataFrame({"n_pairs_valid": pd.Series(dtype=np.int32), "n_pairs_detected": pd.Series(dtype=np.int32),
                          "persistence": pd.Series(dtype=np.float32), "first_date": pd.Series(dtype=str),
                          "last_date": pd.Series(dtype=str), "score": pd.Series(dtype=np.float32),
                          "area_m2": pd.Series(dtype=np.float64)})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def pair_counts(fused: FusedStack, ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(judged, detected): bool arrays (pairs, n) saying which pairs judge and detect each of `n` regions of `ids`
    (1..n, 0 = background)."""
    pixels = np.maximum(np.bincount(ids.ravel(), minlength=n + 1)[1:], 1)
    judged = np.zeros((len(fused.pairs), n), dtype=bool)
    detected = np.zeros((len(fused.pairs), n), dtype=bool)
    for k in range(len(fused.pairs)):
        judged_px = np.bincount(ids[fused.judged(k)], minlength=n + 1)[1:]
        detected_px = np.bincount(ids[fused.detected(k)], minlength=n + 1)[1:]
        detected[k] = detected_px >= DETECTED_SHARE * pixels
        judged[k] = (judged_px >= JUDGED_SHARE * pixels) | detected[k]
    return judged, detected


def stack_polygons(fused: FusedStack, region_score: np.ndarray, threshold: float,
                   min_area_m2: float = MIN_MAPPED_AREA_M2, min_persistence: float = 0.0) -> gpd.GeoDataFrame:
    """Polygons where `region_score` (a layer of the fused grid) reaches `threshold`, with the stack columns.

    `n_pairs_valid` and `n_pairs_detected` count the pairs that judge and detect the polygon, `persistence` is
    their ratio, `first_date`/`last_date` the first date of the earliest and the second of the latest pair that
    detects it (ISO), `score` the mean over the polygon of the fused mean score; polygons whose persistence is
    below `min_persistence` are dropped.
    """
    grid = fused.grid
    shapes = polygons_from_array(np.nan_to_num(region_score, nan=-np.inf), grid, threshold, min_area_m2)
    if shapes.empty:
        return empty_stack_polygons(grid.crs)
    n = len(shapes)
    ids = rasterize_polygons(shapes, grid, values=np.arange(1, n + 1))
    judged, detected = pair_counts(fused, ids, n)
    n_judged, n_detected = judged.sum(axis=0), detected.sum(axis=0)
    score_sum = np.bincount(ids.ravel(), weights=np.nan_to_num(fused.mean_score).ravel(), minlength=n + 1)[1:]
    pixels = np.maximum(np.bincount(ids.ravel(), minlength=n + 1)[1:], 1)
    dates = [pair_dates(e) for e in fused.pairs]
    first = [min((dates[k][0] for k in np.flatnonzero(detected[:, i])), default=None) for i in range(n)]
    last = [max((dates[k][1] for k in np.flatnonzero(detected[:, i])), default=None) for i in range(n)]
    out = gpd.GeoDataFrame({
        "n_pairs_valid": n_judged.astype(np.int32), "n_pairs_detected": n_detected.astype(np.int32),
        "persistence": (n_detected / np.maximum(n_judged, 1)).astype(np.float32),
        "first_date": [d.isoformat() if d else "" for d in first],
        "last_date": [d.isoformat() if d else "" for d in last],
        "score": (score_sum / pixels).astype(np.float32), "area_m2": shapes["area_m2"].to_numpy(),
    }, geometry=shapes.geometry.values, crs=grid.crs)
    out = out[(out["n_pairs_detected"] > 0) & (out["persistence"] >= min_persistence - 1e-6)]
    return out.reset_index(drop=True)[STACK_COLUMNS + ["geometry"]]
