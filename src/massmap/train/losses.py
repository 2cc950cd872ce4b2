"""Segmentation losses from segmentation-models-pytorch, all skipping pixels labelled IGNORE_LABEL (nodata, --where)."""

from __future__ import annotations

import torch
from segmentation_models_pytorch.losses import DiceLoss, FocalLoss, LovaszLoss, SoftBCEWithLogitsLoss

from massmap.data.sampling import IGNORE_LABEL
from massmap.errors import BadInputError


class BceDiceLoss(torch.nn.Module):
    """Binary cross-entropy (mean over labelled pixels) plus soft Dice, both on logits."""

    def __init__(self) -> None:
        super().__init__()
        self.bce = SoftBCEWithLogitsLoss(ignore_index=IGNORE_LABEL, reduction="sum")
        self.dice = DiceLoss("binary", from_logits=True, ignore_index=IGNORE_LABEL)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        n_labelled = (target != IGNORE_LABEL).sum().clamp_min(1)
        return self.bce(logits, target) / n_labelled + self.dice(logits, target)


def make_loss(name: str) -> torch.nn.Module:
    """The loss named on the command line: `bce-dice` (default), `focal` or `lovasz`."""
    if name == "bce-dice":
        return BceDiceLoss()
    if name == "focal":
        return FocalLoss("binary", ignore_index=IGNORE_LABEL)
    if name == "lovasz":
        return LovaszLoss("binary", ignore_index=IGNORE_LABEL)
    raise BadInputError(f"--loss {name!r} is not one of bce-dice, focal, lovasz")
