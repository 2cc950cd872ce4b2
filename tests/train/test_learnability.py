"""The learnability guard in the default suite: a tiny network must overfit small patterns through the real data path
(simulated scene files -> scene index -> windows -> augmentation -> channel encoding)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import segmentation_models_pytorch as smp
import torch

from massmap.data.sampling import build_scene_index
from massmap.io.manifest import read_manifest
from massmap.simulate.dataset import simulate_dataset
from massmap.train.learnability import overfit_fixed_set, small_pattern_recall
from tests.simulate.factories import small_config


def tiny_unet(in_channels: int) -> torch.nn.Module:
    """A three-level U-Net (ResNet-18 stem and two stages): a few seconds per hundred steps on 64-px patches."""
    torch.manual_seed(0)
    return smp.Unet("resnet18", encoder_weights=None, encoder_depth=3, decoder_channels=(64, 32, 16),
                    in_channels=in_channels, classes=1)


@pytest.fixture(scope="module")
def small_pattern_index(module_tmp: Path):
    folder = module_tmp
    simulate_dataset(folder, 3, 5, small_config(size=192, n_movements=(12, 12)), split="train")
    return build_scene_index(read_manifest(folder / "manifest.csv"), 64, where="coherent = 1", traps=False)


def test_small_pattern_recall_counts_patterns_covered_by_half():
    label = np.zeros((20, 20), dtype=np.uint8)
    label[2:6, 2:6] = 1  # 16 px
    label[10:14, 10:16] = 1  # 24 px
    pred = np.zeros_like(label, dtype=bool)
    pred[2:6, 2:4] = True  # half of the first
    pred[10:11, 10:16] = True  # a quarter of the second
    assert small_pattern_recall(pred, label) == (1, 2)


def test_a_tiny_network_overfits_small_patterns_with_the_default_augmentations(small_pattern_index):
    channels = ("res4_sin", "res4_cos", "res12_sin", "res12_cos", "coherence")
    result = overfit_fixed_set(tiny_unet(len(channels)), small_pattern_index, channels, n_patches=16,
                               steps=200, batch_size=8, lr=3e-3, eval_every=50)
    assert result.n_small >= 8
    assert result.train_iou >= 0.7 and result.small_recall >= 0.7, result.curve
