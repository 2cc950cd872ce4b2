"""Tiny stacks the stack tests make themselves: LiCSAR-named pairs of one 64 x 64 UTM frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from affine import Affine

from tests.conftest import UTM_ORIGIN, write_raster

SIZE = 64
# Five pairs of a 12-day network (dates 1-13, 13-25, 1-25, 25-06, 13-06).
DATES = [("20200101", "20200113"), ("20200113", "20200125"), ("20200101", "20200125"), ("20200125", "20200206"),
         ("20200113", "20200206")]
# Two 12 x 12 pixel patterns (57,600 m2 of 20 m pixels): a moving slope and an atmospheric cell.
SLOPE = (slice(8, 20), slice(8, 20))
CELL = (slice(40, 52), slice(40, 52))


def write_pair(folder: Path, date1: str, date2: str, phase: np.ndarray | None = None, coherence: float = 0.8,
               transform: Affine | None = None) -> Path:
    """A LiCSAR GEOC pair folder DATE1_DATE2 with its wrapped phase and uint8 coherence; returns the phase path."""
    pair = folder / f"{date1}_{date2}"
    pair.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(int(date1) + int(date2))
    phase = rng.uniform(-0.3, 0.3, (SIZE, SIZE)).astype(np.float32) if phase is None else phase
    path = write_raster(pair / f"{date1}_{date2}.geo.diff_pha.tif", phase, transform=transform)
    write_raster(pair / f"{date1}_{date2}.geo.cc.tif", np.full((SIZE, SIZE), int(coherence * 255), np.uint8),
                 transform=transform)
    return path


def write_probability(path: Path, detected: list[tuple[slice, slice]], transform: Affine | None = None) -> Path:
    """A probability map of 0.05 with 0.9 over each `detected` window."""
    prob = np.full((SIZE, SIZE), 0.05, dtype=np.float32)
    for window in detected:
        prob[window] = 0.9
    return write_raster(path, prob, transform=transform)


def frame_transform(shift_px: int = 0) -> Affine:
    """The frame's 20 m UTM transform, shifted east by `shift_px` pixels."""
    return Affine(20.0, 0, UTM_ORIGIN[0] + 20.0 * shift_px, 0, -20.0, UTM_ORIGIN[1])
