"""Where the tiles of a scene lie: square windows with overlap, snapped inside the scene, grouped in tile rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def tile_starts(length_px: int, tile_px: int, stride_px: int) -> list[int]:
    """Offsets of tiles along one axis: every `stride_px`, the last one snapped to end at the scene edge.

    A scene shorter than a tile gets one tile at 0 (its pixels are padded, see `pad_to_tile`).
    """
    if length_px <= tile_px:
        return [0]
    starts = list(range(0, length_px - tile_px, stride_px))
    starts.append(length_px - tile_px)
    return starts


@dataclass(frozen=True)
class TileLayout:
    """Square tiles of `tile_px` covering a (height, width) scene with `overlap_px` between neighbours."""

    height: int
    width: int
    tile_px: int
    overlap_px: int

    @classmethod
    def for_scene(cls, height: int, width: int, tile_px: int, overlap: float) -> TileLayout:
        """A layout whose neighbouring tiles share `overlap` (a fraction of the tile, in [0, 0.5])."""
        if not 0.0 <= overlap <= 0.5:
            raise ValueError(f"overlap must be in [0, 0.5], got {overlap}")
        return cls(height, width, tile_px, int(round(tile_px * overlap)))

    @property
    def stride_px(self) -> int:
        """Distance between neighbouring tile origins."""
        return max(self.tile_px - self.overlap_px, 1)

    @property
    def row_starts(self) -> list[int]:
        """First scene row of each tile row."""
        return tile_starts(self.height, self.tile_px, self.stride_px)

    @property
    def col_starts(self) -> list[int]:
        """First scene column of each tile column."""
        return tile_starts(self.width, self.tile_px, self.stride_px)

    @property
    def n_tiles(self) -> int:
        """Number of tiles over the scene."""
        return len(self.row_starts) * len(self.col_starts)

    @property
    def overlap_factor(self) -> float:
        """Pixels the network sees per scene pixel (>= 1): the cost of overlap."""
        return self.n_tiles * self.tile_px**2 / (self.height * self.width)

    def rows_in_tile(self, row0: int) -> int:
        """Scene rows a tile starting at `row0` covers (fewer than `tile_px` when the scene is shorter)."""
        return min(self.tile_px, self.height - row0)


def pad_to_tile(channels: np.ndarray, tile_px: int) -> np.ndarray:
    """Zero-pad a (C, rows, cols) stack at the bottom and right to at least `tile_px` rows and columns."""
    _, rows, cols = channels.shape
    pad_r, pad_c = max(tile_px - rows, 0), max(tile_px - cols, 0)
    if pad_r == 0 and pad_c == 0:
        return channels
    return np.pad(channels, ((0, 0), (0, pad_r), (0, pad_c)))
