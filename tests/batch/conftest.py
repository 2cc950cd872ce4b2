"""Fixtures of the batch tests: a tiny random-init model, three small simulated scenes, one shared 2-worker cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

SCENE_PX = 128
# Orbit and dates the catalog gives the simulated scenes (their names carry neither).
CATALOG_FACTS = (("ascending", "2020-01-01", "2020-01-13"), ("descending", "2020-01-04", "2020-01-16"), ("", "", ""))


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A random-init U-Net/ResNet-18 (sin, cos, coherence) saved as a massmap model folder; 64 px patches."""
    import torch

    from massmap.models.card import ModelCard
    from massmap.models.factory import create_network
    from massmap.models.store import save_model

    torch.manual_seed(0)
    net = create_network("unet", "resnet18", 3)
    card = ModelCard(arch="unet", encoder="resnet18", patch_size=64, threshold=0.5)
    return save_model(net, card, tmp_path_factory.mktemp("model") / "tiny")


@pytest.fixture(scope="module")
def simulated_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three 128 x 128 simulated scenes (phase, coherence, DEM) and a catalog CSV over them, paths relative."""
    from massmap.simulate.config import SimulationConfig
    from massmap.simulate.dataset import scene_name, write_scene
    from massmap.simulate.scene import simulate_scene

    folder = tmp_path_factory.mktemp("simulated")
    (folder / "scenes").mkdir()
    lines = ["phase,coherence,dem,orbit,date1,date2"]
    for i, (orbit, date1, date2) in enumerate(CATALOG_FACTS):
        config = SimulationConfig(size=SCENE_PX, orbit=orbit or "random", hard_negative_fraction=0.0)
        paths = write_scene(simulate_scene(config, [7, i]), folder / "scenes", scene_name(i), quicklook=False)
        dem = f"scenes/{paths['dem'].name}" if i == 0 else ""
        lines.append(f"scenes/{paths['phase'].name},scenes/{paths['coherence'].name},{dem},{orbit},{date1},{date2}")
    (folder / "list.csv").write_text("\n".join(lines) + "\n")
    return folder / "list.csv"


@pytest.fixture(scope="module")
def cluster_address():
    """One 2-worker LocalCluster (single-threaded processes, no dashboard) shared by a test module."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address
