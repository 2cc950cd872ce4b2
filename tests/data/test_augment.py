"""Augmentations keep the physics of wrapped phase: what changes, what must not."""

from __future__ import annotations

import numpy as np
import pytest

from massmap.data import AugmentSettings, PatchArrays, PatchDataset, augment_patch, build_scene_index
from massmap.data.augment import conjugate_phase, decorrelate, flip_rotate, offset_phase
from massmap.io.manifest import ManifestRow
from tests.conftest import fringe_blob
from tests.train.factories import Blob, write_training_scene

NOTHING = AugmentSettings(flips=False, rotations=False, phase_offset=False, conjugation=False,
                          decorrelation_probability=0.0)


def _patch() -> PatchArrays:
    phase = fringe_blob(64, (24, 36), 14.0, 2.0)
    coherence = np.linspace(0.2, 0.9, 64 * 64, dtype=np.float32).reshape(64, 64)
    label = (phase != 0).astype(np.uint8)
    return PatchArrays(phase, coherence, label)


def _phasor_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.angle(np.exp(1j * (a.astype(np.float64) - b)))


def test_conjugation_flips_the_sign_of_the_deformation_phase():
    p = _patch().phase_rad
    c = conjugate_phase(p)
    np.testing.assert_allclose(np.sin(c), -np.sin(p), atol=1e-5)
    np.testing.assert_allclose(np.cos(c), np.cos(p), atol=1e-5)
    assert c.min() >= -np.pi and c.max() < np.pi


def test_constant_offset_shifts_every_pixel_alike_and_keeps_label_and_coherence():
    patch = _patch()
    shifted = offset_phase(patch.phase_rad, 1.25)
    np.testing.assert_allclose(_phasor_difference(shifted, patch.phase_rad), 1.25, atol=1e-5)
    settings = AugmentSettings(flips=False, rotations=False, conjugation=False, phase_offset=True)
    out = augment_patch(patch, np.random.default_rng(1), settings)
    offsets = _phasor_difference(out.phase_rad, patch.phase_rad)
    assert np.ptp(offsets) < 1e-4 and abs(offsets.mean()) > 1e-3  # one constant, not zero
    np.testing.assert_array_equal(out.label, patch.label)
    np.testing.assert_array_equal(out.coherence, patch.coherence)


def test_flips_and_rotations_move_label_with_the_fringes():
    patch = _patch()
    for turns in range(4):
        for flip in (False, True):
            out = flip_rotate(patch, turns, flip)
            np.testing.assert_array_equal(out.label, (out.phase_rad != 0).astype(np.uint8))
            assert out.label.sum() == patch.label.sum()
            flipped = patch.coherence[:, ::-1] if flip else patch.coherence
            np.testing.assert_array_equal(out.coherence, np.rot90(flipped, turns))


def test_decorrelation_lowers_coherence_and_adds_matching_phase_noise():
    patch = _patch()
    phase, coherence = decorrelate(patch.phase_rad, patch.coherence, 0.6, np.random.default_rng(0))
    np.testing.assert_allclose(coherence, patch.coherence * 0.6, rtol=1e-6)
    # The added noise phasors have mean length 0.6: the signal's coherence drops by that factor.
    mean_length = np.abs(np.exp(1j * _phasor_difference(phase, patch.phase_rad)).mean())
    assert mean_length == pytest.approx(0.6, abs=0.03)


def test_no_augmentation_is_the_identity():
    patch = _patch()
    out = augment_patch(patch, np.random.default_rng(0), NOTHING)
    np.testing.assert_array_equal(out.phase_rad, patch.phase_rad)
    np.testing.assert_array_equal(out.label, patch.label)


@pytest.mark.parametrize("encoding_channels", [("phase", "coherence"), ("phase", "phase", "phase")])
def test_every_encoding_sees_the_same_augmented_physics(tmp_path, encoding_channels):
    files = write_training_scene(tmp_path, "e", (Blob(40, 40),), size=96)
    scene_index = build_scene_index([ManifestRow(files.phase, files.labels, "train", files.coherence)], 64)
    key = (3, 5, "positive")
    sincos = PatchDataset(scene_index, ("sin", "cos"), seed=2, augment=AugmentSettings())[key][0].numpy()
    other = PatchDataset(scene_index, encoding_channels, seed=2, augment=AugmentSettings())[key][0].numpy()
    # Augmentation happens on the wrapped phase before encoding, so raw phase and (sin, cos) agree.
    np.testing.assert_allclose(np.sin(other[0] * np.pi), sincos[0], atol=1e-4)
    np.testing.assert_allclose(np.cos(other[0] * np.pi), sincos[1], atol=1e-4)


def test_los_sensitivity_turns_with_the_pattern_and_changes_sign_with_conjugation():
    patch = _patch()
    # A sensitivity field that tells the pattern's own sign: +0.9 where the bowl moves, -0.3 elsewhere.
    patch.los = np.where(patch.label == 1, 0.9, -0.3).astype(np.float32)
    for turns in range(4):
        for flip in (False, True):
            out = flip_rotate(patch, turns, flip)
            np.testing.assert_array_equal(out.los, np.where(out.label == 1, 0.9, -0.3).astype(np.float32))
    conjugate_only = AugmentSettings(flips=False, rotations=False, phase_offset=False, conjugation=True,
                                     decorrelation_probability=0.0)
    outs = [augment_patch(patch, np.random.default_rng(seed), conjugate_only) for seed in range(8)]
    conjugated = [not np.allclose(o.phase_rad, patch.phase_rad) for o in outs]
    assert 0 < sum(conjugated) < 8
    for o, flipped in zip(outs, conjugated):
        np.testing.assert_array_equal(o.los, -patch.los if flipped else patch.los)


def test_default_augmentations_keep_the_label_true_flips_rotations_and_conjugation_only():
    settings = AugmentSettings()
    assert (settings.flips, settings.rotations, settings.conjugation) == (True, True, True)
    assert not settings.phase_offset and settings.decorrelation_probability == 0.0
    patch = _patch()
    for seed in range(8):
        out = augment_patch(patch, np.random.default_rng(seed), settings)
        # Only flips, rotations and conjugation: |phase| moves with the label, its values are kept.
        np.testing.assert_allclose(np.sort(np.abs(out.phase_rad[out.label == 1])),
                                   np.sort(np.abs(patch.phase_rad[patch.label == 1])), atol=1e-6)
