"""Magnitude-frequency statistics: log-bin density, rollover, power-law tail and inverse gamma recover known values."""

import numpy as np
import pytest
from scipy import stats

from massmap.evaluate.inventory import (
    area_density,
    fit_inverse_gamma,
    fit_power_law,
    magnitude_frequency,
    rollover_m2,
    size_class_index,
    size_class_labels,
)


def _pareto(alpha, xmin, n, rng):
    """Areas with density p(A) ~ A**-alpha above xmin (inverse-transform sampling)."""
    return xmin * (1.0 - rng.random(n)) ** (-1.0 / (alpha - 1.0))


def test_power_law_fit_recovers_the_exponent_within_its_interval():
    rng = np.random.default_rng(42)
    tail = _pareto(2.3, 5600.0, 600, rng)
    body = rng.uniform(500.0, 5600.0, 150)  # undersampled small objects below the cut-off
    fit = fit_power_law(np.concatenate([tail, body]), n_bootstrap=30, seed=1)
    lo, hi = fit["alpha_ci"]
    assert lo <= 2.3 <= hi
    assert fit["alpha"] == pytest.approx(2.3, abs=0.15)
    assert 2800.0 < fit["xmin_m2"] < 11200.0
    assert fit["n_tail"] > 300


def test_inverse_gamma_fit_recovers_malamud_like_parameters():
    rng = np.random.default_rng(7)
    areas = stats.invgamma.rvs(1.4, loc=-132.0, scale=1280.0, size=3000, random_state=rng)
    areas = areas[areas > 0]
    fit = fit_inverse_gamma(areas)
    assert fit["rho"] == pytest.approx(1.4, abs=0.15)
    assert fit["a_m2"] == pytest.approx(1280.0, rel=0.2)
    assert fit["tail_exponent"] == pytest.approx(fit["rho"] + 1)


def test_density_integrates_to_one_and_rollover_sits_at_the_mode():
    rng = np.random.default_rng(0)
    areas = stats.invgamma.rvs(1.4, loc=-1320.0, scale=12800.0, size=2000, random_state=rng)
    areas = areas[areas > 0]
    d = area_density(areas, bins_per_decade=10)
    widths = np.diff(d["edges_m2"])
    assert np.sum(np.asarray(d["density_per_m2"]) * widths) == pytest.approx(1.0)
    mode = 12800.0 / 2.4 - 1320.0  # 4,013 m2
    assert mode / 1.6 < rollover_m2(d) < mode * 1.6


def test_size_classes_use_the_study_limit():
    names = size_class_labels()
    assert names == ["<1,000 m2", "1,000-5,600 m2", "5,600-20,000 m2", "20,000-100,000 m2", ">100,000 m2"]
    assert size_class_index(np.array([10.0, 1000.0, 5599.0, 5600.0, 2e5])).tolist() == [0, 1, 1, 2, 4]


def test_too_few_areas_give_no_fit_rather_than_nonsense():
    result = magnitude_frequency(np.array([100.0, 200.0, 300.0]), n_bootstrap=5)
    assert result["power_law"]["alpha"] is None
    assert result["inverse_gamma"]["rho"] is None
    assert result["n_objects"] == 3
