import json
from dataclasses import replace

import numpy as np
import pytest

from massmap.io.labels import rasterize_polygons
from massmap.simulate.scene import phase_noise_rad, simulate_scene, wrap_phase
from tests.simulate.factories import small_config


def test_scene_arrays_are_float32_on_the_grid_and_phase_is_wrapped(moving_scene):
    scene = moving_scene
    for array in (scene.phase_rad, scene.coherence, scene.dem_m, scene.deformation_rad):
        assert array.dtype == np.float32 and array.shape == scene.grid.shape == (256, 256)
    assert scene.phase_rad.min() >= -np.pi and scene.phase_rad.max() < np.pi
    assert 0.0 <= scene.coherence.min() and scene.coherence.max() <= 1.0
    assert scene.layover_shadow.dtype == bool
    assert scene.grid.crs.to_epsg() == 32632 and scene.grid.transform.a == 20.0
    json.dumps(scene.meta)


def test_labels_overlap_the_deformation_and_nothing_else(moving_scene):
    scene = moving_scene
    assert len(scene.labels) >= 3
    assert list(scene.labels.columns[:4]) == ["kind", "coherent", "max_los_mm", "area_m2"]
    labelled = rasterize_polygons(scene.labels, scene.grid).astype(bool)
    assert (np.abs(scene.deformation_rad[labelled]) > 1.0).all()
    assert not (labelled & scene.layover_shadow).any()
    # Most clearly visible deformation (over half a fringe) outside layover and shadow is labelled.
    visible = (np.abs(scene.deformation_rad) > np.pi) & ~scene.layover_shadow
    assert labelled[visible].mean() > 0.6
    # Areas are geodesic ground areas: the labelled 20 m pixels within the UTM scale error (< 0.1 %).
    ids = rasterize_polygons(scene.labels, scene.grid, values=np.arange(1, len(scene.labels) + 1))
    pixels = np.bincount(ids.ravel(), minlength=len(scene.labels) + 1)[1:]
    np.testing.assert_allclose(scene.labels["area_m2"], pixels * 400.0, rtol=1e-3)
    # Every label is a pattern an expert could see: at least 12 pixels peaking at half a fringe or more.
    assert pixels.min() >= 12
    for k in range(1, len(scene.labels) + 1):
        assert np.abs(scene.deformation_rad[ids == k]).max() >= np.pi


def test_weak_or_tiny_motion_stays_unlabelled():
    config = small_config(size=256, n_movements=(25, 25), label_rule="visible")
    strict = simulate_scene(replace(config, min_pattern_phase_rad=40.0), [11, 0])
    lenient = simulate_scene(replace(config, min_pattern_phase_rad=0.0, min_pattern_px=1), [11, 0])
    np.testing.assert_array_equal(strict.phase_rad, lenient.phase_rad)
    assert len(lenient.labels) > len(strict.labels) >= 1
    assert all(m["labelled_px"] == 0 for m in strict.meta["movements"] if not m["labelled"])


def test_one_label_row_per_movement_with_its_attributes(moving_scene):
    scene = moving_scene
    movements = scene.meta["movements"]
    assert len(scene.labels) == sum(m["labelled_px"] > 0 for m in movements)
    assert set(scene.labels["kind"]) <= {"landslide", "rock_glacier", "deep_seated"}
    assert (scene.labels.geom_type == "MultiPolygon").all()
    # max_los_mm of a label is the movement's peak LOS motion: at least what its visible phase implies.
    for _, row in scene.labels.iterrows():
        assert row["max_los_mm"] >= 0.5 / (4 * np.pi / 0.05547) * 1000


def test_fast_movements_decorrelate_and_are_labelled_incoherent():
    config = small_config(size=192, n_movements=(12, 12))
    scene = simulate_scene(config, [5, 1])
    fast = [m for m in scene.meta["movements"] if m["velocity_mm_per_day"] > 20 and m["visible_px"] > 20]
    slow = [m for m in scene.meta["movements"] if m["velocity_mm_per_day"] < 3 and m["visible_px"] > 20]
    assert fast and slow
    assert not any(m["coherent"] for m in fast)
    assert all(m["coherent"] for m in slow)
    incoherent = scene.labels[~scene.labels["coherent"].astype(bool)]
    assert len(incoherent) >= 1


def test_hard_negative_scene_has_no_motion_and_no_labels():
    scene = simulate_scene(small_config(), [3, 3], negative="atmosphere")
    assert scene.negative == "atmosphere"
    assert len(scene.labels) == 0 and not scene.deformation_rad.any()
    assert scene.meta["atmosphere_boost"] > 1.5


def test_every_scene_keeps_a_motion_free_area(moving_scene):
    r0, r1, c0, c1 = moving_scene.meta["motion_free_box_px"]
    assert (r1 - r0) * (c1 - c0) == pytest.approx(0.25 * 256 * 256, rel=0.1)
    centres = [(m["row"], m["col"]) for m in moving_scene.meta["movements"]]
    assert not any(r0 <= r < r1 and c0 <= c < c1 for r, c in centres)


def test_layover_and_shadow_phase_is_pure_noise():
    scene = simulate_scene(small_config(size=256), [0, 9], negative="layover")
    noisy = scene.layover_shadow
    assert noisy.sum() > 100
    # Neighbouring pixels' phase differences are uniform there (no fringe continuity).
    diff = np.angle(np.exp(1j * (scene.phase_rad[:, 1:] - scene.phase_rad[:, :-1])))
    both = noisy[:, 1:] & noisy[:, :-1]
    assert np.abs(np.exp(1j * diff[both]).mean()) < 0.15
    assert scene.coherence[noisy].mean() < 0.35


def test_same_seed_same_scene_and_other_seed_other_scene():
    config = small_config(goldstein_fraction=1.0)
    a, b = simulate_scene(config, [4, 2]), simulate_scene(config, [4, 2])
    c = simulate_scene(config, [4, 3])
    for name in ("phase_rad", "coherence", "dem_m", "deformation_rad"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.meta == b.meta and a.labels.equals(b.labels)
    assert not np.array_equal(a.phase_rad, c.phase_rad)


def test_wrap_phase_maps_into_minus_pi_pi():
    wrapped = wrap_phase(np.array([np.pi, -np.pi, 3 * np.pi + 0.1, -7.0], np.float32))
    assert wrapped.min() >= -np.pi and wrapped.max() < np.pi
    unwrapped = np.array([np.pi, -np.pi, 3 * np.pi + 0.1, -7.0])
    np.testing.assert_allclose(np.exp(1j * wrapped), np.exp(1j * unwrapped), atol=1e-5)


def test_hard_negative_kinds_strengthen_their_trap():
    config = small_config(size=128)
    normal = [simulate_scene(config, [6, i], negative="") for i in range(3)]
    snow = [simulate_scene(config, [6, i], negative="decorrelation") for i in range(3)]
    steep = [simulate_scene(config, [6, i], negative="layover") for i in range(3)]
    mean = lambda scenes, f: np.mean([f(s) for s in scenes])  # noqa: E731
    assert mean(snow, lambda s: s.meta["land_cover"]["cover_fractions"]["snow"]) > 0.25
    assert mean(snow, lambda s: s.coherence.mean()) < mean(normal, lambda s: s.coherence.mean()) - 0.1
    assert mean(steep, lambda s: s.layover_shadow.mean()) > 2 * mean(normal, lambda s: s.layover_shadow.mean())


def test_detectable_rule_outlines_motion_above_the_noise_of_the_observed_coherence(detectable_scene, moving_scene):
    scene = detectable_scene
    np.testing.assert_array_equal(scene.phase_rad, moving_scene.phase_rad)  # the rule changes labels, not data
    coherent = scene.labels[scene.labels.coherent.astype(bool)]
    labelled = rasterize_polygons(coherent, scene.grid).astype(bool)
    noise = phase_noise_rad(scene.coherence, 5)
    # Every outlined pixel holds deformation phase at least twice its noise, in observed coherence >= 0.3.
    assert (np.abs(scene.deformation_rad[labelled]) > 2.0 * noise[labelled] - 1e-6).all()
    assert (scene.coherence[labelled] >= 0.3).all() and not (labelled & scene.layover_shadow).any()
    # Small patterns and weak phase count too: a 7-pixel pattern and pixels under 1 rad (the visible rule's floor).
    assert len(coherent) >= 3 and coherent.area_m2.min() < 12 * 400
    assert np.abs(scene.deformation_rad[labelled]).min() < 1.0


def test_detectable_rule_writes_the_rest_of_the_motion_as_ignored_rows(detectable_scene):
    scene = detectable_scene
    unmapped = scene.labels[scene.labels.kind == "unmapped"]
    assert len(unmapped) > 0 and not unmapped.coherent.astype(bool).any()
    outlined = rasterize_polygons(scene.labels[scene.labels.kind != "unmapped"], scene.grid).astype(bool)
    ignored = rasterize_polygons(unmapped, scene.grid).astype(bool)
    moving = (np.abs(scene.deformation_rad) > 0.1) & ~scene.layover_shadow
    # Every pixel that moves is outlined or ignored: none is taught as background.
    assert (outlined | ignored)[moving].mean() > 0.99


def test_phase_noise_is_the_spread_of_the_simulated_multilook_noise():
    from massmap.simulate.decorrelation import multilook_noise_phase

    rng = np.random.default_rng(3)
    for gamma in (0.3, 0.5, 0.8):
        drawn = multilook_noise_phase(rng, np.full((300, 300), gamma, np.float32), 5)
        assert abs(float(drawn.std()) - float(phase_noise_rad(np.array([gamma]), 5)[0])) < 0.01
    # Uniform phase at coherence 0 (pi / sqrt 3), and above the Cramer-Rao bound (0.548 rad) at 0.5 and 5 looks.
    np.testing.assert_allclose(phase_noise_rad(np.array([0.0]), 5), [np.pi / np.sqrt(3)], atol=2e-3)
    assert phase_noise_rad(np.array([0.5]), 5)[0] > 0.7
