"""What predict guarantees about its outputs: never replaced unasked, provenance recorded, areas in honest units,
nothing partial after an interruption, a full disk or a killed run."""

from __future__ import annotations

import logging
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyogrio
import rasterio
from typer.testing import CliRunner

from massmap.atomic import owner_tag
from massmap.cli import app
from massmap.predict import predict_scene
from tests.conftest import write_raster
from tests.predict.conftest import cone_phase, standin_model

QUIET = dict(progress=False, backend="torch")
runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def _predict_args(scene: Path, model: Path, *extra: str) -> list[str]:
    return ["predict", str(scene), "--model", str(model), "--backend", "torch", "--min-area", "0", "-q", *extra]


def test_an_existing_output_needs_overwrite_and_a_killed_runs_leftovers_go(cone_scene, random_unet, tmp_path) -> None:
    scene, _ = cone_scene
    out = tmp_path / "polygons.gpkg"
    dead = tmp_path / f".polygons.gpkg.{owner_tag().rsplit('-', 1)[0]}-{2**22 + 7}-x1y2z3.partial"
    dead.mkdir()
    (dead / "polygons.gpkg").write_bytes(b"half a GeoPackage from a run killed by SIGKILL")
    first = runner.invoke(app, _predict_args(scene, random_unet, "-o", str(out)))
    assert first.exit_code == 0, first.output
    assert not dead.exists()  # reclaimed at the next start
    before = out.read_bytes()
    again = runner.invoke(app, _predict_args(scene, random_unet, "-o", str(out)))
    assert again.exit_code == 1 and "already exists; give --overwrite" in again.output
    assert out.read_bytes() == before
    replaced = runner.invoke(app, _predict_args(scene, random_unet, "-o", str(out), "--overwrite"))
    assert replaced.exit_code == 0, replaced.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cone_phase.tif", "polygons.gpkg", "unet"]


def test_polygons_and_probability_record_their_provenance(cone_scene, random_unet, tmp_path) -> None:
    scene, _ = cone_scene
    out, prob = tmp_path / "p.gpkg", tmp_path / "p.tif"
    predict_scene(scene, out, probability=prob, model=str(random_unet), threshold=0.6, **QUIET)
    meta = pyogrio.read_info(out)["layer_metadata"]
    with rasterio.open(prob) as src:
        tags = src.tags()
    for record in (meta, tags):
        assert record["threshold"] == "0.6" and record["massmap_version"] == "0.1.0"
        assert record["model_sha256"].startswith("sha256:") and len(record["model_sha256"]) == 23
        assert record["input_phase"] == str(scene.resolve()) and "unet" in record["model"]


def test_a_scene_without_crs_measures_in_pixels_and_scales_the_minimum_area(tmp_path, caplog) -> None:
    # A cone of 30 px radius: 2,800 pixels, kept by the default 5,600 m2 taken as 14 pixels of 20 m.
    scene = write_raster(tmp_path / "nocrs_phase.tif", cone_phase((150, 170), (70, 90), 30.0), crs=None)
    with caplog.at_level(logging.WARNING, logger="massmap"):
        result = predict_scene(scene, tmp_path / "o.gpkg", model=standin_model(tmp_path), tile_px=64, **QUIET)
    assert len(result.polygons) == 1 and "area_m2" not in result.polygons
    assert 2000 < result.polygons["area_px"].iloc[0] < 3600
    assert "areas are in pixels; --min-area 5600 m2 taken as 14 pixels" in caplog.text


def test_without_crs_the_cards_own_minimum_area_is_scaled_to_pixels_too(tmp_path, caplog) -> None:
    # The same 2,800-pixel cone; the card keeps polygons of 1.2 km2 and more: 3,000 pixels of 20 m.
    scene = write_raster(tmp_path / "nocrs_phase.tif", cone_phase((150, 170), (70, 90), 30.0), crs=None)
    model = standin_model(tmp_path, min_area_m2=1_200_000.0)
    with caplog.at_level(logging.WARNING, logger="massmap"):
        result = predict_scene(scene, tmp_path / "o.gpkg", model=model, tile_px=64, **QUIET)
    assert len(result.polygons) == 0 and "taken as 3000 pixels" in caplog.text
    kept = predict_scene(scene, tmp_path / "o.gpkg", model=model, tile_px=64, min_area_m2=5600.0, **QUIET)
    assert len(kept.polygons) == 1  # an explicit --min-area wins over the card's


def test_coherence_missing_on_part_of_the_scene_warns_then_maps(cone_scene, tmp_path, caplog) -> None:
    scene, _ = cone_scene
    coh = np.full((150, 170), 0.8, np.float32)
    coh[:45] = np.nan  # 30 % of the scene
    coh_path = write_raster(tmp_path / "coh.tif", coh, transform=rasterio.open(scene).transform, nodata=float("nan"))
    with caplog.at_level(logging.WARNING, logger="massmap"):
        predict_scene(scene, tmp_path / "o.gpkg", coherence=coh_path, model=standin_model(tmp_path), tile_px=64,
                      **QUIET)
    assert "coherence is missing on" in caplog.text
    share = float(caplog.text.split("missing on ")[1].split(" %")[0])
    assert 20 < share < 40  # the strided sample sees about the 30 % it lacks


def test_ctrl_c_prints_interrupted_and_leaves_nothing(cone_scene, random_unet, tmp_path, monkeypatch) -> None:
    import massmap.predict.run as run

    scene, _ = cone_scene

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "polygons_from_raster", interrupted)
    result = runner.invoke(app, _predict_args(scene, random_unet, "-o", str(tmp_path / "o.gpkg")))
    assert result.exit_code == 130
    assert result.output.strip() == "error: interrupted"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cone_phase.tif", "unet"]


def test_a_file_size_limit_gives_one_line_and_nothing_partial(cone_scene, random_unet, tmp_path) -> None:
    scene, _ = cone_scene
    out_dir = tmp_path / "out"
    out_dir.mkdir()

    def limit_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (40 * 1024, resource.RLIM_INFINITY))

    env = {**os.environ, "PYTHONPATH": f"{REPO / 'src'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run(
        [sys.executable, "-m", "massmap", *_predict_args(scene, random_unet, "-o", str(out_dir / "o.gpkg"),
                                                          "--probability", str(out_dir / "p.tif"))],
        preexec_fn=limit_files, capture_output=True, text=True, env=env, timeout=300,
    )
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert proc.returncode == 1, proc.stderr
    assert len(errors) == 1 and "file size limit reached" in errors[0], proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(out_dir.iterdir()) == []
