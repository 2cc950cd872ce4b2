"""The page of one mapped scene: self-contained, images present, one gallery entry per polygon, best score first."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from massmap.cli import app
from massmap.predict import predict_scene
from tests.conftest import write_raster
from tests.predict.conftest import cone_phase, standin_model, utm_transform


def _two_cones(tmp_path: Path) -> Path:
    """A 160 x 200 UTM scene with two cones of deformation (radius 24 and 14 px)."""
    phase = cone_phase((160, 200), (50, 60), 24.0) + cone_phase((160, 200), (110, 150), 14.0, rad_per_px=1.3)
    phase = (np.mod(phase + np.pi, 2 * np.pi) - np.pi).astype(np.float32)
    write_raster(tmp_path / "two_coh.tif", np.full((160, 200), 0.8, np.float32), transform=utm_transform())
    return write_raster(tmp_path / "two_phase.tif", phase, transform=utm_transform())


def test_report_page_has_maps_histogram_and_one_chip_per_polygon(tmp_path: Path) -> None:
    scene = _two_cones(tmp_path)
    page = tmp_path / "page.html"
    result = predict_scene(scene, tmp_path / "p.gpkg", model=standin_model(tmp_path), backend="torch",
                           progress=False, report=page, min_area_m2=0)
    n = len(result.polygons)
    assert n >= 2
    text = page.read_text()
    assert "http://" not in text and "https://" not in text and "<script" not in text  # no network needed
    chips = re.findall(r'<figure class="item"><img alt="#(\d+)  score ([0-9.]+)', text)
    assert [int(k) for k, _ in chips] == list(range(1, n + 1))
    scores = [float(s) for _, s in chips]
    assert scores == sorted(scores, reverse=True)
    assert len(re.findall(r'src="data:image/(png|jpeg);base64,', text)) == n + 2  # overview, histogram, chips
    assert text.count(" m2<br>") == n and "twilight" in text
    # Latitude and longitude of each detection: the scene lies at 46.2 N, 10.2 E (UTM 32N, 590 km east).
    lat, lon = map(float, re.search(r"<br>(\d+\.\d+), (\d+\.\d+)</figcaption>", text).groups())
    assert 46.0 < lat < 46.4 and 10.0 < lon < 10.4
    assert "<td class=\"text\">threshold</td>" in text


def test_cli_report_with_no_detection_still_draws_the_scene(tmp_path: Path, monkeypatch) -> None:
    import massmap.predict.run as run

    flat = write_raster(tmp_path / "flat_phase.tif", np.full((64, 64), 0.3, np.float32))
    monkeypatch.setattr(run, "load_model", lambda *a, **k: standin_model(tmp_path))
    page = tmp_path / "flat.html"
    result = CliRunner().invoke(app, ["predict", str(flat), "-o", str(tmp_path / "f.gpkg"), "--report", str(page),
                                      "--backend", "torch", "-q"])
    assert result.exit_code == 0, result.output
    text = page.read_text()
    assert "0 detections above probability" in text and 'class="gallery"' not in text
    assert text.count('src="data:image/jpeg;base64,') == 1 and 'data:image/png' not in text


def test_report_of_a_raster_without_crs_gives_pixel_coordinates(tmp_path: Path) -> None:
    scene = write_raster(tmp_path / "x.tif", cone_phase((100, 120), (50, 60), 20.0), crs=None)
    page = tmp_path / "x.html"
    result = predict_scene(scene, model=standin_model(tmp_path), backend="torch", progress=False, min_area_m2=0,
                           report=page, pixel_size_m=20.0)
    assert len(result.polygons) == 1
    x, y = map(float, re.search(r"<br>x (\d+), y (\d+)</figcaption>", page.read_text()).groups())
    assert abs(x - 60) <= 2 and abs(y - 50) <= 2  # the cone's centre, column 60 and row 50
