"""Outputs open styled in QGIS: the polygons' layer_styles row graduated by score, a described probability COG."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pyogrio
import rasterio

from massmap.io.labels import read_polygons
from massmap.predict import predict_scene
from tests.conftest import write_raster
from tests.predict.conftest import cone_phase, standin_model, utm_transform


def test_polygons_carry_a_graduated_score_style_and_the_cog_says_what_it_holds(tmp_path: Path) -> None:
    scene = write_raster(tmp_path / "cone_phase.tif", cone_phase((96, 96), (48, 48), 25.0), transform=utm_transform())
    out, prob = tmp_path / "cone.gpkg", tmp_path / "prob.tif"
    result = predict_scene(scene, out, probability=prob, model=standin_model(tmp_path), threshold=0.6,
                           backend="torch", progress=False, min_area_m2=0)
    assert len(result.polygons) >= 1
    styles = pyogrio.read_dataframe(out, layer="layer_styles")
    assert list(styles["f_table_name"]) == ["cone"] and bool(styles["useAsDefault"].iloc[0])
    qml = ET.fromstring(styles["styleQML"].iloc[0].split("\n", 1)[1])
    renderer = qml.find("renderer-v2")
    assert (renderer.get("type"), renderer.get("attr")) == ("graduatedSymbol", "score")
    ranges = [(float(r.get("lower")), float(r.get("upper"))) for r in renderer.iter("range")]
    assert ranges[0][0] == 0.6 and ranges[-1][1] == 1.0 and len(ranges) == len(renderer.find("symbols"))
    # massmap reads its own output's polygons, not the style table, and without a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert len(read_polygons(out)) == len(result.polygons)
    with rasterio.open(prob) as src:
        assert src.descriptions[0].startswith("probability of a mass-movement phase pattern")
        tags = src.tags()
    assert tags["threshold"] == "0.6" and tags["input"] == str(scene) and "standin" in tags["model"]
    assert tags["massmap_version"]
