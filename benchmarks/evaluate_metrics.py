"""Benchmark of the evaluation metrics: object matching (as training validation calls it), pixel scores, STAPLE, power law.

Run: .venv/bin/python benchmarks/evaluate_metrics.py
Prints one row per case with the best and median wall time of a few repeats, and the machine it ran on.
"""

from __future__ import annotations

import os
import statistics
import time

import geopandas as gpd
import numpy as np
from affine import Affine
from machine import machine_line
from pyproj import CRS
from shapely.geometry import box

from massmap.evaluate.inventory import fit_power_law
from massmap.metrics.matching import object_curve, object_metrics
from massmap.metrics.objects import objects_from_polygons
from massmap.metrics.pixel import pixel_metrics
from massmap.evaluate.staple import staple
from massmap.grid import Grid


def label_grid(size: int, n_side: int, shift: int, rng: np.random.Generator) -> np.ndarray:
    """A label image of n_side**2 rectangular objects, each displaced by up to `shift` pixels."""
    labels = np.zeros((size, size), np.int32)
    cell = size // n_side
    for k in range(n_side * n_side):
        r, c = (k // n_side) * cell + shift, (k % n_side) * cell + shift
        dr, dc = rng.integers(0, shift + 1, 2) if shift else (0, 0)
        labels[r + dr:r + dr + cell // 2, c + dc:c + dc + cell // 2] = k + 1
    return labels


def timed(func, repeats: int = 5) -> tuple[float, float]:
    """Best and median wall time (ms) of `repeats` calls (the best is the least disturbed by other load)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        func()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times), statistics.median(times)


def main() -> None:
    """Time each case and print the table."""
    rng = np.random.default_rng(0)
    rows = []
    for size, n_side in ((1024, 10), (4096, 32)):
        truth = label_grid(size, n_side, 0, rng)
        pred = label_grid(size, n_side, 6, rng)
        n = n_side * n_side
        rows.append((f"object_metrics {size}x{size}, {n} objects", timed(lambda: object_metrics(pred, truth))))
        rows.append((f"object_curve (9 thresholds) {size}x{size}, {n} objects", timed(lambda: object_curve(pred, truth))))
        rows.append((f"pixel_metrics {size}x{size}", timed(lambda: pixel_metrics(pred > 0, truth > 0))))
    truth = np.zeros((2048, 2048), bool)
    truth[300:1500, 400:1400] = True
    raters = np.stack([np.where(truth, rng.random(truth.shape) < 0.9, rng.random(truth.shape) > 0.98) for _ in range(5)])
    rows.append(("staple 5 raters 2048x2048", timed(lambda: staple(raters), repeats=3)))
    grid = Grid(4096, 4096, Affine(10.0, 0, 400_000.0, 0, -10.0, 5_100_000.0), CRS.from_epsg(32632))
    corners = rng.integers(0, 4000, (2000, 2))
    polygons = gpd.GeoDataFrame(geometry=[
        box(400_000 + 10 * c, 5_100_000 - 10 * (r + s), 400_000 + 10 * (c + s), 5_100_000 - 10 * r)
        for (r, c), s in zip(corners, rng.integers(2, 40, 2000))], crs=grid.crs)
    rows.append(("objects_from_polygons 2000 polygons on 4096x4096", timed(lambda: objects_from_polygons(polygons, grid), repeats=1)))
    areas = 5600.0 * (1 - rng.random(2000)) ** (-1 / 1.4)
    rows.append(("power-law fit, 2000 areas, no bootstrap", timed(lambda: fit_power_law(areas, n_bootstrap=0), repeats=3)))

    print(f"{machine_line()}, numpy {np.__version__}, load average {os.getloadavg()[0]:.1f}")
    width = max(len(name) for name, _ in rows)
    print(f"{'case':<{width}}  {'best ms':>9}  {'median ms':>9}")
    for name, (best, median) in rows:
        print(f"{name:<{width}}  {best:9.1f}  {median:9.1f}")


if __name__ == "__main__":
    main()
