"""A hand-made fringe detector standing in for a trained network: deterministic, instant, right where fringes are."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from massmap.models.card import ModelCard
from massmap.models.store import LoadedModel


class FringeDetector(torch.nn.Module):
    """Logits rising with the local phase gradient energy of the sin/cos channels (fringes against noise)."""

    def __init__(self, offset: float = 0.5, gain: float = 8.0, window: int = 9) -> None:
        super().__init__()
        self.offset, self.gain, self.window = offset, gain, window

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits (B, 1, H, W) of encoded tiles (B, C, H, W) whose first two channels are sin and cos."""
        phasor = x[:, :2]
        dy = F.pad(phasor[..., 1:, :] - phasor[..., :-1, :], (0, 0, 0, 1))
        dx = F.pad(phasor[..., :, 1:] - phasor[..., :, :-1], (0, 1, 0, 0))
        energy = (dx**2 + dy**2).sum(1, keepdim=True)
        local = F.avg_pool2d(energy, self.window, stride=1, padding=self.window // 2, count_include_pad=False)
        return self.gain * (local - self.offset)


def detector_model(folder, patch_size: int = 64, threshold: float = 0.5, **kwargs) -> LoadedModel:
    """The detector as a loaded model on sin, cos and coherence, mapping in `patch_size` tiles."""
    card = ModelCard(arch="handmade", encoder="none", channels=["sin", "cos", "coherence"], patch_size=patch_size,
                     threshold=threshold)
    return LoadedModel(FringeDetector(**kwargs).eval(), card, folder, torch.device("cpu"))
