"""Trap marks: strong atmosphere, layover/shadow and decorrelation where nothing moves, and never on a label."""

from __future__ import annotations

import numpy as np

from massmap.io.labels import rasterize_polygons
from massmap.io.traps import TRAP_ATMOSPHERE, TRAP_DECORRELATION, TRAP_LAYOVER_SHADOW
from massmap.simulate.scene import simulate_scene
from massmap.simulate.traps import motion_free, trap_marks
from tests.simulate.factories import small_config

PIXEL_M = 20.0
SIZE = 64


def bump(centre: tuple[int, int], sigma_px: float, peak: float) -> np.ndarray:
    """A Gaussian bump of `peak` at `centre` on a 64 x 64 grid (float32)."""
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    r2 = (rows - centre[0]) ** 2 + (cols - centre[1]) ** 2
    return (peak * np.exp(-r2 / (2 * sigma_px**2))).astype(np.float32)


def test_each_trap_is_marked_by_its_rule_and_motion_clears_them():
    atmosphere = bump((20, 20), 3.0, 3.0)  # a 3 rad cell 60 m wide: looks like a small landslide
    coherence = np.full((SIZE, SIZE), 0.8, dtype=np.float32)
    coherence[40:50, 5:15] = 0.1  # snow
    coherence[40:50, 40:50] = 0.1  # snow on a moving slope
    layover = np.zeros((SIZE, SIZE), dtype=bool)
    layover[5:10, 45:55] = True
    deformation = bump((45, 45), 4.0, 5.0)  # 5 rad of motion
    traps = trap_marks(deformation, atmosphere, layover, coherence, PIXEL_M)
    assert traps[20, 20] == TRAP_ATMOSPHERE and traps[45, 10] == TRAP_DECORRELATION
    assert (traps[layover] == TRAP_LAYOVER_SHADOW).all() and (traps == TRAP_LAYOVER_SHADOW).sum() == 50
    assert traps[45, 45] == 0 and traps[43, 47] == 0  # decorrelated by snow, but moving: not a trap
    assert traps[60, 60] == 0 and traps.dtype == np.uint8
    # The 3 rad cell is marked over its core only, where it stands out from its ~0.1 rad surroundings by 1 rad
    # or more: 3 exp(-r^2 / 18) >= 1.1 within r = 4.3 px, the 61 pixels with r^2 <= 18.
    rows, cols = np.nonzero(traps == TRAP_ATMOSPHERE)
    assert len(rows) == 61 and np.hypot(rows - 20, cols - 20).max() <= np.sqrt(18.0)


def test_a_planar_ramp_is_no_atmospheric_trap():
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    ramp = (0.5 * cols + 0.2 * rows).astype(np.float32)  # 40 rad across the scene, but no local pattern
    traps = trap_marks(np.zeros_like(ramp), ramp, np.zeros(ramp.shape, bool), np.ones_like(ramp), PIXEL_M)
    assert not traps.any()


def test_a_forced_layover_scene_marks_its_layover_and_shadow_pixels_2():
    scene = simulate_scene(small_config(size=128), [4, 2], negative="layover")
    traps = trap_marks(scene.deformation_rad, scene.atmosphere_rad, scene.layover_shadow, scene.true_coherence, PIXEL_M)
    assert scene.layover_shadow.sum() > 200
    assert (traps[scene.layover_shadow] == TRAP_LAYOVER_SHADOW).all()
    assert (traps == TRAP_LAYOVER_SHADOW).sum() == scene.layover_shadow.sum()


def test_no_trap_lies_on_a_labelled_movement(moving_scene):
    scene = moving_scene
    traps = trap_marks(scene.deformation_rad, scene.atmosphere_rad, scene.layover_shadow, scene.true_coherence, PIXEL_M)
    labelled = rasterize_polygons(scene.labels, scene.grid).astype(bool)
    assert labelled.sum() > 1000 and not traps[labelled].any()
    # Layover away from any motion is still marked.
    still = scene.layover_shadow & motion_free(scene.deformation_rad)
    assert still.sum() > 100 and (traps[still] == TRAP_LAYOVER_SHADOW).all()
