"""HyP3 product folders and zips: one scene each, read in place (GDAL /vsizip/), companions found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from massmap.errors import BadInputError
from massmap.io.scene import open_scene
from massmap.products import find_scenes, hyp3, resolve_scene
from tests.products.factories import EMPTY_ROWS, HYP3_NAME, hyp3_product, unwrapped_bowl


@pytest.mark.parametrize("as_zip", [False, True])
def test_product_folder_or_zip_is_one_scene_with_its_companions(tmp_path: Path, as_zip: bool) -> None:
    product = hyp3_product(tmp_path, as_zip=as_zip)
    scene = resolve_scene(product)
    assert (scene.family, scene.scene_id, scene.unwrapped) == ("HyP3", HYP3_NAME, False)
    assert (scene.date1, scene.date2) == (dt.date(2017, 3, 20), dt.date(2017, 4, 13))
    assert scene.phase.path.endswith(f"{HYP3_NAME}/{HYP3_NAME}_wrapped_phase.tif")
    assert scene.coherence.path.endswith("_corr.tif")
    assert scene.dem.endswith("_dem.tif") and scene.los.endswith("_lv_theta.tif")
    assert scene.phase.path.startswith("/vsizip/") == as_zip
    with open_scene(product) as reader:
        w = reader.read()
    assert not w.valid[:EMPTY_ROWS].any() and w.valid[EMPTY_ROWS:].all()
    np.testing.assert_allclose(w.coherence[EMPTY_ROWS:], 0.7, atol=1e-6)


def test_unwrapped_only_product_is_wrapped_on_reading(tmp_path: Path) -> None:
    product = hyp3_product(tmp_path, wrapped=False, as_zip=True)
    with open_scene(product) as reader:
        w = reader.read()
    assert reader.product.unwrapped and reader.kind == "unwrapped-phase"
    np.testing.assert_allclose(np.exp(1j * w.phase_rad[EMPTY_ROWS:]), np.exp(1j * unwrapped_bowl()[EMPTY_ROWS:]),
                               atol=1e-5)


def test_zips_and_folders_side_by_side_are_each_one_scene(tmp_path: Path) -> None:
    hyp3_product(tmp_path, as_zip=True)
    hyp3_product(tmp_path, name=HYP3_NAME.replace("1A2B", "3C4D"))
    assert sorted(s.scene_id for s in find_scenes(tmp_path)) == [HYP3_NAME, HYP3_NAME.replace("1A2B", "3C4D")]


def test_broken_zip_is_refused_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "product.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(BadInputError, match="not a readable zip") as info:
        resolve_scene(bad)
    assert str(bad) in str(info.value)


def test_look_angles_of_a_descending_pass_give_a_west_looking_downward_vector_and_zero_is_nodata() -> None:
    # Descending Sentinel-1 looks west-north-west: ground to satellite points 0.2 rad south of east, 0.88 rad up.
    theta = np.array([[0.88, 0.0]], np.float32)
    phi = np.array([[-0.2, -0.2]], np.float32)
    look = hyp3.look_enu([theta, phi], Path("S1AA_x_lv_theta.tif"))
    np.testing.assert_allclose(look[:, 0, 0], [-0.6245, 0.1266, -0.7707], atol=1e-4)
    assert np.isnan(look[:, 0, 1]).all()
    with pytest.raises(BadInputError, match="S1AA_x_lv_theta.tif: look-vector elevation beyond pi/2"):
        hyp3.look_enu([np.full((1, 1), 50.0), phi[:, :1]], Path("S1AA_x_lv_theta.tif"))
