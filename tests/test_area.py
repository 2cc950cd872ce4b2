"""Ground areas in m2 whatever the CRS, checked against the closed-form area of an ellipsoidal quadrangle."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from shapely.geometry import box

from massmap.area import geodesic_area_m2
from massmap.grid import Grid

# WGS84
A_M = 6378137.0
F = 1 / 298.257223563


def quadrangle_area_m2(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Closed-form area of a lon/lat box on the WGS84 ellipsoid (authalic latitude formula)."""
    e2 = F * (2 - F)
    e = math.sqrt(e2)
    b2 = (A_M * (1 - F)) ** 2

    def q(lat_deg: float) -> float:
        s = math.sin(math.radians(lat_deg))
        return s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)

    return b2 / 2 * math.radians(lon1 - lon0) * (q(lat1) - q(lat0))


BOX = (7.30, 46.10, 7.32, 46.115)  # about 1.5 km x 1.7 km in Valais


def test_polygon_area_in_epsg4326_matches_closed_form():
    expected = quadrangle_area_m2(*BOX)
    gs = gpd.GeoSeries([box(*BOX)], crs="EPSG:4326")
    assert geodesic_area_m2(gs)[0] == pytest.approx(expected, rel=5e-3)


def test_polygon_area_in_utm_matches_closed_form():
    expected = quadrangle_area_m2(*BOX)
    # Densify so the parallels stay curves once projected.
    gs = gpd.GeoSeries([box(*BOX).segmentize(0.0005)], crs="EPSG:4326").to_crs("EPSG:32632")
    assert geodesic_area_m2(gs)[0] == pytest.approx(expected, rel=5e-3)


def test_utm_area_is_ground_area_not_planar_area():
    # 1 km2 planar square in UTM far from the central meridian: ground area differs by the scale factor k^-2.
    gs = gpd.GeoSeries([box(300000, 5100000, 301000, 5101000)], crs="EPSG:32632")
    ground = geodesic_area_m2(gs)[0]
    assert ground != pytest.approx(1e6, rel=1e-4)
    assert ground == pytest.approx(1e6, rel=5e-3)


def test_geographic_grid_pixel_areas_follow_latitude():
    transform = Affine(0.001, 0, 7.0, 0, -0.001, 46.2)
    grid = Grid(150, 20, transform, crs=__import__("pyproj").CRS("EPSG:4326"))
    expected = quadrangle_area_m2(7.0, 46.2 - 0.15, 7.02, 46.2)
    assert grid.area_km2() * 1e6 == pytest.approx(expected, rel=1e-6)
    rows = grid.row_pixel_area_m2()
    assert rows[0] < rows[-1]  # pixels grow towards the equator
    mask = np.zeros((150, 20), bool)
    mask[:10] = True
    assert grid.mask_area_m2(mask) == pytest.approx(quadrangle_area_m2(7.0, 46.19, 7.02, 46.2), rel=1e-6)


def test_pixel_units_without_crs():
    gs = gpd.GeoSeries([box(0, 0, 10, 5)])
    assert geodesic_area_m2(gs)[0] == 50
    assert geodesic_area_m2(gs, pixel_size_m=20.0)[0] == 50 * 400


def test_mean_pixel_size_is_the_ground_spacing_slopes_are_measured_over():
    utm = Grid(10, 10, Affine(20.0, 0, 400_000.0, 0, -20.0, 5_100_000.0), crs=__import__("pyproj").CRS("EPSG:32632"))
    assert utm.mean_pixel_size_m() == 20.0
    assert Grid(10, 10, Affine.identity(), crs=None, pixel_size_m=30.0).mean_pixel_size_m() == 30.0
    # 0.001 deg pixels at 46.125 N: 77.3 m east-west (N cos(lat)), 111.1 m north-south (M), on WGS84.
    geo = Grid(150, 20, Affine(0.001, 0, 7.0, 0, -0.001, 46.2), crs=__import__("pyproj").CRS("EPSG:4326"))
    lat = math.radians(46.2 - 0.075)
    e2 = F * (2 - F)
    w = math.sqrt(1 - e2 * math.sin(lat) ** 2)
    dx = A_M / w * math.cos(lat) * math.radians(0.001)
    dy = A_M * (1 - e2) / w**3 * math.radians(0.001)
    assert geo.mean_pixel_size_m() == pytest.approx((dx + dy) / 2, rel=1e-4)
