"""Augmentations that keep the physics of a wrapped interferogram true, applied before channel encoding.

Each one gives a patch the satellite could have seen over the same ground motion:
- flips and 90-degree rotations (the pattern of a movement has no preferred orientation in the image);
- a constant phase offset (another reference point: wrapped phase is relative);
- phase conjugation (the opposite sign of line-of-sight motion, or the swapped pair of acquisitions);
- added decorrelation: the complex signal times random unit phasors whose mean length is the factor k by
  which coherence drops. For phase noise ~ N(0, s^2), E[exp(i n)] = exp(-s^2 / 2), so s = sqrt(-2 ln k).
The label and coherence follow the flips and rotations; offset and conjugation change neither. The LOS
sensitivity to downslope motion (`los`) is computed from the scene's own geometry before augmentation and moves
with the flips and rotations like the phase, so a pattern and the sign it should have stay together; conjugation
negates it, as a swapped pair turns the phase of the same downslope motion around.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from massmap.data.sampling import PatchArrays
from massmap.io.scene import wrap_phase


@dataclass(frozen=True)
class AugmentSettings:
    """Which augmentations are drawn, and how strong the added decorrelation may be.

    By default only those that keep the label exactly true: flips, rotations and conjugation. A random phase
    offset and added decorrelation stay available, but the learnability benchmark showed them stopping
    small-pattern learning (noise of ~1 rad on a pattern of a few radians while its label stays positive).
    """

    flips: bool = True
    rotations: bool = True
    phase_offset: bool = False
    conjugation: bool = True
    decorrelation_probability: float = 0.0
    min_coherence_factor: float = 0.5


def flip_rotate(patch: PatchArrays, quarter_turns: int, flip: bool) -> PatchArrays:
    """Rotate every array of a patch by `quarter_turns` x 90 degrees, after a left-right flip when `flip`."""

    def turn(a: np.ndarray) -> np.ndarray:
        if flip:
            a = a[:, ::-1]
        return np.ascontiguousarray(np.rot90(a, quarter_turns))

    def move(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else turn(a)

    return replace(patch, phase_rad=turn(patch.phase_rad), coherence=turn(patch.coherence), label=turn(patch.label),
                   dem_m=move(patch.dem_m), los=move(patch.los))


def offset_phase(phase_rad: np.ndarray, offset_rad: float) -> np.ndarray:
    """Add a constant phase (another reference point) and wrap back into [-pi, pi)."""
    return wrap_phase(phase_rad + np.float32(offset_rad))


def conjugate_phase(phase_rad: np.ndarray) -> np.ndarray:
    """The complex conjugate's phase: the opposite sign of motion, wrapped into [-pi, pi)."""
    return wrap_phase(-phase_rad)


def decorrelate(
    phase_rad: np.ndarray, coherence: np.ndarray, factor: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Lower coherence by `factor` (0-1] and add the matching phase noise, s = sqrt(-2 ln factor) radians."""
    sigma_rad = np.sqrt(-2.0 * np.log(factor))
    noise = rng.normal(0.0, sigma_rad, size=phase_rad.shape).astype(np.float32)
    return wrap_phase(phase_rad + noise), (coherence * np.float32(factor)).astype(np.float32)


def augment_patch(patch: PatchArrays, rng: np.random.Generator,
                  settings: AugmentSettings = AugmentSettings()) -> PatchArrays:
    """A randomly augmented copy of a patch (wrapped phase and coherence, before channel encoding)."""
    quarter_turns = int(rng.integers(4)) if settings.rotations else 0
    flip = bool(rng.random() < 0.5) if settings.flips else False
    out = flip_rotate(patch, quarter_turns, flip)
    phase, coherence, los = out.phase_rad, out.coherence, out.los
    if settings.phase_offset:
        phase = offset_phase(phase, rng.uniform(-np.pi, np.pi))
    if settings.conjugation and rng.random() < 0.5:
        phase = conjugate_phase(phase)
        los = None if los is None else -los
    if rng.random() < settings.decorrelation_probability:
        phase, coherence = decorrelate(phase, coherence, rng.uniform(settings.min_coherence_factor, 1.0), rng)
    return replace(out, phase_rad=phase, coherence=coherence, los=los)
