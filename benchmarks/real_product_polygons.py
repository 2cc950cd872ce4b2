"""Which expert polygons a model finds on a real product, and what it draws outside them.

Usage: python benchmarks/real_product_polygons.py SCENE EXPERT_POLYGONS [--model default] [--threshold T]
(e.g. ../shared/data/licsar-sierra-negra/sierra_negra_20170320_20170413.geo.diff_pha.tif with
hephaestus_804_polygons_approx.geojson). Prints, per expert polygon, the predicted polygons touching it and the
share of its area they cover, then the polygons outside every expert polygon (on fringes and noise).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import geopandas as gpd
from machine import machine_line  # benchmarks/machine.py, beside this script

from massmap.area import geodesic_area_m2
from massmap.predict import predict_scene


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scene")
    ap.add_argument("experts")
    ap.add_argument("--model", default="default")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--name-column", default="name")
    args = ap.parse_args()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        result = predict_scene(args.scene, Path(tmp) / "pred.gpkg", model=args.model, threshold=args.threshold,
                               progress=False)
    seconds = time.perf_counter() - start
    pred = result.polygons
    experts = gpd.read_file(args.experts).to_crs(pred.crs)
    print(machine_line())
    print(f"{Path(args.scene).name}: {len(pred)} polygons, {pred.area_m2.sum() / 1e6:.1f} km2, "
          f"threshold {result.threshold}, {seconds:.0f} s")
    touched = set()
    for _, expert in experts.iterrows():
        hits = pred[pred.intersects(expert.geometry)]
        touched.update(hits.index)
        covered = geodesic_area_m2(gpd.GeoSeries(hits.intersection(expert.geometry), crs=pred.crs)).sum()
        own = geodesic_area_m2(gpd.GeoSeries([expert.geometry], crs=pred.crs))[0]
        print(f"  {expert[args.name_column]}: {len(hits)} polygons, {covered / 1e6:.1f} of {own / 1e6:.1f} km2 "
              f"covered ({100 * covered / own:.0f} %)")
    outside = pred.drop(index=list(touched))
    print(f"  outside every expert polygon: {len(outside)} polygons, {outside.area_m2.sum() / 1e6:.1f} km2")


if __name__ == "__main__":
    main()
