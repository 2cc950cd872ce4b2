"""End to end: evaluate, agreement and inventory-stats on small files in several CRSs, through the CLI."""

import json

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from typer.testing import CliRunner

from massmap.cli import app
from massmap.evaluate import run as evaluation
from tests.evaluate.factories import pixel_box, utm_grid, write_mask, write_polygons, write_scene

runner = CliRunner()
PIXEL_KEYS = {"iou", "dice", "precision", "recall"}
OBJECT_KEYS = {"precision", "recall", "f1", "tp", "n_truth", "n_pred", "iou_threshold"}


@pytest.fixture
def case(tmp_path):
    """A scene with nodata rows 60-63; three true objects (in EPSG:4326) and three valid predicted ones (UTM).

    T1 rows 5-14 x cols 5-14 (100 px), T2 rows 30-34 x cols 30-34 (25 px, 2,500 m2), T3 rows 20-39 x cols 45-59
    (300 px). P1 = T1, P3 = T3 moved down 2 rows (IoU 270/330), P4 a false positive (25 px), P5 on nodata only.
    """
    grid = utm_grid()
    scene = write_scene(tmp_path / "scene.tif", grid, nodata_rows=slice(60, 64))
    t1, t2, t3 = pixel_box(grid, 5, 5, 15, 15), pixel_box(grid, 30, 30, 35, 35), pixel_box(grid, 20, 45, 40, 60)
    extra = pixel_box(grid, 45, 20, 50, 25)
    truth = write_polygons(tmp_path / "truth.gpkg", [t1, t2, t3, extra], to_crs="EPSG:4326",
                           kind=["landslide", "landslide", "landslide", "rock glacier"])
    pred = write_polygons(tmp_path / "pred.gpkg", [
        t1, pixel_box(grid, 22, 45, 42, 60), pixel_box(grid, 50, 5, 55, 10), pixel_box(grid, 61, 20, 64, 25)])
    return grid, scene, truth, pred


def test_evaluate_scores_the_hand_built_case(case):
    grid, scene, truth, pred = case
    r = evaluation.evaluate(pred, truth, scene, iou_threshold=0.4, where="kind = 'landslide'")
    assert PIXEL_KEYS <= set(r["pixel"]) and OBJECT_KEYS == set(r["object"])
    tp, fp, fn = 100 + 270, 30 + 25, 25 + 30
    assert (r["pixel"]["tp"], r["pixel"]["fp"], r["pixel"]["fn"]) == (tp, fp, fn)
    assert r["pixel"]["iou"] == pytest.approx(tp / (tp + fp + fn))
    o = r["object"]
    assert (o["tp"], o["n_truth"], o["n_pred"]) == (2, 3, 3)  # the nodata-only prediction is no object
    assert o["precision"] == pytest.approx(2 / 3) and o["recall"] == pytest.approx(2 / 3)
    assert [c["iou_threshold"] for c in r["curve"]] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert r["curve"][8]["tp"] == 1  # only the exact copy survives t = 0.9
    by_id = {row["id"]: row for row in r["truth_objects"]}
    assert by_id[0]["best_iou"] == pytest.approx(1.0) and by_id[0]["area_m2"] == pytest.approx(10_000.0)
    assert by_id[2]["best_iou"] == pytest.approx(270 / 330)
    assert by_id[1]["matched"] is False and by_id[1]["size_class"] == "1,000-5,600 m2"
    missed = {row["size_class"]: row for row in r["missed_by_size"]}
    assert missed["1,000-5,600 m2"]["n_missed"] == 1 and missed["1,000-5,600 m2"]["fraction_missed"] == 1.0
    assert missed["5,600-20,000 m2"]["n_missed"] == 0


def test_evaluate_reads_mask_rasters_like_polygons(case, tmp_path):
    grid, scene, truth, pred = case
    from massmap.io.labels import label_mask

    pred_tif = write_mask(tmp_path / "pred.tif", grid, label_mask(pred, grid))
    truth_tif = write_mask(tmp_path / "truth.tif", grid, label_mask(truth, grid, "kind = 'landslide'"))
    from_polygons = evaluation.evaluate(pred, truth, scene, where="kind = 'landslide'")
    from_masks = evaluation.evaluate(pred_tif, truth_tif, scene)
    assert from_masks["pixel"] == from_polygons["pixel"]
    assert from_masks["object"] == from_polygons["object"]


def test_evaluate_cli_writes_json_and_a_self_contained_report(case, tmp_path):
    grid, scene, truth, pred = case
    out, html = tmp_path / "eval.json", tmp_path / "eval.html"
    res = runner.invoke(app, ["evaluate", str(pred), str(truth), "--grid", str(scene), "--iou-threshold", "0.4",
                              "--where", "kind = 'landslide'", "--json", str(out), "--report", str(html)])
    assert res.exit_code == 0, res.output
    assert "object" in res.output
    data = json.loads(out.read_text())
    assert {"pixel", "object", "curve"} <= set(data)
    assert PIXEL_KEYS <= set(data["pixel"]) and OBJECT_KEYS == set(data["object"])
    text = html.read_text()
    assert text.count("data:image/png;base64,") >= 3
    assert "<script" not in text and "http" not in text.split("<footer")[0]


def test_evaluate_cli_names_a_missing_file_in_one_line(case, tmp_path):
    grid, scene, truth, _ = case
    res = runner.invoke(app, ["evaluate", str(tmp_path / "nope.gpkg"), str(truth), "--grid", str(scene)])
    assert res.exit_code == 1
    assert "nope.gpkg" in res.output and "Traceback" not in res.output


@pytest.fixture
def mappers(tmp_path):
    """Three mappers' outlines of one movement with a coherent yes/no class, and a candidate."""
    grid = utm_grid()
    scene = write_scene(tmp_path / "scene.tif", grid)
    paths = []
    for k, shift in enumerate((0, 2, 4)):
        top = pixel_box(grid, 10 + shift, 10, 20 + shift, 30)
        bottom = pixel_box(grid, 20 + shift, 10, 30 + shift, 30)
        coherent = ["yes", "no"] if k != 2 else ["no", "no"]
        paths.append(write_polygons(tmp_path / f"mapper{k}.gpkg", [top, bottom], coherent=coherent))
    cand = write_polygons(tmp_path / "model.gpkg", [pixel_box(grid, 12, 10, 32, 30)])
    return grid, scene, paths, cand


def test_agreement_with_and_without_classes_and_a_candidate(mappers, tmp_path):
    grid, scene, paths, cand = mappers
    r = evaluation.agreement(paths, scene, class_column="coherent", candidate_path=cand,
                      consensus_path=tmp_path / "consensus.gpkg")
    assert r["mappers"] == ["mapper0", "mapper1", "mapper2"]
    merged = np.asarray(r["without_classes"]["iou_matrix"])
    assert merged[0, 1] == pytest.approx(360 / 440)  # 20x20 squares shifted by 2 rows
    assert merged[0, 2] == pytest.approx(320 / 480)
    assert r["without_classes"]["iou"]["n"] == 3
    classes = np.asarray(r["with_classes"]["iou_matrix"])
    assert r["with_classes"]["classes"] == ["no", "yes"]
    assert classes[0, 2] < merged[0, 2]  # mapper 2 calls the top half incoherent
    assert r["candidate"]["without_classes"]["iou_per_expert"][1] == pytest.approx(1.0)
    assert r["candidate"]["with_classes"] is None  # the model has no class column
    st = r["consensus"]["staple"]
    assert set(st["sensitivity"]) == set(r["mappers"])
    assert r["consensus"]["majority"]["area_m2"] == pytest.approx(20 * 20 * 100.0)  # mapper 1's square
    written = gpd.read_file(tmp_path / "consensus.gpkg")
    assert set(written["method"]) == {"majority", "staple"}


def test_agreement_by_column_equals_one_file_per_mapper(mappers, tmp_path):
    grid, scene, paths, _ = mappers
    frames = []
    for k, p in enumerate(paths):
        g = gpd.read_file(p)
        g["mapper"] = f"m{k}"
        frames.append(g)
    one = tmp_path / "all.gpkg"
    gpd.GeoDataFrame(np.concatenate([f.values for f in frames]), columns=frames[0].columns,
                     geometry="geometry", crs=frames[0].crs).to_file(one)
    split = evaluation.agreement([one], scene, by="mapper")
    separate = evaluation.agreement(paths, scene)
    assert split["mappers"] == ["m0", "m1", "m2"]
    np.testing.assert_allclose(split["without_classes"]["iou_matrix"], separate["without_classes"]["iou_matrix"])


def test_agreement_cli_writes_json_report_and_consensus_raster(mappers, tmp_path):
    grid, scene, paths, cand = mappers
    out, html, tif = tmp_path / "a.json", tmp_path / "a.html", tmp_path / "consensus.tif"
    res = runner.invoke(app, ["agreement", *map(str, paths), "--grid", str(scene), "--class-column", "coherent",
                              "--candidate", str(cand), "--consensus", str(tif), "--json", str(out),
                              "--report", str(html)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert {"without_classes", "with_classes", "candidate", "consensus"} <= set(data)
    assert html.read_text().count("data:image/png;base64,") >= 5
    with rasterio.open(tif) as ds:
        assert ds.count == 2
        majority, probability = ds.read()
    assert majority.sum() == 400 and np.nanmax(probability) <= 1.0


def test_inventory_stats_cli_in_a_geographic_crs(tmp_path):
    grid = utm_grid(2000, 2000)
    rng = np.random.default_rng(11)
    areas = 5600.0 * (1 - rng.random(300)) ** (-1 / 1.4)  # alpha = 2.4
    areas = np.minimum(areas, 4e6)
    side_px = np.sqrt(areas) / 10.0
    geoms = [pixel_box(grid, 0, 0, s, s).buffer(0) for s in side_px]
    path = write_polygons(tmp_path / "inventory.gpkg", geoms, to_crs="EPSG:4326")
    out, html = tmp_path / "inv.json", tmp_path / "inv.html"
    res = runner.invoke(app, ["inventory-stats", str(path), "--bootstrap", "10", "--json", str(out),
                              "--report", str(html)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["n_objects"] == 300
    assert data["area_m2"]["total"] == pytest.approx(areas.sum(), rel=0.01)  # geodesic vs UTM-plane area
    assert data["power_law"]["alpha"] == pytest.approx(2.4, abs=0.3)
    assert len(data["power_law"]["alpha_ci"]) == 2
    assert "data:image/png;base64," in html.read_text()


def test_an_empty_prediction_scores_zero_and_two_empty_files_score_one(case, tmp_path):
    grid, scene, truth, _ = case
    empty = write_polygons(tmp_path / "empty.gpkg", [])
    one = evaluation.evaluate(empty, truth, scene)
    assert one["pixel"]["iou"] == 0.0 and one["object"]["recall"] == 0.0 and one["object"]["n_pred"] == 0
    both = evaluation.evaluate(empty, empty, scene, require_truth=False)
    assert both["pixel"]["iou"] == both["pixel"]["dice"] == 1.0
    assert both["object"]["precision"] == both["object"]["recall"] == 1.0
