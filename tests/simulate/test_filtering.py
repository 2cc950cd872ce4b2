import numpy as np

from massmap.simulate.filtering import goldstein_filter


def _residual(phase, clean):
    return np.angle(np.exp(1j * (phase - clean))).std()


def test_goldstein_filter_removes_noise_but_keeps_fringes():
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:200, 0:150].astype(np.float32)
    clean = 0.3 * cols + 0.001 * rows**2
    noisy = np.angle(np.exp(1j * (clean + rng.normal(0, 0.8, clean.shape)))).astype(np.float32)
    filtered = goldstein_filter(noisy, alpha=0.6)
    assert filtered.shape == noisy.shape and filtered.dtype == np.float32
    assert np.abs(filtered).max() <= np.pi
    assert _residual(filtered, clean) < 0.5 * _residual(noisy, clean)
    # A stronger exponent smooths more.
    assert _residual(goldstein_filter(noisy, alpha=0.9), clean) < _residual(goldstein_filter(noisy, alpha=0.2), clean)


def test_goldstein_filter_leaves_a_clean_ramp_alone_and_has_no_seams():
    cols = np.tile(np.arange(100, dtype=np.float32) * 0.5, (100, 1))
    clean = np.angle(np.exp(1j * cols)).astype(np.float32)
    assert _residual(goldstein_filter(clean, alpha=0.8), cols) < 0.02
