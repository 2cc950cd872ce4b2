"""The prediction pipeline adds no dependence on the tile size: reading, encoding, padding and blending.

A network that sees only its neighbourhood (the phase-gradient stand-in: 3 pixels either side) must give the
same map at every tile size. What remains with a trained network is the network's own sensitivity to the context
it is shown (`benchmarks/tile_size.py` measures it for the shipped model).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from massmap.predict import predict_scene
from massmap.simulate.config import SimulationConfig
from massmap.simulate.dataset import write_scene
from massmap.simulate.scene import simulate_scene
from tests.predict.conftest import standin_model


@pytest.fixture(scope="module")
def simulated(module_tmp: Path) -> Path:
    """A 300 x 300 simulated scene (phase and coherence files) with its own nodata-free terrain and patterns."""
    folder = module_tmp
    scene = simulate_scene(SimulationConfig(size=300, n_movements=(6, 8)), 5150, negative="")
    return write_scene(scene, folder, "tiles", quicklook=False)["phase"]


@pytest.mark.parametrize("coherence_file", [True, False])
def test_tile_size_does_not_change_the_map(simulated: Path, tmp_path: Path, coherence_file: bool) -> None:
    scene = simulated
    if not coherence_file:  # the phase-consistency proxy is computed strip by strip: it must not show either
        scene = tmp_path / "alone.tif"
        scene.write_bytes(simulated.read_bytes())
    model = standin_model(tmp_path, tile_px=64)
    maps = {t: predict_scene(scene, model=model, backend="torch", tile_px=t, threshold=0.5, progress=False).probability
            for t in (64, 128, 256)}
    found = {t: p >= 0.5 for t, p in maps.items()}
    assert 0.02 < found[64].mean() < 0.9  # the stand-in does find phase gradients here
    for t in (128, 256):
        assert np.abs(maps[t] - maps[64]).max() < 1e-4
        iou = (found[t] & found[64]).sum() / (found[t] | found[64]).sum()
        assert iou > 0.99
