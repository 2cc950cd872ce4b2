"""Training settings: JSON round trip and refusal of settings that cannot work."""

from __future__ import annotations

import pytest

from massmap.errors import BadInputError
from massmap.train import TrainConfig


def test_settings_round_trip_through_json_losslessly():
    config = TrainConfig(manifest="m.csv", out="model", arch="unet", neg_ratio=3.0, where="coherent = 1",
                         max_minutes=75.0, devices=2, strategy="ddp", encoding="repeat", coherence=False, slope=True)
    back = TrainConfig.from_json(config.to_json())
    assert back == config
    assert back.channels == ("phase", "phase", "phase", "slope")
    with_los = TrainConfig(manifest="m.csv", out="model", slope=True, los=True)
    assert TrainConfig.from_json(with_los.to_json()).channels == ("sin", "cos", "coherence", "slope", "los")


def test_monitor_mode_follows_the_metric():
    assert TrainConfig("m", "o", monitor="val_iou").monitor_mode == "max"
    assert TrainConfig("m", "o", monitor="val_loss").monitor_mode == "min"


@pytest.mark.parametrize(
    "change, option",
    [
        ({"arch": "resunet"}, "--arch"),
        ({"patch_size": 100}, "--patch-size"),
        ({"patch_size": 128, "crop_sizes": [64, 256]}, "--crop-sizes"),
        ({"crop_sizes": [48]}, "--crop-sizes"),
        ({"loss": "hinge"}, "--loss"),
        ({"encoding": "polar"}, "--encoding"),
        ({"neg_ratio": -1}, "--neg-ratio"),
        ({"monitor": "accuracy"}, "--monitor"),
    ],
)
def test_impossible_settings_are_refused_naming_the_option(change, option):
    with pytest.raises(BadInputError, match=option):
        TrainConfig("m.csv", "out", **change).validate()


def test_unknown_keys_are_refused():
    with pytest.raises(BadInputError, match="unknown"):
        TrainConfig.from_json('{"manifest": "m", "out": "o", "lr_warmup": 3}')
