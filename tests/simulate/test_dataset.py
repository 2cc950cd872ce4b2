import hashlib

import geopandas as gpd
import numpy as np
import pytest
import rasterio

from massmap.errors import BadInputError
from massmap.io.manifest import read_manifest
from massmap.sensor import incidence_field, look_vector_enu
from massmap.simulate.dataset import assign_splits, meta_path, simulate_again, simulate_dataset, write_scene
from massmap.simulate.traps import trap_marks
from tests.simulate.factories import small_config


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_dataset_writes_every_file_and_a_readable_manifest(tmp_path):
    config = small_config(size=64, hard_negative_fraction=0.5, goldstein_fraction=0.5, n_movements=(8, 8))
    manifest = simulate_dataset(tmp_path / "a", 4, seed=3, config=config, split="train")
    rows = read_manifest(manifest)
    assert len(rows) == 4 and {r.split for r in rows} == {"train"}
    assert all(r.coherence is not None and r.dem is not None and r.labels.exists() for r in rows)
    assert {r.negative for r in rows} - {"", "atmosphere", "layover", "decorrelation"} == set()
    assert any(r.negative for r in rows)
    with rasterio.open(rows[0].phase) as src:
        phase = src.read(1)
        assert src.dtypes[0] == "float32" and src.crs.to_epsg() == 32632 and src.res == (20.0, 20.0)
    assert -np.pi <= phase.min() and phase.max() < np.pi
    for name in ("scene_00000_meta.json", "scene_00000_quicklook.png", "config.json"):
        assert (tmp_path / "a" / name).exists()


def test_same_seed_gives_the_same_bytes(tmp_path):
    config = small_config(size=64, goldstein_fraction=0.5, n_movements=(10, 10))
    simulate_dataset(tmp_path / "a", 2, seed=9, config=config)
    simulate_dataset(tmp_path / "b", 2, seed=9, config=config)
    simulate_dataset(tmp_path / "c", 2, seed=10, config=config)
    a, b, c = _hashes(tmp_path / "a"), _hashes(tmp_path / "b"), _hashes(tmp_path / "c")
    assert a == b
    assert a["scene_00000_phase.tif"] != c["scene_00000_phase.tif"]


def test_labels_round_trip_through_the_geopackage(tmp_path, moving_scene):
    paths = write_scene(moving_scene, tmp_path, "s")
    labels = gpd.read_file(paths["labels"])
    assert len(labels) == len(moving_scene.labels) > 0
    assert labels.crs.to_epsg() == 32632
    assert labels["coherent"].dtype == bool
    np.testing.assert_allclose(labels["area_m2"], moving_scene.labels["area_m2"])


def test_auto_splits_are_about_80_10_10_and_deterministic():
    splits = assign_splits(200, seed=1)
    assert splits == assign_splits(200, seed=1) and splits != assign_splits(200, seed=2)
    assert (splits.count("train"), splits.count("val"), splits.count("test")) == (160, 20, 20)
    with pytest.raises(BadInputError, match="split"):
        assign_splits(3, 1, "holdout")


def test_written_los_is_the_scenes_look_vector_and_traps_its_marks(tmp_path, moving_scene):
    paths = write_scene(moving_scene, tmp_path, "s", quicklook=False)
    geometry = moving_scene.meta["geometry"]
    heading = geometry["heading_deg"]
    incidence = incidence_field(moving_scene.phase_rad.shape, 20.0, heading, geometry["incidence_centre_deg"])
    with rasterio.open(paths["los"]) as src:
        assert (src.count, src.dtypes[0]) == (3, "float32")
        los = src.read()
    np.testing.assert_array_equal(los, moving_scene.look_enu)
    np.testing.assert_allclose(los, look_vector_enu(heading, incidence), atol=1e-6)
    # Satellite to ground: the up component is -cos(incidence), between -cos 30 and -cos 46 degrees.
    assert -0.87 < los[2].min() and los[2].max() < -0.69
    with rasterio.open(paths["traps"]) as src:
        assert src.dtypes[0] == "uint8"
        np.testing.assert_array_equal(src.read(1), trap_marks(
            moving_scene.deformation_rad, moving_scene.atmosphere_rad, moving_scene.layover_shadow,
            moving_scene.true_coherence, 20.0))


def test_dataset_manifest_lists_los_and_traps(tmp_path):
    manifest = simulate_dataset(tmp_path / "a", 2, seed=3, config=small_config(size=64), split="train")
    rows = read_manifest(manifest)
    assert [r.los.name for r in rows] == ["scene_00000_los.tif", "scene_00001_los.tif"]
    assert [r.traps.name for r in rows] == ["scene_00000_traps.tif", "scene_00001_traps.tif"]


def test_a_written_scene_is_simulated_again_from_its_meta_and_checked_against_the_file(tmp_path):
    config = small_config(size=64, n_movements=(6, 6))
    row = read_manifest(simulate_dataset(tmp_path / "a", 1, seed=5, config=config, split="train"))[0]
    assert meta_path(row.phase) == tmp_path / "a" / "scene_00000_meta.json"
    scene = simulate_again(row.phase)
    with rasterio.open(row.phase) as src:
        assert np.array_equal(src.read(1), scene.phase_rad)
    assert len(scene.labels) == len(gpd.read_file(row.labels)) and scene.deformation_rad.shape == (64, 64)
    with rasterio.open(row.phase, "r+") as dst:
        dst.write(np.zeros((64, 64), dtype=np.float32), 1)
    with pytest.raises(BadInputError, match="scene_00000_phase.tif: the scene simulated again .* differs"):
        simulate_again(row.phase)
