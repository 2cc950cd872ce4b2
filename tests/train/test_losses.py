"""Losses from smp skip ignored pixels (nodata, labels left out by --where) and reward a right answer."""

from __future__ import annotations

import pytest
import torch

from massmap.data import IGNORE_LABEL
from massmap.train.losses import make_loss


@pytest.mark.parametrize("name", ["bce-dice", "focal", "lovasz"])
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


def test_unknown_loss_is_refused():
    from massmap.errors import BadInputError

    with pytest.raises(BadInputError, match="--loss"):
        make_loss("hinge")
