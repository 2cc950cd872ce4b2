import pytest
import rasterio

from massmap.stack.fuse import write_fused
from massmap.stack.pairs import stack_entries
from massmap.stack.run import DEFAULT_MIN_PERSISTENCE, fuse_model_stack, persistence_polygons
from tests.stack.factories import CELL, DATES, SLOPE, write_pair, write_probability


@pytest.fixture
def five_pairs(tmp_path):
    """Five pairs; the slope is detected in pairs 1, 3 and 5 (in date order), the atmospheric cell in pair 2 only."""
    geoc = tmp_path / "GEOC"
    for d1, d2 in DATES:
        write_pair(geoc, d1, d2)
    entries = stack_entries([geoc])
    probabilities = []
    for k, entry in enumerate(entries):
        detected = ([SLOPE] if k in (0, 2, 4) else []) + ([CELL] if k == 1 else [])
        probabilities.append(write_probability(tmp_path / f"{entry.scene_id}_probability.tif", detected))
    return entries, probabilities


def test_a_pattern_detected_in_3_of_5_pairs_has_persistence_0_6(five_pairs):
    entries, probabilities = five_pairs
    fused = fuse_model_stack(entries, probabilities, threshold=0.5)
    assert fused.persistence[SLOPE] == pytest.approx(0.6)
    assert (fused.n_judged[SLOPE] == 5).all() and (fused.n_detected[SLOPE] == 3).all()
    assert fused.persistence[CELL] == pytest.approx(0.2)
    assert fused.mean_score[SLOPE] == pytest.approx((3 * 0.9 + 2 * 0.05) / 5)
    assert fused.max_score[SLOPE] == pytest.approx(0.9)


def test_polygons_keep_the_persistent_slope_and_drop_the_one_pair_atmosphere(five_pairs):
    entries, probabilities = five_pairs
    polygons = persistence_polygons(fuse_model_stack(entries, probabilities, threshold=0.5), DEFAULT_MIN_PERSISTENCE)
    assert len(polygons) == 1
    slope = polygons.iloc[0]
    assert list(polygons.columns) == ["n_pairs_valid", "n_pairs_detected", "persistence", "first_date", "last_date",
                                      "score", "area_m2", "geometry"]
    assert (slope.n_pairs_valid, slope.n_pairs_detected) == (5, 3)
    assert slope.persistence == pytest.approx(0.6)
    # Detected in the pairs 20200101-20200113, 20200101-20200125 and 20200113-20200206 (date order 1, 3, 5).
    assert (slope.first_date, slope.last_date) == ("2020-01-01", "2020-02-06")
    assert slope.area_m2 == pytest.approx(12 * 12 * 400.0, rel=0.01)
    # The cell, in one pair of five (0.2), stays out even at a low setting: one pair is never persistent.
    assert len(persistence_polygons(fuse_model_stack(entries, probabilities, threshold=0.5), 0.1)) == 1


def test_incoherent_pairs_do_not_count_against_a_pattern(tmp_path):
    geoc = tmp_path / "GEOC"
    decorrelated = {("20200113", "20200125"), ("20200125", "20200206")}
    for d1, d2 in DATES:
        write_pair(geoc, d1, d2, coherence=0.1 if (d1, d2) in decorrelated else 0.8)
    entries = stack_entries([geoc])
    # The slope is detected in the three coherent pairs and missed in the two decorrelated ones.
    probabilities = [write_probability(tmp_path / f"p{k}.tif",
                                       [] if (f"{e.date1:%Y%m%d}", f"{e.date2:%Y%m%d}") in decorrelated else [SLOPE])
                     for k, e in enumerate(entries)]
    fused = fuse_model_stack(entries, probabilities, threshold=0.5)
    assert fused.persistence[SLOPE] == pytest.approx(1.0)
    assert (fused.n_judged[CELL] == 3).all() and (fused.n_detected[CELL] == 0).all()


def test_fused_layers_are_one_cog_with_band_descriptions(five_pairs, tmp_path):
    entries, probabilities = five_pairs
    path = write_fused(fuse_model_stack(entries, probabilities, threshold=0.5), tmp_path / "stack.tif")
    with rasterio.open(path) as src:
        assert src.descriptions == ("n_pairs_valid", "n_pairs_detected", "persistence", "mean_probability",
                                    "max_probability")
        assert src.read(3)[10, 10] == pytest.approx(0.6) and src.read(1)[10, 10] == 5
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tif" and "stack" in p.name) == ["stack.tif"]
    assert not list(tmp_path.glob(".massmap-*"))
