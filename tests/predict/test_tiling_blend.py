"""Tile layout, smooth blending weights and the rolling strip buffer."""

from __future__ import annotations

import numpy as np
import pytest

from massmap.predict.blend import StripBlender, cosine_ramp, tile_weights
from massmap.predict.tiling import TileLayout, pad_to_tile, tile_starts
from massmap.predict.tta import predict_tta


@pytest.mark.parametrize("length", [1, 63, 64, 65, 200, 1000])
def test_tiles_cover_every_pixel_and_stay_inside(length: int) -> None:
    starts = tile_starts(length, 64, 48)
    covered = np.zeros(length, int)
    for s in starts:
        covered[s:s + 64] += 1
    assert covered.min() >= 1
    assert starts[0] == 0
    assert starts[-1] == max(length - 64, 0)


def test_neighbour_weights_sum_to_one_and_ignore_the_tile_edge() -> None:
    total = np.zeros(64 + 48)
    total[:64] += cosine_ramp(64, 16, taper_start=False, taper_end=True)
    total[48:] += cosine_ramp(64, 16, taper_start=True, taper_end=False)
    assert np.allclose(total, 1.0, atol=1e-6)
    # The outer quarter of the overlap (4 px) has no weight on an interior side, full weight at a scene edge.
    w = tile_weights(64, 16, True, True, True, False)
    assert np.all(w[:4] == 0) and np.all(w[:, :4] == 0)
    assert w[32, 63] == 1.0 and w[32, 32] == 1.0


def test_blender_reproduces_a_constant_field_and_marks_nodata() -> None:
    written: list[tuple[int, np.ndarray]] = []
    layout = TileLayout.for_scene(150, 90, 64, 0.25)
    blender = StripBlender(150, 90, 1, lambda r, block: written.append((r, block.copy())))
    valid = np.ones((150, 90), bool)
    valid[10:20, 30:40] = False
    rows, cols = layout.row_starts, layout.col_starts
    peak_rows = 0
    for k, r0 in enumerate(rows):
        blender.set_valid(r0, valid[r0:r0 + 64])
        for j, c0 in enumerate(cols):
            w = tile_weights(64, layout.overlap_px, k > 0, k < len(rows) - 1, j > 0, j < len(cols) - 1)
            blender.add(np.full((1, 64, 64), 0.7, np.float32), r0, c0, w)
        peak_rows = max(peak_rows, blender._weight.shape[0])
        blender.flush(rows[k + 1] if k + 1 < len(rows) else 150)
    out = np.concatenate([b[0] for _, b in written])
    assert [r for r, _ in written] == sorted(r for r, _ in written)
    assert out.shape == (150, 90)
    assert np.all(np.isnan(out[10:20, 30:40]))
    assert np.allclose(out[valid], 0.7, atol=1e-6)
    assert peak_rows <= 64  # one tile row in memory, whatever the scene height


def test_padding_a_small_window_to_a_tile() -> None:
    x = np.ones((3, 20, 30), np.float32)
    padded = pad_to_tile(x, 64)
    assert padded.shape == (3, 64, 64)
    assert padded[:, 20:].sum() == 0 and padded[:, :20, :30].sum() == 3 * 20 * 30


def test_tta_undoes_each_flip_and_rotation() -> None:
    rng = np.random.default_rng(1)
    tiles = rng.random((2, 3, 16, 16)).astype(np.float32)
    # A pixel-wise runner is equivariant: every view maps back to the same map, so the spread is 0.
    mean, spread = predict_tta(lambda t: t[:, 0] * 0.5, tiles)
    assert np.allclose(mean, tiles[:, 0] * 0.5, atol=1e-6)
    assert spread.max() < 1e-6
    # A runner that sees the column index is not: the views disagree.
    cols = np.broadcast_to(np.linspace(0, 1, 16, dtype=np.float32), (2, 16, 16))
    mean, spread = predict_tta(lambda t: cols[: t.shape[0]].copy(), tiles)
    assert spread.max() > 0.2
