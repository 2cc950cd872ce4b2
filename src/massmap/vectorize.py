"""Probability maps to polygons: threshold, connected regions, outlines with area, score and uncertainty.

Works strip by strip (rows of a probability raster read in windows) so memory does not grow with the scene.
Outlines are traced in pixel coordinates, where coordinates are exact integers; regions cut by a strip
boundary are merged with their continuation in the next strip by a topological union along shared edges,
then every outline is mapped through the grid's affine transform once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.features import shapes
from rasterio.windows import Window
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.geometry import Polygon, shape

from massmap.area import geodesic_area_m2
from massmap.constants import MIN_MAPPED_AREA_M2
from massmap.grid import Grid

# Outlines are simplified within one pixel of the raster boundary (removes the pixel staircase).
SIMPLIFY_TOLERANCE_PX = 1.0
# Rows of the probability raster read per strip while vectorising.
STRIP_ROWS = 256
COLUMNS = ["area_m2", "score", "score_max", "uncertainty", "source"]
# Boundaries of two polygons meet along a line (not just at a corner): pixel regions that share an edge.
_SHARED_EDGE = "****1****"


@dataclass
class _Region:
    """A connected region above threshold, in pixel coordinates, with sums for its attributes."""

    geom: Polygon
    pixels: float
    sum_prob: float
    max_prob: float
    sum_uncertainty: float
    bottom_open: bool = False  # touches the lower edge of its strip, so may continue in the next strip

    @staticmethod
    def merge(parts: list[_Region], geom) -> _Region:
        return _Region(
            geom, sum(p.pixels for p in parts), sum(p.sum_prob for p in parts),
            max(p.max_prob for p in parts), sum(p.sum_uncertainty for p in parts),
        )


def empty_polygons(crs=None) -> gpd.GeoDataFrame:
    """A polygon layer with massmap's prediction columns and no rows."""
    frame = {
        "area_m2": np.zeros(0, np.float64), "score": np.zeros(0, np.float32), "score_max": np.zeros(0, np.float32),
        "uncertainty": np.zeros(0, np.float32), "source": np.zeros(0, dtype=object),
    }
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def _strip_regions(
    row0: int, prob: np.ndarray, uncertainty: np.ndarray | None, threshold: float,
    at_top: bool, at_bottom: bool, drop_below_px: float,
) -> tuple[list[_Region], list[_Region]]:
    """Regions of one strip: (those touching its top edge, all others); tiny closed regions are dropped early."""
    with np.errstate(invalid="ignore"):
        mask = prob >= threshold  # NaN (nodata) is never above threshold
    labels, n = ndimage.label(mask)  # 4-connectivity, as rasterio's shapes below
    if n == 0:
        return [], []
    if uncertainty is None:
        uncertainty = np.minimum(prob, 1.0 - prob)
    flat = labels.ravel()
    pixels = np.bincount(flat, minlength=n + 1).astype(np.float64)
    sum_prob = np.bincount(flat, weights=np.where(mask, prob, 0).ravel(), minlength=n + 1)
    sum_unc = np.bincount(flat, weights=np.where(mask, uncertainty, 0).ravel(), minlength=n + 1)
    top_ids = np.unique(labels[0]) if not at_top else np.zeros(0, int)
    bottom_ids = np.unique(labels[-1]) if not at_bottom else np.zeros(0, int)
    open_ = np.zeros(n + 1, bool)
    open_[top_ids] = True
    open_[bottom_ids] = True
    # A region's bounding box bounds its area with holes filled: regions surely below the minimum go now.
    boxes = ndimage.find_objects(labels)
    box_px = np.array([0] + [(s[0].stop - s[0].start) * (s[1].stop - s[1].start) for s in boxes], dtype=np.float64)
    keep = open_ | (box_px >= drop_below_px)
    keep[0] = False
    if not keep[1:].any():
        return [], []
    labels[~keep[labels]] = 0
    max_prob = np.zeros(n + 1)
    kept = np.flatnonzero(keep)
    max_prob[kept] = ndimage.maximum(prob, labels, kept)
    pieces: dict[int, list[Polygon]] = {}
    for geojson, value in shapes(labels, mask=labels > 0, connectivity=4, transform=Affine.translation(0, row0)):
        pieces.setdefault(int(value), []).append(shape(geojson))
    top_set = set(top_ids.tolist())
    bottom_set = set(bottom_ids.tolist())
    at_top_edge: list[_Region] = []
    others: list[_Region] = []
    for value, polys in pieces.items():
        geom = polys[0] if len(polys) == 1 else shapely.union_all(polys)
        region = _Region(geom, pixels[value], sum_prob[value], float(max_prob[value]), sum_unc[value],
                         bottom_open=value in bottom_set)
        (at_top_edge if value in top_set else others).append(region)
    return at_top_edge, others


def _join_across(pending: list[_Region], top: list[_Region]) -> tuple[list[_Region], list[_Region]]:
    """Merge regions left open above a strip boundary with regions below it that share an edge.

    Returns (finished regions, regions still open at the new strip's lower edge).
    """
    nodes = pending + top
    a = b = np.zeros(0, dtype=np.intp)
    if pending and top:
        tree = shapely.STRtree([r.geom for r in top])
        a, b = tree.query([r.geom for r in pending], predicate="intersects")
    if len(a):
        shared = shapely.relate_pattern(
            np.array([pending[i].geom for i in a], dtype=object), np.array([top[j].geom for j in b], dtype=object),
            _SHARED_EDGE,
        )
        a, b = a[shared], b[shared]
    n = len(nodes)
    graph = coo_matrix((np.ones(len(a)), (a, b + len(pending))), shape=(n, n))
    n_groups, group = connected_components(graph, directed=False)
    done: list[_Region] = []
    still_open: list[_Region] = []
    for g in range(n_groups):
        members = np.flatnonzero(group == g)
        parts = [nodes[i] for i in members]
        if len(parts) == 1:
            region = parts[0]
        else:
            geom = shapely.union_all([p.geom for p in parts])
            region = _Region.merge(parts, geom)
        # Open below only if one of this strip's pieces reaches the strip's lower edge.
        region.bottom_open = any(nodes[i].bottom_open for i in members if i >= len(pending))
        (still_open if region.bottom_open else done).append(region)
    return done, still_open


def _fill_holes(geom: Polygon, max_hole_px: float) -> Polygon:
    if max_hole_px <= 0 or not geom.interiors:
        return geom
    keep = [ring for ring in geom.interiors if Polygon(ring).area >= max_hole_px]
    return Polygon(geom.exterior, keep)


def _simplify(geoms: np.ndarray) -> np.ndarray:
    """Douglas-Peucker within SIMPLIFY_TOLERANCE_PX; an outline it would make invalid keeps its pixel staircase.

    (Topology-preserving simplification is quadratic in the holes of noisy regions, so it is not used.)
    """
    # Canonical rings first (no collinear vertices, fixed start), so a region gets the same outline whether
    # it was traced whole or merged across strips.
    geoms = shapely.normalize(shapely.simplify(geoms, 0.0, preserve_topology=False))
    simple = shapely.simplify(geoms, SIMPLIFY_TOLERANCE_PX, preserve_topology=False)
    bad = ~shapely.is_valid(simple) | shapely.is_empty(simple) | (shapely.get_type_id(simple) != 3)
    simple[bad] = geoms[bad]
    return simple


def vectorize_strips(
    strips: Iterable[tuple[int, np.ndarray, np.ndarray | None]],
    grid: Grid,
    threshold: float = 0.5,
    min_area_m2: float = MIN_MAPPED_AREA_M2,
    fill_holes_below_m2: float | None = None,
    source: str = "",
) -> gpd.GeoDataFrame:
    """Polygons of regions where probability >= threshold, from consecutive row strips (row0, prob, uncertainty).

    Columns: `area_m2` (geodesic ground area), `score` (mean probability), `score_max`, `uncertainty` (mean of
    the given uncertainty, else of min(p, 1 - p)), `source`. Regions below `min_area_m2` are dropped; holes
    below `fill_holes_below_m2` (default: `min_area_m2`) are filled. CRS: the grid's.
    """
    fill_m2 = min_area_m2 if fill_holes_below_m2 is None else fill_holes_below_m2
    row_area_m2 = grid.row_pixel_area_m2()
    # Pixel counts from areas use the smallest pixel, so no region that could pass is dropped early.
    min_pixel_m2 = float(row_area_m2.min())
    drop_below_px = min_area_m2 / float(row_area_m2.max()) if min_area_m2 > 0 else 0.0
    max_hole_px = fill_m2 / min_pixel_m2 if fill_m2 and fill_m2 > 0 else 0.0
    finished: list[_Region] = []
    pending: list[_Region] = []
    next_row = 0
    for row0, prob, uncertainty in strips:
        if row0 != next_row:
            raise ValueError(f"strips must be consecutive: expected row {next_row}, got {row0}")
        rows = prob.shape[0]
        at_top, at_bottom = row0 == 0, row0 + rows >= grid.height
        top, others = _strip_regions(row0, prob, uncertainty, threshold, at_top, at_bottom, drop_below_px)
        done, joined_open = _join_across(pending, top)
        finished.extend(done)
        pending = joined_open + [r for r in others if r.bottom_open]
        finished.extend(r for r in others if not r.bottom_open)
        next_row = row0 + rows
    finished.extend(pending)
    if not finished:
        return empty_polygons(grid.crs)
    geoms = np.array([_fill_holes(r.geom, max_hole_px) for r in finished], dtype=object)
    geoms = _simplify(geoms)
    t = grid.transform
    geoms = shapely.transform(geoms, lambda xy: np.column_stack([t.a * xy[:, 0] + t.b * xy[:, 1] + t.c,
                                                                 t.d * xy[:, 0] + t.e * xy[:, 1] + t.f]))
    pixels = np.array([r.pixels for r in finished])
    gdf = gpd.GeoDataFrame(
        {
            "area_m2": np.zeros(len(finished)),
            "score": (np.array([r.sum_prob for r in finished]) / pixels).astype(np.float32),
            "score_max": np.array([r.max_prob for r in finished], dtype=np.float32),
            "uncertainty": (np.array([r.sum_uncertainty for r in finished]) / pixels).astype(np.float32),
            "source": source,
        },
        geometry=gpd.GeoSeries(geoms, crs=grid.crs), crs=grid.crs,
    )
    gdf["area_m2"] = geodesic_area_m2(gdf.geometry, grid.pixel_size_m)
    gdf = gdf[gdf["area_m2"] >= min_area_m2].sort_values("area_m2", ascending=False).reset_index(drop=True)
    return gdf[COLUMNS + ["geometry"]]


def read_strips(path: str | Path, strip_rows: int = STRIP_ROWS) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
    """Row strips (row0, probability, uncertainty or None) of a probability GeoTIFF (band 2: uncertainty)."""
    with rasterio.open(path) as ds:
        for row0 in range(0, ds.height, strip_rows):
            window = Window(0, row0, ds.width, min(strip_rows, ds.height - row0))
            bands = ds.read(window=window)
            yield row0, bands[0], (bands[1] if ds.count > 1 else None)


def polygons_from_raster(path: str | Path, grid: Grid, threshold: float = 0.5,
                         min_area_m2: float = MIN_MAPPED_AREA_M2, fill_holes_below_m2: float | None = None,
                         source: str = "", strip_rows: int = STRIP_ROWS) -> gpd.GeoDataFrame:
    """Polygons from a probability GeoTIFF on `grid`, read in strips of `strip_rows` (see `vectorize_strips`)."""
    return vectorize_strips(read_strips(path, strip_rows), grid, threshold, min_area_m2, fill_holes_below_m2, source)


def polygons_from_array(probability: np.ndarray, grid: Grid, threshold: float = 0.5,
                        min_area_m2: float = MIN_MAPPED_AREA_M2, uncertainty: np.ndarray | None = None,
                        fill_holes_below_m2: float | None = None, source: str = "",
                        strip_rows: int = STRIP_ROWS) -> gpd.GeoDataFrame:
    """Polygons from an in-memory probability array (rows, cols) on `grid` (see `vectorize_strips`)."""
    strips = (
        (r, probability[r:r + strip_rows], None if uncertainty is None else uncertainty[r:r + strip_rows])
        for r in range(0, probability.shape[0], strip_rows)
    )
    return vectorize_strips(strips, grid, threshold, min_area_m2, fill_holes_below_m2, source)
