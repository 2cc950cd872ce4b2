"""Patch sampling from whole scenes: kinds and their ratio, hard negatives, --where, windows and padding."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from rasterio.windows import Window

from massmap.data import (
    HARD_NEGATIVE,
    IGNORE_LABEL,
    NEGATIVE,
    POSITIVE,
    PatchDataset,
    PatchSampler,
    build_scene_index,
    epoch_kinds,
)
from massmap.data.sampling import JITTER_FRACTION
from massmap.errors import BadInputError
from massmap.inputs import halo_window
from massmap.io.manifest import ManifestRow, read_manifest
from massmap.io.scene import open_scene
from massmap.io.traps import TRAP_MODEL_FALSE_POSITIVE
from massmap.io.write import write_geotiff
from massmap.terrain import downslope_los_sensitivity
from tests.train.factories import Blob, write_training_scene, write_training_set

CHANNELS = ("sin", "cos", "coherence")


@pytest.mark.parametrize(
    "n, ratio, has_hard, expected",
    [
        (16, 0.0, True, {POSITIVE: 16}),  # the study's choice: positives only
        (16, 1.0, True, {POSITIVE: 8, NEGATIVE: 4, HARD_NEGATIVE: 4}),
        (16, 3.0, True, {POSITIVE: 4, NEGATIVE: 6, HARD_NEGATIVE: 6}),
        (16, 3.0, False, {POSITIVE: 4, NEGATIVE: 12}),
    ],
)
def test_epoch_kinds_have_exact_counts(n, ratio, has_hard, expected):
    kinds = epoch_kinds(n, ratio, 0.5, has_hard, np.random.default_rng(0))
    assert Counter(kinds.tolist()) == expected


def _big_set(tmp_path):
    """Two 160-px labelled scenes with one blob each (room for background windows) and an atmosphere scene."""
    a = write_training_scene(tmp_path, "a", (Blob(30, 30),), size=160, seed=1)
    b = write_training_scene(tmp_path, "b", (Blob(120, 110),), size=160, seed=2)
    atm = write_training_scene(tmp_path, "atm", (), size=160, seed=3, ramp_fringes=2.0)
    return [
        ManifestRow(a.phase, a.labels, "train", a.coherence),
        ManifestRow(b.phase, b.labels, "train", b.coherence),
        ManifestRow(atm.phase, None, "train", atm.coherence, negative="atmosphere"),
    ]


def test_sampler_honours_ratio_and_draws_hard_negatives_from_marked_scenes(tmp_path):
    scene_index = build_scene_index(_big_set(tmp_path), patch_size=64)
    assert scene_index.n_objects == 2 and scene_index.has_hard_negatives
    dataset = PatchDataset(scene_index, CHANNELS, seed=3)
    sampler = PatchSampler(24, neg_ratio=3, hard_fraction=0.5, has_hard=True, seed=3)
    seen = Counter()
    for key in sampler:
        window, arrays = dataset.patch(key)
        seen[window.kind] += 1
        scene = scene_index.scenes[window.scene]
        labelled = int((arrays.label == 1).sum())
        if window.kind == POSITIVE:
            assert labelled > 0 and not scene.is_hard_negative
        elif window.kind == NEGATIVE:
            assert labelled == 0 and not scene.is_hard_negative
        else:
            assert labelled == 0 and scene.name == "atm_phase.tif"
    assert seen == {POSITIVE: 6, NEGATIVE: 9, HARD_NEGATIVE: 9}


def test_positive_patches_hold_most_of_their_object(tmp_path):
    scene_index = build_scene_index(_big_set(tmp_path), patch_size=64)
    dataset = PatchDataset(scene_index, CHANNELS, seed=0)
    blob_px = np.pi * 12**2
    shares = [(dataset.patch((0, i, POSITIVE))[1].label == 1).sum() / blob_px for i in range(12)]
    # Centred on the object up to a quarter-patch shift: a 24-px-wide blob stays mostly inside a 64-px patch.
    assert np.median(shares) > 0.6 and min(shares) > 0.1


def test_patches_depend_on_seed_epoch_and_rank_only(tmp_path):
    scene_index = build_scene_index(_big_set(tmp_path), patch_size=64)

    def windows(seed, rank, epoch):
        sampler = PatchSampler(8, 1.0, 0.5, True, seed, rank)
        sampler.set_epoch(epoch)
        dataset = PatchDataset(scene_index, CHANNELS, seed, rank)
        return [dataset.patch(k)[0] for k in sampler]

    assert windows(5, 0, 0) == windows(5, 0, 0)
    assert windows(5, 0, 0) != windows(5, 1, 0)  # each distributed rank sees other patches
    assert windows(5, 0, 0) != windows(5, 0, 1)  # and each epoch new ones


def test_validation_sampler_ignores_the_epoch():
    sampler = PatchSampler(8, 1.0, 0.5, False, seed=0, fixed_epoch=99)
    first = list(sampler)
    sampler.set_epoch(4)
    assert list(sampler) == first


def test_where_keeps_matching_labels_and_ignores_the_rest(tmp_path):
    files = write_training_scene(tmp_path, "w", (Blob(32, 32, coherent=1), Blob(32, 80, coherent=0)), size=112)
    row = ManifestRow(files.phase, files.labels, "train", files.coherence)
    everything = build_scene_index([row], patch_size=64)
    coherent = build_scene_index([row], patch_size=64, where="coherent = 1")
    assert everything.n_objects == 2 and coherent.n_objects == 1

    from massmap.data.sampling import window_labels

    win = Window(0, 0, 112, 64)
    valid = np.ones((64, 112), dtype=bool)
    label_all = window_labels(everything.scenes[0], win, valid)
    label_where = window_labels(coherent.scenes[0], win, valid)
    assert label_all[32, 32] == 1 and label_all[32, 80] == 1
    # The incoherent pattern is still a mapped movement: ignored by the loss, not taught as background.
    assert label_where[32, 32] == 1 and label_where[32, 80] == IGNORE_LABEL
    assert (label_where == 1).sum() == pytest.approx((label_all[:, :56] == 1).sum(), abs=0)


def test_where_matching_nothing_leaves_no_positive(tmp_path):
    files = write_training_scene(tmp_path, "w", (Blob(32, 32, coherent=0),), size=64)
    row = ManifestRow(files.phase, files.labels, "train", files.coherence)
    scene_index = build_scene_index([row], 64, "coherent = 1")
    assert scene_index.n_objects == 0
    with pytest.raises(BadInputError):
        scene_index.draw(POSITIVE, np.random.default_rng(0))


def test_mask_raster_labels_become_objects(tmp_path):
    files = write_training_scene(tmp_path, "m", (Blob(40, 40),), size=96)
    with open_scene(files.phase, files.coherence) as scene:
        grid = scene.grid
    mask = np.zeros((96, 96), dtype=np.uint8)
    mask[10:20, 10:30] = 1
    mask[60:70, 50:60] = 1
    mask_path = write_geotiff(tmp_path / "m_mask.tif", mask, grid)
    scene_index = build_scene_index([ManifestRow(files.phase, mask_path, "train", files.coherence)], 64)
    assert scene_index.n_objects == 2
    np.testing.assert_allclose(sorted(scene_index.object_boxes.tolist()), [[10, 10, 20, 30], [60, 50, 70, 60]])


def test_scene_smaller_than_a_patch_is_padded_as_nodata(tmp_path):
    files = write_training_scene(tmp_path, "s", (Blob(20, 20, radius_px=8),), size=40)
    scene_index = build_scene_index([ManifestRow(files.phase, files.labels, "train", files.coherence)], 64)
    window, arrays = PatchDataset(scene_index, CHANNELS, 0).patch((0, 0, POSITIVE))
    assert (window.row_off, window.col_off) == (0, 0)
    assert arrays.phase_rad.shape == (64, 64)
    assert np.isnan(arrays.phase_rad[40:, :]).all() and (arrays.label[:, 40:] == IGNORE_LABEL).all()
    assert np.isfinite(arrays.phase_rad[:40, :40]).all()


def test_manifest_factory_round_trips(training_manifest):
    rows = read_manifest(training_manifest)
    assert [r.split for r in rows] == ["train", "train", "val", "train"]
    assert [r.negative for r in rows] == ["", "", "", "atmosphere"]


# Windows (scene, row, col, kind) that massmap drew from _big_set's manifest before traps rasters existed, with
# np.random.default_rng(42) drawing positive, negative, hard-negative in turn, four times.
WINDOWS_BEFORE_TRAPS = [
    (0, 9, 0, POSITIVE), (1, 12, 81, NEGATIVE), (2, 43, 17, HARD_NEGATIVE), (1, 96, 68, POSITIVE),
    (1, 86, 6, NEGATIVE), (2, 26, 61, HARD_NEGATIVE), (0, 10, 17, POSITIVE), (0, 73, 35, NEGATIVE),
    (2, 45, 53, HARD_NEGATIVE), (0, 11, 4, POSITIVE), (0, 7, 45, NEGATIVE), (2, 44, 12, HARD_NEGATIVE),
]


def test_a_manifest_without_traps_draws_the_windows_it_drew_before(tmp_path):
    rows = _big_set(tmp_path)
    (tmp_path / "old.csv").write_text("phase,coherence,labels,split,dem,negative\n" + "".join(
        f"{r.phase.name},{r.coherence.name},{r.labels.name if r.labels else ''},train,,{r.negative}\n" for r in rows))
    scene_index = build_scene_index(read_manifest(tmp_path / "old.csv"), patch_size=64)
    rng = np.random.default_rng(42)
    drawn = [scene_index.draw(kind, rng) for kind in [POSITIVE, NEGATIVE, HARD_NEGATIVE] * 4]
    assert [(w.scene, w.row_off, w.col_off, w.kind) for w in drawn] == WINDOWS_BEFORE_TRAPS


TRAP_PIXELS = [(110, 40), (111, 41), (112, 42), (80, 120), (30, 30)]  # the last one lies on the labelled blob


def _trap_set(tmp_path):
    """A 160-px scene with one blob at (30, 30) and a traps raster marking TRAP_PIXELS, and an atmosphere scene."""
    moving = write_training_scene(tmp_path, "m", (Blob(30, 30),), size=160, seed=1)
    atm = write_training_scene(tmp_path, "atm", (), size=160, seed=3, ramp_fringes=2.0)
    with open_scene(moving.phase) as scene:
        grid = scene.grid
    traps = np.zeros((160, 160), dtype=np.uint8)
    for r, c in TRAP_PIXELS:
        traps[r, c] = 1
    traps_path = write_geotiff(tmp_path / "m_traps.tif", traps, grid)
    return [ManifestRow(moving.phase, moving.labels, "train", moving.coherence, traps=traps_path),
            ManifestRow(atm.phase, None, "train", atm.coherence, negative="atmosphere")]


def test_hard_negatives_centre_on_trap_pixels_and_miss_the_labels(tmp_path):
    scene_index = build_scene_index(_trap_set(tmp_path), patch_size=64)
    assert scene_index.has_hard_negatives
    # The pixel on the blob is dropped: a patch centred there would show the movement.
    assert scene_index.trap_px[0].tolist() == [[80, 120], [110, 40], [111, 41], [112, 42]]
    dataset = PatchDataset(scene_index, CHANNELS, seed=0)
    from_traps = 0
    jitter = JITTER_FRACTION * 64 + 0.5  # the positives' jitter, plus rounding to whole pixels
    for i in range(200):
        window, arrays = dataset.patch((0, i, HARD_NEGATIVE))
        if window.scene == 1:
            continue  # a window of the marked atmosphere scene, as before
        from_traps += 1
        centre = np.array([window.row_off + 32, window.col_off + 32])
        offsets = np.abs(np.array(TRAP_PIXELS[:4]) + 0.5 - centre).max(axis=1)
        assert offsets.min() <= jitter
        (r0, c0, r1, c1), = scene_index.scenes[0].boxes_px  # the blob's box: the window lies beside or below it
        assert window.row_off >= r1 or window.col_off >= c1 or window.row_off + 64 <= r0 or window.col_off + 64 <= c0
        assert not (arrays.label == 1).any()
    # Half the hard negatives come from trap pixels when marked scenes exist too.
    assert 80 <= from_traps <= 120


def test_a_marked_scene_with_mined_pixels_centres_its_hard_negatives_there(tmp_path):
    rows = _trap_set(tmp_path)
    with open_scene(rows[1].phase) as scene:
        grid = scene.grid
    mined = np.zeros((160, 160), dtype=np.uint8)
    mined[20, 130] = TRAP_MODEL_FALSE_POSITIVE  # one false alarm of an earlier model in the atmosphere scene
    rows[1] = replace(rows[1], traps=write_geotiff(tmp_path / "atm_mined.tif", mined, grid))
    scene_index = build_scene_index(rows, patch_size=64)
    assert scene_index.trap_px[1].tolist() == [[20, 130]]
    dataset = PatchDataset(scene_index, CHANNELS, seed=0)
    windows = [dataset.patch((0, i, HARD_NEGATIVE))[0] for i in range(200)]
    # Trap windows of the atmosphere scene sit by the mined pixel (with the jitter, clipped to the scene): top right.
    near = sum(w.scene == 1 and w.row_off <= 4 and w.col_off >= 80 for w in windows)
    from_moving_scene = sum(w.scene == 0 for w in windows)
    assert near >= 25 and from_moving_scene >= 25
    # Half the hard negatives still come from trap pixels, the other half are any window of the marked scene.
    assert 80 <= near + from_moving_scene <= 120


def test_half_the_trap_windows_of_a_scene_go_to_its_mined_false_alarms(tmp_path):
    rows = _trap_set(tmp_path)[:1]  # no marked scene: every hard negative is trap-centred
    with open_scene(rows[0].phase) as scene:
        grid = scene.grid
    traps = np.zeros((160, 160), dtype=np.uint8)
    traps[100:140, 0:40] = 1  # 1,600 simulator marks at the bottom left
    traps[150, 150] = TRAP_MODEL_FALSE_POSITIVE  # one false alarm of an earlier model at the bottom right
    rows[0] = replace(rows[0], traps=write_geotiff(tmp_path / "m_mined.tif", traps, grid))
    scene_index = build_scene_index(rows, patch_size=64)
    assert scene_index.mined_px[0].tolist() == [[150, 150]] and len(scene_index.trap_px[0]) == 1601
    dataset = PatchDataset(scene_index, CHANNELS, seed=0)
    windows = [dataset.patch((0, i, HARD_NEGATIVE))[0] for i in range(200)]
    at_mined = sum(w.col_off >= 80 for w in windows)
    # Drawn by pixel alone, the false alarm would get 1 window in 1,601.
    assert 80 <= at_mined <= 120


def test_no_hard_negatives_leaves_traps_unread(tmp_path):
    rows = _trap_set(tmp_path)[:1]
    assert build_scene_index(rows, patch_size=64).has_hard_negatives
    assert not build_scene_index(rows, patch_size=64, traps=False).has_hard_negatives


def test_los_channel_is_the_windows_line_of_sight_share_of_downslope_motion(tmp_path):
    rows = read_manifest(write_training_set(tmp_path / "d", hard_negative=False, terrain=True))
    dataset = PatchDataset(build_scene_index(rows[:1], patch_size=64), ("sin", "cos", "coherence", "los"), seed=0)
    window, _ = dataset.patch((0, 0, POSITIVE))
    x, _ = dataset[(0, 0, POSITIVE)]
    with open_scene(rows[0].phase, dem_path=rows[0].dem, los_path=rows[0].los) as scene:
        # The channel has a one-pixel halo: slopes at the patch's edges use the scene's pixels beyond it.
        grown, crop = halo_window(Window(window.col_off, window.row_off, 64, 64), 1, scene.grid.height,
                                  scene.grid.width)
        sw = scene.read(grown)
    expected = downslope_los_sensitivity(sw.dem_m, 20.0, sw.look_enu)[crop[0]:crop[1], crop[2]:crop[3]]
    np.testing.assert_allclose(x[3].numpy(), expected, atol=1e-6)
    # Hills facing east and west of a descending pass: some slopes come towards the satellite, some go away.
    assert x[3].min() < -0.5 and x[3].max() > 0.9
