"""How far a pattern's deformation phase stands out from the atmosphere and noise of the same size around it.

A band-pass at the pattern's own scale (difference of Gaussians of sigma r/2 and 2r, r = sqrt(area / pi) in
pixels: roughly a matched blob filter) is applied to the deformation phase and to the clutter (everything else in
the phase). The signal-to-clutter ratio is the band-passed deformation's peak inside the pattern over the
band-passed clutter's standard deviation in a box of 8r around it. Below 1 the scene holds atmospheric blobs of
the same size and strength nearby, and no detector that sees one wrapped interferogram can tell them apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Separability:
    """A pattern's band-passed deformation peak, the clutter's spread around it (rad) and their ratio."""

    pixels: int
    signal_rad: float
    clutter_rad: float

    @property
    def scr(self) -> float:
        """Signal-to-clutter ratio."""
        return self.signal_rad / max(self.clutter_rad, 1e-6)


def clutter_phase(phase_rad: np.ndarray, deformation_rad: np.ndarray, atmosphere_rad: np.ndarray) -> np.ndarray:
    """Everything in an observed wrapped phase but the motion: the atmosphere plus the wrapped residual of noise
    and filtering (rad)."""
    from massmap.io.scene import wrap_phase

    return atmosphere_rad + wrap_phase(phase_rad - deformation_rad - atmosphere_rad)


def band_pass(field: np.ndarray, radius_px: float) -> np.ndarray:
    """Difference of Gaussians (sigma radius/2 minus sigma 2 radius): the field's structure at a blob's scale."""
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(field, max(radius_px / 2, 0.5)) - gaussian_filter(field, 2 * radius_px)


def separability(deformation_rad: np.ndarray, clutter_rad: np.ndarray, mask: np.ndarray) -> Separability:
    """The signal-to-clutter figures of the pattern `mask` covers (at least one pixel)."""
    n_px = int(mask.sum())
    radius = float(np.sqrt(n_px / np.pi))
    rr, cc = np.nonzero(mask)
    half = int(np.ceil(4 * radius)) + 2
    r0, c0 = int(rr.mean()), int(cc.mean())
    box = (slice(max(r0 - half, 0), r0 + half + 1), slice(max(c0 - half, 0), c0 + half + 1))
    # Band-pass only a window holding the pattern and the box with room for the wider Gaussian (4 sigma = 8r):
    # the same values as over the whole scene, at a fraction of the cost.
    margin = int(np.ceil(8 * radius)) + 2
    top, left = max(min(int(rr.min()), r0 - half) - margin, 0), max(min(int(cc.min()), c0 - half) - margin, 0)
    outer = (slice(top, max(int(rr.max()), r0 + half) + margin + 1),
             slice(left, max(int(cc.max()), c0 + half) + margin + 1))
    inner = (slice(box[0].start - top, box[0].stop - top), slice(box[1].start - left, box[1].stop - left))
    signal = float(np.abs(band_pass(deformation_rad[outer], radius)[mask[outer]]).max())
    clutter = float(band_pass(clutter_rad[outer], radius)[inner].std())
    return Separability(n_px, signal, clutter)
