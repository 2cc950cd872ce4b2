"""Segmentation losses from segmentation-models-pytorch, all skipping pixels labelled IGNORE_LABEL (nodata, --where)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from scipy import ndimage
from segmentation_models_pytorch.losses import DiceLoss, FocalLoss, LovaszLoss, SoftBCEWithLogitsLoss

from massmap.data.sampling import IGNORE_LABEL
from massmap.errors import BadInputError

# Object weighting: an object of fewer than OBJECT_REFERENCE_PX pixels in a patch has its pixels weighted up so
# that it weighs about as much as one of that size (at most MAX_OBJECT_WEIGHT times a background pixel). Pixel
# losses otherwise let a 20-pixel pattern go unseen at almost no cost, while object recall counts it as one.
OBJECT_REFERENCE_PX = 400.0
MAX_OBJECT_WEIGHT = 10.0


class BceDiceLoss(torch.nn.Module):
    """Binary cross-entropy (mean over labelled pixels) plus soft Dice, both on logits."""

    def __init__(self) -> None:
        super().__init__()
        self.bce = SoftBCEWithLogitsLoss(ignore_index=IGNORE_LABEL, reduction="sum")
        self.dice = DiceLoss("binary", from_logits=True, ignore_index=IGNORE_LABEL)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        n_labelled = (target != IGNORE_LABEL).sum().clamp_min(1)
        return self.bce(logits, target) / n_labelled + self.dice(logits, target)


def object_weights(target: torch.Tensor, reference_px: float = OBJECT_REFERENCE_PX,
                   max_weight: float = MAX_OBJECT_WEIGHT) -> torch.Tensor:
    """Per-pixel weights (B, 1, H, W): 1 on background, reference_px / size on each labelled object's pixels
    (its 4-connected component in the patch), clipped to [1, max_weight]; 0 on ignored pixels."""
    labels = (target == 1).cpu().numpy()
    weights = np.ones(labels.shape, dtype=np.float32)
    for index in np.ndindex(labels.shape[:2]):
        components, n = ndimage.label(labels[index])
        if n:
            per_object = np.clip(reference_px / np.bincount(components.ravel()), 1.0, max_weight).astype(np.float32)
            per_object[0] = 1.0
            weights[index] = per_object[components]
    weight_t = torch.from_numpy(weights).to(target.device)
    return torch.where(target == IGNORE_LABEL, torch.zeros_like(weight_t), weight_t)


class ObjectBceDiceLoss(torch.nn.Module):
    """Binary cross-entropy with small objects weighted up (`object_weights`, normalised by the total weight)
    plus soft Dice: each labelled pattern counts about alike, as in object recall."""

    def __init__(self) -> None:
        super().__init__()
        self.dice = DiceLoss("binary", from_logits=True, ignore_index=IGNORE_LABEL)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        weights = object_weights(target)
        clean = torch.where(target == IGNORE_LABEL, torch.zeros_like(target), target)
        bce = F.binary_cross_entropy_with_logits(logits, clean, weight=weights.to(logits.dtype), reduction="sum")
        return bce / weights.sum().clamp_min(1.0) + self.dice(logits, target)


def per_image_soft_dice(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """1 - soft Dice computed on each patch alone over its labelled pixels, averaged over the patches that hold a
    labelled pattern (0 when none does): a 20-pixel pattern weighs as much as its patch's share, not 0.2 % of a
    batch's pixels."""
    keep = (target != IGNORE_LABEL).to(logits.dtype)
    truth = torch.where(target == 1, torch.ones_like(target), torch.zeros_like(target)).to(logits.dtype)
    prob = torch.sigmoid(logits) * keep
    dims = tuple(range(1, logits.ndim))
    inter = (prob * truth).sum(dims)
    total = prob.sum(dims) + truth.sum(dims)
    has_pattern = truth.sum(dims) > 0
    if not bool(has_pattern.any()):
        return logits.sum() * 0.0
    dice = (2.0 * inter + 1.0) / (total + 1.0)
    return (1.0 - dice[has_pattern]).mean()


class BceImageDiceLoss(torch.nn.Module):
    """Binary cross-entropy (mean over labelled pixels) plus the per-patch soft Dice of `per_image_soft_dice`."""

    def __init__(self) -> None:
        super().__init__()
        self.bce = SoftBCEWithLogitsLoss(ignore_index=IGNORE_LABEL, reduction="sum")

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        n_labelled = (target != IGNORE_LABEL).sum().clamp_min(1)
        return self.bce(logits, target) / n_labelled + per_image_soft_dice(logits, target)


# The losses `--loss` names, each built without arguments.
LOSSES: dict[str, Callable[[], torch.nn.Module]] = {
    "bce-dice": BceDiceLoss,
    "object-bce-dice": ObjectBceDiceLoss,
    "bce-image-dice": BceImageDiceLoss,
    "focal": lambda: FocalLoss("binary", ignore_index=IGNORE_LABEL),
    "lovasz": lambda: LovaszLoss("binary", ignore_index=IGNORE_LABEL),
}


def make_loss(name: str) -> torch.nn.Module:
    """The loss named on the command line: `bce-dice` (default), `object-bce-dice`, `focal` or `lovasz`."""
    if name not in LOSSES:
        raise BadInputError(f"--loss {name!r} is not one of {', '.join(LOSSES)}")
    return LOSSES[name]()
