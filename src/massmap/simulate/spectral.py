"""Gaussian random fields with a power-law spectrum, made by FFT: the basis of relief and turbulence."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft


def power_law_field(
    rng: np.random.Generator,
    shape: tuple[int, int],
    pixel_size_m: float,
    exponent: float,
    rms: float = 1.0,
    reference_size_m: float | None = None,
    outer_scale_m: float | None = None,
) -> np.ndarray:
    """A zero-mean float32 field with power spectrum P(k) ~ k^-exponent, k in cycles per metre.

    The amplitude is fixed in physical units: `rms` is the expected standard deviation the field would have
    on a square domain of side `reference_size_m` (default: this domain), so smaller scenes show less
    long-wavelength power, as a window cut from a larger field would. `outer_scale_m` flattens the spectrum
    at wavelengths longer than it (a von Karman roll-off). The field is periodic across the domain edges.
    """
    rows, cols = shape
    amplitude, expected_var = _amplitude_spectrum(rows, cols, float(pixel_size_m), float(exponent),
                                                  float(outer_scale_m or 0.0))
    white = rng.standard_normal(shape, dtype=np.float32)
    spectrum = scipy.fft.rfft2(white, workers=-1)
    spectrum *= amplitude
    field = scipy.fft.irfft2(spectrum, s=shape, workers=-1).astype(np.float32, copy=False)
    scale = rms / np.sqrt(expected_var)
    if reference_size_m:
        # For a power law the variance grows with domain size D as D^(exponent - 2).
        domain_m = float(np.sqrt(rows * cols)) * pixel_size_m
        if not outer_scale_m:
            scale *= (domain_m / reference_size_m) ** ((exponent - 2.0) / 2.0)
        else:
            scale *= np.sqrt(_var_ratio(domain_m, reference_size_m, exponent, outer_scale_m, pixel_size_m))
    field *= np.float32(scale)
    return field


@lru_cache(maxsize=16)
def _amplitude_spectrum(rows: int, cols: int, pixel_size_m: float, exponent: float, outer_scale_m: float
                        ) -> tuple[np.ndarray, float]:
    """sqrt(P(k)) on the rfft grid (read-only, cached: scenes share sizes and most exponents) and the
    expected variance of the field it makes from unit white noise."""
    ky = scipy.fft.fftfreq(rows, d=pixel_size_m).astype(np.float32)[:, None]
    kx = scipy.fft.rfftfreq(cols, d=pixel_size_m).astype(np.float32)[None, :]
    k2 = kx * kx + ky * ky
    if outer_scale_m:
        k2 = k2 + np.float32(1.0 / outer_scale_m) ** 2
    k2[0, 0] = np.inf  # no mean
    amplitude = k2 ** np.float32(-exponent / 4.0)  # sqrt(P) = k^-exponent/2 = (k^2)^-exponent/4
    # Expected variance of irfft(amplitude * fft(white)) is the mean of P over the full spectrum.
    weights = np.full(kx.shape, 2.0, dtype=np.float32)
    weights[0, 0] = 1.0
    if cols % 2 == 0:
        weights[0, -1] = 1.0
    expected_var = float((amplitude**2 * weights).sum()) / (rows * cols)
    amplitude.flags.writeable = False
    return amplitude, expected_var


def _var_ratio(domain_m: float, reference_m: float, exponent: float, outer_m: float, pixel_m: float) -> float:
    """Variance on a domain relative to the reference domain, for a spectrum rolled off at the outer scale."""
    k0 = 1.0 / outer_m
    kmax = 0.5 / pixel_m

    def var(d: float) -> float:
        k = np.linspace(1.0 / d, kmax, 4000)
        return float(np.trapezoid(k * (k * k + k0 * k0) ** (-exponent / 2.0), k))

    return var(domain_m) / var(reference_m)
