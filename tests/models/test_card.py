"""The model card's prediction tile size: chosen on validation scenes, the patch size when absent."""

from __future__ import annotations

import json

import pytest

from massmap.errors import IncompatibleModelError
from massmap.models.card import ModelCard


def test_a_card_without_a_tile_size_predicts_on_its_patch_size() -> None:
    card = ModelCard(patch_size=128)
    assert card.tile_px is None
    assert card.prediction_tile_px == 128


def test_the_tile_size_survives_json_and_older_cards_still_read() -> None:
    card = ModelCard(patch_size=128, tile_px=256, threshold=0.75)
    back = ModelCard.from_json(card.to_json())
    assert back.tile_px == 256 and back.prediction_tile_px == 256 and back.threshold == 0.75
    older = json.loads(card.to_json())
    del older["tile_px"]  # a card written before the field existed
    assert ModelCard.from_json(json.dumps(older)).prediction_tile_px == 128


def test_a_chosen_tile_equal_to_the_patch_size_is_left_implicit() -> None:
    card = ModelCard(patch_size=128, tile_px=256)
    card.set_prediction_tile_px(128)
    assert card.tile_px is None and card.prediction_tile_px == 128
    card.set_prediction_tile_px(512)
    assert card.tile_px == 512


def test_a_card_with_unknown_fields_is_refused() -> None:
    text = json.dumps({**json.loads(ModelCard().to_json()), "tile_shape": [256, 256]})
    with pytest.raises(IncompatibleModelError, match="tile_shape"):
        ModelCard.from_json(text, "x/card.json")
