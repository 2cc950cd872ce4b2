"""LOS geometry files: a 3-band ENU GeoTIFF, LiCSAR's E/N/U and HyP3's look-vector angles give one look vector."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from affine import Affine
from pyproj import Transformer

from massmap.constants import HEADING_DESCENDING_DEG
from massmap.errors import BadInputError
from massmap.io.scene import open_scene
from massmap.sensor import incidence_field, look_vector_enu
from tests.conftest import UTM_ORIGIN, fringe_blob, write_raster

SIZE = 16
FRAME = "066D_05400_131313"
HYP3_STEM = "S1AA_20200101T053000_20200113T053000_VVP012_INT80_G_ueF_1A2B"


def descending_look() -> np.ndarray:
    """Satellite-to-ground unit vectors of a descending pass across a 16-pixel scene (incidence about 39 deg)."""
    incidence = incidence_field((SIZE, SIZE), 20.0, HEADING_DESCENDING_DEG, 39.0)
    return look_vector_enu(HEADING_DESCENDING_DEG, incidence)


def write_enu(folder: Path, look: np.ndarray) -> Path:
    return write_raster(folder / "scene_los.tif", look.astype(np.float32))


def write_licsar(folder: Path, look: np.ndarray) -> Path:
    """LiCSAR's frame files: E, N, U of the unit vector from the ground to the satellite."""
    for component, values in zip("ENU", -look):
        write_raster(folder / f"{FRAME}.geo.{component}.tif", values.astype(np.float32))
    return folder / f"{FRAME}.geo.E.tif"


def write_hyp3(folder: Path, look: np.ndarray) -> Path:
    """HyP3's look-vector elevation (from horizontal, up positive) and orientation (from east, towards north)."""
    east, north, up = -look  # ground to satellite
    write_raster(folder / f"{HYP3_STEM}_lv_theta.tif", np.arcsin(up).astype(np.float32))
    write_raster(folder / f"{HYP3_STEM}_lv_phi.tif", np.arctan2(north, east).astype(np.float32))
    return folder / f"{HYP3_STEM}_lv_theta.tif"


@pytest.fixture
def phase_path(tmp_path: Path) -> Path:
    return write_raster(tmp_path / "scene_phase.tif", fringe_blob(SIZE, (8, 8), 5.0))


def read_look(phase: Path, los: Path) -> np.ndarray:
    with open_scene(phase, los_path=los) as scene:
        assert scene.has_los
        return scene.read().look_enu


@pytest.mark.parametrize("writer", [write_enu, write_licsar, write_hyp3])
def test_every_los_file_gives_the_simulators_look_vector(writer, phase_path, tmp_path):
    look = descending_look()
    got = read_look(phase_path, writer(tmp_path, look))
    assert got.shape == (3, SIZE, SIZE) and got.dtype == np.float32
    np.testing.assert_allclose(got, look, atol=1e-6)
    # A descending satellite in the east looks west and down: about (-0.62, 0.13, -0.78) at 39 deg incidence.
    np.testing.assert_allclose(got[:, 8, 8], [-math.sin(math.radians(39)) * math.cos(math.radians(12)),
                                              math.sin(math.radians(39)) * math.sin(math.radians(12)),
                                              -math.cos(math.radians(39))], atol=2e-3)


def test_licsar_zeros_are_nodata(phase_path, tmp_path):
    look = descending_look()
    look[:, :2, :] = 0.0
    got = read_look(phase_path, write_licsar(tmp_path, look))
    assert np.isnan(got[:, :2, :]).all() and np.isfinite(got[:, 2:, :]).all()


def test_licsar_frame_on_a_geographic_grid_is_resampled_without_mixing_in_its_zeros(phase_path, tmp_path):
    # LiCSAR frames are in EPSG:4326 and mark missing geometry with undeclared zeros; here the western half.
    left, top = transform_point(UTM_ORIGIN[0] - 200.0, UTM_ORIGIN[1] + 200.0)
    right, _ = transform_point(UTM_ORIGIN[0] + 520.0, UTM_ORIGIN[1])
    step = 0.0002
    cols = int(math.ceil((right - left) / step))
    look = look_vector_enu(HEADING_DESCENDING_DEG, math.radians(39.0))
    for component, value in zip("ENU", -look):
        values = np.full((30, cols), value, dtype=np.float32)
        values[:, : cols // 2] = 0.0
        write_raster(tmp_path / f"{FRAME}.geo.{component}.tif", values, crs="EPSG:4326",
                     transform=Affine(step, 0, left, 0, -step, top))
    got = read_look(phase_path, tmp_path / f"{FRAME}.geo.E.tif")
    known = np.isfinite(got[0])
    assert 0 < known.sum() < known.size  # the zero half stays unknown, the rest is read
    np.testing.assert_allclose(got[:, known], np.repeat(look[:, None], known.sum(), axis=1), atol=1e-5)


def transform_point(x: float, y: float) -> tuple[float, float]:
    """Longitude and latitude of a UTM 32N point."""
    lon, lat = Transformer.from_crs("EPSG:32632", "EPSG:4326", always_xy=True).transform(x, y)
    return lon, lat


def test_a_licsar_file_missing_its_up_sibling_is_named(phase_path, tmp_path):
    east = write_licsar(tmp_path, descending_look())
    (tmp_path / f"{FRAME}.geo.U.tif").unlink()
    with pytest.raises(BadInputError, match=rf"{FRAME}.geo.E.tif: its LOS companion {FRAME}.geo.U.tif"):
        open_scene(phase_path, los_path=east)


@pytest.mark.parametrize("case, message", [
    ("one band", "1 band"),
    ("ground to satellite", "points up"),
    ("not unit", "not unit vectors"),
    ("degrees", "in radians"),
    ("missing", "not found"),
])
def test_bad_los_files_are_refused_naming_the_file(case, message, phase_path, tmp_path):
    look = descending_look()
    if case == "one band":
        los = write_raster(tmp_path / "los.tif", look[0])
    elif case == "ground to satellite":
        los = write_enu(tmp_path, -look)
    elif case == "not unit":
        los = write_enu(tmp_path, 2.0 * look)
    elif case == "degrees":
        los = write_hyp3(tmp_path, look)
        write_raster(los, np.full((SIZE, SIZE), 51.0, dtype=np.float32))
    else:
        los = tmp_path / "nowhere_los.tif"
    with pytest.raises(BadInputError, match=message) as info:
        read_look(phase_path, los)
    assert str(los) in str(info.value)
