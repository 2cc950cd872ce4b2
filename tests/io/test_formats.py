"""Polygon outputs in the format their suffix names, Shapefiles with every sidecar, provenance in metadata."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pyarrow.parquet as pq
import pyogrio
import pytest

from massmap.atomic import owner_tag, reclaim_stale
from massmap.errors import OutputError
from massmap.io.formats import output_files, vector_format
from massmap.io.write import write_vector
from tests.conftest import UTM_ORIGIN, utm_square


@pytest.fixture
def square() -> gpd.GeoDataFrame:
    """One 100 m square in UTM 32N (10,000 m2)."""
    return utm_square(UTM_ORIGIN[0], UTM_ORIGIN[1] - 500, 100, area_m2=10_000.0, score=0.9)


@pytest.mark.parametrize("suffix, driver", [(".gpkg", "GPKG"), (".geojson", "GeoJSON"), (".fgb", "FlatGeobuf"),
                                            (".shp", "ESRI Shapefile"), (".kml", "KML")])
def test_each_suffix_writes_its_own_format(suffix, driver, square, tmp_path: Path) -> None:
    path = write_vector(square, tmp_path / f"out{suffix}")
    assert pyogrio.read_info(path)["driver"] in (driver, "LIB" + driver)  # GDAL reads KML with LIBKML
    back = gpd.read_file(path)
    assert len(back) == 1
    # KML is always longitude/latitude (GDAL reprojects); the square keeps its 10,000 m2 either way.
    assert back.crs.to_epsg() == (4326 if suffix == ".kml" else 32632)
    assert back.to_crs(32632).area.iloc[0] == pytest.approx(10_000.0, rel=1e-3)
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in output_files(path)}  # nothing hidden left


def test_shapefile_arrives_with_all_its_sidecars_and_drops_stale_ones(square, tmp_path: Path) -> None:
    (tmp_path / "out.qix").write_bytes(b"index of an older out.shp")
    write_vector(square, tmp_path / "out.shp")
    assert {p.name for p in tmp_path.iterdir()} == {"out.shp", "out.shx", "out.dbf", "out.prj", "out.cpg"}
    assert gpd.read_file(tmp_path / "out.shp").crs.to_epsg() == 32632


def test_geoparquet_keeps_geometry_crs_and_provenance(square, tmp_path: Path) -> None:
    path = write_vector(square, tmp_path / "out.parquet", metadata={"model": "m", "threshold": "0.75"})
    back = gpd.read_parquet(path)
    assert back.crs.to_epsg() == 32632 and back.area.iloc[0] == pytest.approx(10_000.0)
    meta = pq.read_schema(path).metadata
    assert meta[b"massmap:threshold"] == b"0.75"


def test_geopackage_records_provenance(square, tmp_path: Path) -> None:
    path = write_vector(square, tmp_path / "out.gpkg", metadata={"model_sha256": "sha256:abc", "threshold": "0.75"})
    assert pyogrio.read_info(path)["layer_metadata"] == {"model_sha256": "sha256:abc", "threshold": "0.75"}


@pytest.mark.parametrize("name", ["out.csv", "out.png", "out", "out.tif"])
def test_unknown_suffix_is_refused_in_one_line(name: str, square, tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot write polygons as"):
        vector_format(tmp_path / name)
    with pytest.raises(OutputError):
        write_vector(square, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_leftovers_of_a_dead_process_are_reclaimed_and_a_live_ones_kept(tmp_path: Path) -> None:
    host_pid = owner_tag()
    dead_pid = 2**22 + 12345  # above Linux's pid_max: no such process
    dead = tmp_path / f".out.gpkg.{host_pid.rsplit('-', 1)[0]}-{dead_pid}-abc123.partial"
    live = tmp_path / f".out.gpkg.{host_pid}-def456.partial"
    user = tmp_path / f"massmap-notes-{dead_pid}.txt"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "out.gpkg").write_bytes(b"half")
    user.write_text("a user's file is never touched")
    assert reclaim_stale(tmp_path) == [dead]
    assert live.exists() and user.exists() and not dead.exists()
    assert os.getpid() == int(host_pid.rsplit("-", 1)[1])
