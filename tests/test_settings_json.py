import json

import pytest

from massmap.compare.config import BenchmarkConfig
from massmap.errors import BadInputError, IncompatibleModelError
from massmap.models.card import ModelCard
from massmap.simulate.config import SimulationConfig, StackConfig
from massmap.train.config import TrainConfig


def test_a_card_from_a_newer_massmap_is_an_incompatible_model():
    with pytest.raises(IncompatibleModelError, match="model card: unknown card fields.*horizon"):
        ModelCard.from_json('{"arch": "unet", "horizon": 3}')
    assert ModelCard.from_json(ModelCard(arch="fpn").to_json()).arch == "fpn"


def test_bad_settings_files_are_bad_input_with_their_name(tmp_path):
    bad = tmp_path / "settings.json"
    bad.write_text("[1, 2]")
    with pytest.raises(BadInputError, match="settings.json: not a JSON object"):
        TrainConfig.read(bad)
    with pytest.raises(BadInputError, match="missing.json: training settings not found"):
        TrainConfig.read(tmp_path / "missing.json")
    with pytest.raises(BadInputError, match="simulation config: not valid JSON"):
        SimulationConfig.from_json("{size: 64}")
    with pytest.raises(IncompatibleModelError, match="card.json: model card not found"):
        ModelCard.read(tmp_path / "card.json")


@pytest.mark.parametrize(("settings", "name", "error"), [
    (SimulationConfig(size=64, n_movements=(1, 2), negative_kinds=("layover",)), "simulation config", BadInputError),
    (StackConfig(scene=SimulationConfig(size=64), n_dates=3), "stack config", BadInputError),
    (TrainConfig(manifest="m.csv", out="run", inputs=["sin", "cos"], devices=2), "training settings", BadInputError),
    (BenchmarkConfig(manifest="m.csv", out="bench", archs=["unet"]), "benchmark settings", BadInputError),
    (ModelCard(arch="fpn", channels=["sin"], training={"epochs_run": 3}), "model card", IncompatibleModelError),
])
def test_every_settings_class_round_trips_through_one_json_format(settings, name, error, tmp_path):
    text = settings.to_json()
    assert type(settings).from_json(text) == settings
    assert json.loads(text) == settings.to_dict() and list(json.loads(text)) == sorted(settings.to_dict())
    path = tmp_path / "settings.json"
    path.write_text(text)
    assert type(settings).read(path) == settings
    with pytest.raises(error, match=f"^{name}: unknown .*bogus"):
        type(settings).from_dict({**settings.to_dict(), "bogus": 1})


def test_nested_and_tuple_settings_become_plain_json_values():
    values = StackConfig(scene=SimulationConfig(size=64, n_movements=(1, 2)), n_dates=3).to_dict()
    assert values["scene"]["n_movements"] == [1, 2] and values["n_dates"] == 3
    assert StackConfig.from_dict(values).scene.n_movements == (1, 2)
