import numpy as np
import pytest

from massmap.simulate.atmosphere import draw_atmosphere, orbital_ramp, stratified_phase, turbulent_phase
from massmap.simulate.terrain import fractal_dem


def radial_spectrum_slope(field: np.ndarray, pixel_size_m: float) -> float:
    power = np.abs(np.fft.fft2(field)) ** 2
    k = np.hypot(*np.meshgrid(np.fft.fftfreq(field.shape[0], pixel_size_m),
                              np.fft.fftfreq(field.shape[1], pixel_size_m)))
    band = (k > 4 / (field.shape[0] * pixel_size_m)) & (k < 0.25 / pixel_size_m)
    return float(np.polyfit(np.log(k[band]), np.log(power[band]), 1)[0])


def test_turbulence_has_a_k_minus_8_over_3_spectrum():
    field = turbulent_phase(np.random.default_rng(0), (256, 256), 20.0, 1.0)
    assert radial_spectrum_slope(field, 20.0) == pytest.approx(-8 / 3, abs=0.15)


def test_turbulence_is_weaker_on_a_smaller_scene():
    rng = np.random.default_rng(1)
    small = np.mean([turbulent_phase(rng, (128, 128), 20.0, 1.0).std() for _ in range(30)])
    large = np.mean([turbulent_phase(rng, (512, 512), 20.0, 1.0).std() for _ in range(30)])
    assert small / large == pytest.approx(0.25 ** (1 / 3), rel=0.15)


def test_stratified_delay_follows_height_at_the_given_rate():
    dem = fractal_dem(np.random.default_rng(2), (128, 128), 20.0).dem_m
    phase = stratified_phase(dem, -3.0)
    assert np.corrcoef(phase.ravel(), dem.ravel())[0, 1] == pytest.approx(-1.0, abs=1e-4)
    assert np.polyfit(dem.ravel() / 1000, phase.ravel(), 1)[0] == pytest.approx(-3.0, rel=1e-3)


def test_scene_atmosphere_correlates_with_the_dem():
    rng = np.random.default_rng(3)
    dem = fractal_dem(rng, (256, 256), 20.0).dem_m
    correlations = []
    for _ in range(6):
        phase, params = draw_atmosphere(rng, dem, 20.0, 1.0)
        correlations.append(np.sign(params["stratified_rad_per_km"]) * np.corrcoef(phase.ravel(), dem.ravel())[0, 1])
    assert np.median(correlations) > 0.5


def test_orbital_ramp_is_planar_and_small():
    ramp = orbital_ramp((100, 100), 20.0, 0.05, -0.02)
    assert ramp[50, 99] - ramp[50, 0] == pytest.approx(0.05 * 99 * 0.02, rel=1e-4)
    assert ramp[0, 50] - ramp[99, 50] == pytest.approx(-0.02 * 99 * 0.02, rel=1e-4)
