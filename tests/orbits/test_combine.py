"""Ascending and descending detections merged: IoU of constructed outlines, visibility on planes of known aspect."""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from affine import Affine
from typer.testing import CliRunner

from massmap.cli import app
from massmap.errors import BadInputError
from massmap.orbits import combine_orbits, slope_visibility
from tests.conftest import UTM32, UTM_ORIGIN, utm_square, write_raster

X0, Y0 = UTM_ORIGIN[0] + 1000.0, UTM_ORIGIN[1] - 1000.0
INCIDENCE_DEG = 39.0


def _pair(offset_m: float = 100.0) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """200 m squares: ascending at (X0, Y0), descending shifted east by `offset_m` (and given in WGS84)."""
    asc = utm_square(X0, Y0, 200.0, score=0.8)
    desc = utm_square(X0 + offset_m, Y0, 200.0, score=0.6).to_crs("EPSG:4326")
    return asc, desc


def _plane_dem(path: Path, slope_deg: float, aspect_deg: float, size: int = 150) -> Path:
    """A tilted plane on 20 m UTM pixels around the test squares, falling towards `aspect_deg`."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    east, north = xx * 20.0, -yy * 20.0
    downhill = east * math.sin(math.radians(aspect_deg)) + north * math.cos(math.radians(aspect_deg))
    dem = 3000.0 - math.tan(math.radians(slope_deg)) * downhill
    return write_raster(path, dem.astype(np.float32), transform=Affine(20.0, 0, X0 - 1000.0, 0, -20.0, Y0 + 1500.0))


def test_half_overlapping_squares_have_iou_one_third_and_merge() -> None:
    asc, desc = _pair(100.0)  # overlap 100 x 200 = 20,000 m2; union 60,000 m2
    out = combine_orbits(asc, desc)
    assert len(out) == 1
    row = out.iloc[0]
    assert row["seen_in"] == "both"
    assert row["iou"] == pytest.approx(1 / 3, abs=1e-6)
    assert (row["asc_id"], row["desc_id"], row["asc_score"], row["desc_score"]) == (0, 0, 0.8, 0.6)
    assert row["area_m2"] == pytest.approx(60000.0, rel=2e-3)  # geodesic; UTM scale factor near 1
    assert out.crs == asc.crs  # descending reprojected onto the ascending CRS
    assert row["note"] == "seen in both orbits"


def test_geographic_inputs_are_measured_in_metres() -> None:
    asc, desc = _pair(100.0)
    out = combine_orbits(asc.to_crs("EPSG:4326"), desc)  # IoU computed in the UTM zone, not in degrees
    assert out.crs == "EPSG:4326"
    assert out["iou"].iloc[0] == pytest.approx(1 / 3, abs=1e-4)
    assert out["area_m2"].iloc[0] == pytest.approx(60000.0, rel=2e-3)


def test_below_min_iou_the_two_stay_single_with_their_overlap() -> None:
    asc, desc = _pair(100.0)
    out = combine_orbits(asc, desc, min_iou=0.5)
    assert sorted(out["seen_in"]) == ["ascending", "descending"]
    assert out["iou"].to_numpy() == pytest.approx([1 / 3, 1 / 3], abs=1e-6)
    assert out["area_m2"].to_numpy() == pytest.approx([40000.0, 40000.0], rel=2e-3)


def test_disjoint_detections_are_seen_in_one_orbit_only() -> None:
    squares = list(utm_square(X0, Y0, 200.0).geometry) + list(utm_square(X0 + 1000, Y0, 100.0).geometry)
    asc = gpd.GeoDataFrame(geometry=squares, crs=UTM32)
    desc = utm_square(X0 + 120.0, Y0, 200.0)  # IoU with asc[0]: 80*200 / (80,000 - 16,000) = 0.25
    out = combine_orbits(asc, desc).set_index("asc_id")
    assert out.loc[0, "seen_in"] == "both" and out.loc[0, "iou"] == pytest.approx(0.25)
    assert out.loc[1, "seen_in"] == "ascending" and out.loc[1, "iou"] == 0.0 and out.loc[1, "desc_id"] == -1


def _hand_sensitivity(slope_deg: float, aspect_deg: float, heading_deg: float) -> float:
    """Downslope unit motion dotted with a right-looking satellite's look vector (satellite to ground)."""
    s, a, i, look_az = (math.radians(v) for v in (slope_deg, aspect_deg, INCIDENCE_DEG, heading_deg + 90.0))
    motion = (math.cos(s) * math.sin(a), math.cos(s) * math.cos(a), -math.sin(s))
    look = (math.sin(i) * math.sin(look_az), math.sin(i) * math.cos(look_az), -math.cos(i))
    return sum(m * v for m, v in zip(motion, look))


def test_east_facing_plane_is_seen_from_ascending_not_descending(tmp_path: Path) -> None:
    # Ascending (heading -12 deg) looks east (azimuth 78 deg): an east-facing slope moves almost straight away from
    # it (sensitivity +0.92). Descending looks west (282 deg): the motion is nearly across its line of sight (-0.14).
    dem = _plane_dem(tmp_path / "dem.tif", 30.0, 90.0)
    asc, desc = _pair(100.0)
    out = combine_orbits(asc, desc, dem=dem).iloc[0]
    assert out["slope_deg"] == pytest.approx(30.0, abs=0.1)
    assert out["aspect_deg"] == pytest.approx(90.0, abs=0.1)
    assert out["asc_sensitivity"] == pytest.approx(_hand_sensitivity(30, 90, -12), abs=1e-3)
    assert out["asc_sensitivity"] == pytest.approx(0.922, abs=2e-3)
    assert out["desc_sensitivity"] == pytest.approx(-0.145, abs=2e-3)
    assert bool(out["visible_asc"]) and not bool(out["visible_desc"])
    assert not bool(out["layover_shadow_asc"]) and not bool(out["layover_shadow_desc"])
    assert out["note"] == "seen in both orbits; slope poorly visible to descending"


def test_west_facing_plane_is_the_mirror_image(tmp_path: Path) -> None:
    out = combine_orbits(*_pair(100.0), dem=_plane_dem(tmp_path / "dem.tif", 30.0, 270.0)).iloc[0]
    assert out["desc_sensitivity"] == pytest.approx(0.922, abs=2e-3)
    assert not bool(out["visible_asc"]) and bool(out["visible_desc"])


def test_steep_slope_facing_descending_is_layover_prone() -> None:
    # 45 deg facing east: in descending's look plane the slope faces the radar at atan(tan 45 * cos 12) = 44.4 deg,
    # steeper than the 39 deg incidence (layover); for ascending it faces away at 44.4 < 51 deg (no shadow).
    vis = slope_visibility(np.array([45.0]), np.array([90.0]))
    assert bool(vis["layover_shadow_desc"].iloc[0]) and not bool(vis["layover_shadow_asc"].iloc[0])
    assert bool(vis["visible_asc"].iloc[0]) and not bool(vis["visible_desc"].iloc[0])


def test_geographic_dem_is_warped_to_metres(tmp_path: Path) -> None:
    asc, desc = _pair(100.0)
    lon0, lat0 = asc.to_crs("EPSG:4326").geometry.iloc[0].centroid.coords[0]
    step = 0.0003
    lons = lon0 - 0.01 + np.arange(80) * step
    metres_per_deg_lon = 111320.0 * math.cos(math.radians(lat0))
    dem = 3000.0 - math.tan(math.radians(30.0)) * (lons - lons[0]) * metres_per_deg_lon
    path = write_raster(tmp_path / "dem_wgs84.tif", np.tile(dem, (80, 1)).astype(np.float32), crs="EPSG:4326",
                        transform=Affine(step, 0, lon0 - 0.01, 0, -step * 0.7, lat0 + 0.008))
    out = combine_orbits(asc, desc, dem=path).iloc[0]
    assert out["slope_deg"] == pytest.approx(30.0, abs=0.5)
    assert out["aspect_deg"] == pytest.approx(90.0, abs=1.0)


def test_polygon_off_the_dem_has_no_visibility(tmp_path: Path) -> None:
    far = utm_square(X0 + 50_000, Y0, 200.0)
    out = combine_orbits(far, far.iloc[:0], dem=_plane_dem(tmp_path / "dem.tif", 30.0, 90.0)).iloc[0]
    assert np.isnan(out["slope_deg"]) and not bool(out["visible_asc"]) and not bool(out["visible_desc"])


def test_bad_min_iou_is_refused() -> None:
    with pytest.raises(BadInputError, match="--min-iou"):
        combine_orbits(*_pair(), min_iou=0.0)


def test_cli_writes_combined_layer(tmp_path: Path) -> None:
    asc, desc = _pair(100.0)
    asc.to_file(tmp_path / "asc.gpkg")
    desc.to_file(tmp_path / "desc.gpkg")
    dem = _plane_dem(tmp_path / "dem.tif", 30.0, 90.0)
    out = tmp_path / "combined.gpkg"
    result = CliRunner().invoke(app, ["combine", str(tmp_path / "asc.gpkg"), str(tmp_path / "desc.gpkg"),
                                      "--out", str(out), "--dem", str(dem), "--min-iou", "0.1"])
    assert result.exit_code == 0, result.output
    assert "1 in both orbits, 0 in ascending only, 0 in descending only" in result.output
    written = gpd.read_file(out)
    assert written["seen_in"].tolist() == ["both"]
    assert bool(written["visible_asc"].iloc[0]) and not bool(written["visible_desc"].iloc[0])
