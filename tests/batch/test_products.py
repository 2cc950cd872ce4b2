"""`predict-batch` on folders and stacks as users download them: a LiCSBAS GEOC folder and a MintPy stack."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from typer.testing import CliRunner

from massmap.batch import read_catalog, scenes_from_paths
from massmap.cli import app
from massmap.errors import BadInputError
from massmap.predict.settings import PredictSettings
from tests.products.factories import FRAME, PAIRS, licsbas_frame, mintpy_stack


def test_geoc_folder_and_stack_become_one_entry_per_pair_with_reading_options(tmp_path: Path) -> None:
    geoc = licsbas_frame(tmp_path)
    stack = mintpy_stack(tmp_path / "ifgramStack.h5")
    entries = scenes_from_paths([geoc, stack], zero_nodata=False, coherence_band=1)
    assert [e.scene_id for e in entries] == [f"{FRAME}_{p}" for p in PAIRS] + [f"ifgramStack_{p}" for p in PAIRS]
    assert entries[0].phase == geoc / PAIRS[0] / f"{PAIRS[0]}.geo.unw.tif"
    assert str(entries[3].phase) == f"{stack}::{PAIRS[0]}"
    assert entries[0].reading() == {"band": None, "coherence_band": 1, "rewrap": False, "zero_nodata": False}


def test_catalog_reading_columns(tmp_path: Path) -> None:
    stack = mintpy_stack(tmp_path / "ifgramStack.h5")
    csv = tmp_path / "list.csv"
    csv.write_text(f"phase,band,coherence_band,rewrap,zero_nodata\n{stack.name}::{PAIRS[1]},,2,yes,false\n"
                   f"{stack.name}::{PAIRS[2]},,,,\n")
    first, second = read_catalog(csv)
    assert first.reading() == {"band": None, "coherence_band": 2, "rewrap": True, "zero_nodata": False}
    assert second.reading() == {"band": None, "coherence_band": None, "rewrap": False, "zero_nodata": None}
    csv.write_text(f"phase,rewrap\n{stack.name}::{PAIRS[1]},maybe\n")
    with pytest.raises(BadInputError, match="line 2: rewrap 'maybe' is not true or false"):
        read_catalog(csv)


@pytest.mark.slow  # a Dask cluster of 2 workers importing torch: about 100 s on 2 busy cores
def test_cli_maps_every_pair_of_a_geoc_folder(tiny_model: Path, cluster_address: str, tmp_path: Path) -> None:
    geoc = licsbas_frame(tmp_path / "in", pairs=PAIRS[:2])
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["predict-batch", str(geoc), "--out-dir", str(out), "--model", str(tiny_model),
                                      "--backend", "torch", "--scheduler", cluster_address, "-q"])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv", keep_default_na=False)
    assert list(summary["scene"]) == [f"{FRAME}_{p}" for p in PAIRS[:2]]
    assert set(summary["status"]) == {"mapped"} and set(summary["orbit"]) == {"ascending"}
    for pair in PAIRS[:2]:
        assert (out / f"{FRAME}_{pair}.gpkg").exists() and (out / f"{FRAME}_{pair}_probability.tif").exists()
    assert set(gpd.read_file(out / "catalogue.gpkg")["scene"]) <= {f"{FRAME}_{p}" for p in PAIRS[:2]}


def test_a_licsar_pair_and_a_mintpy_pair_are_mapped_and_named(tiny_model: Path, tmp_path: Path) -> None:
    from massmap.batch.completeness import read_sidecar, sidecar_path
    from massmap.batch.run import BatchSettings, map_scene, model_id

    geoc = licsbas_frame(tmp_path / "in", pairs=PAIRS[:1])
    stack = mintpy_stack(tmp_path / "in" / "ifgramStack.h5", pairs=PAIRS[:1])
    settings = BatchSettings(str(tiny_model), model_id(tiny_model), PredictSettings(backend="torch"))
    out = tmp_path / "out"
    out.mkdir()
    for entry in scenes_from_paths([geoc, stack], zero_nodata=True):
        outcome = map_scene(entry, out, settings)
        assert outcome.status == "mapped" and outcome.scene_area_km2 > 0
        assert (out / f"{entry.scene_id}.gpkg").exists()
        # The sidecar keeps the reading option, so a rerun with other options redoes the scene.
        assert read_sidecar(sidecar_path(out, entry.scene_id)).params["zero_nodata"] is True


def test_scene_pages_and_a_summary_page_of_thumbnails_linking_to_them(tiny_model: Path, tmp_path: Path) -> None:
    import re

    from massmap.batch.run import BatchSettings, SceneOutcome, map_scene, model_id, report_path
    from massmap.batch.summary_page import write_summary_page

    geoc = licsbas_frame(tmp_path / "in", pairs=PAIRS[:2])
    settings = BatchSettings(str(tiny_model), model_id(tiny_model), PredictSettings(threshold=0.3, backend="torch"),
                             report=True)
    out = tmp_path / "out"
    out.mkdir()
    entries = scenes_from_paths([geoc])
    outcomes = [map_scene(e, out, settings) for e in entries]
    outcomes.append(SceneOutcome(entries[0].__class__("broken", tmp_path / "broken.tif"), "failed",
                                 error="BadInputError: broken.tif: file not found"))
    for e in entries:
        page = report_path(out, e.scene_id).read_text()
        assert f"massmap: {e.scene_id}" in page and "2017-03-20 to 2017-04-13" in report_path(
            out, entries[0].scene_id).read_text()
    summary = write_summary_page(outcomes, out, out / "report.html").read_text()
    links = re.findall(r'<a href="([^"]+)"><img', summary)
    assert links == [f"{e.scene_id}_report.html" for e in entries]
    assert summary.count('src="data:image/png;base64,') == 2
    assert "Failed scenes" in summary and "broken.tif: file not found" in summary


def test_rerun_with_report_skips_scenes_that_have_their_page(tiny_model: Path, tmp_path: Path) -> None:
    from massmap.batch import predict_batch
    from massmap.batch.run import BatchSettings, map_scene, model_id

    geoc = licsbas_frame(tmp_path / "in", pairs=PAIRS[:1])
    out = tmp_path / "out"
    out.mkdir()
    (entry,) = scenes_from_paths([geoc])
    map_scene(entry, out, BatchSettings(str(tiny_model), model_id(tiny_model), PredictSettings(backend="torch"),
                                        report=True))
    # Everything is complete: no cluster starts, the scene is skipped and the summary page is written.
    result = predict_batch([entry], out, model=tiny_model, backend="torch", report=True, progress=False)
    assert [o.status for o in result.outcomes] == ["skipped"]
    assert f'href="{entry.scene_id}_report.html"' in (out / "report.html").read_text()


@pytest.mark.slow  # a Dask cluster of 2 workers importing torch
def test_rerun_with_report_redoes_a_scene_without_its_page(tiny_model: Path, cluster_address: str,
                                                          tmp_path: Path) -> None:
    from massmap.batch import predict_batch
    from massmap.batch.run import report_path

    geoc = licsbas_frame(tmp_path / "in", pairs=PAIRS[:2])
    out = tmp_path / "out"
    entries = scenes_from_paths([geoc])
    predict_batch(entries, out, model=tiny_model, backend="torch", scheduler=cluster_address, progress=False)
    report_path(out, entries[0].scene_id).touch()
    result = predict_batch(entries, out, model=tiny_model, backend="torch", scheduler=cluster_address,
                           progress=False, report=True)
    assert [o.status for o in result.outcomes] == ["skipped", "mapped"]
