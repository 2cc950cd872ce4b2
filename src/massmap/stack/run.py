"""Map a stack of interferograms of one frame: each pair with the model (on Dask, resumable), then fused per pixel
into persistence, or phase-gradient stacking without a model; polygons with the pairs that detect them."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio

from massmap.atomic import atomic_path, open_output_folder
from massmap.batch.catalog import SceneEntry
from massmap.constants import DEFAULT_MODEL, MIN_MAPPED_AREA_M2
from massmap.errors import BadInputError, MassmapError
from massmap.grid import Grid
from massmap.io.scene import open_scene
from massmap.io.write import write_vector
from massmap.log import get_logger
from massmap.predict.settings import AUTO_BACKEND
from massmap.stack import pgs as P
from massmap.stack.fuse import FusedStack, PairEvidence, StackFusion, write_fused
from massmap.stack.grid import common_grid, onto_grid
from massmap.stack.pairs import pair_dates, stack_entries, stack_span
from massmap.stack.polygons import stack_polygons
from massmap.stack.settings import (
    DEFAULT_MIN_PERSISTENCE,
    DEFAULT_PGS_SIGMAS,
    METHODS,
    MIN_COHERENCE,
    MIN_DETECTED_PAIRS,
)

log = get_logger(__name__)

PAIRS_DIR = "pairs"


@dataclass
class StackResult:
    """A mapped stack: its fused layers, polygons, the files written and the wall time."""

    method: str
    fused: FusedStack
    polygons: gpd.GeoDataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    failed: list[str] = field(default_factory=list)

    @property
    def seconds_per_pair(self) -> float:
        """Wall time per pair of the whole stack mapping."""
        return self.seconds / max(len(self.fused.pairs), 1)


def output_paths(out_dir: str | os.PathLike, method: str) -> dict[str, Path]:
    """Where a stack's fused raster (COG), polygons, summary and report page go in `out_dir`."""
    out = Path(out_dir)
    return {"raster": out / f"stack_{method}.tif", "polygons": out / f"stack_{method}.gpkg",
            "summary": out / f"stack_{method}.json", "report": out / f"stack_{method}.html"}


def _read_pair(entry: SceneEntry) -> tuple[Grid, np.ndarray, np.ndarray, np.ndarray]:
    """(grid, phase, coherence, valid) of a whole pair on its own grid."""
    with open_scene(entry.phase, entry.coherence) as reader:
        window = reader.read()
        return reader.grid, window.phase_rad, window.coherence, window.valid


def model_evidence(entry: SceneEntry, probability_path: Path, grid: Grid, threshold: float,
                   min_coherence: float = MIN_COHERENCE) -> PairEvidence:
    """A pair's model probability on the stack grid: detected at `threshold`, judged where coherent."""
    pair_grid, _, coherence, valid = _read_pair(entry)
    with rasterio.open(probability_path) as src:
        probability = src.read(1).astype(np.float32)
    probability = onto_grid(np.where(valid, probability, np.nan), pair_grid, grid)
    coherence = onto_grid(np.where(valid, coherence, np.nan), pair_grid, grid)
    with np.errstate(invalid="ignore"):
        detected = probability >= threshold
        judged = np.isfinite(probability) & (coherence >= min_coherence)
    return PairEvidence(entry, judged, detected, probability)


def pgs_evidence(entry: SceneEntry, grid: Grid, n_sigmas: float = DEFAULT_PGS_SIGMAS,
                 min_coherence: float = MIN_COHERENCE) -> tuple[PairEvidence, np.ndarray, np.ndarray]:
    """A pair's evidence (its own largest gradient detected above its robust level, judged where coherent), its
    wrapped phase gradients (4, rows, cols; NaN where it is not coherent) and coherence, on the stack grid."""
    pair_grid, phase, coherence, valid = _read_pair(entry)
    with np.errstate(invalid="ignore"):
        # Decorrelated pixels give random gradients of up to pi per pixel: they are left out, as in Fu et al.
        coherent = valid & (coherence >= min_coherence)
    gradients = P.wrapped_gradients(phase, coherent)
    gradients = np.stack([onto_grid(g, pair_grid, grid) for g in gradients])
    coherence = onto_grid(np.where(valid, coherence, np.nan), pair_grid, grid)
    magnitude = P.gradient_magnitude(gradients)
    level = P.robust_threshold(magnitude, n_sigmas)
    with np.errstate(invalid="ignore"):
        detected = magnitude >= level
    return PairEvidence(entry, np.isfinite(magnitude), detected, magnitude), gradients, coherence


def fuse_model_stack(entries: Sequence[SceneEntry], probabilities: Sequence[Path], threshold: float,
                     min_coherence: float = MIN_COHERENCE) -> FusedStack:
    """Fuse the probability maps of a stack's pairs (one per entry, in the same order) on their common grid."""
    grids = [_grid_of(e) for e in entries]
    grid = common_grid(grids, [str(e.phase) for e in entries])
    fusion = StackFusion(grid, "probability")
    for entry, path in zip(entries, probabilities):
        fusion.add(model_evidence(entry, path, grid, threshold, min_coherence))
    return fusion.result()


def fuse_pgs_stack(entries: Sequence[SceneEntry], n_sigmas: float = DEFAULT_PGS_SIGMAS,
                   min_coherence: float = MIN_COHERENCE) -> tuple[FusedStack, float]:
    """Phase-gradient stacking of a stack's pairs on their common grid: the fused layers (band
    `pgs_rad_per_px_per_year` added) and the PGS level above which polygons are drawn."""
    grids = [_grid_of(e) for e in entries]
    grid = common_grid(grids, [str(e.phase) for e in entries])
    fusion = StackFusion(grid, "gradient_rad_per_px")
    stacked = P.GradientStack(grid.shape)
    coherence_sum = np.zeros(grid.shape, dtype=np.float64)
    for entry in entries:
        evidence, gradients, coherence = pgs_evidence(entry, grid, n_sigmas, min_coherence)
        fusion.add(evidence)
        date1, date2 = pair_dates(entry)
        stacked.add(gradients, float((date2 - date1).days))
        coherence_sum += np.nan_to_num(coherence)
    fused = fusion.result()
    pgs = stacked.pgs()
    # Where the stack is mostly decorrelated, summed noise gradients outgrow any motion: masked as in Fu et al.
    pgs[coherence_sum / len(entries) < P.MIN_MEAN_COHERENCE] = np.nan
    fused.extra_bands["pgs_rad_per_px_per_year"] = pgs
    return fused, P.robust_threshold(pgs, n_sigmas)


def _grid_of(entry: SceneEntry) -> Grid:
    with open_scene(entry.phase, entry.coherence) as reader:
        return reader.grid


def persistence_polygons(fused: FusedStack, min_persistence: float = DEFAULT_MIN_PERSISTENCE,
                         min_area_m2: float = MIN_MAPPED_AREA_M2) -> gpd.GeoDataFrame:
    """Polygons where pixels are detected in at least `min_persistence` of the pairs judging them (and in two
    pairs or more), keeping those detected as a whole in at least that share of the pairs judging them."""
    region = np.where(fused.n_detected >= MIN_DETECTED_PAIRS, np.nan_to_num(fused.persistence), 0.0)
    return stack_polygons(fused, region.astype(np.float32), min_persistence, min_area_m2, min_persistence)


def pgs_polygons(fused: FusedStack, level: float, min_area_m2: float = MIN_MAPPED_AREA_M2) -> gpd.GeoDataFrame:
    """Polygons where the PGS rate reaches `level`; their `score` is the mean PGS in units of that level."""
    pgs = fused.extra_bands["pgs_rad_per_px_per_year"]
    polygons = stack_polygons(fused, pgs, level, min_area_m2)
    if len(polygons):
        from massmap.io.labels import rasterize_polygons

        ids = rasterize_polygons(polygons, fused.grid, values=np.arange(1, len(polygons) + 1))
        n = len(polygons)
        total = np.bincount(ids.ravel(), weights=np.nan_to_num(pgs).ravel(), minlength=n + 1)[1:]
        pixels = np.maximum(np.bincount(ids.ravel(), minlength=n + 1)[1:], 1)
        polygons["score"] = (total / pixels / level).astype(np.float32)
    return polygons


def _map_pairs(entries: list[SceneEntry], pairs_dir: Path, **batch_options
               ) -> tuple[list[SceneEntry], list[Path], list[str]]:
    """Map every pair with `predict_batch` (resumable); returns the mapped entries, their probability maps and
    the scene ids that failed."""
    from massmap.batch.run import predict_batch, probability_path

    result = predict_batch(entries, pairs_dir, **batch_options)
    mapped = [o.entry for o in result.outcomes if o.has_output]
    failed = [o.entry.scene_id for o in result.failed]
    return mapped, [probability_path(pairs_dir, e.scene_id) for e in mapped], failed


def predict_stack(
    inputs: Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    method: str = "model",
    min_persistence: float = DEFAULT_MIN_PERSISTENCE,
    model: str | os.PathLike = DEFAULT_MODEL,
    threshold: float | None = None,
    min_area_m2: float | None = None,
    min_coherence: float = MIN_COHERENCE,
    pgs_sigmas: float = DEFAULT_PGS_SIGMAS,
    backend: str = AUTO_BACKEND,
    scheduler: str | None = None,
    n_workers: int | None = None,
    progress: bool = True,
    quiet: bool = False,
    map_pairs: Callable[..., tuple[list[SceneEntry], list[Path], list[str]]] = _map_pairs,
    overwrite: bool = True,
) -> StackResult:
    """Map the interferograms of one frame as a stack and write `stack_METHOD.tif` (fused layers, one COG with
    band descriptions), `stack_METHOD.gpkg` (polygons with n_pairs_valid, n_pairs_detected, persistence,
    first_date, last_date, score, area_m2), `stack_METHOD.json` (pairs and settings) and `stack_METHOD.html`
    (the stack page: the map, and each polygon's chip in every pair) into `out_dir`.

    `method` "model" maps each pair with the model through `predict_batch` (outputs in `out_dir/pairs`, resumable)
    and draws polygons where detections persist; "pgs" stacks wrapped phase gradients without a model.
    Without `overwrite` (the command line's default), existing stack outputs of `method` are refused, as are
    outputs that would be one of the pairs' files.
    `threshold` and `min_area_m2` None: the model card's (`min_area_m2` without a card or for "pgs":
    MIN_MAPPED_AREA_M2).
    """
    started = time.perf_counter()
    if method not in METHODS:
        raise BadInputError(f"--method {method!r} is not one of {', '.join(METHODS)}")
    if not 0.0 < min_persistence <= 1.0:
        raise BadInputError(f"--min-persistence must be in (0, 1], got {min_persistence}")
    entries = stack_entries(inputs)
    if Path(out_dir).is_dir():
        from massmap.io.output_check import check_outputs

        pair_files = [p for e in entries for p in (e.phase, e.coherence, e.dem, e.los) if p is not None]
        check_outputs({f"--out ({kind})": path for kind, path in output_paths(out_dir, method).items()},
                      pair_files, overwrite)
    out = open_output_folder(out_dir)
    paths = output_paths(out, method)
    failed: list[str] = []
    log.info("%d pairs from %s to %s", len(entries), *stack_span(entries))
    if method == "model":
        mapped, probabilities, failed = map_pairs(
            entries, out / PAIRS_DIR, model=model, threshold=threshold, min_area_m2=min_area_m2, backend=backend,
            scheduler=scheduler, n_workers=n_workers, progress=progress, quiet=quiet)
        if len(mapped) < 2:
            raise MassmapError(f"{out / PAIRS_DIR}: fewer than two pairs could be mapped ({len(failed)} failed)")
        from massmap.models.store import read_card

        card = read_card(model)
        level = card.threshold if threshold is None else float(threshold)
        min_area_m2 = card.prediction_min_area_m2 if min_area_m2 is None else min_area_m2
        fused = fuse_model_stack(mapped, probabilities, level, min_coherence)
        polygons = persistence_polygons(fused, min_persistence, min_area_m2)
        settings = dict(model=str(model), threshold=level, min_persistence=min_persistence,
                        min_detected_pairs=MIN_DETECTED_PAIRS)
    else:
        fused, level = fuse_pgs_stack(entries, pgs_sigmas, min_coherence)
        min_area_m2 = MIN_MAPPED_AREA_M2 if min_area_m2 is None else min_area_m2
        polygons = pgs_polygons(fused, level, min_area_m2)
        settings = dict(pgs_sigmas=pgs_sigmas, pgs_level_rad_per_px_per_year=level)
    write_fused(fused, paths["raster"])
    write_vector(polygons, paths["polygons"], layer=paths["polygons"].stem)
    seconds = time.perf_counter() - started
    summary = dict(method=method, n_pairs=len(fused.pairs), failed=failed, seconds=seconds,
                   seconds_per_pair=seconds / len(fused.pairs), n_polygons=len(polygons),
                   min_coherence=min_coherence, min_area_m2=min_area_m2, **settings,
                   pairs=[dict(scene=e.scene_id, phase=str(e.phase), date1=pair_dates(e)[0].isoformat(),
                               date2=pair_dates(e)[1].isoformat()) for e in fused.pairs])
    with atomic_path(paths["summary"]) as tmp:
        tmp.write_text(json.dumps(summary, indent=1))
    from massmap.stack.report import write_stack_report

    write_stack_report(fused, polygons, method, dict(settings, n_pairs=len(fused.pairs), min_area_m2=min_area_m2),
                       paths["report"])
    log.info("%d polygons from %d pairs in %.1f s", len(polygons), len(fused.pairs), seconds)
    return StackResult(method, fused, polygons, paths, seconds, failed)
