"""predict_scene end to end on test-made scenes: seams, placement, nodata, atomic outputs, backends, errors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import torch
from rasterio.features import rasterize

import massmap
import massmap.predict.run as run_module
from massmap.errors import BadInputError, IncompatibleModelError, OutputError
from massmap.models import ModelCard, create_network
from massmap.models.store import LoadedModel
from massmap.predict import PredictionResult, predict_scene
from massmap.vectorize import polygons_from_array
from tests.conftest import write_raster
from tests.predict.conftest import cone_phase, standin_model, utm_transform

QUIET = dict(progress=False)


def _label_iou(polygons: gpd.GeoDataFrame, labels: np.ndarray) -> float:
    pred = rasterize(polygons.geometry, out_shape=labels.shape, transform=utm_transform()).astype(bool)
    return float((pred & labels).sum() / (pred | labels).sum())


def test_tiles_blend_without_seams(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:200, 0:232]
    phase = 0.03 * xx * yy / 10 + 0.5 * rng.standard_normal((200, 232))
    scene = write_raster(tmp_path / "s_phase.tif", np.mod(phase + np.pi, 2 * np.pi).astype(np.float32) - np.pi,
                         transform=utm_transform())
    model = standin_model(tmp_path)
    tiled = predict_scene(scene, model=model, tile_px=64, overlap=0.25, return_probability=True, **QUIET)
    whole = predict_scene(scene, model=model, tile_px=256, return_probability=True, **QUIET)
    assert tiled.timings.tiles > 12 and whole.timings.tiles == 1
    inner = (slice(4, -4), slice(4, -4))  # the proxy and the network both see zero padding at the scene edge
    assert np.abs(tiled.probability[inner] - whole.probability[inner]).max() < 1e-4
    # Tiles butted together without blending show the network's zero-padding at every tile edge: seams.
    cut = predict_scene(scene, model=model, tile_px=64, overlap=0.0, return_probability=True, **QUIET)
    assert np.abs(cut.probability[inner] - whole.probability[inner]).max() > 0.1
    assert 0.05 < whole.probability.std()  # a field with structure, not a constant


def test_polygons_land_where_the_labels_are(cone_scene, tmp_path: Path) -> None:
    scene, labels = cone_scene
    result = predict_scene(scene, tmp_path / "out.gpkg", model=standin_model(tmp_path), tile_px=64, **QUIET)
    assert isinstance(result, PredictionResult)
    assert len(result.polygons) == 1
    assert _label_iou(result.polygons, labels) > 0.85
    disc_m2 = labels.sum() * 20.0 * 20.0
    assert result.polygons.area_m2[0] == pytest.approx(disc_m2, rel=0.15)
    assert result.polygons.score[0] > 0.8
    assert result.polygons.source[0] == "cone_phase.tif"


def test_nodata_stays_nodata(tmp_path: Path) -> None:
    phase = cone_phase((150, 170), (70, 90), 30.0)
    phase[50:90, 60:120] = np.nan  # a hole across the middle of the deformation
    scene = write_raster(tmp_path / "hole_phase.tif", phase, transform=utm_transform(), nodata=float("nan"))
    result = predict_scene(scene, model=standin_model(tmp_path), probability=tmp_path / "p.tif",
                           return_probability=True, tile_px=64, min_area_m2=0, **QUIET)
    assert np.all(np.isnan(result.probability[50:90, 60:120]))
    assert np.isfinite(result.probability[:45]).all()
    with rasterio.open(tmp_path / "p.tif") as src:
        assert np.isnan(src.nodata)
        assert np.all(np.isnan(src.read(1)[50:90, 60:120]))
    hole = rasterio.features.rasterize(result.polygons.geometry, out_shape=(150, 170), transform=utm_transform())
    assert hole[52:88, 62:118].sum() == 0


def test_probability_is_a_cloud_optimised_geotiff_on_the_scene_grid(cone_scene, tmp_path: Path) -> None:
    scene, _ = cone_scene
    predict_scene(scene, tmp_path / "o.gpkg", probability=tmp_path / "p.tif", model=standin_model(tmp_path),
                  tile_px=64, **QUIET)
    with rasterio.open(tmp_path / "p.tif") as src, rasterio.open(scene) as ref:
        assert src.crs == ref.crs and src.transform == ref.transform and src.shape == ref.shape
        assert src.dtypes[0] == "float32" and src.profile["tiled"] and src.compression is not None
        assert src.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"


def test_a_failure_mid_run_leaves_no_output(cone_scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scene, _ = cone_scene
    make_runner = run_module.make_runner
    calls = {"n": 0}

    def failing_runner(*args, **kwargs):
        inner = make_runner(*args, **kwargs)

        def run(tiles):
            calls["n"] += 1
            if calls["n"] == 3:
                raise RuntimeError("killed mid-run")
            return inner(tiles)

        run.name = "failing"
        return run

    monkeypatch.setattr(run_module, "make_runner", failing_runner)
    out = tmp_path / "out" / "polygons.gpkg"
    out.parent.mkdir()
    with pytest.raises(RuntimeError, match="killed"):
        predict_scene(scene, out, probability=out.with_name("p.tif"), model=standin_model(tmp_path),
                      tile_px=64, batch_size=1, **QUIET)
    assert calls["n"] == 3
    assert list(out.parent.iterdir()) == []


def test_an_unwritable_output_is_refused_before_the_network_runs(cone_scene, tmp_path: Path) -> None:
    scene, _ = cone_scene
    model = standin_model(tmp_path)
    calls = []
    model.net.register_forward_hook(lambda *a: calls.append(1))
    with pytest.raises(OutputError, match="does not exist"):
        predict_scene(scene, tmp_path / "missing" / "o.gpkg", model=model, **QUIET)
    with pytest.raises(OutputError, match="does not exist"):
        predict_scene(scene, tmp_path / "o.gpkg", probability=tmp_path / "nope" / "p.tif", model=model, **QUIET)
    assert calls == []


def test_torch_and_onnx_agree(tmp_path: Path, random_unet: Path) -> None:
    phase = cone_phase((100, 140), (50, 70), 35.0, 0.7)
    scene = write_raster(tmp_path / "b_phase.tif", phase, transform=utm_transform())
    runs = {b: predict_scene(scene, model=random_unet, backend=b, return_probability=True, **QUIET)
            for b in ("torch", "onnx")}
    assert (random_unet / "model.onnx").exists()  # exported on the fly into the model folder
    assert runs["onnx"].timings.backend == "onnx"
    assert np.abs(runs["torch"].probability - runs["onnx"].probability).max() < 1e-3
    # A random network has no opinion: threshold at its median so both backends trace many regions.
    threshold = float(np.median(runs["torch"].probability))
    polys = {b: polygons_from_array(r.probability, r.grid, threshold, min_area_m2=8000) for b, r in runs.items()}
    assert len(polys["torch"]) == len(polys["onnx"]) > 0
    assert polys["torch"].area_m2.sum() == pytest.approx(polys["onnx"].area_m2.sum(), rel=0.01)


def test_onnx_for_an_in_memory_model_goes_to_the_cache(cone_scene, tmp_path: Path) -> None:
    scene, _ = cone_scene
    torch_run = predict_scene(scene, model=standin_model(tmp_path), backend="torch", tile_px=64,
                              return_probability=True, **QUIET)
    onnx_run = predict_scene(scene, model=standin_model(tmp_path), backend="onnx", tile_px=64,
                             return_probability=True, **QUIET)
    assert len(list((tmp_path / "cache" / "onnx").glob("*.onnx"))) == 1
    assert np.nanmax(np.abs(torch_run.probability - onnx_run.probability)) < 1e-3


def test_a_model_needing_a_coherence_file_is_refused(cone_scene, tmp_path: Path) -> None:
    scene, _ = cone_scene
    with pytest.raises(IncompatibleModelError, match="requires a coherence file"):
        predict_scene(scene, model=standin_model(tmp_path, requires_coherence_file=True), **QUIET)


def test_a_network_with_other_input_channels_than_its_card_is_refused(cone_scene, tmp_path: Path) -> None:
    scene, _ = cone_scene
    card = ModelCard(arch="unet", encoder="resnet18", channels=["sin", "cos", "coherence"], patch_size=64)
    wrong = LoadedModel(create_network("unet", "resnet18", 2).eval(), card, tmp_path, torch.device("cpu"))
    with pytest.raises(IncompatibleModelError, match="takes 2 input channels"):
        predict_scene(scene, model=wrong, **QUIET)
    with pytest.raises(IncompatibleModelError, match="slope"):
        predict_scene(scene, model=standin_model(tmp_path, channels=["sin", "cos", "slope"]), **QUIET)


def test_a_scene_smaller_than_a_tile_is_padded(tmp_path: Path, random_unet: Path) -> None:
    scene = write_raster(tmp_path / "tiny_phase.tif", cone_phase((20, 30), (10, 15), 8.0), transform=utm_transform())
    result = predict_scene(scene, model=random_unet, backend="torch", min_area_m2=0, **QUIET)
    assert result.probability.shape == (20, 30) and np.isfinite(result.probability).all()
    assert result.timings.tiles == 1
    small = predict_scene(scene, model=standin_model(tmp_path), tile_px=64, min_area_m2=0, **QUIET)
    assert len(small.polygons) == 1


def test_tta_reports_disagreement_as_uncertainty(cone_scene, tmp_path: Path) -> None:
    scene, labels = cone_scene
    plain = predict_scene(scene, model=standin_model(tmp_path), tile_px=64, return_probability=True, **QUIET)
    tta = predict_scene(scene, model=standin_model(tmp_path), tile_px=64, tta=True, return_probability=True, **QUIET)
    # The stand-in is nearly rotation-equivariant: TTA changes little, and its views mostly agree.
    assert np.abs(tta.probability - plain.probability).max() < 0.05
    assert len(tta.polygons) == 1 and 0.0 <= tta.polygons.uncertainty[0] < 0.05
    assert _label_iou(tta.polygons, labels) > 0.85


def test_massmap_predict_is_callable_from_the_package(cone_scene, tmp_path: Path) -> None:
    scene, _ = cone_scene
    result = massmap.predict(scene, tmp_path / "o.gpkg", model=standin_model(tmp_path), tile_px=64, **QUIET)
    assert len(gpd.read_file(tmp_path / "o.gpkg")) == len(result.polygons) == 1
    assert result.paths == {"output": tmp_path / "o.gpkg"}
    assert result.probability is None  # a file was asked for, the array only on request


def test_a_scene_without_crs_reports_areas_from_the_pixel_size(tmp_path: Path) -> None:
    phase = cone_phase((150, 170), (70, 90), 30.0)
    scene = write_raster(tmp_path / "plain_phase.tif", phase, crs=None)
    result = predict_scene(scene, tmp_path / "o.gpkg", model=standin_model(tmp_path), tile_px=64, pixel_size_m=20.0,
                           **QUIET)
    assert result.polygons.crs is None and len(result.polygons) == 1
    pixels = result.polygons.geometry[0].area  # pixel units
    assert result.polygons.area_m2[0] == pytest.approx(pixels * 400.0)
    assert len(gpd.read_file(tmp_path / "o.gpkg")) == 1


def test_the_card_tile_size_is_the_default_and_an_explicit_one_wins(cone_scene, tmp_path: Path) -> None:
    scene, _ = cone_scene  # 150 x 170 pixels
    model = standin_model(tmp_path, tile_px=64)
    assert predict_scene(scene, model=model, **QUIET).timings.tiles == 12  # 3 x 4 tiles of 64 px, stride 48
    model.card.tile_px = 256
    assert predict_scene(scene, model=model, **QUIET).timings.tiles == 1
    assert predict_scene(scene, model=model, tile_px=128, **QUIET).timings.tiles == 4


@pytest.mark.parametrize("tile_px", [100, 16])
def test_a_tile_size_the_encoder_cannot_halve_five_times_is_refused(cone_scene, tmp_path: Path, tile_px: int) -> None:
    scene, _ = cone_scene
    with pytest.raises(BadInputError, match=f"--tile-px must be a multiple of 32.*got {tile_px}"):
        predict_scene(scene, model=standin_model(tmp_path), tile_px=tile_px, **QUIET)
