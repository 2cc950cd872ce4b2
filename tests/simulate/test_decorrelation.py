import numpy as np
import pytest
from scipy.special import gammaln, hyp2f1

from massmap.simulate.decorrelation import (
    COVER_CODES,
    draw_land_cover,
    estimated_coherence,
    land_cover_coherence,
    multilook_noise_phase,
)


def lee_phase_pdf(phi: np.ndarray, gamma: float, looks: int) -> np.ndarray:
    """Multi-look interferometric phase density (Lee et al. 1994, IEEE TGRS 32(5), eq. 10)."""
    beta = gamma * np.cos(phi)
    a = np.exp(gammaln(looks + 0.5) - gammaln(looks)) * (1 - gamma**2) ** looks * beta
    a /= 2 * np.sqrt(np.pi) * (1 - beta**2) ** (looks + 0.5)
    return a + (1 - gamma**2) ** looks / (2 * np.pi) * hyp2f1(looks, 1, 0.5, beta**2)


@pytest.mark.parametrize("gamma, looks", [(0.3, 1), (0.5, 4), (0.8, 5), (0.95, 10)])
def test_noise_phase_std_matches_the_multilook_model(gamma, looks):
    phi = np.linspace(-np.pi, np.pi, 20001)
    pdf = lee_phase_pdf(phi, gamma, looks)
    assert np.trapezoid(pdf, phi) == pytest.approx(1.0, abs=1e-3)
    expected_std = np.sqrt(np.trapezoid(phi**2 * pdf, phi))
    noise = multilook_noise_phase(np.random.default_rng(1), np.full((400, 400), gamma, np.float32), looks)
    assert noise.std() == pytest.approx(expected_std, rel=0.02)
    assert abs(np.angle(np.exp(1j * noise).mean())) < 0.02  # unbiased


def test_zero_coherence_gives_uniform_phase():
    noise = multilook_noise_phase(np.random.default_rng(2), np.zeros((300, 300), np.float32), 5)
    assert noise.std() == pytest.approx(np.pi / np.sqrt(3), rel=0.02)


def test_estimated_coherence_is_biased_up_at_low_gamma_and_unbiased_at_high_gamma():
    rng = np.random.default_rng(3)
    zero = estimated_coherence(rng, np.zeros((200, 200), np.float32), np.zeros((200, 200), np.float32), 5)
    high = estimated_coherence(rng, np.full((200, 200), 0.9, np.float32), np.zeros((200, 200), np.float32), 5)
    assert 0.1 < zero.mean() < 0.25  # a 25-sample estimator of zero coherence reads about 0.18
    assert high.mean() == pytest.approx(0.9, abs=0.02)
    # Dense fringes inside the window (pi/2 per pixel) lower the estimate, as in real products.
    fringes = np.tile(np.arange(200, dtype=np.float32) * np.pi / 2, (200, 1))
    assert estimated_coherence(rng, np.full((200, 200), 0.9, np.float32), fringes, 5).mean() < 0.4


def test_land_cover_coherence_orders_rock_over_forest_over_snow_and_water_is_zero():
    rng = np.random.default_rng(4)
    dem = np.tile(np.linspace(400, 3800, 200, dtype=np.float32), (200, 1))
    slope = np.full(dem.shape, np.radians(25.0), np.float32)
    water = np.zeros(dem.shape, bool)
    water[:20, :20] = True
    cover, params = draw_land_cover(rng, dem, slope, water, 20.0)
    gamma = land_cover_coherence(rng, cover, 12, 20.0)
    mean = {name: gamma[cover == code].mean() for name, code in COVER_CODES.items() if (cover == code).any()}
    assert mean["water"] == 0.0
    assert mean["rock"] > 0.7 > mean["forest"] > mean["snow"]
    assert dem[cover == COVER_CODES["snow"]].mean() > 3000  # snow and glaciers high up
    longer = land_cover_coherence(np.random.default_rng(4), cover, 24, 20.0)
    assert longer[cover == COVER_CODES["forest"]].mean() < gamma[cover == COVER_CODES["forest"]].mean()
