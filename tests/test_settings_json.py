import pytest

from massmap.errors import BadInputError, IncompatibleModelError
from massmap.models.card import ModelCard
from massmap.simulate.config import SimulationConfig
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
