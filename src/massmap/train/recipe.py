"""The fine-tuning recipe (`massmap train --init`): defaults for a few hundred local labels, chosen by measurement.

Measured with benchmarks/finetune_gain.py (a simulated domain the default model never saw, 10 to 100 labelled
256-px patches, trained on in the starting model's smallest patch size, 2 CPU cores); see the README for the
figures. Any setting given explicitly wins over the recipe.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable
from typing import Any

from massmap.constants import DEFAULT_MODEL
from massmap.models.card import ModelCard
from massmap.models.store import read_card
from massmap.train.config import TrainConfig

FINETUNE_DEFAULTS: dict[str, Any] = {
    # The pretrained encoder stays frozen while the decoder adapts, then the whole network trains.
    "freeze_epochs": 1,
    "lr": 3e-4,
    "schedule": "cosine",
    # One background patch per labelled one: few labels make every false alarm on local clutter costly.
    "neg_ratio": 1.0,
    "patches_per_epoch": 128,
    "val_patches": 16,
    "epochs": 40,
    "patience": 6,
    # Early stopping and the best checkpoint follow the validation scenes mapped whole, as predict maps them.
    "scene_validation": True,
    "monitor": "val_scene_score",
    "max_minutes": 15.0,
}

# Options that name the network's input channels (`--channels` sets `inputs`).
_CHANNEL_OPTIONS = ("inputs", "encoding", "coherence", "slope", "los")


def apply_recipe(config: TrainConfig, given: Iterable[str] = ()) -> TrainConfig:
    """`config` with the recipe's defaults (and the starting model's smallest patch size) for every setting not in
    `given`.

    The input channels are the model's, or those the channel options in `given` name. A config without `init`
    is returned unchanged: the recipe is for fine-tuning.
    """
    if not config.init:
        return config
    card = read_card(config.init)
    recipe: dict[str, Any] = {**FINETUNE_DEFAULTS, "patch_size": smallest_patch_size(card), "arch": card.arch,
                              "encoder": card.encoder}
    given = set(given)
    # The model's own channels by their registry names (massmap.inputs), unless channel options name others: then
    # its first convolution is adapted to those (massmap.models.adapt), a new channel starting at zero weight.
    recipe["inputs"] = list(config.channels) if given & set(_CHANNEL_OPTIONS) else list(card.channels)
    return dataclasses.replace(config, **{k: v for k, v in recipe.items() if k not in given})


def smallest_patch_size(card: ModelCard) -> int:
    """The smallest patch a model was trained on (its `crop_sizes`, else its patch size): the cheapest per step
    that it has learnt to map (a 256-px patch costs 4 times a 128-px one)."""
    return int(min(card.training.get("crop_sizes") or [card.patch_size]))


def finetune_config(manifest: str | os.PathLike, out: str | os.PathLike, init: str = DEFAULT_MODEL,
                    **settings: Any) -> TrainConfig:
    """Settings of a fine-tuning run from `init`: the recipe's defaults, overridden by `settings`."""
    return apply_recipe(TrainConfig(manifest=str(manifest), out=str(out), init=init, **settings), settings)
