"""Training batches cut to one of several sizes: every batch has one size from the set, cut around the centre."""

from __future__ import annotations

import torch

from massmap.data.crop_sizes import MixedSizeCollate, centre_crop


def _patch(size: int, value: float) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.arange(size * size, dtype=torch.float32).reshape(1, size, size).repeat(3, 1, 1) + value
    y = torch.zeros(1, size, size)
    y[0, size // 2 - 2:size // 2 + 2, size // 2 - 2:size // 2 + 2] = 1.0  # a pattern in the middle
    return x, y


def test_each_batch_takes_one_size_from_the_set_and_both_sizes_occur():
    collate = MixedSizeCollate([32, 64], seed=3)
    shapes = []
    for _ in range(40):
        x, y = collate([_patch(64, 0.0), _patch(64, 1.0)])
        assert x.shape[0] == 2 and x.shape[-2:] == y.shape[-2:]
        shapes.append(tuple(x.shape[-2:]))
    assert set(shapes) == {(32, 32), (64, 64)}
    assert 10 <= shapes.count((32, 32)) <= 30


def test_cut_keeps_the_centre_and_labels_stay_aligned_with_the_phase():
    x, y = _patch(64, 0.0)
    cx, cy = centre_crop(x[None], 32), centre_crop(y[None], 32)
    assert cx.shape == (1, 3, 32, 32)
    # Top-left of the cut is pixel (16, 16) of the 64-px patch.
    assert float(cx[0, 0, 0, 0]) == 16 * 64 + 16
    assert float(cy.sum()) == 16.0 and float(cy[0, 0, 14:18, 14:18].sum()) == 16.0


def test_same_seed_draws_the_same_sizes():
    first, second = MixedSizeCollate([32, 64, 96], seed=5), MixedSizeCollate([32, 64, 96], seed=5)
    batch = [_patch(96, 0.0)]
    assert [first(batch)[0].shape[-1] for _ in range(12)] == [second(batch)[0].shape[-1] for _ in range(12)]
