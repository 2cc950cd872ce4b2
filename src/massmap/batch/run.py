"""Map many scenes on a Dask cluster: one task per scene, outputs written by the workers, resumable.

Each task predicts into a private staging folder, moves the files into the output folder, and writes the
scene's sidecar last (see `completeness`). A worker killed at any point leaves no sidecar, so the scene is
neither trusted nor half-merged: Dask runs it again (and a rerun of the batch redoes it).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from massmap.atomic import open_output_folder
from massmap.batch.catalog import SceneEntry, check_unique
from massmap.batch.cluster import dashboard_link, dask_client
from massmap.batch.completeness import (
    FileRecord,
    Sidecar,
    incomplete_reason,
    read_sidecar,
    sidecar_path,
    write_sidecar,
)
from massmap.batch.merge import merge_catalogue, summary_frame, write_summary
from massmap.log import console, get_logger, setup_logging
from massmap.predict.settings import PredictSettings

log = get_logger(__name__)

# Workers predict into subfolders of this hidden folder of the output folder, then move the files out.
STAGING_DIR = ".massmap-staging"
CATALOGUE_NAME = "catalogue.gpkg"
SUMMARY_NAME = "summary.csv"
REPORT_NAME = "report.html"
# Attempts Dask makes after a task raised (a killed worker is retried by the scheduler's allowed-failures).
DEFAULT_RETRIES = 2

MAPPED, SKIPPED, FAILED = "mapped", "skipped", "failed"


@dataclass(frozen=True)
class BatchSettings:
    """What every scene of a batch is mapped with: the model, its content id, and the prediction settings."""

    model: str
    model_id: str
    prediction: PredictSettings = field(default_factory=PredictSettings)
    quiet: bool = False
    report: bool = False
    aoi: str | None = None

    def params(self) -> dict:
        """The parameters a finished output must have been made with (JSON values, compared on resume)."""
        params = self.prediction.as_dict()
        # The report page is an extra, not a parameter of the mapping: a scene lacking it is redone when asked for.
        return params | ({"aoi": self.aoi} if self.aoi else {})


def scene_params(settings: BatchSettings, entry: SceneEntry) -> dict:
    """The parameters one scene's output must have been made with: the batch's, plus its reading options when
    they differ from the defaults (so sidecars written before those options existed stay valid)."""
    return settings.params() | {k: v for k, v in entry.reading().items() if v not in (None, False)}


@dataclass
class SceneOutcome:
    """What happened to one scene: mapped now, skipped (already complete) or failed, with its figures."""

    entry: SceneEntry
    status: str
    n_polygons: int = 0
    detected_area_m2: float = 0.0
    scene_area_km2: float = float("nan")
    seconds: float = float("nan")
    worker: str = ""
    error: str = ""

    @property
    def has_output(self) -> bool:
        """True when the scene's polygons are on disk and complete."""
        return self.status in (MAPPED, SKIPPED)


@dataclass
class BatchResult:
    """Every scene's outcome, in input order, and the merged catalogue and summary written."""

    outcomes: list[SceneOutcome]
    out_dir: Path
    catalogue_path: Path | None
    summary_path: Path
    dashboard: str | None = None
    seconds: float = 0.0
    failed: list[SceneOutcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.failed = [o for o in self.outcomes if o.status == FAILED]


def model_id(model: str | os.PathLike) -> str:
    """A content id of a model: its weights file's id, and the SHA-256 of its card.

    The card counts: a new threshold or tile size in it changes what the same weights map.
    """
    from massmap.models.store import CARD_FILE, WEIGHTS_FILE, resolve_model_dir
    from massmap.provenance import sha256_file, weights_id

    folder = resolve_model_dir(model)
    card = folder / CARD_FILE
    return weights_id(folder / WEIGHTS_FILE) + (f"+card:{sha256_file(card)[:16]}" if card.exists() else "")


def prepare_backend(model: str | os.PathLike, backend: str) -> None:
    """Do a backend's one-off work (an ONNX export, a quantisation) once, before the workers start."""
    from massmap.models.store import load_model
    from massmap.predict.backends import resolve_backend

    loaded = load_model(model, device="cpu")
    chosen = resolve_backend(backend, "cpu", loaded.card.backend)
    if chosen.prepare is not None:
        chosen.prepare(loaded)


def polygons_path(out_dir: str | os.PathLike, scene_id: str) -> Path:
    """Where a scene's polygons (GeoPackage) are written."""
    return Path(out_dir) / f"{scene_id}.gpkg"


def probability_path(out_dir: str | os.PathLike, scene_id: str) -> Path:
    """Where a scene's blended probability (Cloud-Optimised GeoTIFF) is written."""
    return Path(out_dir) / f"{scene_id}_probability.tif"


def report_path(out_dir: str | os.PathLike, scene_id: str) -> Path:
    """Where a scene's HTML page is written (with --report)."""
    return Path(out_dir) / f"{scene_id}_report.html"


_MODEL_CACHE: dict[tuple[str, str], object] = {}


def _loaded_model(settings: BatchSettings):
    """The model, loaded once per worker process and kept for its next scenes."""
    from massmap.models.store import load_model

    key = (settings.model, settings.model_id)
    if key not in _MODEL_CACHE:
        _MODEL_CACHE.clear()
        _MODEL_CACHE[key] = load_model(settings.model, device="cpu")
    return _MODEL_CACHE[key]


def _publish_file(src: Path, dst: Path) -> None:
    """Move one finished output from the staging folder into place (same file system: an atomic rename)."""
    os.replace(src, dst)


def _in_dask_worker() -> bool:
    """True when running as a task on a Dask worker (not in the caller's own process)."""
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


def _setup_worker_logs(quiet: bool) -> None:
    """Give a worker process massmap's log handler once; per-scene progress lines stay off (warnings show)."""
    import logging

    logger = get_logger()
    if not logger.handlers:
        setup_logging(quiet=quiet)
        logger.setLevel(max(logger.level, logging.WARNING))


def map_scene(entry: SceneEntry, out_dir: str | os.PathLike, settings: BatchSettings) -> SceneOutcome:
    """Map one scene on one core: predict into staging, move the outputs into `out_dir`, write the sidecar last."""
    import torch

    if _in_dask_worker():
        _setup_worker_logs(settings.quiet)
    # One core per task: N single-threaded workers use N cores without oversubscription.
    threads_before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _map_scene(entry, Path(out_dir), settings)
    finally:
        torch.set_num_threads(threads_before)


def _map_scene(entry: SceneEntry, out_dir: Path, settings: BatchSettings) -> SceneOutcome:
    """The body of `map_scene`, once the worker is set to one thread."""
    from massmap.predict import predict_scene

    started = time.perf_counter()
    staging_root = out_dir / STAGING_DIR
    staging_root.mkdir(exist_ok=True)
    # A previous attempt of this scene killed mid-way left its staging folder; Dask runs one attempt at a time.
    for stale in staging_root.glob(f"{entry.scene_id}.*"):
        shutil.rmtree(stale, ignore_errors=True)
    sidecar_file = sidecar_path(out_dir, entry.scene_id)
    sidecar_file.unlink(missing_ok=True)
    staging = staging_root / f"{entry.scene_id}.{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        poly_dst, prob_dst = polygons_path(out_dir, entry.scene_id), probability_path(out_dir, entry.scene_id)
        page_dst = report_path(out_dir, entry.scene_id) if settings.report else None
        result = predict_scene(
            entry.phase, staging / poly_dst.name, coherence=entry.coherence, dem=entry.dem, los=entry.los,
            probability=staging / prob_dst.name, model=_loaded_model(settings), settings=settings.prediction,
            num_threads=1, progress=False, report=staging / page_dst.name if page_dst else None, aoi=settings.aoi,
            **entry.reading(),
        )
        published = [poly_dst, prob_dst] + ([page_dst] if page_dst else [])
        records = [FileRecord.of(staging / dst.name) for dst in published]
        for dst in published:
            _publish_file(staging / dst.name, dst)
        seconds = time.perf_counter() - started
        outcome = SceneOutcome(
            entry, MAPPED, n_polygons=len(result.polygons),
            detected_area_m2=float(result.polygons["area_m2"].sum()) if len(result.polygons) else 0.0,
            scene_area_km2=result.grid.area_km2(), seconds=seconds, worker=socket.gethostname() + f":{os.getpid()}",
        )
        write_sidecar(sidecar_file, Sidecar(
            scene_id=entry.scene_id, polygons=records[0], n_polygons=outcome.n_polygons,
            model_id=settings.model_id, params=scene_params(settings, entry), extra_files=records[1:],
            figures=dict(seconds=seconds, scene_area_km2=outcome.scene_area_km2,
                         detected_area_m2=outcome.detected_area_m2, worker=outcome.worker,
                         finished=dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        ))
        return outcome
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _style_catalogue(path: Path, model: str | os.PathLike, threshold: float | None) -> None:
    """Give the merged catalogue the polygons' QGIS style, graduated from the batch's threshold."""
    from massmap.io.styling import add_score_style
    from massmap.models.card import ModelCard
    from massmap.models.store import CARD_FILE, resolve_model_dir

    if threshold is None:
        threshold = ModelCard.read(resolve_model_dir(model) / CARD_FILE).threshold
    add_score_style(path, "catalogue", threshold)


def _skipped(entry: SceneEntry, out_dir: Path) -> SceneOutcome:
    sidecar = read_sidecar(sidecar_path(out_dir, entry.scene_id))
    figures = sidecar.figures if sidecar else {}
    return SceneOutcome(
        entry, SKIPPED, n_polygons=sidecar.n_polygons if sidecar else 0,
        detected_area_m2=float(figures.get("detected_area_m2", 0.0)),
        scene_area_km2=float(figures.get("scene_area_km2", float("nan"))),
        seconds=float(figures.get("seconds", float("nan"))), worker=str(figures.get("worker", "")),
    )


def _error_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _progress(enabled: bool):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=console, disable=not enabled,
    )


def predict_batch(
    scenes: Sequence[SceneEntry],
    out_dir: str | os.PathLike,
    *,
    model: str | os.PathLike = "default",
    settings: PredictSettings | None = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    retries: int = DEFAULT_RETRIES,
    progress: bool = True,
    report: bool = False,
    quiet: bool = False,
    aoi: str | os.PathLike | None = None,
    dashboard_address: str | None = ":8787",
    task: Callable[[SceneEntry, Path, BatchSettings], SceneOutcome] = map_scene,
    **setting_changes: Any,
) -> BatchResult:
    """Map many scenes on Dask (a local cluster of `n_workers` single-threaded processes, or `scheduler`).

    Every scene is mapped with `settings` (a `PredictSettings`; its fields are also accepted as keyword arguments
    that change it, e.g. `threshold=0.6`). Scenes whose outputs a valid sidecar vouches for (same weights, card
    and settings) are skipped; the rest are
    submitted one task per scene with `retries`. Writes per scene `<id>.gpkg`, `<id>_probability.tif` and
    `<id>.done.json`, then `catalogue.gpkg` (every polygon with its scene, dates and orbit) and `summary.csv`.
    `task` replaces `map_scene` (same signature) to inject faults in tests. `report` also writes each scene's
    page `<id>_report.html` and the summary page `report.html` of thumbnails linking to them. `aoi` maps only
    the part of each scene inside those polygons.
    """
    started = time.perf_counter()
    prediction = (settings or PredictSettings()).replace(**setting_changes)  # checks the values
    scenes = check_unique(scenes)
    out_dir = open_output_folder(out_dir)
    batch = BatchSettings(str(model), model_id(model), prediction, quiet, report,
                          str(Path(aoi).resolve()) if aoi else None)
    outcomes: dict[str, SceneOutcome] = {}
    todo: list[SceneEntry] = []
    for entry in scenes:
        reason = incomplete_reason(sidecar_path(out_dir, entry.scene_id), batch.model_id, scene_params(batch, entry))
        if reason is None and report and not report_path(out_dir, entry.scene_id).exists():
            reason = "no report page"
        if reason is None:
            outcomes[entry.scene_id] = _skipped(entry, out_dir)
        else:
            if reason != "no sidecar":
                log.info("%s: redoing, its output is not complete (%s)", entry.scene_id, reason)
            todo.append(entry)
    log.info("%d scenes: %d already complete, %d to map", len(scenes), len(scenes) - len(todo), len(todo))
    dashboard = None
    if todo:
        from distributed import as_completed

        prepare_backend(model, prediction.backend)

        with dask_client(scheduler, n_workers, dashboard_address) as client:
            dashboard = dashboard_link(client)
            if dashboard:
                log.info("Dask dashboard: %s", dashboard)
            futures = {
                client.submit(task, entry, out_dir, batch, key=f"map-scene-{entry.scene_id}-{uuid.uuid4().hex[:8]}",
                              retries=retries, pure=False): entry
                for entry in todo
            }
            with _progress(progress and not quiet) as bar:
                bar_task = bar.add_task("scenes", total=len(todo))
                for future in as_completed(futures):
                    entry = futures[future]
                    try:
                        outcomes[entry.scene_id] = future.result()
                    except Exception as exc:  # noqa: BLE001 -- a scene's failure is reported, the batch goes on
                        log.error("%s: failed after %d retries: %s", entry.phase, retries, _error_line(exc))
                        outcomes[entry.scene_id] = SceneOutcome(entry, FAILED, error=_error_line(exc))
                    bar.advance(bar_task)
            shutil.rmtree(out_dir / STAGING_DIR, ignore_errors=True)
    ordered = [outcomes[e.scene_id] for e in scenes]
    done = [o for o in ordered if o.has_output]
    catalogue = merge_catalogue([(o.entry, polygons_path(out_dir, o.entry.scene_id)) for o in done],
                                out_dir / CATALOGUE_NAME) if done else None
    if catalogue is not None:
        _style_catalogue(catalogue, model, prediction.threshold)
    summary = write_summary(summary_frame(ordered), out_dir / SUMMARY_NAME)
    if report:
        from massmap.batch.summary_page import write_summary_page

        write_summary_page(ordered, out_dir, out_dir / REPORT_NAME)
    return BatchResult(ordered, out_dir, catalogue, summary, dashboard, time.perf_counter() - started)
