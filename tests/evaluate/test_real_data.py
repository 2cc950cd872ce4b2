"""On the real LiCSAR Sierra Negra product with the Hephaestus polygons (skipped when the sample data is absent)."""

from pathlib import Path

import geopandas as gpd
import pytest
from shapely import affinity

from massmap.area import geodesic_area_m2
from massmap.evaluate import run as evaluation

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "licsar-sierra-negra"
SCENE = DATA / "sierra_negra_20170320_20170413.geo.diff_pha.tif"
POLYGONS = DATA / "hephaestus_804_polygons_approx.geojson"

pytestmark = pytest.mark.skipif(not (SCENE.exists() and POLYGONS.exists()), reason="shared sample data absent")


def test_hephaestus_polygons_shifted_and_reprojected_are_still_found(tmp_path):
    truth = gpd.read_file(POLYGONS)
    shifted = truth.copy()
    shifted["geometry"] = [affinity.translate(g, xoff=0.005) for g in truth.geometry]  # 5 pixels (~550 m) east
    pred = tmp_path / "pred_utm.gpkg"
    shifted.to_crs("EPSG:32715").to_file(pred)  # the prediction in UTM 15S, reprojected onto the geographic grid
    r = evaluation.evaluate(pred, POLYGONS, SCENE)
    assert (r["object"]["tp"], r["object"]["n_truth"]) == (2, 2)
    assert 0.5 < r["pixel"]["iou"] < 0.98
    # Ground areas of the rasterised objects agree with the polygons' geodesic areas (the larger one is cut by the
    # scene border, so compare the one inside).
    inside = [row for row in r["truth_objects"] if not row["touches_border"]]
    assert inside
    exact = geodesic_area_m2(truth.geometry)[inside[0]["id"]]
    assert inside[0]["area_m2"] == pytest.approx(exact, rel=0.03)
