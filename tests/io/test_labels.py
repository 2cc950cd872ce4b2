"""Expert labels: any format and CRS, attributes and --where, repair, empty files, masks."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import CRS
from shapely.geometry import Polygon, box

from massmap.errors import BadInputError
from massmap.grid import Grid
from massmap.io.labels import label_mask, rasterize_polygons, read_polygons
from tests.conftest import UTM32, UTM_ORIGIN, write_raster

GRID = Grid(64, 64, Affine(20.0, 0, UTM_ORIGIN[0], 0, -20.0, UTM_ORIGIN[1]), CRS(UTM32))


def two_mappings() -> gpd.GeoDataFrame:
    """A coherent 200 m square (100 pixels) and an incoherent 100 m square (25 pixels), by two mappers."""
    x0, y0 = UTM_ORIGIN
    return gpd.GeoDataFrame(
        {"coherent": [1, 0], "mapper": ["A", "B"]},
        geometry=[box(x0 + 200, y0 - 400, x0 + 400, y0 - 200), box(x0 + 800, y0 - 900, x0 + 900, y0 - 800)],
        crs=UTM32,
    )


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson", ".fgb"])
def test_formats_reprojected_and_rasterized(tmp_path, suffix):
    path = tmp_path / f"labels{suffix}"
    two_mappings().to_crs("EPSG:4326").to_file(path)
    gdf = read_polygons(path, GRID)
    assert gdf.crs == GRID.crs
    assert sorted(gdf["mapper"]) == ["A", "B"]  # FlatGeobuf reorders features by its spatial index
    mask = rasterize_polygons(gdf, GRID)
    assert abs(int(mask.sum()) - 125) <= 3  # reprojection moves edges by well under a pixel


def test_where_selects_coherent_patterns(tmp_path):
    path = tmp_path / "labels.gpkg"
    two_mappings().to_file(path)
    assert int(label_mask(path, GRID, where="coherent = 1").sum()) == 100
    assert int(label_mask(path, GRID).sum()) == 125
    with pytest.raises(BadInputError, match="--where"):
        read_polygons(path, GRID, where="no_such_column = 1")


def test_invalid_geometry_repaired_with_warning(tmp_path, caplog):
    x0, y0 = UTM_ORIGIN
    bowtie = Polygon([(x0, y0 - 400), (x0 + 400, y0), (x0 + 400, y0 - 400), (x0, y0)])
    path = tmp_path / "bad.gpkg"
    gpd.GeoDataFrame({"id": [1]}, geometry=[bowtie], crs=UTM32).to_file(path)
    with caplog.at_level(logging.WARNING, logger="massmap"):
        gdf = read_polygons(path, GRID)
    assert "1 invalid geometries repaired" in caplog.text
    assert len(gdf) == 1 and gdf.geometry.is_valid.all()
    assert gdf.geometry.area.iloc[0] == pytest.approx(80000.0)  # two triangles of 40,000 m2, not dropped


def test_empty_label_file_is_a_scene_without_movement(tmp_path):
    path = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"coherent": pd.Series([], dtype=int)}, geometry=[], crs=UTM32).to_file(path)
    assert len(read_polygons(path, GRID)) == 0
    assert int(label_mask(path, GRID).sum()) == 0


def test_mask_raster_is_accepted_as_labels(tmp_path):
    mask = np.zeros((64, 64), np.uint8)
    mask[10:20, 5:15] = 1
    path = write_raster(tmp_path / "mask.tif", mask)
    np.testing.assert_array_equal(label_mask(path, GRID), mask)


def test_unreadable_vector_is_refused(tmp_path):
    path = tmp_path / "junk.gpkg"
    path.write_text("not a geopackage")
    with pytest.raises(BadInputError, match="junk.gpkg"):
        read_polygons(path, GRID)
