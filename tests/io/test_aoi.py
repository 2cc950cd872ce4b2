"""--aoi: only the part of a scene inside an area of interest (any CRS) is read and mapped."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from massmap.errors import BadInputError
from massmap.io.scene import open_scene
from massmap.predict import predict_scene
from tests.conftest import UTM_ORIGIN, write_raster
from tests.predict.conftest import cone_phase, standin_model, utm_transform

X0, Y0 = UTM_ORIGIN


def _scene(tmp_path: Path) -> Path:
    """A 120 x 160 UTM scene (20 m) with cones at rows/cols (40, 40) and (80, 120), 15 px in radius."""
    phase = cone_phase((120, 160), (40, 40), 15.0) + cone_phase((120, 160), (80, 120), 15.0)
    return write_raster(tmp_path / "two_phase.tif", np.mod(phase + np.pi, 2 * np.pi).astype(np.float32) - np.pi,
                        transform=utm_transform())


def _aoi(tmp_path: Path, col0: int, row0: int, col1: int, row1: int, crs: str = "EPSG:4326") -> Path:
    """A GeoJSON box over pixel columns col0..col1 and rows row0..row1 of the scene, written in `crs`."""
    square = box(X0 + 20 * col0, Y0 - 20 * row1, X0 + 20 * col1, Y0 - 20 * row0)
    path = tmp_path / "aoi.geojson"
    gpd.GeoDataFrame(geometry=[square], crs="EPSG:32632").to_crs(crs).to_file(path)
    return path


def test_aoi_in_another_crs_crops_the_grid_and_blanks_the_outside(tmp_path: Path) -> None:
    scene = _scene(tmp_path)
    aoi = _aoi(tmp_path, 90, 50, 150, 110)
    with open_scene(scene, aoi_path=aoi) as reader, open_scene(scene) as whole:
        part, full = reader.read(), whole.read()
        grid = reader.grid
    # The box, reprojected to WGS 84 and back, covers about columns 90-150 and rows 50-110.
    assert abs(grid.width - 60) <= 2 and abs(grid.height - 60) <= 2
    col0 = round((grid.transform.c - X0) / 20)
    row0 = round((Y0 - grid.transform.f) / 20)
    assert abs(col0 - 90) <= 1 and abs(row0 - 50) <= 1
    inside = np.isfinite(part.phase_rad)
    assert 0.9 < inside.mean() <= 1.0
    np.testing.assert_array_equal(part.phase_rad[inside],
                                  full.phase_rad[row0:row0 + grid.height, col0:col0 + grid.width][inside])


def test_predict_maps_only_the_cone_inside_the_aoi(tmp_path: Path) -> None:
    scene = _scene(tmp_path)
    model = standin_model(tmp_path)
    everything = predict_scene(scene, model=model, backend="torch", progress=False, min_area_m2=0)
    inside = predict_scene(scene, model=model, backend="torch", progress=False, min_area_m2=0,
                           aoi=_aoi(tmp_path, 90, 50, 150, 110, crs="EPSG:3857"))
    assert len(everything.polygons) == 2 and len(inside.polygons) == 1
    centre = inside.polygons.geometry.iloc[0].centroid
    assert abs((centre.x - X0) / 20 - 120) < 3 and abs((Y0 - centre.y) / 20 - 80) < 3


def test_aoi_outside_the_scene_is_refused(tmp_path: Path) -> None:
    scene = _scene(tmp_path)
    aoi = _aoi(tmp_path, 500, 500, 560, 560)
    with pytest.raises(BadInputError, match="does not overlap the scene") as info:
        open_scene(scene, aoi_path=aoi)
    assert str(aoi) in str(info.value)
