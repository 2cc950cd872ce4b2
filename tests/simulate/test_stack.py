import datetime as dt
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from massmap.batch.catalog import read_catalog
from massmap.cli import app
from massmap.errors import BadInputError
from massmap.io.labels import read_polygons
from massmap.io.manifest import read_manifest
from massmap.simulate.config import StackConfig
from massmap.simulate.history import cumulative_displacement_mm
from massmap.simulate.stack import simulate_stack
from massmap.simulate.timeline import short_baseline_pairs
from tests.simulate.factories import small_config


@pytest.fixture(scope="module")
def moving_stack():
    """Six dates of a 128-pixel frame with many movements, all of them steady."""
    config = StackConfig(scene=small_config(n_movements=(12, 12)), n_dates=6, accelerating_share=0.0,
                         seasonal_share=0.0)
    return simulate_stack(config, [0, 0], motion_free=False)


def _pair(stack, i, j):
    return stack.pairs[stack.frame.pairs.index((i, j))]


def test_network_links_each_date_to_its_next_dates_within_6_to_48_days():
    dates = [dt.date(2021, 6, 1) + dt.timedelta(days=d) for d in (0, 6, 12, 24, 36, 90)]
    assert short_baseline_pairs(dates, max_neighbours=3) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (1, 4),
                                                             (2, 3), (2, 4), (3, 4)]


def test_pairs_sharing_a_date_share_its_atmosphere_and_steady_motion_adds_up(moving_stack):
    a, b, c = _pair(moving_stack, 0, 1), _pair(moving_stack, 1, 2), _pair(moving_stack, 0, 2)
    # The delay of date 1 cancels: (1 - 0) + (2 - 1) = (2 - 0), while two pairs are not the same draw.
    np.testing.assert_allclose(a.atmosphere_rad + b.atmosphere_rad, c.atmosphere_rad, atol=1e-4)
    assert np.corrcoef(a.atmosphere_rad.ravel(), b.atmosphere_rad.ravel())[0, 1] < 0.0
    # Persistent velocities: deformation over 0-2 is that over 0-1 plus that over 1-2.
    assert np.abs(c.deformation_rad).max() > 3.0
    np.testing.assert_allclose(a.deformation_rad + b.deformation_rad, c.deformation_rad, atol=1e-3)


def test_coherence_decays_with_the_temporal_baseline(moving_stack):
    by_baseline = {}
    for scene in moving_stack.pairs:
        by_baseline.setdefault(scene.meta["temporal_baseline_days"], []).append(float(scene.true_coherence.mean()))
    shortest, longest = min(by_baseline), max(by_baseline)
    assert longest >= 2 * shortest
    assert np.mean(by_baseline[longest]) < np.mean(by_baseline[shortest]) - 0.02


def test_stack_labels_are_the_movements_labelled_in_half_the_pairs_or_more(moving_stack):
    labels = moving_stack.labels
    n_pairs = len(moving_stack.pairs)
    assert list(labels.columns) == ["kind", "coherent", "max_los_mm", "area_m2", "history", "n_pairs_labelled",
                                    "geometry"]
    assert labels["coherent"].any()
    need = math.ceil(0.5 * n_pairs)
    assert (labels.loc[labels["coherent"], "n_pairs_labelled"] >= need).all()
    assert (labels.loc[~labels["coherent"], "n_pairs_labelled"] < need).all()
    # Each pair carries its own labels, with the single-scene columns.
    assert list(moving_stack.pairs[0].labels.columns[:4]) == ["kind", "coherent", "max_los_mm", "area_m2"]


def test_motion_free_stack_has_no_labels_and_same_seed_same_stack():
    config = StackConfig(scene=small_config(size=64), n_dates=3)
    first = simulate_stack(config, [3, 1], motion_free=True)
    again = simulate_stack(config, [3, 1], motion_free=True)
    assert len(first.labels) == 0 and all(len(p.labels) == 0 for p in first.pairs)
    for x, y in zip(first.pairs, again.pairs):
        np.testing.assert_array_equal(x.phase_rad, y.phase_rad)


def test_accelerating_and_seasonal_histories():
    accelerating = dict(velocity_mm_per_day=2.0, history="accelerating", acceleration_mm_per_day2=2.0 * 2.0 / 100.0)
    # Velocity triples over 100 days: 2 mm/day at the start, 6 at the end.
    def moved(movement, t1, t2):
        return cumulative_displacement_mm(movement, t2) - cumulative_displacement_mm(movement, t1)

    assert moved(accelerating, 0.0, 1.0) == pytest.approx(2.02)
    assert moved(accelerating, 99.0, 100.0) == pytest.approx(5.98)
    seasonal = dict(velocity_mm_per_day=1.0, history="seasonal", seasonal_amplitude=0.5, seasonal_phase_rad=0.0)
    # Over a whole year the seasonal swing cancels; at its peak it moves 1.5 times the mean velocity.
    assert cumulative_displacement_mm(seasonal, 365.25) == pytest.approx(365.25)
    assert moved(seasonal, -0.5, 0.5) == pytest.approx(1.5, rel=1e-3)


def test_stack_config_round_trips_and_refuses_a_one_date_stack():
    config = StackConfig(scene=small_config(), n_dates=5, max_baseline_days=24)
    assert StackConfig.from_json(config.to_json()) == config
    with pytest.raises(BadInputError, match="at least 2 dates"):
        StackConfig(n_dates=1)


def test_simulate_stack_command_writes_pairs_labels_and_a_catalog_per_stack(tmp_path):
    result = CliRunner().invoke(app, ["simulate", "--out", str(tmp_path / "sim"), "--n-scenes", "1", "--seed", "2",
                                      "--stack", "4", "--size", "64", "--hard-negative-fraction", "0", "--quiet"])
    assert result.exit_code == 0, result.output
    entries = read_catalog(tmp_path / "sim" / "stack_00000" / "catalog.csv")
    pairs = read_manifest(tmp_path / "sim" / "manifest.csv")
    assert len(entries) == len(pairs) >= 3
    for entry in entries:
        baseline = (entry.date2 - entry.date1).days
        assert 6 <= baseline <= 48 and entry.scene_id.endswith(f"{entry.date1:%Y%m%d}_{entry.date2:%Y%m%d}")
    labels = read_polygons(tmp_path / "sim" / "stack_00000" / "stack_00000_labels.gpkg")
    assert "n_pairs_labelled" in labels.columns
