"""Losses from smp skip ignored pixels (nodata, labels left out by --where) and reward a right answer."""

from __future__ import annotations

import pytest
import torch

from massmap.data import IGNORE_LABEL
from massmap.train.losses import MAX_OBJECT_WEIGHT, OBJECT_REFERENCE_PX, make_loss, object_weights


@pytest.mark.parametrize("name", ["bce-dice", "object-bce-dice", "focal", "lovasz"])
def test_loss_ignores_ignored_pixels_and_prefers_the_truth(name):
    loss = make_loss(name)
    target = torch.zeros(2, 1, 16, 16)
    target[:, :, 4:10, 4:10] = 1
    target[:, :, 12:, :] = IGNORE_LABEL
    right = torch.where(target == 1, 4.0, -4.0)
    wrong = -right
    assert loss(right, target) < loss(wrong, target)
    # Whatever the network says on ignored pixels does not change the loss.
    scrambled = right.clone()
    scrambled[:, :, 12:, :] = torch.randn(2, 1, 4, 16) * 10
    assert loss(scrambled, target).item() == pytest.approx(loss(right, target).item(), abs=1e-6)


def test_object_weights_follow_each_patterns_size_in_the_patch():
    target = torch.zeros(1, 1, 64, 64)
    target[0, 0, 2:6, 2:7] = 1  # 20 px: weight capped
    target[0, 0, 10:20, 10:20] = 1  # 100 px: reference / 100
    target[0, 0, 30:60, 20:60] = 1  # 1,200 px: larger than the reference, not weighted down
    target[0, 0, 62:, :] = IGNORE_LABEL
    w = object_weights(target)[0, 0]
    assert w[3, 3].item() == MAX_OBJECT_WEIGHT
    assert w[15, 15].item() == pytest.approx(OBJECT_REFERENCE_PX / 100)
    assert w[40, 40].item() == 1.0
    assert w[25, 5].item() == 1.0  # background
    assert w[63, 0].item() == 0.0  # ignored


def test_object_weighting_makes_a_missed_small_pattern_cost_more():
    target = torch.zeros(1, 1, 64, 64)
    target[0, 0, 2:6, 2:7] = 1  # 20 px
    target[0, 0, 20:60, 20:60] = 1  # 1,600 px
    right = torch.where(target == 1, 6.0, -6.0)
    miss_small, miss_large = right.clone(), right.clone()
    miss_small[0, 0, 2:6, 2:7] = -6.0
    miss_large[0, 0, 20:60, 20:60] = -6.0

    def small_over_large(name: str) -> float:
        loss = make_loss(name)
        base = loss(right, target)
        return ((loss(miss_small, target) - base) / (loss(miss_large, target) - base)).item()

    # Plain BCE + Dice: missing 20 of 1,620 positive pixels costs about 1 % of missing the large pattern.
    assert small_over_large("bce-dice") < 0.03
    # Weighted up tenfold, the small pattern's miss costs several times more, relative to the large one's.
    assert small_over_large("object-bce-dice") > 4 * small_over_large("bce-dice")


def test_unknown_loss_is_refused():
    from massmap.errors import BadInputError

    with pytest.raises(BadInputError, match="--loss"):
        make_loss("hinge")
