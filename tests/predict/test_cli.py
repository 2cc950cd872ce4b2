"""`massmap predict` and `massmap export-onnx` at the command line: outputs, and bad input as one line."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import onnxruntime as ort
import pytest
import rasterio
import torch
from typer.testing import CliRunner

from massmap.cli import app
from massmap.models import ModelCard, create_network, save_model
from massmap.models.store import default_model_dir
from tests.conftest import write_raster
from tests.predict.conftest import cone_phase, utm_transform
from tests.train.factories import write_terrain

runner = CliRunner()


def test_predict_writes_a_geopackage_and_a_probability_cog(cone_scene, random_unet: Path, tmp_path: Path) -> None:
    scene, _ = cone_scene
    out, prob = tmp_path / "polygons.gpkg", tmp_path / "probability.tif"
    result = runner.invoke(app, [
        "predict", str(scene), "--output", str(out), "--probability", str(prob), "--model", str(random_unet),
        "--backend", "torch", "--threshold", "0.5", "--min-area", "0", "--batch-size", "8", "--quiet",
    ])
    assert result.exit_code == 0, result.output
    gdf = gpd.read_file(out)
    assert {"area_m2", "score", "score_max", "uncertainty", "source"} <= set(gdf.columns)
    assert gdf.crs.to_epsg() == 32632 and len(gdf) > 0
    assert (gdf.source == "cone_phase.tif").all() and (gdf.score >= 0.5).all() and (gdf.area_m2 > 0).all()
    with rasterio.open(prob) as src:
        p = src.read(1)
        assert src.shape == (150, 170) and 0.0 <= np.nanmin(p) and np.nanmax(p) <= 1.0
    assert result.output == ""  # --quiet


def test_export_onnx_writes_a_model_onnx_runtime_loads(random_unet: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export-onnx", str(random_unet), "--out", str(tmp_path / "m.onnx")])
    assert result.exit_code == 0, result.output
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    logits = session.run(None, {session.get_inputs()[0].name: np.zeros((2, 3, 96, 64), np.float32)})[0]
    assert logits.shape == (2, 1, 96, 64)  # dynamic batch and tile size


def _one_error_line(result) -> str:
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    return lines[0]


@pytest.mark.parametrize("case", ["missing scene", "unwrapped phase", "missing output folder", "bad model"])
def test_bad_input_is_one_line_and_exit_1(case: str, random_unet: Path, tmp_path: Path) -> None:
    scene = write_raster(tmp_path / "ok_phase.tif", cone_phase((64, 64), (32, 32), 20.0), transform=utm_transform())
    model, out = str(random_unet), tmp_path / "o.gpkg"
    if case == "missing scene":
        scene = tmp_path / "nope.tif"
    elif case == "unwrapped phase":
        scene = write_raster(tmp_path / "unw_phase.tif", np.linspace(0, 40, 64 * 64, dtype=np.float32).reshape(64, 64),
                             transform=utm_transform())
    elif case == "missing output folder":
        out = tmp_path / "no" / "o.gpkg"
    else:
        model = str(tmp_path)
    result = runner.invoke(app, ["predict", str(scene), "-o", str(out), "--model", model, "--backend", "torch", "-q"])
    line = _one_error_line(result)
    assert {"missing scene": "not found", "unwrapped phase": "outside [-pi, pi]",
            "missing output folder": "does not exist", "bad model": "not a massmap model"}[case] in line
    assert not out.exists()


def test_default_model_not_yet_shipped_is_a_clear_error(cone_scene, tmp_path: Path) -> None:
    if (default_model_dir() / "model.safetensors").exists():
        pytest.skip("the default model is installed")
    scene, _ = cone_scene
    line = _one_error_line(runner.invoke(app, ["predict", str(scene), "-o", str(tmp_path / "o.gpkg")]))
    assert "default model" in line


def test_output_defaults_to_scene_name_in_working_folder(tmp_path, monkeypatch):
    from massmap.cli.predict import default_output

    monkeypatch.chdir(tmp_path)
    scene = Path("/data/012A_05443_131313_20200101_20200113.geo.diff_pha.tif")
    assert default_output(scene) == tmp_path / "012A_05443_131313_20200101_20200113_massmap.gpkg"


@pytest.fixture
def los_unet(tmp_path: Path) -> Path:
    """A random-init U-Net whose card asks for (sin, cos, coherence, los)."""
    torch.manual_seed(0)
    card = ModelCard(arch="unet", encoder="resnet18", channels=["sin", "cos", "coherence", "los"], patch_size=64)
    return save_model(create_network(card.arch, card.encoder, card.in_channels), card, tmp_path / "los_unet")


@pytest.mark.parametrize("given, missing", [(["--dem"], "give --los"), ([], "give --dem and --los")])
def test_a_los_model_without_the_los_geometry_is_refused_in_one_line(given, missing, los_unet, tmp_path) -> None:
    scene = write_raster(tmp_path / "ok_phase.tif", cone_phase((64, 64), (32, 32), 20.0), transform=utm_transform())
    dem, _ = write_terrain(tmp_path, "other", 64)  # not named after the scene, so not found by its naming
    out = tmp_path / "o.gpkg"
    extra = [arg for option in given for arg in (option, str(dem))]
    result = runner.invoke(app, ["predict", str(scene), "-o", str(out), "--model", str(los_unet), *extra,
                                 "--backend", "torch", "-q"])
    line = _one_error_line(result)
    assert "line-of-sight share of downslope motion" in line and line.endswith(missing)
    assert not out.exists()


def test_a_los_model_finds_the_dem_and_los_named_after_the_scene(los_unet, tmp_path, caplog) -> None:
    import logging

    from massmap.predict import predict_scene

    scene = write_raster(tmp_path / "ok_phase.tif", cone_phase((64, 64), (32, 32), 20.0), transform=utm_transform())
    dem, los = write_terrain(tmp_path, "ok", 64)
    with caplog.at_level(logging.INFO, logger="massmap"):
        predict_scene(scene, model=str(los_unet), backend="torch", progress=False, min_area_m2=0)
    assert f"DEM: {dem} (found by massmap simulator naming)" in caplog.text
    assert f"LOS geometry: {los} (found by massmap simulator naming)" in caplog.text


def test_a_los_model_maps_a_scene_given_its_dem_and_los(los_unet, tmp_path) -> None:
    scene = write_raster(tmp_path / "ok_phase.tif", cone_phase((64, 64), (32, 32), 20.0), transform=utm_transform())
    dem, los = write_terrain(tmp_path, "ok", 64)
    out = tmp_path / "o.gpkg"
    result = runner.invoke(app, ["predict", str(scene), "-o", str(out), "--model", str(los_unet), "--dem", str(dem),
                                 "--los", str(los), "--backend", "torch", "--min-area", "0", "-q"])
    assert result.exit_code == 0, result.output
    assert out.exists()
