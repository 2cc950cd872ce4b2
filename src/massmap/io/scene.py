"""Open an interferogram as a scene: wrapped phase, a reliability layer, optional DEM and LOS geometry, on one grid.

Reading goes through rasterio, so every format and CRS GDAL knows works. Coherence, DEM and LOS geometry on
other grids are resampled onto the phase grid on the fly (WarpedVRT), so windows can be read without loading
the scene.
"""

from __future__ import annotations

import contextlib
import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import rasterio
from rasterio.enums import Resampling
from rasterio.errors import NotGeoreferencedWarning, RasterioError, RasterioIOError
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds
from rasterio.windows import Window

from massmap.errors import BadInputError
from massmap.grid import Grid
from massmap.io.coherence import PROXY_HALF_WINDOW_PX, phase_consistency
from massmap.io.los import ENU_FILE, LosFiles, check_band_count, find_los_files, look_enu_from_layers
from massmap.log import get_logger
from massmap.products import Layer, ProductScene, resolve_scene

log = get_logger(__name__)

# Tolerance on the wrapped range: float32 rounding and products that store +pi.
PHASE_RANGE_TOL_RAD = 1e-3
# Rows (and at most pixels) read at a time while scanning a scene for its statistics.
SCAN_ROWS = 512
# Coherence may exceed 1 by float rounding and resampling; anything further is not a coherence in 0..1.
COHERENCE_RANGE_TOL = 1e-3
SCAN_PIXELS = 4_000_000


def wrap_phase(phase_rad: np.ndarray) -> np.ndarray:
    """Wrap any phase (radians) into [-pi, pi), in float32."""
    two_pi = np.float32(2 * np.pi)
    return (np.mod(phase_rad + np.float32(np.pi), two_pi) - np.float32(np.pi)).astype(np.float32)


def check_phase_range(path: str | Path, lo: float, hi: float) -> None:
    """Refuse a phase whose observed range [lo, hi] is not wrapped radians (unwrapped, or degrees)."""
    if lo >= -np.pi - PHASE_RANGE_TOL_RAD and hi <= np.pi + PHASE_RANGE_TOL_RAD:
        return
    # A wrapped phase in degrees spans most of [-180, 180]; an unwrapped one drifts to one side.
    hint = " (looks like degrees)" if -180.5 <= lo < -90 and 90 < hi <= 180.5 else ""
    raise BadInputError(
        f"{path}: phase range [{lo:.3f}, {hi:.3f}] is outside [-pi, pi]{hint}; "
        "not a wrapped phase in radians (use --rewrap to wrap an unwrapped phase)"
    )


@dataclass
class SceneWindow:
    """Arrays of one window of a scene, all float32 (rows, cols); NaN marks nodata.

    `look_enu` is the unit look vector from the satellite to the ground, (3, rows, cols) east, north, up.
    """

    phase_rad: np.ndarray
    coherence: np.ndarray
    valid: np.ndarray
    amplitude: np.ndarray | None = None
    dem_m: np.ndarray | None = None
    look_enu: np.ndarray | None = None


@dataclass
class SceneStats:
    """What a full scan of a scene found: phase range, coherence summary, nodata share."""

    phase_min_rad: float
    phase_max_rad: float
    nodata_fraction: float
    coherence_mean: float
    coherence_median: float
    coherence_p10: float
    coherence_p90: float


def _open_raster(path: Path | Layer):
    """Open a raster file (GDAL paths such as /vsizip/ too) or one pair of a MintPy stack."""
    layer = path if isinstance(path, Layer) else Layer(str(path))
    if layer.dataset is not None:
        from massmap.io.mintpy import StackLayer

        return StackLayer(layer)
    name = layer.path
    if not layer.is_virtual and not Path(name).exists():
        raise BadInputError(f"{name}: file not found")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NotGeoreferencedWarning)
            ds = rasterio.open(name)
    except RasterioIOError as exc:
        raise BadInputError(f"{name}: not a readable raster ({_first_line(exc)})") from None
    if ds.width == 0 or ds.height == 0:
        ds.close()
        raise BadInputError(f"{name}: raster has zero size ({ds.width} x {ds.height})")
    return ds


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _has_georeferencing(ds: rasterio.DatasetReader) -> bool:
    return ds.crs is not None and not ds.transform.is_identity


@dataclass
class SceneReader:
    """An open interferogram: read windows of phase, coherence (or its proxy), amplitude, DEM and LOS geometry
    on the phase grid.

    Use as a context manager. `phase_path` is a phase raster or any scene address `massmap.products` resolves
    (a LiCSAR pair folder, a HyP3 folder or zip, `ifgramStack.h5::DATE1_DATE2`). `coherence` is a path, or None
    for the product's own coherence layer. `los_path` names the LOS geometry in any form
    `massmap.io.los.find_los_files` accepts. `zero_nodata` treats 0 in phase and coherence as nodata (None: as
    the product family does, true for LiCSAR and HyP3); `coherence_band` picks the band of a multi-band
    coherence file. An unwrapped product phase is wrapped on reading. `aoi_path` (polygons, any format and CRS)
    restricts the scene to the window around them (`grid` is then that window's) with nodata outside them.
    """

    phase_path: Path
    coherence_path: Path | None = None
    dem_path: Path | None = None
    band: int | None = None
    rewrap: bool = False
    pixel_size_m: float | None = None
    los_path: Path | None = None
    zero_nodata: bool | None = None
    coherence_band: int | None = None
    aoi_path: Path | None = None
    grid: Grid = field(init=False)
    product: ProductScene = field(init=False)
    kind: str = field(init=False)
    coherence_source: str = field(init=False)

    def __post_init__(self) -> None:
        self.phase_path = Path(self.phase_path)
        self._stack = contextlib.ExitStack()
        try:
            self._open()
        except BaseException:
            self._stack.close()
            raise

    def _open(self) -> None:
        self.product = resolve_scene(self.phase_path)
        phase_layer = self.product.phase
        self._zero_nodata = self.product.zero_is_nodata if self.zero_nodata is None else self.zero_nodata
        ds = self._stack.enter_context(_open_raster(phase_layer))
        self._phase_ds = ds
        if ds.count > 1 and self.band is None and phase_layer.band is None:
            raise BadInputError(
                f"{self.phase_path}: {ds.count} bands, the phase band is ambiguous; choose one with --band N"
            )
        if self.band is not None and self.band < 1:
            raise BadInputError(f"{self.phase_path}: --band counts from 1, got {self.band}")
        self._band = self.band or phase_layer.band or 1
        if not 1 <= self._band <= ds.count:
            raise BadInputError(f"{self.phase_path}: band {self._band} requested, the raster has {ds.count}")
        dtype = ds.dtypes[self._band - 1]
        self.kind = "complex" if dtype.startswith("complex") else "wrapped-phase"
        if self.product.unwrapped and self.kind != "complex":
            self.kind = "unwrapped-phase"
            if not self.rewrap:
                log.info("%s: unwrapped phase (%s %s); wrapped into [-pi, pi) on reading", self.phase_path,
                         self.product.family, Path(phase_layer.path).name)
            self.rewrap = True
        if not (dtype.startswith("complex") or dtype.startswith("float")):
            raise BadInputError(
                f"{self.phase_path}: band {self._band} is {dtype}; expected float phase in radians or complex"
            )
        self._nodata = ds.nodatavals[self._band - 1]
        georef = _has_georeferencing(ds)
        if not georef:
            unit = f"{self.pixel_size_m:g} m pixels (--pixel-size)" if self.pixel_size_m else "pixels"
            log.warning("%s has no CRS or geotransform: working in pixel units, areas in %s", self.phase_path, unit)
        self.grid = Grid(ds.height, ds.width, ds.transform, ds.crs if georef else None, self.pixel_size_m)
        self._coh = self._open_coherence()
        self._dem = self._open_on_grid(Path(self.dem_path), "DEM", Resampling.bilinear) if self.dem_path else None
        self._crop: Window | None = None
        self._los_files: LosFiles | None = None
        self._los: dict = {}
        if self.los_path:
            self._los_files, self._los = self._open_los(self.los_path)
        if self.aoi_path:
            self._restrict_to_aoi(Path(self.aoi_path))

    def _restrict_to_aoi(self, path: Path) -> None:
        """From now on, the scene is the window around the area of interest, nodata outside its polygons."""
        from massmap.io.aoi import cropped_grid, read_aoi

        self._aoi, self._crop = read_aoi(path, self.grid)
        full = self.grid
        self.grid = cropped_grid(full, self._crop)
        log.info("area of interest %s: %d x %d of the scene's %d x %d pixels", path, self.grid.width,
                 self.grid.height, full.width, full.height)

    def _open_coherence(self):
        layer = Layer(str(self.coherence_path)) if self.coherence_path else None
        if layer is None and self.product.coherence is not None:
            layer = self.product.coherence
            log.info("coherence: %s (paired by %s naming)", layer.name, self.product.family)
        if layer is None:
            self.coherence_source = "proxy"
            log.warning(
                "%s: no coherence file; using a phase-consistency proxy (|mean unit phasor| over %d x %d pixels)",
                self.phase_path, 2 * PROXY_HALF_WINDOW_PX + 1, 2 * PROXY_HALF_WINDOW_PX + 1,
            )
            return None
        self.coherence_source = layer.name
        reader = self._open_on_grid(layer, "coherence", Resampling.bilinear, zero_is_nodata=self._zero_nodata)
        if reader.count > 1 and self.coherence_band is None:
            raise BadInputError(f"{layer.name}: {reader.count} bands, the coherence band is ambiguous; choose one "
                                "with --coherence-band N")
        self._coh_band = self.coherence_band or layer.band or 1
        if not 1 <= self._coh_band <= reader.count:
            raise BadInputError(f"{layer.name}: coherence band {self._coh_band} requested, the raster has "
                                f"{reader.count}")
        self._coh_scale = 1.0 / 255.0 if reader.dtypes[self._coh_band - 1] == "uint8" else 1.0
        return reader

    def _open_los(self, los_path: Path) -> tuple[LosFiles, dict]:
        """Open every file of the LOS geometry on the phase grid, checking each has the bands its layers need."""
        files = find_los_files(los_path)
        opened = {}
        for path in files.paths:
            # LiCSAR and HyP3 write 0 where there is no geometry, often without declaring it as nodata.
            ds = self._open_on_grid(path, "LOS geometry", Resampling.bilinear, zero_is_nodata=files.family != ENU_FILE)
            check_band_count(path, ds.count, max(b for p, b in files.layers if p == path))
            opened[path] = ds
        return files, opened

    def _open_on_grid(self, path: Path | Layer, what: str, resampling: Resampling, zero_is_nodata: bool = False):
        """Open a companion raster; resample it onto the phase grid when its grid differs.

        `zero_is_nodata` keeps 0 out of the resampling when the file declares no nodata value.
        """
        ds = self._stack.enter_context(_open_raster(path))
        name = path.name if isinstance(path, Layer) else path
        grid = self.grid
        same_shape = (ds.height, ds.width) == grid.shape
        if grid.crs is None or not _has_georeferencing(ds):
            if not same_shape:
                raise BadInputError(
                    f"{name}: {what} is {ds.height} x {ds.width}, the phase {grid.height} x {grid.width}, "
                    "and one of them has no georeferencing to align them"
                )
            return ds
        if ds.crs == grid.crs and same_shape and ds.transform.almost_equals(grid.transform):
            return ds
        left, bottom, right, top = transform_bounds(ds.crs, grid.crs, *ds.bounds)
        pl, pb, pr, pt = grid.bounds()
        if left >= pr or right <= pl or bottom >= pt or top <= pb:
            raise BadInputError(f"{name}: {what} does not overlap the phase grid of {self.phase_path}")
        log.info("%s %s is on another grid (%s): resampled onto the phase grid", what, name, ds.crs)
        src_nodata = 0.0 if zero_is_nodata and ds.nodata is None else ds.nodata
        return self._stack.enter_context(
            WarpedVRT(ds, crs=grid.crs, transform=grid.transform, width=grid.width, height=grid.height,
                      resampling=resampling, src_nodata=src_nodata,
                      nodata=ds.nodata if ds.nodata is not None else np.nan)
        )

    def __enter__(self) -> SceneReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close every file the scene holds open."""
        self._stack.close()

    @property
    def has_coherence(self) -> bool:
        """True when coherence comes from a file, False when it is the phase-consistency proxy."""
        return self._coh is not None

    @property
    def has_dem(self) -> bool:
        """True when a DEM was given."""
        return self._dem is not None

    @property
    def has_los(self) -> bool:
        """True when the LOS geometry was given."""
        return self._los_files is not None

    def _read(self, ds, window: Window, path: Path | str, band: int = 1) -> np.ndarray:
        if self._crop is not None:
            window = Window(window.col_off + self._crop.col_off, window.row_off + self._crop.row_off,
                            window.width, window.height)
        try:
            return ds.read(band, window=window, boundless=False)
        except (RasterioError, RasterioIOError) as exc:
            raise BadInputError(f"{path}: cannot read pixels, the file may be truncated ({_first_line(exc)})") from None

    def read_phase(self, window: Window | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Wrapped phase (radians, NaN for nodata) and amplitude (complex input only) of a window."""
        window = window or Window(0, 0, self.grid.width, self.grid.height)
        raw = self._read(self._phase_ds, window, self.phase_path, self._band)
        amplitude = None
        if self.kind == "complex":
            amplitude = np.abs(raw).astype(np.float32)
            phase = wrap_phase(np.angle(raw))  # angle() gives (-pi, pi]; wrapped phase is [-pi, pi)
            phase[(amplitude == 0) | ~np.isfinite(amplitude)] = np.nan
            amplitude[~np.isfinite(phase)] = np.nan
        else:
            phase = raw.astype(np.float32, copy=False)
            if self._nodata is not None and not math.isnan(self._nodata):
                phase = np.where(phase == self._nodata, np.nan, phase).astype(np.float32)
            if self._zero_nodata:
                phase = np.where(phase == 0, np.nan, phase).astype(np.float32)
            if self.rewrap:
                phase = wrap_phase(phase)
        if self._crop is not None:
            from massmap.io.aoi import outside

            out = outside(self._aoi, self.grid, window)
            phase[out] = np.nan
            if amplitude is not None:
                amplitude[out] = np.nan
        return phase, amplitude

    def read(self, window: Window | None = None) -> SceneWindow:
        """Phase, coherence (file or proxy), validity, amplitude and DEM of one window on the phase grid."""
        window = window or Window(0, 0, self.grid.width, self.grid.height)
        phase, amplitude = self.read_phase(window)
        if self._coh is not None:
            coh = self.read_coherence(window)
            coh[~np.isfinite(phase)] = np.nan
        else:
            coh = self._proxy(window)
        dem = None
        if self._dem is not None:
            dem = self._read(self._dem, window, Path(str(self.dem_path))).astype(np.float32)
        valid = np.isfinite(phase) & np.isfinite(coh)
        look = self.read_look(window) if self._los_files is not None else None
        return SceneWindow(phase_rad=phase, coherence=coh, valid=valid, amplitude=amplitude, dem_m=dem, look_enu=look)

    def read_coherence_file(self, window: Window) -> np.ndarray:
        """The coherence file's values on a window of the phase grid, scaled to 0..1 but neither checked nor
        clipped (float32, NaN = nodata)."""
        raw = self._read(self._coh, window, self.coherence_source, self._coh_band).astype(np.float32)
        nodata = self._coh.nodata
        if nodata is not None and not math.isnan(nodata):
            raw[raw == nodata] = np.nan
        if self._zero_nodata:
            raw[raw == 0] = np.nan
        return raw * np.float32(self._coh_scale)

    def read_coherence(self, window: Window) -> np.ndarray:
        """Coherence of a window in 0..1 (float32, NaN = nodata); a coherence above 1 is refused with its range."""
        coh = self.read_coherence_file(window)
        finite = coh[np.isfinite(coh)]
        if finite.size and float(finite.max()) > 1.0 + COHERENCE_RANGE_TOL:
            raise BadInputError(
                f"{self.coherence_source}: coherence range [{float(finite.min()):.3g}, {float(finite.max()):.3g}] "
                f"goes above 1 (band {self._coh_band}); give a coherence in 0..1 (a two-band ISCE .cor holds it in "
                "band 2: --coherence-band 2)"
            )
        return np.clip(coh, 0.0, 1.0)

    def read_look(self, window: Window) -> np.ndarray:
        """The unit look vector (satellite to ground, east-north-up; float32 (3, rows, cols), NaN = unknown)."""
        files = self._los_files
        assert files is not None, "read_look needs the scene's LOS geometry"
        layers = []
        for path, band in files.layers:
            ds = self._los[path]
            values = self._read(ds, window, path, band).astype(np.float32)
            if ds.nodata is not None and not math.isnan(ds.nodata):
                values[values == ds.nodata] = np.nan
            layers.append(values)
        return look_enu_from_layers(files, layers)

    def _proxy(self, window: Window) -> np.ndarray:
        """The proxy needs a halo around the window so tiles agree with the whole-scene proxy."""
        h = PROXY_HALF_WINDOW_PX
        r0 = max(int(window.row_off) - h, 0)
        c0 = max(int(window.col_off) - h, 0)
        r1 = min(int(window.row_off + window.height) + h, self.grid.height)
        c1 = min(int(window.col_off + window.width) + h, self.grid.width)
        padded, _ = self.read_phase(Window(c0, r0, c1 - c0, r1 - r0))
        gamma = phase_consistency(padded)
        dr, dc = int(window.row_off) - r0, int(window.col_off) - c0
        return gamma[dr:dr + int(window.height), dc:dc + int(window.width)]

    def scan(self, windows: list[Window] | None = None) -> SceneStats:
        """Scan the scene in row blocks (or only `windows`, a sample): refuse unwrapped or empty phase, and
        summarise coherence."""
        lo, hi, n_valid, n_total = np.inf, -np.inf, 0, 0
        coh_samples: list[np.ndarray] = []
        rng = np.random.default_rng(0)
        if windows is None:
            # Blocks of whole rows, at most SCAN_PIXELS each, so memory stays bounded on very wide scenes.
            rows = max(1, min(SCAN_ROWS, SCAN_PIXELS // self.grid.width))
            windows = [Window(0, r0, self.grid.width, min(rows, self.grid.height - r0))
                       for r0 in range(0, self.grid.height, rows)]
        for win in windows:
            sw = self.read(win)
            finite = np.isfinite(sw.phase_rad)
            n_total += finite.size
            if finite.any():
                vals = sw.phase_rad[finite]
                lo, hi = min(lo, float(vals.min())), max(hi, float(vals.max()))
            n_valid += int(sw.valid.sum())
            c = sw.coherence[sw.valid]
            if c.size:
                coh_samples.append(rng.choice(c, size=min(c.size, 20000), replace=False))
        if n_valid == 0:
            raise BadInputError(f"{self.phase_path}: every pixel is nodata or NaN")
        if self.kind == "wrapped-phase":
            check_phase_range(self.phase_path, lo, hi)
        coh = np.concatenate(coh_samples) if coh_samples else np.array([np.nan])
        return SceneStats(
            phase_min_rad=lo, phase_max_rad=hi, nodata_fraction=1.0 - n_valid / n_total,
            coherence_mean=float(np.mean(coh)), coherence_median=float(np.median(coh)),
            coherence_p10=float(np.percentile(coh, 10)), coherence_p90=float(np.percentile(coh, 90)),
        )


def open_scene(
    phase_path: str | os.PathLike,
    coherence_path: str | os.PathLike | None = None,
    dem_path: str | os.PathLike | None = None,
    band: int | None = None,
    rewrap: bool = False,
    pixel_size_m: float | None = None,
    los_path: str | os.PathLike | None = None,
    zero_nodata: bool | None = None,
    coherence_band: int | None = None,
    aoi_path: str | os.PathLike | None = None,
) -> SceneReader:
    """Open an interferogram (wrapped phase or complex) with its coherence, DEM and LOS geometry; see `SceneReader`."""
    return SceneReader(
        Path(phase_path), Path(coherence_path) if coherence_path else None,
        Path(dem_path) if dem_path else None, band, rewrap, pixel_size_m, Path(los_path) if los_path else None,
        zero_nodata, coherence_band, Path(aoi_path) if aoi_path else None,
    )
