"""Test-time augmentation: the eight flips and 90-degree rotations of a square tile, averaged."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# (quarter turns, flip columns) for the dihedral group of the square.
DIHEDRAL: tuple[tuple[int, bool], ...] = tuple((k, f) for f in (False, True) for k in range(4))


def _forward(tiles: np.ndarray, turns: int, flip: bool) -> np.ndarray:
    out = tiles[..., ::-1] if flip else tiles
    return np.rot90(out, turns, axes=(-2, -1))


def _inverse(maps: np.ndarray, turns: int, flip: bool) -> np.ndarray:
    out = np.rot90(maps, -turns, axes=(-2, -1))
    return out[..., ::-1] if flip else out


def predict_tta(run: Callable[[np.ndarray], np.ndarray], tiles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation over the 8 dihedral views of probabilities (N, rows, cols) of square tiles.

    The standard deviation measures how much the views disagree (the `uncertainty` of a polygon).
    """
    if tiles.shape[-1] != tiles.shape[-2]:
        raise ValueError("test-time rotations need square tiles")
    total = np.zeros(tiles.shape[:1] + tiles.shape[2:], dtype=np.float64)
    total_sq = np.zeros_like(total)
    for turns, flip in DIHEDRAL:
        prob = _inverse(run(np.ascontiguousarray(_forward(tiles, turns, flip))), turns, flip)
        total += prob
        total_sq += np.square(prob, dtype=np.float64)
    n = len(DIHEDRAL)
    mean = total / n
    std = np.sqrt(np.clip(total_sq / n - mean**2, 0.0, None))
    return mean.astype(np.float32), std.astype(np.float32)
