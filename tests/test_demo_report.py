"""The demo's report: every true positive, miss and false alarm as a zoomed chip, a per-object table, readable
parameters."""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
from affine import Affine
from shapely.geometry import box

from massmap.demo_report import FALSE_POSITIVE, MISSED, TRUE_POSITIVE, demo_report, object_outcomes
from massmap.grid import Grid

GRID = Grid(100, 100, Affine(20.0, 0, 590000.0, 0, -20.0, 5120000.0), "EPSG:32632")


def _frame(boxes: list[tuple[float, float, float, float]], **columns) -> gpd.GeoDataFrame:
    """Polygons from pixel boxes (col0, row0, col1, row1) on GRID."""
    geoms = [box(590000 + 20 * c0, 5120000 - 20 * r1, 590000 + 20 * c1, 5120000 - 20 * r0) for c0, r0, c1, r1 in boxes]
    return gpd.GeoDataFrame(columns, geometry=geoms, crs="EPSG:32632")


TRUTH = _frame([(10, 10, 30, 30), (60, 60, 80, 80)], area_m2=[160000.0, 160000.0])
# The first prediction overlaps the first true box with IoU 0.81; the second lies where nothing is.
PRED = _frame([(12, 10, 30, 30), (60, 10, 70, 20)], score=[0.9, 0.8], area_m2=[144000.0, 40000.0])


def test_outcomes_are_one_true_positive_one_miss_one_false_alarm() -> None:
    rows = object_outcomes(PRED, TRUTH, GRID)
    kinds = {r["kind"]: r for r in rows}
    assert sorted(kinds) == sorted([TRUE_POSITIVE, MISSED, FALSE_POSITIVE])
    assert abs(kinds[TRUE_POSITIVE]["iou"] - 0.9) < 0.01 and kinds[TRUE_POSITIVE]["score"] == 0.9
    assert kinds[MISSED]["truth"] == 1 and kinds[MISSED]["iou"] == 0.0
    assert kinds[FALSE_POSITIVE]["pred"] == 1 and kinds[FALSE_POSITIVE]["area_m2"] == 40000.0


def test_report_has_a_chip_and_a_table_row_per_object_and_no_raw_json() -> None:
    rng = np.random.default_rng(0)
    phase = rng.uniform(-np.pi, np.pi, GRID.shape).astype(np.float32)
    metrics = {"pixel": {"iou": 0.5, "dice": 0.6, "precision": 0.7, "recall": 0.5},
               "object": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "tp": 1, "n_truth": 2, "n_pred": 2},
               "missed_by_size": [{"size class": "all", "missed": 1}]}
    page = demo_report("massmap demo", "test", phase, np.zeros(GRID.shape, np.float32), PRED, TRUTH, GRID, metrics,
                       {"seed": 7, "heading_deg": 349.123456, "look": [0.61, -0.12, 0.78]}, "done").to_html()
    captions = re.findall(r'<figure class="item"><img alt="([a-z ]+)"', page)
    assert captions == [TRUE_POSITIVE, MISSED, FALSE_POSITIVE]
    assert "<pre>" not in page and "<td class=\"text\">349.1</td>" in page and "0.61, -0.12, 0.78" in page
    assert page.count("<td class=\"text\">true positive</td>") == 1
    assert "wrapped phase (twilight" in page
