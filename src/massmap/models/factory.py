"""One factory for every segmentation-models-pytorch architecture, never with downloaded weights."""

from __future__ import annotations

import segmentation_models_pytorch as smp
import torch

from massmap.errors import IncompatibleModelError

DEFAULT_ARCH = "unetplusplus"
DEFAULT_ENCODER = "resnet18"


def available_architectures() -> list[str]:
    """Names smp accepts as `arch` (unet, unetplusplus, deeplabv3plus, fpn, ...)."""
    return sorted(smp.MODEL_ARCHITECTURES_MAPPING)


def create_network(arch: str, encoder: str, in_channels: int, classes: int = 1) -> torch.nn.Module:
    """An smp model with random encoder weights (nothing is downloaded), one logit map per class."""
    if arch.lower() not in smp.MODEL_ARCHITECTURES_MAPPING:
        choices = ", ".join(available_architectures())
        raise IncompatibleModelError(f"unknown architecture {arch!r}; choose one of {choices}")
    try:
        return smp.create_model(arch, encoder_name=encoder, encoder_weights=None, in_channels=in_channels,
                                classes=classes)
    except (KeyError, ValueError) as exc:
        raise IncompatibleModelError(f"cannot build {arch} with encoder {encoder!r}: {exc}") from None
