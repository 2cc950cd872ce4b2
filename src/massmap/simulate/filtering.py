"""The Goldstein & Werner (1998) adaptive interferogram filter, as applied to many operational products."""

from __future__ import annotations

import numpy as np
import scipy.fft
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage


def goldstein_filter(phase_rad: np.ndarray, alpha: float, patch_px: int = 32, smooth_px: int = 3) -> np.ndarray:
    """Filter a wrapped phase: weight each patch's spectrum by its smoothed amplitude to the power `alpha`.

    Patches overlap by half and are blended with triangular weights that sum to one, so there are no seams.
    Returns the filtered wrapped phase (rad, float32) of the same shape.
    """
    step = patch_px // 2
    rows, cols = phase_rad.shape
    pad_rows = (-(rows + step)) % step + step
    pad_cols = (-(cols + step)) % step + step
    ifg = np.exp(1j * phase_rad.astype(np.float32)).astype(np.complex64)
    # Zero padding: empty borders add nothing to the phase, where mirrored ones would bend edge fringes.
    padded = np.pad(ifg, ((step, pad_rows), (step, pad_cols)))
    patches = sliding_window_view(padded, (patch_px, patch_px))[::step, ::step]
    spectrum = scipy.fft.fft2(patches, axes=(-2, -1), workers=-1)
    weight = ndimage.uniform_filter(np.abs(spectrum), size=(1, 1, smooth_px, smooth_px), mode="wrap")
    weight /= weight.max(axis=(-2, -1), keepdims=True) + np.float32(1e-12)
    spectrum *= weight ** np.float32(alpha)
    filtered = scipy.fft.ifft2(spectrum, axes=(-2, -1), workers=-1)
    ramp = 1.0 - np.abs(np.arange(patch_px, dtype=np.float32) - (patch_px - 1) / 2.0) / step
    filtered *= np.outer(ramp, ramp)
    n_r, n_c = filtered.shape[:2]
    out = np.zeros(((n_r + 1) * step, (n_c + 1) * step), dtype=np.complex64)
    # Overlap-add: each quadrant of every patch lands on one step x step tile of the output.
    for qr in (0, 1):
        for qc in (0, 1):
            tile = filtered[:, :, qr * step:(qr + 1) * step, qc * step:(qc + 1) * step]
            out[qr * step:qr * step + n_r * step, qc * step:qc * step + n_c * step] += (
                tile.transpose(0, 2, 1, 3).reshape(n_r * step, n_c * step))
    return np.angle(out[step:step + rows, step:step + cols]).astype(np.float32)
