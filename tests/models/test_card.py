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


def test_the_minimum_area_and_fine_tuning_record_survive_json() -> None:
    card = ModelCard(patch_size=128, threshold=0.4, min_area_m2=2800.0,
                     fine_tuning={"init": "default", "train": {"scenes": 24, "polygons": 61, "area_m2": 2.5e6},
                                  "before": {"card": {"pixel_iou": 0.35}}, "after": {"pixel_iou": 0.52}})
    back = ModelCard.from_json(card.to_json())
    assert back == card and back.prediction_min_area_m2 == 2800.0


def test_a_card_without_the_new_fields_writes_none_and_predicts_with_the_mapping_limit() -> None:
    card = ModelCard(patch_size=128)
    assert card.prediction_min_area_m2 == 5600.0
    assert not {"min_area_m2", "fine_tuning"} & set(json.loads(card.to_json()))
    assert "min_area_m2" in json.loads(ModelCard(min_area_m2=0.0).to_json())  # zero is a choice, not unset


def test_the_shipped_card_still_reads_and_round_trips_byte_for_byte() -> None:
    from massmap.models.store import default_model_dir

    text = (default_model_dir() / "card.json").read_text()
    card = ModelCard.from_json(text)
    assert card.min_area_m2 is None and card.fine_tuning == {}
    assert card.to_json() + "\n" == text
