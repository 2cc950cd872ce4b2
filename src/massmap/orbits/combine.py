"""Detections from ascending and descending orbits over one area, merged: seen in both, or in one only.

Candidate pairs come from a spatial join (intersecting outlines), their IoU from shapely 2's vectorised
intersection areas in a metric CRS, and the one-to-one matching from `massmap.metrics.matching.match_pairs`
(the same optimal assignment used to score predictions against experts).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from massmap.area import geodesic_area_m2
from massmap.constants import ORBIT_MATCH_MIN_IOU
from massmap.errors import BadInputError
from massmap.io.formats import vector_format
from massmap.io.labels import read_polygons
from massmap.io.output_check import check_outputs
from massmap.io.write import write_vector
from massmap.log import get_logger
from massmap.metrics.matching import OverlapPairs, match_pairs
from massmap.orbits.visibility import (
    MIN_LOS_SENSITIVITY,
    TYPICAL_INCIDENCE_DEG,
    slope_visibility,
    terrain_under_polygons,
)

log = get_logger(__name__)

DEFAULT_MIN_IOU = ORBIT_MATCH_MIN_IOU
BOTH, ASCENDING, DESCENDING = "both", "ascending", "descending"


@dataclass
class CombineSummary:
    """Counts of a combination: polygons seen in both orbits, in ascending only, in descending only."""

    both: int
    ascending_only: int
    descending_only: int
    path: Path | None = None


def _metric(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The frame in a CRS where planar areas are metres (its UTM zone when geographic)."""
    if gdf.crs is None or not gdf.crs.is_geographic or len(gdf) == 0:
        return gdf
    return gdf.to_crs(gdf.estimate_utm_crs())


def overlap_iou(asc: gpd.GeoSeries, desc: gpd.GeoSeries) -> OverlapPairs:
    """IoU of every intersecting (ascending, descending) outline pair; both series in one planar CRS."""
    left = gpd.GeoDataFrame(geometry=asc.reset_index(drop=True))
    right = gpd.GeoDataFrame(geometry=desc.reset_index(drop=True))
    joined = gpd.sjoin(left, right, how="inner", predicate="intersects")
    a = joined.index.to_numpy(dtype=np.int64)
    d = joined["index_right"].to_numpy(dtype=np.int64)
    ga, gd = left.geometry.to_numpy()[a], right.geometry.to_numpy()[d]
    inter = shapely.area(shapely.intersection(ga, gd))
    union = shapely.area(ga) + shapely.area(gd) - inter
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(union > 0, inter / union, 0.0)
    keep = iou > 0  # outlines that only touch along an edge share no area
    return OverlapPairs(a[keep], d[keep], iou[keep], len(left), len(right))


def _best_iou(n: int, index: np.ndarray, iou: np.ndarray) -> np.ndarray:
    best = np.zeros(n)
    np.maximum.at(best, index, iou)
    return best


def _column(gdf: gpd.GeoDataFrame, name: str, rows: np.ndarray) -> np.ndarray:
    if name not in gdf.columns:
        return np.full(len(rows), np.nan)
    return gdf[name].to_numpy(dtype=np.float64)[rows]


def _note(seen_in: str, visible_asc, visible_desc) -> str:
    text = {BOTH: "seen in both orbits", ASCENDING: "seen in ascending only",
            DESCENDING: "seen in descending only"}[seen_in]
    if visible_asc is None:
        return text
    poor = [name for name, ok in ((ASCENDING, visible_asc), (DESCENDING, visible_desc)) if not ok]
    if not poor:
        return f"{text}; slope visible to both geometries"
    return f"{text}; slope poorly visible to {' and '.join(poor)}"


def combine_orbits(
    asc: gpd.GeoDataFrame,
    desc: gpd.GeoDataFrame,
    dem: str | os.PathLike | None = None,
    min_iou: float = DEFAULT_MIN_IOU,
    incidence_deg: float = TYPICAL_INCIDENCE_DEG,
    min_sensitivity: float = MIN_LOS_SENSITIVITY,
) -> gpd.GeoDataFrame:
    """Merge ascending and descending detections over one area into one layer, in the ascending CRS.

    Matched pairs (IoU >= `min_iou`, one-to-one) become their union with `seen_in` "both"; the rest keep their
    outline with `seen_in` "ascending" or "descending" and `iou` their best overlap with the other orbit.
    Columns: seen_in, iou, asc_id, desc_id (row numbers, -1 for none), asc_score, desc_score, area_m2
    (geodesic), note; with a DEM also slope_deg, aspect_deg, asc_sensitivity, desc_sensitivity,
    layover_shadow_asc, layover_shadow_desc, visible_asc, visible_desc (see `slope_visibility`).
    """
    if not 0.0 < min_iou <= 1.0:
        raise BadInputError(f"--min-iou must be in (0, 1], got {min_iou}")
    if (asc.crs is None) != (desc.crs is None):
        raise BadInputError("one orbit's polygons have a CRS and the other's do not; they cannot be overlaid")
    crs = asc.crs
    if desc.crs is not None and desc.crs != crs:
        desc = desc.to_crs(crs)
    asc = asc.reset_index(drop=True)
    desc = desc.reset_index(drop=True)
    both = pd.concat([asc.geometry, desc.geometry], ignore_index=True)
    metric = _metric(gpd.GeoDataFrame(geometry=both, crs=crs)).geometry
    pairs = overlap_iou(metric.iloc[: len(asc)], metric.iloc[len(asc):])
    matched_a, matched_d = match_pairs(pairs, min_iou)
    iou_matrix = dict(zip(zip(pairs.pred.tolist(), pairs.truth.tolist()), pairs.iou.tolist()))
    only_a = np.setdiff1d(np.arange(len(asc)), matched_a)
    only_d = np.setdiff1d(np.arange(len(desc)), matched_d)
    best_a = _best_iou(len(asc), pairs.pred, pairs.iou)
    best_d = _best_iou(len(desc), pairs.truth, pairs.iou)
    geoms = np.concatenate([
        shapely.union(asc.geometry.to_numpy()[matched_a], desc.geometry.to_numpy()[matched_d]),
        asc.geometry.to_numpy()[only_a], desc.geometry.to_numpy()[only_d],
    ])
    none_a, none_d = np.full(len(only_d), -1), np.full(len(only_a), -1)
    out = gpd.GeoDataFrame({
        "seen_in": [BOTH] * len(matched_a) + [ASCENDING] * len(only_a) + [DESCENDING] * len(only_d),
        "iou": np.concatenate([[iou_matrix[(a, d)] for a, d in zip(matched_a.tolist(), matched_d.tolist())],
                               best_a[only_a], best_d[only_d]]).astype(np.float64),
        "asc_id": np.concatenate([matched_a, only_a, none_a]).astype(np.int64),
        "desc_id": np.concatenate([matched_d, none_d, only_d]).astype(np.int64),
        "asc_score": np.concatenate([_column(asc, "score", matched_a), _column(asc, "score", only_a),
                                     np.full(len(only_d), np.nan)]),
        "desc_score": np.concatenate([_column(desc, "score", matched_d), np.full(len(only_a), np.nan),
                                      _column(desc, "score", only_d)]),
    }, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
    out["area_m2"] = geodesic_area_m2(out.geometry)
    visible_asc = visible_desc = [None] * len(out)
    if dem is not None:
        slope_deg, aspect_deg = terrain_under_polygons(out.geometry, dem)
        out["slope_deg"], out["aspect_deg"] = slope_deg, aspect_deg
        vis = slope_visibility(slope_deg, aspect_deg, incidence_deg, min_sensitivity)
        for name in vis.columns:
            out[name] = vis[name].to_numpy()
        visible_asc, visible_desc = vis["visible_asc"].tolist(), vis["visible_desc"].tolist()
    out["note"] = [_note(s, va, vd) for s, va, vd in zip(out["seen_in"], visible_asc, visible_desc)]
    return out


def combine_orbit_files(
    asc_path: str | os.PathLike,
    desc_path: str | os.PathLike,
    out_path: str | os.PathLike,
    dem: str | os.PathLike | None = None,
    min_iou: float = DEFAULT_MIN_IOU,
    overwrite: bool = True,
) -> CombineSummary:
    """Read ascending and descending polygon files, combine them (`combine_orbits`), write the result atomically
    (in the format its suffix names; never onto an input, nor onto an existing file unless `overwrite`)."""
    check_outputs({"--out": out_path}, [asc_path, desc_path, dem], overwrite)
    vector_format(out_path)
    combined = combine_orbits(read_polygons(asc_path), read_polygons(desc_path), dem, min_iou)
    path = write_vector(combined, out_path)
    counts = combined["seen_in"].value_counts()
    log.info("%s: %d polygons (%d in both orbits)", path, len(combined), counts.get(BOTH, 0))
    return CombineSummary(int(counts.get(BOTH, 0)), int(counts.get(ASCENDING, 0)), int(counts.get(DESCENDING, 0)), path)
