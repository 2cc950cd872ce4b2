"""Coherence as products store it: a coherence above 1 is refused with its range, a band is chosen explicitly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from massmap.errors import BadInputError
from massmap.io.scene import open_scene
from tests.conftest import fringe_blob, write_raster


def _cor(tmp_path: Path) -> tuple[Path, Path]:
    """A phase and an ISCE-style two-band .cor: band 1 amplitude (up to 412), band 2 coherence 0.6."""
    phase = write_raster(tmp_path / "filt_topophase_phase.tif", fringe_blob())
    amplitude = np.linspace(3, 412, 64 * 64, dtype=np.float32).reshape(64, 64)
    cor = write_raster(tmp_path / "topophase.cor.tif", np.stack([amplitude, np.full((64, 64), 0.6, np.float32)]))
    return phase, cor


def test_two_band_coherence_needs_a_band_and_band_1_amplitude_is_refused_with_its_range(tmp_path: Path) -> None:
    phase, cor = _cor(tmp_path)
    with pytest.raises(BadInputError, match="2 bands, the coherence band is ambiguous.*--coherence-band"):
        open_scene(phase, cor)
    with open_scene(phase, cor, coherence_band=1) as scene, pytest.raises(BadInputError) as info:
        scene.read()
    message = str(info.value)
    assert message.startswith(str(cor)) and "coherence range [3, 412] goes above 1" in message
    assert "\n" not in message


def test_coherence_band_2_is_read(tmp_path: Path) -> None:
    phase, cor = _cor(tmp_path)
    with open_scene(phase, cor, coherence_band=2) as scene:
        np.testing.assert_allclose(scene.read().coherence, 0.6, atol=1e-6)
    with pytest.raises(BadInputError, match="coherence band 3 requested, the raster has 2"):
        open_scene(phase, cor, coherence_band=3)


def test_scaled_coherence_is_refused_not_clipped(tmp_path: Path) -> None:
    phase = write_raster(tmp_path / "a_phase.tif", fringe_blob())
    write_raster(tmp_path / "a_coh.tif", np.full((64, 64), 850.0, np.float32))  # coherence x 1000
    with open_scene(phase) as scene, pytest.raises(BadInputError, match=r"coherence range \[850, 850\]"):
        scene.scan()
