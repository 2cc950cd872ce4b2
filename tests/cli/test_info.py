"""`massmap info` on LiCSAR- and HyP3-style pairs, the real LiCSAR product, and bad input at the CLI edge."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from massmap.cli import app
from massmap.scene_info import scene_info
from tests.conftest import SHARED_DATA, fringe_blob, write_raster
from tests.test_area import quadrangle_area_m2

runner = CliRunner()


def test_info_on_licsar_pair(licsar_pair):
    phase, coh = licsar_pair
    result = runner.invoke(app, ["info", str(phase)])
    assert result.exit_code == 0, result.output
    assert "EPSG:4326" in result.output and "LiCSAR" in result.output
    facts = scene_info(phase)
    assert facts.coherence_source == str(coh)
    assert facts.coherence_mean == pytest.approx(0.8, abs=1e-6)
    expected_m2 = quadrangle_area_m2(7.3, 46.2 - 64 * 0.0002, 7.3 + 64 * 0.0002, 46.2)
    assert facts.area_km2 * 1e6 == pytest.approx(expected_m2, rel=1e-6)
    assert facts.pixel_size_x_m == pytest.approx(0.0002 * 111320 * np.cos(np.radians(46.19)), rel=5e-3)


def test_info_on_hyp3_pair(hyp3_pair):
    phase, coh = hyp3_pair
    result = runner.invoke(app, ["info", str(phase)])
    assert result.exit_code == 0, result.output
    assert "EPSG:32632" in result.output and "1.638 km2" in result.output  # 64 x 64 pixels of 20 m
    assert scene_info(phase).coherence_median == pytest.approx(0.6)


def test_bad_input_is_one_line_and_exit_1(tmp_path):
    path = write_raster(tmp_path / "deg.tif", np.degrees(fringe_blob()))
    before = set(tmp_path.iterdir())
    proc = subprocess.run([sys.executable, "-m", "massmap", "info", str(path)], capture_output=True, text=True)
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if "error" in line.lower()]
    assert len(lines) == 1 and proc.stderr.rstrip().endswith(lines[0]), proc.stderr
    assert "deg.tif" in lines[0] and "outside [-pi, pi]" in lines[0] and "Traceback" not in proc.stderr
    assert set(tmp_path.iterdir()) == before


def test_rewrap_option(tmp_path):
    path = write_raster(tmp_path / "unw.tif", np.tile(np.linspace(-20, 20, 64, dtype=np.float32), (64, 1)))
    assert runner.invoke(app, ["info", str(path)]).exit_code == 1
    assert runner.invoke(app, ["info", str(path), "--rewrap"]).exit_code == 0


def test_no_crs_reports_pixels_unless_pixel_size(tmp_path):
    path = write_raster(tmp_path / "nocrs.tif", fringe_blob(), crs=None)
    result = runner.invoke(app, ["info", str(path)])
    assert result.exit_code == 0 and "unknown (no CRS" in result.output
    result = runner.invoke(app, ["info", str(path), "--pixel-size", "20"])
    assert "1.638 km2" in result.output


LICSAR = SHARED_DATA / "licsar-sierra-negra" / "sierra_negra_20170320_20170413.geo.diff_pha.tif"


@pytest.mark.skipif(not LICSAR.exists(), reason="shared LiCSAR sample absent")
def test_info_on_real_licsar_product():
    facts = scene_info(LICSAR)
    assert facts.crs == "EPSG:4326" and (facts.width, facts.height) == (500, 500)
    assert facts.coherence_source.startswith("proxy")
    assert -np.pi - 1e-3 <= facts.phase_min_rad < facts.phase_max_rad <= np.pi + 1e-3
    # 0.5 x 0.5 degrees near the equator (Galapagos): about 3,077 km2 on the ellipsoid
    assert 3000 < facts.area_km2 < 3150
    assert 0.0 < facts.coherence_p10 < facts.coherence_p90 <= 1.0
