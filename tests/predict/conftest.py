"""Stand-in models and small scenes for prediction tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from affine import Affine

from massmap.models import ModelCard, create_network, save_model
from massmap.models.store import LoadedModel
from tests.conftest import UTM_ORIGIN, write_raster

PIXEL_M = 20.0


class PhaseGradientNet(torch.nn.Module):
    """A deterministic, fully convolutional stand-in: logit from local phase-gradient energy.

    Inputs (sin, cos, coherence); |grad sin|^2 + |grad cos|^2 = |grad phase|^2 for a smooth wrapped phase,
    averaged over 5 x 5 pixels. Receptive field: 3 pixels either side.
    """

    def __init__(self, gain: float = 20.0, energy_at_half: float = 0.25) -> None:
        super().__init__()
        self.grad = torch.nn.Conv2d(3, 4, 3, padding=1, bias=False)
        k = torch.zeros(4, 3, 3, 3)
        dx = torch.tensor([[0, 0, 0], [-0.5, 0, 0.5], [0, 0, 0]])
        for out, (ch, kern) in enumerate([(0, dx), (0, dx.T), (1, dx), (1, dx.T)]):
            k[out, ch] = kern
        self.grad.weight.data = k
        self.pool = torch.nn.AvgPool2d(5, stride=1, padding=2, count_include_pad=False)
        self.gain, self.energy_at_half = gain, energy_at_half

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        energy = self.pool((self.grad(x) ** 2).sum(dim=1, keepdim=True))
        return self.gain * (energy - self.energy_at_half)


def standin_model(tmp_path: Path, tile_px: int = 64, **card_fields) -> LoadedModel:
    """The phase-gradient stand-in wrapped as a loaded model with a (sin, cos, coherence) card."""
    card = ModelCard(arch="standin", encoder="none", patch_size=tile_px, **card_fields)
    return LoadedModel(net=PhaseGradientNet().eval(), card=card, path=tmp_path, device=torch.device("cpu"))


def cone_phase(shape: tuple[int, int], centre: tuple[int, int], radius_px: float,
               rad_per_px: float = 1.0) -> np.ndarray:
    """Wrapped phase (float32) of a cone of deformation inside a disc, flat (0) outside: its labels are the disc."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    r = np.hypot(yy - centre[0], xx - centre[1])
    unwrapped = rad_per_px * np.clip(radius_px - r, 0, None)
    return (np.mod(unwrapped + np.pi, 2 * np.pi) - np.pi).astype(np.float32)


def disc_mask(shape: tuple[int, int], centre: tuple[int, int], radius_px: float) -> np.ndarray:
    """Pixels inside the disc (the label of `cone_phase`)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    return np.hypot(yy - centre[0], xx - centre[1]) < radius_px


def utm_transform(pixel_m: float = PIXEL_M) -> Affine:
    """20 m pixels in UTM 32N near Sion."""
    return Affine(pixel_m, 0, UTM_ORIGIN[0], 0, -pixel_m, UTM_ORIGIN[1])


@pytest.fixture
def cone_scene(tmp_path: Path) -> tuple[Path, np.ndarray]:
    """A 150 x 170 UTM scene with one cone of deformation (radius 30 px = 600 m) and its label mask."""
    shape, centre, radius = (150, 170), (70, 90), 30.0
    path = write_raster(tmp_path / "cone_phase.tif", cone_phase(shape, centre, radius), transform=utm_transform())
    return path, disc_mask(shape, centre, radius)


@pytest.fixture
def random_unet(tmp_path: Path) -> Path:
    """A random-init smp U-Net/ResNet-18 (sin, cos, coherence; 64 px tiles) saved as a model folder."""
    torch.manual_seed(0)
    card = ModelCard(arch="unet", encoder="resnet18", patch_size=64)
    return save_model(create_network(card.arch, card.encoder, card.in_channels), card, tmp_path / "unet")


@pytest.fixture(autouse=True)
def _onnx_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep on-the-fly ONNX exports inside the test's folder."""
    monkeypatch.setenv("MASSMAP_CACHE_DIR", str(tmp_path / "cache"))
