"""Map one interferogram to mass-movement polygons: stream tiles through the network, blend, vectorise, write.

Memory stays bounded whatever the scene size: the scene is read one tile row at a time, blended
probabilities live in a rolling buffer of a few tile rows, finished rows go to a temporary GeoTIFF, and
polygons are traced from that file in strips.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning
from rasterio.windows import Window
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeRemainingColumn
from rich.text import Text

from massmap import preflight
from massmap.atomic import atomic_path, private_tempdir, published_path
from massmap.constants import DEFAULT_MODEL
from massmap.errors import BadInputError, IncompatibleModelError, MassmapError
from massmap.grid import Grid
from massmap.inputs import encode, get_channel, halo_px, halo_window, needed_layers, read_layers
from massmap.io.formats import check_raster_output, vector_format
from massmap.io.output_check import check_outputs
from massmap.io.scene import SceneReader, check_phase_range, open_scene
from massmap.log import console, get_logger
from massmap.models.store import LoadedModel, check_device, load_model
from massmap.predict.backends import Runner, make_runner, resolve_backend
from massmap.predict.blend import StripBlender, tile_weights
from massmap.predict.settings import PredictSettings
from massmap.predict.signal import signal_pixels
from massmap.predict.tiling import TileLayout, pad_to_tile
from massmap.predict.tta import predict_tta
from massmap.products import resolve_scene
from massmap.provenance import provenance, weights_id
from massmap.vectorize import polygons_from_raster

if TYPE_CHECKING:
    import geopandas as gpd

log = get_logger(__name__)

# Scenes up to this many pixels return their probability array when no probability file is written.
SMALL_SCENE_PIXELS = 4096 * 4096
# GDAL's block cache is capped so reading a large scene does not fill memory with blocks read once;
# GDAL compresses the COG's blocks on every core.
GDAL_CACHE_BYTES = 64 * 2**20


@dataclass
class PredictionTimings:
    """Where the time of one prediction went (seconds), and how much was mapped.

    `tiles` is the number the network ran, `tiles_skipped` those without signal (all nodata, or coherence below
    the model's floor) that it did not need to.
    """

    tiles: int
    megapixels: float
    seconds: float
    network_seconds: float
    read_seconds: float
    blend_seconds: float
    vectorize_seconds: float
    write_seconds: float
    overlap_factor: float
    backend: str
    tiles_skipped: int = 0

    @property
    def megapixels_per_second(self) -> float:
        """Scene megapixels mapped per second, end to end."""
        return self.megapixels / self.seconds if self.seconds > 0 else float("nan")


@dataclass
class PredictionResult:
    """Polygons of one scene, its probability map when small or asked for, the files written and timings."""

    polygons: gpd.GeoDataFrame
    probability: np.ndarray | None
    grid: Grid
    threshold: float
    timings: PredictionTimings
    paths: dict[str, Path] = field(default_factory=dict)


# The options that give each layer of `massmap.inputs` a channel may need (phase and coherence always exist).
_LAYER_OPTIONS = {"dem": ("--dem",), "los": ("--dem", "--los")}


def check_model_fits(loaded: LoadedModel, reader: SceneReader) -> None:
    """Refuse a model whose input channels the scene cannot provide; warn when coherence is only a proxy."""
    card, where = loaded.card, loaded.path
    for name in card.channels:
        get_channel(name)
    if loaded.has_network:  # an ONNX backend does not build the torch network; its runner checks the input instead
        import torch

        first_conv = next((m for m in loaded.net.modules() if isinstance(m, torch.nn.Conv2d)), None)
        if first_conv is not None and first_conv.in_channels != card.in_channels:
            raise IncompatibleModelError(
                f"{where}: the network takes {first_conv.in_channels} input channels, its card lists "
                f"{card.in_channels} ({', '.join(card.channels)})"
            )
    if "coherence" in card.channels and not reader.has_coherence:
        if card.requires_coherence_file:
            raise IncompatibleModelError(
                f"{where}: the model requires a coherence file and {reader.phase_path} has none; give --coherence"
            )
        log.warning("%s: the model expects coherence; using the phase-consistency proxy instead", reader.phase_path)
    given = {"--dem": reader.has_dem, "--los": reader.has_los}
    for name in card.channels:
        wanted = [o for layer in get_channel(name).layers for o in _LAYER_OPTIONS.get(layer, ())]
        missing = [o for o in dict.fromkeys(wanted) if not given[o]]
        if missing:
            raise IncompatibleModelError(f"{where}: the model needs {get_channel(name).help}; "
                                         f"give {' and '.join(missing)}")


def _check_wrapped(phase_rad: np.ndarray, reader: SceneReader) -> None:
    """Refuse a phase outside [-pi, pi] (unwrapped or in degrees), strip by strip as it is read."""
    if reader.kind != "wrapped-phase" or reader.rewrap:
        return
    finite = phase_rad[np.isfinite(phase_rad)]
    if finite.size == 0:
        return
    check_phase_range(reader.phase_path, float(finite.min()), float(finite.max()))


class _TilesPerSecond(ProgressColumn):
    def render(self, task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:.2f} tiles/s" if speed else "- tiles/s", style="progress.data.speed")


def _progress(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        _TilesPerSecond(), TimeRemainingColumn(), console=console, disable=not enabled, transient=False,
    )


def _temp_profile(grid: Grid, bands: int) -> dict:
    """Uncompressed striped float32 GeoTIFF: rows arrive and are read back in order."""
    return dict(
        driver="GTiff", height=grid.height, width=grid.width, count=bands, dtype="float32", nodata=float("nan"),
        crs=grid.crs, transform=grid.transform, tiled=False, blockysize=16, BIGTIFF="IF_SAFER",
    )


class _Timer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, what: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[what] = self.seconds.get(what, 0.0) + time.perf_counter() - start


def _blend_scene(
    reader: SceneReader, loaded: LoadedModel, runner: Runner, layout: TileLayout, blender: StripBlender,
    batch_size: int, tta: bool, timer: _Timer, progress: Progress, skip_signal_free: bool = True,
) -> int:
    """Read tile rows, run batches of tiles, blend them; returns the number of tiles the network saw.

    Tiles without a signal pixel (`massmap.predict.signal`) are not run unless `skip_signal_free` is False; their
    pixels come out the same either way.
    """
    grid, card = reader.grid, loaded.card
    rows0, cols0 = layout.row_starts, layout.col_starts
    n_rows, n_cols = len(rows0), len(cols0)
    halo = halo_px(card.channels)
    expected = [0] * n_rows
    added = [0] * n_rows
    state = {"rows_listed": 0, "next_flush": 0, "tiles_run": 0, "any_valid": False}
    batch: list[tuple[int, int]] = []
    arrays: list[np.ndarray] = []
    task = progress.add_task("predicting", total=layout.n_tiles)

    def flush_finished_rows() -> None:
        k = state["next_flush"]
        while k < state["rows_listed"] and added[k] == expected[k]:
            k += 1
            blender.flush(rows0[k] if k < n_rows else grid.height)
        state["next_flush"] = k

    def run_batch() -> None:
        tiles = np.stack(arrays)
        with timer("network"):
            if tta:
                mean, spread = predict_tta(runner, tiles)
                values = np.stack([mean, spread], axis=1)
            else:
                values = runner(tiles)[:, None]
        with timer("blend"):
            for (k, j), v in zip(batch, values):
                w = tile_weights(layout.tile_px, layout.overlap_px, k > 0, k < n_rows - 1, j > 0, j < n_cols - 1)
                blender.add(v, rows0[k], cols0[j], w)
                added[k] += 1
            flush_finished_rows()
        state["tiles_run"] += len(batch)
        progress.advance(task, len(batch))
        batch.clear()
        arrays.clear()

    for k, r0 in enumerate(rows0):
        with timer("read"):
            rows = layout.rows_in_tile(r0)
            grown, crop = halo_window(Window(0, r0, grid.width, rows), halo, grid.height, grid.width)
            layers, valid_grown = read_layers(reader, grown, card.channels)
            _check_wrapped(layers.phase_rad, reader)
            channels = pad_to_tile(encode(card.channels, layers, crop), layout.tile_px)
            valid = valid_grown[crop[0]:crop[1]]
            assert layers.coherence is not None, "read_layers always reads coherence (file or proxy)"
            signal = signal_pixels(layers.coherence[crop[0]:crop[1]], valid, card.coherence_floor, r0)
            blender.set_valid(r0, valid, signal)
            state["any_valid"] = state["any_valid"] or bool(valid.any())
            worth_running = pad_to_tile((signal if skip_signal_free else np.ones_like(signal))[None], layout.tile_px)[0]
        for j, c0 in enumerate(cols0):
            if not worth_running[:, c0:c0 + layout.tile_px].any():
                progress.advance(task, 1)  # nodata stays NaN, valid pixels without signal 0
                continue
            expected[k] += 1
            batch.append((k, j))
            arrays.append(channels[:, :, c0:c0 + layout.tile_px])
            if len(batch) == batch_size:
                run_batch()
        state["rows_listed"] = k + 1
        with timer("blend"):
            flush_finished_rows()
    if batch:
        run_batch()
    with timer("blend"):
        flush_finished_rows()
    if not state["any_valid"]:
        raise BadInputError(f"{reader.phase_path}: every pixel is nodata or NaN")
    return state["tiles_run"]


def predict_scene(
    scene: str | os.PathLike,
    output: str | os.PathLike | None = None,
    *,
    settings: PredictSettings | None = None,
    coherence: str | os.PathLike | None = None,
    dem: str | os.PathLike | None = None,
    los: str | os.PathLike | None = None,
    probability: str | os.PathLike | None = None,
    model: str | os.PathLike | LoadedModel = DEFAULT_MODEL,
    band: int | None = None,
    rewrap: bool = False,
    pixel_size_m: float | None = None,
    num_threads: int | None = None,
    progress: bool = True,
    return_probability: bool | None = None,
    fill_holes_below_m2: float | None = None,
    device: str | None = None,
    zero_nodata: bool | None = None,
    coherence_band: int | None = None,
    report: str | os.PathLike | None = None,
    aoi: str | os.PathLike | None = None,
    overwrite: bool = True,
    skip_signal_free_tiles: bool = True,
    **setting_changes: Any,
) -> PredictionResult:
    """Map mass-movement phase patterns in one interferogram to polygons (and a probability map).

    Writes the polygons to `output` (GeoPackage, scene CRS; columns area_m2, score, score_max, uncertainty,
    source) and the blended probability to `probability` (Cloud-Optimised GeoTIFF, float32, NaN = nodata),
    each atomically. How it maps is `settings` (a `PredictSettings`: tile_px, overlap, batch_size, backend,
    threshold, min_area_m2, tta), with any of those fields also accepted as keyword arguments that change it
    (`predict_scene(scene, threshold=0.6)`); a None threshold, minimum area or tile size means the model card's
    (`ModelCard.prediction_min_area_m2`: the card's, else the study's mapping limit). `model` is
    "default", a model folder or a LoadedModel. `dem` and `los` (the LOS geometry, see `massmap.io.los`) feed
    models with slope or los channels. The probability array is returned when `return_probability`, or by
    default when no file is written and the scene has at most SMALL_SCENE_PIXELS pixels. Tiles without signal
    (all nodata, or coherence below the card's `coherence_floor`) are not run; `skip_signal_free_tiles=False`
    runs them too, with the same output. `scene` may be any address `massmap.products` resolves (a LiCSAR pair
    folder, a HyP3 folder or zip, `ifgramStack.h5::DATE1_DATE2`); a product's own DEM and LOS files are used
    when the model needs them and none are given. `zero_nodata` and `coherence_band`: see `SceneReader`.
    `report` writes the scene's self-contained HTML page (`massmap.scene_report`). `aoi` (polygons in any
    vector format and CRS) maps only the window around them, nodata outside them. Outputs are checked before
    any work (`massmap.io.output_check`): never an input, in a format their suffix names, and replacing
    existing files only when `overwrite`. Scenes are checked before the first tile (`massmap.preflight`).
    Without a CRS or `pixel_size_m`, areas are in pixels and `min_area_m2` is scaled by
    `preflight.ASSUMED_PIXEL_SIZE_M`. `device` is cpu, cuda (refused before any work when no CUDA GPU is
    visible) or auto (None: cuda when there is one).
    """
    started = time.perf_counter()
    checked = check_outputs({"--output": output, "--probability": probability, "--report": report},
                            _input_files(scene, coherence, dem, los), overwrite)
    if output is not None:
        vector_format(output)
    if probability is not None:
        check_raster_output(probability)
    outputs = {name: checked[option] for name, option in (("output", "--output"), ("probability", "--probability"),
                                                          ("report", "--report")) if option in checked}
    settings = (settings or PredictSettings()).replace(**setting_changes)  # checks the values
    if device is not None:
        # A missing GPU is refused before any work; auto is left to the model, which imports torch only if it runs.
        device = None if device == "auto" else check_device(device)
    loaded = model if isinstance(model, LoadedModel) else load_model(model, device)
    threshold = loaded.card.threshold if settings.threshold is None else float(settings.threshold)
    if not 0.0 < threshold < 1.0:
        raise BadInputError(f"--threshold must be between 0 and 1, got {threshold}")
    min_area_m2 = loaded.card.prediction_min_area_m2 if settings.min_area_m2 is None else float(settings.min_area_m2)
    tta, batch_size = settings.tta, settings.batch_size
    backend = resolve_backend(settings.backend, loaded.device_type, loaded.card.backend).name
    timer = _Timer()
    with contextlib.ExitStack() as stack:
        # A batch worker gives each scene `num_threads` cores: GDAL (de)compresses on as many as torch runs on.
        gdal_threads = str(num_threads) if num_threads else "ALL_CPUS"
        stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_BYTES, GDAL_NUM_THREADS=gdal_threads))
        dem, los = _product_terrain(scene, loaded, dem, los)
        reader = stack.enter_context(open_scene(scene, coherence, dem, band, rewrap, pixel_size_m, los,
                                                zero_nodata=zero_nodata, coherence_band=coherence_band,
                                                aoi_path=aoi))
        check_model_fits(loaded, reader)
        preflight.check_scene(reader)
        grid = reader.grid
        layout = TileLayout.for_scene(grid.height, grid.width, settings.tile_px or loaded.card.prediction_tile_px,
                                      settings.overlap)
        bands = 2 if tta else 1
        workdir = stack.enter_context(private_tempdir("predict"))
        preflight.check_resources(grid, layout.tile_px, bands, workdir,
                                  outputs["probability"].parent if "probability" in outputs else None)
        min_area = preflight.area_in_grid_units(grid, min_area_m2)
        fill_below = None if fill_holes_below_m2 is None else preflight.area_in_grid_units(
            grid, fill_holes_below_m2, "fill_holes_below_m2")
        runner = make_runner(loaded, backend, num_threads)
        log.info(
            "%s: %d x %d pixels, %d tiles of %d px (%s, %s backend%s)", reader.phase_path, grid.width, grid.height,
            layout.n_tiles, layout.tile_px, loaded.card.arch, runner.name, ", TTA x8" if tta else "",
        )
        blended_path = workdir / "probability.tif"
        made_of = _provenance(loaded, threshold, min_area_m2, tta, reader)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            with rasterio.open(blended_path, "w", **_temp_profile(grid, bands)) as dst:
                def write_rows(row0: int, block: np.ndarray) -> None:
                    dst.write(block, window=Window(0, row0, grid.width, block.shape[1]))

                blender = StripBlender(grid.height, grid.width, bands, write_rows)
                with _progress(progress) as bar:
                    tiles = _blend_scene(reader, loaded, runner, layout, blender, batch_size, tta, timer, bar,
                                         skip_signal_free_tiles)
                dst.update_tags(**made_of)
            runner_name = runner.name
            del runner  # frees ONNX Runtime's activation arena before vectorising and writing
            with timer("vectorize"):
                polygons = polygons_from_raster(
                    blended_path, grid, threshold, min_area, fill_below, source=Path(scene).name,
                )
            if grid.crs is None and not grid.pixel_size_m:
                polygons = polygons.rename(columns={"area_m2": "area_px"})
            page = None
            if report is not None:
                from massmap.scene_report import scene_report

                with timer("write"):
                    page = scene_report(reader, blended_path, polygons, threshold, _report_parameters(
                        scene, reader, loaded, threshold, min_area_m2, layout, settings.overlap, runner_name, tta))
            with timer("write"):
                if "probability" in outputs:
                    from massmap.io.styling import describe_probability

                    describe_probability(blended_path, _probability_tags(scene, loaded, threshold), spread_band=tta)
                _write_outputs(polygons, blended_path, outputs, made_of, page, threshold)
            if return_probability is None:
                return_probability = not outputs and grid.height * grid.width <= SMALL_SCENE_PIXELS
            prob = None
            if return_probability:
                with rasterio.open(blended_path) as src:
                    prob = src.read(1)
    seconds = time.perf_counter() - started
    s = timer.seconds
    timings = PredictionTimings(
        tiles=tiles, megapixels=grid.height * grid.width / 1e6, seconds=seconds,
        network_seconds=s.get("network", 0.0), read_seconds=s.get("read", 0.0), blend_seconds=s.get("blend", 0.0),
        vectorize_seconds=s.get("vectorize", 0.0), write_seconds=s.get("write", 0.0),
        overlap_factor=layout.overlap_factor, backend=runner_name, tiles_skipped=layout.n_tiles - tiles,
    )
    log.info("%d polygons above %.2f and %g %s; %.2f megapixels in %.1f s", len(polygons), threshold, min_area,
             "m2" if min_area == min_area_m2 else "pixels", timings.megapixels, seconds)
    return PredictionResult(polygons, prob, grid, threshold, timings, outputs)


def _product_terrain(scene: str | os.PathLike, loaded: LoadedModel, dem: str | os.PathLike | None,
                     los: str | os.PathLike | None) -> tuple[str | os.PathLike | None, str | os.PathLike | None]:
    """The DEM and LOS files to read: those given, else the product's own when the model's channels need them."""
    channels = loaded.card.channels
    needs = needed_layers(channels)
    if needs & {"dem", "los"} and dem is None or "los" in needs and los is None:
        product = resolve_scene(scene)
        if dem is None and product.dem and needs & {"dem", "los"}:
            dem = product.dem
            log.info("DEM: %s (found by %s naming)", dem, product.family)
        if los is None and product.los and "los" in needs:
            los = product.los
            log.info("LOS geometry: %s (found by %s naming)", los, product.family)
    return dem, los


def _report_parameters(scene, reader: SceneReader, loaded: LoadedModel, threshold: float, min_area_m2: float,
                       layout: TileLayout, overlap: float, backend: str, tta: bool) -> dict:
    """What a scene was mapped from and with, as the report page lists it."""
    from massmap import __version__

    card = loaded.card
    return {
        "scene": str(published_path(scene)), "product": reader.product.family, "phase kind": reader.kind,
        "coherence": _coherence_named(reader), "model": f"{loaded.path} ({card.arch}, {card.encoder})",
        "input channels": ", ".join(card.channels), "threshold": f"{threshold:g}",
        "minimum area (m2)": f"{min_area_m2:,.0f}", "tile (px)": layout.tile_px, "overlap": f"{overlap:g}",
        "backend": backend, "test-time augmentation": "yes (8 flips and rotations)" if tta else "no",
        "massmap": __version__,
    }


def _probability_tags(scene: str | os.PathLike, loaded: LoadedModel, threshold: float) -> dict[str, str]:
    """What the probability COG records about how it was made."""
    from massmap import __version__

    card = loaded.card
    return {"model": f"{loaded.path} ({card.arch}, {card.encoder}; inputs {', '.join(card.channels)})",
            "threshold": f"{threshold:g}", "massmap_version": __version__,
            "input": str(published_path(scene))}


def _provenance(loaded: LoadedModel, threshold: float, min_area_m2: float, tta: bool,
                reader: SceneReader) -> dict[str, str]:
    """What this map is made from, for the GeoPackage's metadata and the probability map's tags."""
    from massmap.models.store import WEIGHTS_FILE

    weights = Path(loaded.path) / WEIGHTS_FILE
    card = loaded.card
    return provenance(
        f"{loaded.path} ({card.arch}/{card.encoder})", weights_id(weights) if weights.exists() else "unknown",
        threshold, {"phase": reader.phase_path, "coherence": reader.coherence_source if reader.has_coherence else None,
                    "dem": reader.dem_path, "los": reader.los_path},
        min_area_m2=f"{min_area_m2:g}", tta=tta, coherence_source=_coherence_named(reader),
    )


def _coherence_named(reader: SceneReader) -> str:
    """Where the coherence came from, as outputs record it: its file (by its final name when staged) or the proxy."""
    return str(published_path(reader.coherence_source)) if reader.has_coherence else reader.coherence_source


def _input_files(scene: str | os.PathLike, *given: str | os.PathLike | None) -> list[str | os.PathLike | None]:
    """Every file a prediction reads: those given, and the files of the scene's product (its coherence found by
    naming, its DEM and LOS), so that no output can land on one of them."""
    files: list[str | os.PathLike | None] = [scene, *given]
    try:
        product = resolve_scene(scene)
    except MassmapError:
        return files  # the scene itself is refused, in one line, when it is opened
    layers = [product.phase, product.coherence]
    return files + [layer.path for layer in layers if layer is not None] + [product.dem, product.los]


def _write_outputs(polygons: gpd.GeoDataFrame, blended_path: Path, outputs: dict[str, Path],
                   metadata: dict[str, str], page=None, threshold: float = 0.5) -> None:
    """Write every output under a temporary name first and rename them together, so a failure leaves none."""
    from massmap.io.styling import add_score_style
    from massmap.io.write import copy_as_cog, write_vector

    with contextlib.ExitStack() as stack:
        if page is not None:
            page.write(stack.enter_context(atomic_path(outputs["report"])))
        if "probability" in outputs:
            copy_as_cog(blended_path, stack.enter_context(atomic_path(outputs["probability"])))
        if "output" in outputs:
            path = outputs["output"]
            tmp = stack.enter_context(atomic_path(path))
            write_vector(polygons, tmp, layer=path.stem, metadata=metadata)
            if vector_format(path).name == "GeoPackage":
                add_score_style(tmp, path.stem, threshold)
