"""A real LiCSAR product (EPSG:4326, no coherence file) through predict_scene; skipped when the data are absent."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from massmap.predict import predict_scene
from tests.conftest import SHARED_DATA
from tests.predict.conftest import standin_model

LICSAR = SHARED_DATA / "licsar-sierra-negra" / "sierra_negra_20170320_20170413.geo.diff_pha.tif"


@pytest.mark.skipif(not LICSAR.exists(), reason="shared sample data not present")
def test_licsar_product_maps_to_geographic_polygons_with_ground_areas(tmp_path: Path) -> None:
    result = predict_scene(LICSAR, tmp_path / "sn.gpkg", probability=tmp_path / "sn.tif", model=standin_model(tmp_path),
                           tile_px=64, backend="torch", min_area_m2=50_000, progress=False)
    gdf = result.polygons
    assert gdf.crs.to_epsg() == 4326 and len(gdf) > 0
    # Ground areas: geodesic, equal to the area in a local equal-area projection.
    local = gdf.to_crs("+proj=laea +lat_0=-0.8 +lon_0=-91.2").area.to_numpy()
    assert np.allclose(gdf.area_m2.to_numpy(), local, rtol=0.005)
    assert (gdf.area_m2 >= 50_000).all() and (gdf.source == LICSAR.name).all()
    with rasterio.open(tmp_path / "sn.tif") as src, rasterio.open(LICSAR) as ref:
        assert src.crs == ref.crs and src.transform.almost_equals(ref.transform) and src.shape == (500, 500)
