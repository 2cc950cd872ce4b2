import numpy as np
import pytest

from massmap.io.labels import rasterize_polygons
from massmap.simulate.scene import simulate_scene
from massmap.simulate.separability import band_pass, separability

from .conftest import small_config


def test_a_blob_stands_out_of_flat_clutter_and_drowns_in_blobs_of_its_own_size():
    rows, cols = np.mgrid[:128, :128]
    blob = 2.0 * np.exp(-((rows - 64) ** 2 + (cols - 64) ** 2) / (2 * 4.0**2))
    mask = blob > 0.5
    rng = np.random.default_rng(0)
    quiet = separability(blob, 0.01 * rng.standard_normal(blob.shape), mask)
    # Clutter of blobs the size of the pattern, ten times as strong.
    busy_field = np.zeros_like(blob)
    for r, c in rng.integers(8, 120, size=(40, 2)):
        busy_field += 20.0 * np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / (2 * 4.0**2))
    busy = separability(blob, busy_field, mask)
    assert quiet.scr > 20 and busy.scr < 1
    assert quiet.pixels == int(mask.sum()) and quiet.signal_rad == pytest.approx(busy.signal_rad)


def test_the_window_gives_the_values_of_the_whole_scene():
    rng = np.random.default_rng(1)
    field = rng.standard_normal((200, 200))
    mask = np.zeros((200, 200), bool)
    mask[90:96, 100:110] = True
    radius = float(np.sqrt(mask.sum() / np.pi))
    whole = float(np.abs(band_pass(field, radius)[mask]).max())
    assert separability(field, field, mask).signal_rad == pytest.approx(whole, rel=1e-6)


def test_signal_to_clutter_rule_keeps_a_subset_of_the_detectable_patterns(detectable_scene):
    config = small_config(size=256, n_movements=(25, 25), min_signal_to_clutter=4.0)
    strict = simulate_scene(config, [11, 0])
    np.testing.assert_array_equal(strict.phase_rad, detectable_scene.phase_rad)  # labels change, not data
    kept = strict.labels[strict.labels.coherent.astype(bool)]
    every = detectable_scene.labels[detectable_scene.labels.coherent.astype(bool)]
    assert 0 < len(kept) < len(every)
    kept_px = rasterize_polygons(kept, strict.grid).astype(bool)
    every_px = rasterize_polygons(every, strict.grid).astype(bool)
    assert not (kept_px & ~every_px).any()
    judged = [m for m in strict.meta["movements"] if "signal_to_clutter" in m]
    assert all(m["labelled"] == (m["signal_to_clutter"] >= 4.0) for m in judged)
    # What is dropped is ignored in training, never background: every moving pixel is still outlined or unmapped.
    moving = (np.abs(strict.deformation_rad) > 0.1) & ~strict.layover_shadow
    assert rasterize_polygons(strict.labels, strict.grid).astype(bool)[moving].mean() > 0.99
