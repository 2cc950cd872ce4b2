"""Map many scenes on a Dask cluster: one task per scene, outputs written by the workers, resumable.

Each task predicts into a private staging folder, moves the files into the output folder, and writes the
scene's sidecar last (see `completeness`). A worker killed at any point leaves no sidecar, so the scene is
neither trusted nor half-merged: Dask runs it again (and a rerun of the batch redoes it). A scene that fails
(bad input) fails once, with its one-line reason: only the loss of a worker is retried.

Several processes (job-array tasks, `--shard K/N`) may share one output folder: each maps its own share of
the scenes and touches only their files; `merge_batch` then writes the catalogue and summary once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from massmap.atomic import open_output_folder, reclaim_stale
from massmap.batch.catalog import SceneEntry, check_unique
from massmap.batch.cluster import check_cluster_choice, dashboard_link, dask_client
from massmap.batch.completeness import (
    FileRecord,
    Sidecar,
    damage_reason,
    incomplete_reason,
    read_sidecar,
    sidecar_path,
    write_sidecar,
)
from massmap.batch.merge import merge_catalogue, summary_frame, write_summary
from massmap.batch.settings import DEFAULT_DEVICE, DEFAULT_THREADS_PER_SCENE, JobSettings
from massmap.constants import DEFAULT_MODEL
from massmap.errors import BadInputError, MassmapError
from massmap.log import console, get_logger, setup_logging
from massmap.models.store import check_device
from massmap.predict.settings import PredictSettings

log = get_logger(__name__)

# Workers predict into subfolders of this hidden folder of the output folder, then move the files out.
STAGING_DIR = ".massmap-staging"
CATALOGUE_NAME = "catalogue.gpkg"
SUMMARY_NAME = "summary.csv"
REPORT_NAME = "report.html"
# Attempts Dask makes after a task raised. Tasks never raise for a bad scene (`_guarded` returns it failed);
# a killed worker is retried by the scheduler's allowed-failures setting instead.
DEFAULT_RETRIES = 0

MAPPED, SKIPPED, FAILED, MISSING = "mapped", "skipped", "failed", "missing"


@dataclass(frozen=True)
class BatchSettings:
    """What every scene of a batch is mapped with: the model, its content id, and the prediction settings."""

    model: str
    model_id: str
    prediction: PredictSettings = field(default_factory=PredictSettings)
    quiet: bool = False
    report: bool = False
    aoi: str | None = None
    device: str = DEFAULT_DEVICE
    threads_per_scene: int = DEFAULT_THREADS_PER_SCENE

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
    n_polygons: int | None = None
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
    summary_path: Path | None
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


_MODEL_CACHE: dict[tuple[str, str, str], object] = {}
# Threaded workers map several scenes at once: one of them loads the model while the others wait.
_MODEL_LOCK = threading.Lock()


def _loaded_model(settings: BatchSettings):
    """The model, loaded once per worker process (on its device) and shared by its threads and next scenes."""
    from massmap.models.store import load_model

    key = (settings.model, settings.model_id, settings.device)
    with _MODEL_LOCK:
        if key not in _MODEL_CACHE:
            _MODEL_CACHE.clear()
            _MODEL_CACHE[key] = load_model(settings.model, device=settings.device)
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

    threads = settings.threads_per_scene
    if _in_dask_worker():
        _setup_worker_logs(settings.quiet)
        # A worker of T threads maps T scenes at once, each on `threads` cores (torch's count is per process).
        torch.set_num_threads(threads)
        return _map_scene(entry, Path(out_dir), settings)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads)
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
            num_threads=settings.threads_per_scene, progress=False, device=settings.device,
            report=staging / page_dst.name if page_dst else None, aoi=settings.aoi,
            **entry.reading(),
        )
        published = [poly_dst, prob_dst] + ([page_dst] if page_dst else [])
        records = [FileRecord.of(staging / dst.name) for dst in published]
        for dst in published:
            _publish_file(staging / dst.name, dst)
        seconds = time.perf_counter() - started
        outcome = SceneOutcome(
            entry, MAPPED, n_polygons=len(result.polygons),
            detected_area_m2=float(result.polygons.get("area_m2", result.polygons.get("area_px", 0)).sum())
            if len(result.polygons) else 0.0,
            scene_area_km2=result.grid.area_km2(), seconds=seconds, worker=socket.gethostname() + f":{os.getpid()}",
        )
        write_sidecar(sidecar_file, Sidecar(
            scene_id=entry.scene_id, polygons=records[0], n_polygons=len(result.polygons),
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
    from massmap.models.store import read_card

    if threshold is None:
        threshold = read_card(model).threshold
    add_score_style(path, "catalogue", threshold)


def _skipped(entry: SceneEntry, out_dir: Path, status: str = SKIPPED) -> SceneOutcome:
    sidecar = read_sidecar(sidecar_path(out_dir, entry.scene_id))
    figures = sidecar.figures if sidecar else {}
    return SceneOutcome(
        entry, status, n_polygons=sidecar.n_polygons if sidecar else 0,
        detected_area_m2=float(figures.get("detected_area_m2", 0.0)),
        scene_area_km2=float(figures.get("scene_area_km2", float("nan"))),
        seconds=float(figures.get("seconds", float("nan"))), worker=str(figures.get("worker", "")),
    )


def _error_line(exc: BaseException, entry: SceneEntry) -> str:
    """One line for a failed scene, naming its phase file once: massmap's own wording, else the error's class."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    line = first if isinstance(exc, MassmapError) and first else f"{type(exc).__name__}: {first}".rstrip(": ")
    return line if str(entry.phase) in line or entry.phase.name in line else f"{entry.phase}: {line}"


def _guarded(task: Callable[[SceneEntry, Path, BatchSettings], SceneOutcome], entry: SceneEntry, out_dir: Path,
             settings: BatchSettings) -> SceneOutcome:
    """Run one scene's task; a scene that raises comes back failed with its one-line reason, so Dask neither
    retries it nor prints its traceback (a bug's traceback goes to the debug log)."""
    try:
        return task(entry, out_dir, settings)
    except Exception as exc:  # noqa: BLE001 -- a scene's failure is its outcome; the batch goes on
        if not isinstance(exc, MassmapError):
            log.debug("%s failed", entry.phase, exc_info=True)
        return SceneOutcome(entry, FAILED, error=_error_line(exc, entry))


def shard_of(scenes: Sequence[SceneEntry], shard: tuple[int, int]) -> list[SceneEntry]:
    """Share K of N (1 <= K <= N) of the scenes: every N-th scene from the K-th, in input order."""
    k, n = shard
    if not 1 <= k <= n:
        raise BadInputError(f"--shard {k}/{n}: K must be between 1 and N")
    return list(scenes[k - 1::n])


def parse_shard(text: str | None, environ: dict[str, str] | None = None) -> tuple[int, int] | None:
    """`K/N` from --shard, or from a SLURM job array (SLURM_ARRAY_TASK_ID within SLURM_ARRAY_TASK_MIN..MAX);
    None for the whole batch."""
    env = os.environ if environ is None else environ
    if text:
        try:
            k, n = (int(part) for part in text.split("/"))
        except ValueError:
            raise BadInputError(f"--shard {text!r}: expected K/N, e.g. 2/8") from None
        return k, n
    if "SLURM_ARRAY_TASK_ID" in env:
        task = int(env["SLURM_ARRAY_TASK_ID"])
        first = int(env.get("SLURM_ARRAY_TASK_MIN", "0"))
        count = int(env.get("SLURM_ARRAY_TASK_COUNT", int(env.get("SLURM_ARRAY_TASK_MAX", task)) - first + 1))
        return task - first + 1, count
    return None


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
    model: str | os.PathLike = DEFAULT_MODEL,
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
    shard: tuple[int, int] | None = None,
    scheduler_file: str | os.PathLike | None = None,
    cluster: str | None = None,
    jobs: JobSettings | None = None,
    device: str = DEFAULT_DEVICE,
    threads_per_scene: int = DEFAULT_THREADS_PER_SCENE,
    **setting_changes: Any,
) -> BatchResult:
    """Map many scenes on Dask (a local cluster of `n_workers` single-threaded processes, or `scheduler`).

    Every scene is mapped with `settings` (a `PredictSettings`; its fields are also accepted as keyword arguments
    that change it, e.g. `threshold=0.6`). Scenes whose outputs a valid sidecar vouches for (same weights, card
    and settings) are skipped; the rest are submitted one task per scene. A scene that fails (bad input, a bug)
    does so once, with its one-line reason in its outcome; `retries` is for a lost worker only. Writes per scene
    `<id>.gpkg`, `<id>_probability.tif` and `<id>.done.json`, then `catalogue.gpkg` (every polygon with its
    scene, dates and orbit) and `summary.csv`. `task` replaces `map_scene` (same signature) to inject faults in
    tests. `report` also writes each scene's page `<id>_report.html` and the summary page `report.html` of
    thumbnails linking to them. `aoi` maps only the part of each scene inside those polygons.

    With `shard` (K, N) only every N-th scene from the K-th is mapped and no catalogue or summary is written:
    `merge_batch` writes them once every share is done. The cluster is a `scheduler` address, a
    `scheduler_file`, a batch system's (`cluster`: slurm, pbs, lsf; `jobs`), or local. Each scene runs on
    `device` with `threads_per_scene` threads for GDAL, torch and ONNX Runtime.
    """
    started = time.perf_counter()
    prediction = (settings or PredictSettings()).replace(**setting_changes)  # checks the values
    if threads_per_scene < 1:
        raise BadInputError(f"--threads-per-scene must be at least 1, got {threads_per_scene}")
    device = check_device(device)
    if cluster is not None:
        jobs = dataclasses.replace(jobs or JobSettings(), threads_per_scene=threads_per_scene)
    check_cluster_choice(scheduler, scheduler_file, cluster, jobs, n_workers)
    scenes = check_unique(scenes)
    if shard is not None:
        scenes = shard_of(scenes, shard)
        log.info("shard %d/%d: %d scenes", shard[0], shard[1], len(scenes))
    batch = BatchSettings(str(model), model_id(model), prediction, quiet, report,
                          str(Path(aoi).resolve()) if aoi else None, device, threads_per_scene)
    # Everything refusable is refused above: only now is the output folder made.
    out_dir = open_output_folder(out_dir)
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

        try:
            with dask_client(scheduler, n_workers, dashboard_address, scheduler_file=scheduler_file, cluster=cluster,
                             jobs=jobs) as client:
                dashboard = dashboard_link(client)
                if dashboard:
                    log.info("Dask dashboard: %s", dashboard)
                futures = {
                    client.submit(_guarded, task, entry, out_dir, batch,
                                  key=f"map-scene-{entry.scene_id}-{uuid.uuid4().hex[:8]}", retries=retries,
                                  pure=False): entry
                    for entry in todo
                }
                with _progress(progress and not quiet) as bar:
                    bar_task = bar.add_task("scenes", total=len(todo))
                    for future in as_completed(futures):
                        entry = futures[future]
                        try:
                            outcomes[entry.scene_id] = future.result()
                        except Exception as exc:  # noqa: BLE001 -- a lost worker (KilledWorker), after Dask's retries
                            outcomes[entry.scene_id] = SceneOutcome(entry, FAILED, error=_error_line(exc, entry))
                        if outcomes[entry.scene_id].status == FAILED:
                            log.info("%s", outcomes[entry.scene_id].error)
                        bar.advance(bar_task)
        finally:
            # Also after Ctrl-C: the local workers are gone with the cluster, and nothing of theirs stays.
            _remove_own_staging(out_dir, todo)
            reclaim_stale(tempfile.gettempdir())
    ordered = [outcomes[e.scene_id] for e in scenes]
    if shard is not None:
        log.info("shard %d/%d done; when every shard is, `massmap merge-batch` writes the catalogue and summary",
                 *shard)
        return BatchResult(ordered, out_dir, None, None, dashboard, time.perf_counter() - started)
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


def _remove_own_staging(out_dir: Path, entries: Sequence[SceneEntry]) -> None:
    """Remove this run's staging folders only: other processes sharing the output folder keep theirs."""
    root = out_dir / STAGING_DIR
    for entry in entries:
        for folder in root.glob(f"{entry.scene_id}.*"):
            shutil.rmtree(folder, ignore_errors=True)
    try:
        root.rmdir()
    except OSError:
        pass  # another process still stages scenes there


def merge_batch(scenes: Sequence[SceneEntry], out_dir: str | os.PathLike,
                model: str | os.PathLike = DEFAULT_MODEL) -> BatchResult:
    """Write the catalogue and summary of a batch mapped in shares (job-array tasks), once, from the sidecars.

    Scenes whose sidecar vouches for intact outputs count as mapped; the rest are listed as missing. One
    catalogue holds one mapping: outputs of another model than `model`, or of shares mapped with different
    settings, are refused.
    """
    started = time.perf_counter()
    scenes = check_unique(scenes)
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise BadInputError(f"{out_dir}: not a folder of batch outputs")
    expected_model = model_id(model)
    outcomes, settings_seen = [], set()
    for entry in scenes:
        path = sidecar_path(out_dir, entry.scene_id)
        reason = damage_reason(path)
        sidecar = read_sidecar(path) if reason is None else None
        if sidecar is not None and sidecar.model_id != expected_model:
            raise BadInputError(f"{path}: made with model {sidecar.model_id}, not {model} ({expected_model}); "
                                "give the batch's --model")
        if sidecar is not None:
            outcomes.append(_skipped(entry, out_dir, status=MAPPED))
            mapping = {k: v for k, v in sidecar.params.items() if k in _MAPPING_KEYS}
            settings_seen.add(json.dumps(mapping, sort_keys=True))
        else:
            outcomes.append(SceneOutcome(entry, MISSING, error=f"{entry.phase}: {reason}"))
    if len(settings_seen) > 1:
        raise BadInputError(f"{out_dir}: its scenes were mapped with {len(settings_seen)} different settings "
                            f"({'; '.join(sorted(settings_seen))})")
    done = [o for o in outcomes if o.has_output]
    if not done:
        raise BadInputError(f"{out_dir}: none of the {len(scenes)} scenes has finished outputs here "
                            "(run predict-batch first)")
    catalogue = merge_catalogue([(o.entry, polygons_path(out_dir, o.entry.scene_id)) for o in done],
                                out_dir / CATALOGUE_NAME)
    _style_catalogue(catalogue, model, json.loads(settings_seen.pop()).get("threshold"))
    summary = write_summary(summary_frame(outcomes), out_dir / SUMMARY_NAME)
    return BatchResult(outcomes, out_dir, catalogue, summary, None, time.perf_counter() - started)


# The sidecar parameters every share of one batch must agree on (a scene's own reading options may differ).
_MAPPING_KEYS = frozenset(PredictSettings().as_dict()) | {"aoi"}
