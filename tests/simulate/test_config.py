import pytest

from massmap.errors import BadInputError
from massmap.simulate.config import SimulationConfig


def test_config_round_trips_through_json_losslessly():
    config = SimulationConfig(size=256, n_movements=(2, 7), orbit="descending", dem_path="x.hgt",
                              temporal_baselines_days=(12,), atmosphere_scale=1.7)
    again = SimulationConfig.from_json(config.to_json())
    assert again == config
    assert again.n_movements == (2, 7) and isinstance(again.n_movements, tuple)


def test_config_defaults_are_sentinel1_alps():
    config = SimulationConfig()
    assert (config.size, config.pixel_size_m, config.crs, config.orbit) == (1024, 20.0, "EPSG:32632", "random")
    assert 0 < config.hard_negative_fraction < 0.5 and config.looks >= 1


@pytest.mark.parametrize("bad", [dict(orbit="sideways"), dict(size=8), dict(goldstein_fraction=1.5),
                                 dict(n_movements=(5, 2)), dict(looks=0),
                                 dict(crs="EPSG:4326"), dict(crs="EPSG:nonsense")])
def test_config_refuses_impossible_values(bad):
    with pytest.raises(BadInputError, match="simulation config"):
        SimulationConfig(**bad)


def test_config_refuses_unknown_fields():
    with pytest.raises(BadInputError, match="unknown"):
        SimulationConfig.from_dict({"size": 64, "wavelength": 0.03})
