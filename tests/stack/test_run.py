import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from typer.testing import CliRunner

from massmap.cli import app
from massmap.stack import run
from massmap.stack.run import predict_stack
from tests.stack.factories import CELL, DATES, SIZE, SLOPE, write_pair, write_probability
from tests.stack.test_pgs import chain_phases

runner = CliRunner()


def _fake_mapping(detected_in: dict[int, list]):
    """A stand-in for predict_batch: writes a probability map per pair (pair k detects `detected_in[k]`)."""

    def map_pairs(entries, pairs_dir, **options):
        pairs_dir.mkdir(exist_ok=True)
        paths = [write_probability(pairs_dir / f"{e.scene_id}_probability.tif", detected_in.get(k, []))
                 for k, e in enumerate(entries)]
        return list(entries), paths, []

    return map_pairs


def test_predict_stack_writes_layers_polygons_and_summary(tmp_path):
    geoc = tmp_path / "GEOC"
    for d1, d2 in DATES:
        write_pair(geoc, d1, d2)
    result = predict_stack([geoc], tmp_path / "out", threshold=0.5, progress=False,
                           map_pairs=_fake_mapping({0: [SLOPE], 1: [CELL], 2: [SLOPE], 4: [SLOPE]}))
    polygons = gpd.read_file(result.paths["polygons"])
    assert len(polygons) == 1 and polygons["persistence"].iloc[0] == pytest.approx(0.6)
    with rasterio.open(result.paths["raster"]) as src:
        assert src.count == 5 and src.descriptions[2] == "persistence"
    page = result.paths["report"].read_text()
    # The polygon's strip: its chip in each of the five pairs, three of them detecting it.
    assert page.count('<figure class="item">') == 5 and page.count("<br>detected<") == 3
    summary = json.loads(result.paths["summary"].read_text())
    assert summary["n_pairs"] == 5 and summary["min_persistence"] == run.DEFAULT_MIN_PERSISTENCE
    assert [p["date1"] for p in summary["pairs"]] == sorted(p["date1"] for p in summary["pairs"])


def test_predict_stack_pgs_draws_the_slope_and_not_a_date_atmosphere(tmp_path):
    dates = ["20200101", "20200113", "20200125", "20200206", "20200218"]
    for k, phase in enumerate(chain_phases()):
        write_pair(tmp_path / "GEOC", dates[k], dates[k + 1], phase=phase)
    result = runner.invoke(app, ["predict-stack", str(tmp_path / "GEOC"), "--out", str(tmp_path / "out"),
                                 "--method", "pgs", "--min-area", "1000", "--quiet"])
    assert result.exit_code == 0, result.output
    polygons = gpd.read_file(tmp_path / "out" / "stack_pgs.gpkg")
    with rasterio.open(tmp_path / "out" / "stack_pgs.tif") as src:
        assert src.descriptions[-1] == "pgs_rad_per_px_per_year"
        transform = src.transform
    inside = [polygons.contains(gpd.points_from_xy([x], [y])[0]).any() for x, y in
              (transform * (14, 14), transform * (46, 46))]
    assert inside == [True, False]
    assert polygons["n_pairs_valid"].max() == 4
    assert polygons["first_date"].min() == "2020-01-01"


def test_predict_stack_replaces_its_outputs_only_with_overwrite(tmp_path):
    dates = ["20200101", "20200113", "20200125", "20200206", "20200218"]
    for k, phase in enumerate(chain_phases()):
        write_pair(tmp_path / "GEOC", dates[k], dates[k + 1], phase=phase)
    args = ["predict-stack", str(tmp_path / "GEOC"), "--out", str(tmp_path / "out"), "--method", "pgs", "--quiet"]
    assert runner.invoke(app, args).exit_code == 0
    before = (tmp_path / "out" / "stack_pgs.gpkg").read_bytes()
    again = runner.invoke(app, args)
    assert again.exit_code == 1
    assert again.output.strip().endswith("stack_pgs.tif: already exists; give --overwrite to replace it")
    assert (tmp_path / "out" / "stack_pgs.gpkg").read_bytes() == before
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0


def test_predict_stack_reports_bad_input_in_one_line(tmp_path):
    one = write_pair(tmp_path, "20200101", "20200113")
    result = runner.invoke(app, ["predict-stack", str(one), "--out", str(tmp_path / "out"), "--method", "pgs"])
    assert result.exit_code == 1
    assert "at least two interferograms" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["predict-stack", str(one), str(one), "--out", str(tmp_path / "out"),
                                 "--method", "sum"])
    assert result.exit_code == 1 and "--method 'sum' is not one of model, pgs" in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_predict_stack_maps_pairs_with_the_default_model(tmp_path):
    for d1, d2 in DATES[:3]:
        # A flat phase of 0.1 rad, not 0: in a LiCSAR product 0 means nodata, and an all-nodata pair is refused.
        write_pair(tmp_path / "GEOC", d1, d2, phase=np.full((SIZE, SIZE), 0.1, np.float32))
    result = runner.invoke(app, ["predict-stack", str(tmp_path / "GEOC"), "--out", str(tmp_path / "out"),
                                 "--workers", "1", "--quiet"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "out" / "pairs").glob("*_probability.tif"))) == 3
    assert len(gpd.read_file(tmp_path / "out" / "stack_model.gpkg")) == 0
