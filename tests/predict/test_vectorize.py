"""Probability maps to polygons: areas on the ground, strip merging, attributes, hole filling."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from pyproj import CRS, Geod
from shapely.geometry import box

from massmap.grid import Grid
from massmap.vectorize import polygons_from_array
from tests.conftest import UTM32
from tests.predict.conftest import utm_transform


def _square_map(size: int = 120, lo: int = 30, hi: int = 90) -> np.ndarray:
    prob = np.full((size, size), 0.1, np.float32)
    prob[lo:hi, lo:hi] = 0.9
    return prob


def test_square_area_in_utm_matches_its_geodesic_area() -> None:
    grid = Grid(120, 120, utm_transform(20.0), CRS.from_user_input(UTM32))
    gdf = polygons_from_array(_square_map(), grid, threshold=0.5, min_area_m2=0)
    assert len(gdf) == 1
    x0, y0 = utm_transform(20.0) @ (30, 90)
    truth = gpd.GeoSeries([box(x0, y0, x0 + 1200, y0 + 1200)], crs=UTM32).to_crs("+proj=laea +lat_0=46.2 +lon_0=7.8")
    assert gdf.area_m2[0] == pytest.approx(truth.area[0], rel=0.005)
    assert gdf.area_m2[0] == pytest.approx(1200.0**2, rel=0.005)
    assert gdf.score[0] == pytest.approx(0.9) and gdf.score_max[0] == pytest.approx(0.9)
    assert gdf.uncertainty[0] == pytest.approx(0.1, abs=1e-6)  # distance of 0.9 from 1


def test_square_area_in_geographic_crs_is_the_ground_area() -> None:
    transform = Affine(0.0002, 0, 7.3, 0, -0.0002, 46.2)
    grid = Grid(120, 120, transform, CRS.from_epsg(4326))
    gdf = polygons_from_array(_square_map(), grid, threshold=0.5, min_area_m2=0)
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == 1
    west, north = transform @ (30, 30)
    east, south = transform @ (90, 90)
    geodesic, _ = Geod(ellps="WGS84").polygon_area_perimeter([west, east, east, west], [south, south, north, north])
    assert gdf.area_m2[0] == pytest.approx(abs(geodesic), rel=0.005)
    assert 1.0e6 < gdf.area_m2[0] < 1.3e6  # 60 x 60 pixels of about 15.4 x 22.2 m


def test_regions_cut_by_strips_are_merged_back() -> None:
    yy, xx = np.mgrid[0:200, 0:160]
    prob = np.zeros((200, 160), np.float32)
    prob[np.hypot(yy - 60, xx - 50) < 35] = 0.8  # a disc across several strips
    prob[100:180, 100:110] = 0.9  # a U whose arms join only at the bottom
    prob[100:180, 130:140] = 0.9
    prob[170:180, 100:140] = 0.9
    prob[20:30, 120:130] = 0.7  # two squares touching only at a corner stay two regions
    prob[30:40, 130:140] = 0.7
    grid = Grid(200, 160, utm_transform(20.0), CRS.from_user_input(UTM32))
    whole = polygons_from_array(prob, grid, min_area_m2=0, strip_rows=1000)
    strips = polygons_from_array(prob, grid, min_area_m2=0, strip_rows=7)
    assert len(whole) == len(strips) == 4
    assert np.allclose(np.sort(whole.area_m2), np.sort(strips.area_m2))
    assert strips.union_all().symmetric_difference(whole.union_all()).area < 1.0
    u = strips.iloc[np.argmin(np.abs(strips.score - 0.9))]
    assert u.geometry.geom_type == "Polygon"
    assert u.area_m2 == pytest.approx((80 * 10 * 2 + 10 * 20) * 400, rel=0.005)


def test_small_regions_dropped_and_small_holes_filled() -> None:
    prob = np.zeros((100, 100), np.float32)
    prob[10:60, 10:60] = 0.9
    prob[30:32, 30:32] = 0.0  # a 4-pixel hole (1,600 m2)
    prob[80:83, 80:83] = 0.9  # 9 pixels: 3,600 m2 < 5,600 m2
    grid = Grid(100, 100, utm_transform(20.0), CRS.from_user_input(UTM32))
    gdf = polygons_from_array(prob, grid, min_area_m2=5600.0)
    assert len(gdf) == 1
    assert len(gdf.geometry[0].interiors) == 0
    assert gdf.area_m2[0] == pytest.approx(50 * 50 * 400, rel=0.005)
    kept = polygons_from_array(prob, grid, min_area_m2=0, fill_holes_below_m2=0)
    assert len(kept) == 2 and len(kept.geometry[0].interiors) == 1
