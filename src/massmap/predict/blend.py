"""Blending overlapping tile predictions with smooth weights, in a rolling strip buffer of scene rows.

Each tile's prediction is weighted by a cosine cross-fade over the overlap on its interior sides (full
weight on sides at the scene edge) that ignores the outer quarter of the overlap, so neighbouring tiles
blend without seams and the network's tile-edge artefacts get no weight. Rows no later tile can touch are
normalised and handed to a sink (a GeoTIFF writer), so memory holds only a few tile rows whatever the scene size.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np


def cosine_ramp(length_px: int, overlap_px: int, taper_start: bool, taper_end: bool) -> np.ndarray:
    """1-D weights of a tile: 1 in the middle; at each tapered end 0 over the outer quarter of the overlap,
    then a 0.5-0.5*cos rise over its middle half.

    Two neighbours overlapping by `overlap_px` have weights summing to 1 (a partition of unity), and each
    ignores the outer quarter of the overlap, where zero padding disturbs the network the most.
    """
    w = np.ones(length_px, dtype=np.float32)
    overlap_px = min(overlap_px, length_px // 2)
    if overlap_px > 0:
        margin = overlap_px // 4
        fade = overlap_px - 2 * margin
        rise = np.zeros(overlap_px, dtype=np.float32)
        rise[margin:margin + fade] = 0.5 - 0.5 * np.cos(np.pi * (np.arange(fade) + 0.5) / fade)
        rise[margin + fade:] = 1.0
        if taper_start:
            w[:overlap_px] = rise
        if taper_end:
            w[length_px - overlap_px:] = np.minimum(w[length_px - overlap_px:], rise[::-1])
    return w


@lru_cache(maxsize=64)
def tile_weights(tile_px: int, overlap_px: int, top: bool, bottom: bool, left: bool, right: bool) -> np.ndarray:
    """(tile_px, tile_px) float32 blending weights; a True side is interior and tapers, a False side is a scene edge."""
    wy = cosine_ramp(tile_px, overlap_px, top, bottom)
    wx = cosine_ramp(tile_px, overlap_px, left, right)
    weights = np.outer(wy, wx)
    weights.setflags(write=False)
    return weights


RowSink = Callable[[int, np.ndarray], None]
"""Receives (first scene row, finished (bands, rows, width) float32 block) in row order."""


class StripBlender:
    """Weighted sums of tile predictions over a rolling window of scene rows; finished rows go to a sink.

    Bands are blended independently (probability, and the TTA spread when present). Invalid input pixels
    (nodata) come out as NaN, valid pixels without signal (`massmap.predict.signal`) as 0.
    """

    def __init__(self, height: int, width: int, bands: int, sink: RowSink) -> None:
        self.height, self.width, self.bands = height, width, bands
        self._sink = sink
        self._top = 0  # scene row of buffer row 0; rows above it are finished and written
        self._sum = np.zeros((bands, 0, width), dtype=np.float32)
        self._weight = np.zeros((0, width), dtype=np.float32)
        self._valid = np.zeros((0, width), dtype=bool)
        self._signal = np.zeros((0, width), dtype=bool)

    def _reserve(self, stop_row: int) -> None:
        """Grow the buffer so it reaches scene row `stop_row` (exclusive)."""
        need = min(stop_row, self.height) - self._top
        have = self._weight.shape[0]
        if need <= have:
            return
        extra = need - have
        self._sum = np.concatenate([self._sum, np.zeros((self.bands, extra, self.width), np.float32)], axis=1)
        self._weight = np.concatenate([self._weight, np.zeros((extra, self.width), np.float32)], axis=0)
        self._valid = np.concatenate([self._valid, np.zeros((extra, self.width), bool)], axis=0)
        self._signal = np.concatenate([self._signal, np.zeros((extra, self.width), bool)], axis=0)

    def set_valid(self, row0: int, valid: np.ndarray, signal: np.ndarray | None = None) -> None:
        """Record which pixels of rows row0.. have valid input, and which of those have signal (bool (rows, width))."""
        signal = valid if signal is None else signal
        if row0 < self._top:
            valid, signal = valid[self._top - row0:], signal[self._top - row0:]
            row0 = self._top
        self._reserve(row0 + valid.shape[0])
        r = row0 - self._top
        self._valid[r:r + valid.shape[0]] = valid
        self._signal[r:r + valid.shape[0]] = signal

    def add(self, values: np.ndarray, row0: int, col0: int, weights: np.ndarray) -> None:
        """Add one tile's (bands, tile, tile) prediction at scene (row0, col0); padding beyond the scene is cut."""
        rows = min(values.shape[1], self.height - row0)
        cols = min(values.shape[2], self.width - col0)
        if row0 < self._top:
            raise ValueError(f"tile at row {row0} arrives after row {self._top} was written")
        self._reserve(row0 + rows)
        r = row0 - self._top
        w = weights[:rows, :cols]
        self._sum[:, r:r + rows, col0:col0 + cols] += values[:, :rows, :cols] * w
        self._weight[r:r + rows, col0:col0 + cols] += w

    def flush(self, stop_row: int) -> None:
        """Normalise scene rows up to `stop_row` (exclusive), hand them to the sink and drop them from memory."""
        stop_row = min(stop_row, self.height)
        n = stop_row - self._top
        if n <= 0:
            return
        self._reserve(stop_row)
        weight = self._weight[:n]
        with np.errstate(invalid="ignore", divide="ignore"):
            block = self._sum[:, :n] / weight
        valid, signal = self._valid[:n], self._signal[:n]
        block[:, valid & ~signal] = 0.0
        block[:, ~valid | (signal & (weight <= 0))] = np.nan
        self._sink(self._top, block.astype(np.float32, copy=False))
        self._sum = self._sum[:, n:].copy()
        self._weight = self._weight[n:].copy()
        self._valid = self._valid[n:].copy()
        self._signal = self._signal[n:].copy()
        self._top = stop_row
