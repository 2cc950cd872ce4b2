from typer.testing import CliRunner

from massmap.cli import app
from massmap.io.manifest import read_manifest

runner = CliRunner()


def test_simulate_command_writes_scenes_and_manifest(tmp_path):
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path / "sim"), "--n-scenes", "2", "--seed", "4",
                                 "--size", "64", "--orbit", "descending", "--atmosphere-scale", "2",
                                 "--hard-negative-fraction", "0", "--split", "test", "--quiet"])
    assert result.exit_code == 0, result.output
    rows = read_manifest(tmp_path / "sim" / "manifest.csv")
    assert [r.split for r in rows] == ["test", "test"] and not any(r.negative for r in rows)
    meta = (tmp_path / "sim" / "scene_00001_meta.json").read_text()
    assert '"orbit": "descending"' in meta and '"atmosphere_scale": 2.0' in meta


def test_simulate_command_reports_bad_options_in_one_line(tmp_path):
    result = runner.invoke(app, ["simulate", "--out", str(tmp_path), "--n-scenes", "1", "--seed", "1",
                                 "--crs", "EPSG:4326"])
    assert result.exit_code == 1
    assert "projected" in result.output and "Traceback" not in result.output
