"""`predict` on products as users download them: a MintPy pair and a HyP3 zip map like the same phase in a GeoTIFF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from affine import Affine
from typer.testing import CliRunner

from massmap.cli import app
from massmap.predict import predict_scene
from tests.conftest import UTM_ORIGIN, write_raster
from tests.predict.conftest import standin_model
from tests.products.factories import PAIRS, hyp3_product, mintpy_stack, unwrapped_bowl


def _wrapped(phase: np.ndarray) -> np.ndarray:
    return (np.mod(phase + np.pi, 2 * np.pi) - np.pi).astype(np.float32)


def test_mintpy_pair_maps_like_its_phase_written_as_a_geotiff(tmp_path: Path) -> None:
    stack = mintpy_stack(tmp_path / "ifgramStack.h5")
    model = standin_model(tmp_path)
    from_stack = predict_scene(f"{stack}::{PAIRS[1]}", model=model, backend="torch", progress=False,
                               min_area_m2=0)
    tif = write_raster(tmp_path / "pair_phase.tif", _wrapped(unwrapped_bowl(1)),
                       transform=Affine(30.0, 0, UTM_ORIGIN[0], 0, -30.0, UTM_ORIGIN[1]))
    write_raster(tmp_path / "pair_coh.tif", np.full((64, 64), 0.6, np.float32),
                 transform=Affine(30.0, 0, UTM_ORIGIN[0], 0, -30.0, UTM_ORIGIN[1]))
    from_tif = predict_scene(tif, model=model, backend="torch", progress=False, min_area_m2=0)
    assert len(from_stack.polygons) >= 1
    np.testing.assert_allclose(from_stack.probability, from_tif.probability, atol=1e-5)
    assert from_stack.polygons["source"].iloc[0] == f"ifgramStack.h5::{PAIRS[1]}"


def test_cli_maps_a_hyp3_zip_and_names_the_output_after_the_product(tmp_path: Path, monkeypatch) -> None:
    import massmap.predict.run as run

    product = hyp3_product(tmp_path, as_zip=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run, "load_model", lambda *a, **k: standin_model(tmp_path))
    result = CliRunner().invoke(app, ["predict", str(product), "--backend", "torch", "-q"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / f"{product.stem}_massmap.gpkg").exists()
