"""Where patches come from: a catalogue of the manifest's scenes and their labelled objects, and random windows.

Only the label polygons (small) are held in memory; pixels are read window by window when a patch is drawn.
Three kinds of patch: `positive` (centred on a labelled object), `negative` (background of a labelled scene)
and `hard-negative` (any window of a scene the manifest marks as a motion-free trap: atmosphere, layover/shadow,
decorrelation).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
from rasterio import features, windows
from shapely.geometry import shape

from massmap.errors import BadInputError
from massmap.grid import Grid
from massmap.io.labels import is_raster_path, rasterize_polygons, read_mask, read_polygons
from massmap.io.manifest import ManifestRow
from massmap.io.scene import SceneReader, open_scene
from massmap.log import get_logger

log = get_logger(__name__)

POSITIVE = "positive"
NEGATIVE = "negative"
HARD_NEGATIVE = "hard-negative"
PATCH_KINDS = (POSITIVE, NEGATIVE, HARD_NEGATIVE)
# Label value of pixels the loss and the metrics skip: nodata, and mapped objects left out by --where.
IGNORE_LABEL = 255
# A positive patch is centred on a random point of an object's box, shifted by up to this share of the patch,
# so objects do not always sit in the middle.
JITTER_FRACTION = 0.25
# Tries to find a background window that misses every labelled object before accepting one that does not.
NEGATIVE_TRIES = 20


@dataclass(frozen=True)
class SceneEntry:
    """One manifest scene ready for sampling: its files, grid, kept label polygons and their pixel boxes.

    `boxes_px` holds (row0, col0, row1, col1) of each kept polygon's bounding box in pixels; `excluded` are the
    polygons a `where` filter left out (their pixels are ignored, not called background).
    """

    row: ManifestRow
    grid: Grid
    labels: gpd.GeoSeries
    excluded: gpd.GeoSeries | None
    boxes_px: np.ndarray

    @property
    def name(self) -> str:
        """The phase file's name."""
        return self.row.phase.name

    @property
    def is_hard_negative(self) -> bool:
        """True for a scene marked as a motion-free trap."""
        return self.row.is_hard_negative


@dataclass(frozen=True)
class PatchWindow:
    """A square window of `patch_size` pixels in scene `scene` (index into the catalogue), and its kind."""

    scene: int
    row_off: int
    col_off: int
    kind: str


@dataclass
class PatchArrays:
    """The arrays of one patch, float32 (rows, cols) with NaN for nodata; `label` is uint8 0/1/IGNORE_LABEL."""

    phase_rad: np.ndarray
    coherence: np.ndarray
    label: np.ndarray
    dem_m: np.ndarray | None = None


@dataclass
class SceneCatalog:
    """The scenes of one split with every kept object, for drawing patch windows by kind."""

    scenes: list[SceneEntry]
    patch_size: int
    object_scene: np.ndarray = field(init=False)
    object_boxes: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.object_scene = np.concatenate(
            [np.full(len(s.boxes_px), i, dtype=np.int64) for i, s in enumerate(self.scenes)] or [np.zeros(0, np.int64)]
        )
        self.object_boxes = np.concatenate([s.boxes_px for s in self.scenes] or [np.zeros((0, 4))]).reshape(-1, 4)

    @property
    def n_objects(self) -> int:
        """Number of kept labelled objects over all scenes."""
        return int(self.object_scene.size)

    @property
    def has_hard_negatives(self) -> bool:
        """True when a scene is marked as a hard negative."""
        return any(s.is_hard_negative for s in self.scenes)

    def _scenes_of(self, hard: bool) -> np.ndarray:
        return np.array([i for i, s in enumerate(self.scenes) if s.is_hard_negative == hard], dtype=np.int64)

    def _random_window(self, scene: int, rng: np.random.Generator) -> tuple[int, int]:
        grid = self.scenes[scene].grid
        row = int(rng.integers(0, max(grid.height - self.patch_size, 0) + 1))
        col = int(rng.integers(0, max(grid.width - self.patch_size, 0) + 1))
        return row, col

    def _pick_scene(self, candidates: np.ndarray, rng: np.random.Generator) -> int:
        """A scene drawn with probability proportional to its pixel count."""
        sizes = np.array([self.scenes[i].grid.height * self.scenes[i].grid.width for i in candidates], dtype=float)
        return int(rng.choice(candidates, p=sizes / sizes.sum()))

    def draw(self, kind: str, rng: np.random.Generator) -> PatchWindow:
        """A random window of the given kind (a negative falls back to the other negative kind when one is missing)."""
        if kind == POSITIVE:
            if self.n_objects == 0:
                raise BadInputError("no labelled object to centre a positive patch on")
            k = int(rng.integers(self.n_objects))
            scene = int(self.object_scene[k])
            r0, c0, r1, c1 = self.object_boxes[k]
            jitter = JITTER_FRACTION * self.patch_size
            centre_r = rng.uniform(r0, max(r1, r0)) + rng.uniform(-jitter, jitter)
            centre_c = rng.uniform(c0, max(c1, c0)) + rng.uniform(-jitter, jitter)
            grid = self.scenes[scene].grid
            row = int(np.clip(round(centre_r - self.patch_size / 2), 0, max(grid.height - self.patch_size, 0)))
            col = int(np.clip(round(centre_c - self.patch_size / 2), 0, max(grid.width - self.patch_size, 0)))
            return PatchWindow(scene, row, col, POSITIVE)
        if kind not in (NEGATIVE, HARD_NEGATIVE):
            raise ValueError(f"unknown patch kind {kind!r}; one of {', '.join(PATCH_KINDS)}")
        hard = self._scenes_of(True)
        background = self._scenes_of(False)
        if kind == HARD_NEGATIVE and hard.size == 0:
            kind = NEGATIVE
        if kind == NEGATIVE and background.size == 0:
            kind = HARD_NEGATIVE
        if kind == HARD_NEGATIVE:
            scene = self._pick_scene(hard, rng)
            return PatchWindow(scene, *self._random_window(scene, rng), HARD_NEGATIVE)
        scene = self._pick_scene(background, rng)
        boxes = self.scenes[scene].boxes_px
        for _ in range(NEGATIVE_TRIES):
            row, col = self._random_window(scene, rng)
            if not _hits_any(boxes, row, col, self.patch_size):
                break
        return PatchWindow(scene, row, col, NEGATIVE)


def _hits_any(boxes_px: np.ndarray, row: int, col: int, size: int) -> bool:
    """True when the window overlaps any object's bounding box."""
    if boxes_px.size == 0:
        return False
    r0, c0, r1, c1 = boxes_px.T
    return bool(np.any((r0 < row + size) & (r1 > row) & (c0 < col + size) & (c1 > col)))


def epoch_kinds(
    n_patches: int, neg_ratio: float, hard_fraction: float, has_hard: bool, rng: np.random.Generator
) -> np.ndarray:
    """The kinds of an epoch's patches in random order: `neg_ratio` negatives per positive, a share of them hard.

    Counts are exact: round(n / (1 + neg_ratio)) positives, and of the negatives round(share * hard_fraction)
    hard negatives when the split has hard-negative scenes.
    """
    n_pos = int(round(n_patches / (1.0 + neg_ratio)))
    n_neg = n_patches - n_pos
    n_hard = int(round(n_neg * hard_fraction)) if has_hard else 0
    kinds = np.array([POSITIVE] * n_pos + [NEGATIVE] * (n_neg - n_hard) + [HARD_NEGATIVE] * n_hard, dtype=object)
    return kinds[rng.permutation(n_patches)]


def _boxes_px(labels: gpd.GeoSeries, grid: Grid) -> np.ndarray:
    """Bounding boxes (row0, col0, row1, col1) in pixels of each polygon, through the grid's inverse transform."""
    if len(labels) == 0:
        return np.zeros((0, 4))
    minx, miny, maxx, maxy = labels.bounds.to_numpy().T
    xs = np.stack([minx, maxx, minx, maxx])
    ys = np.stack([miny, miny, maxy, maxy])
    inv = ~grid.transform
    cols = inv.a * xs + inv.b * ys + inv.c
    rows = inv.d * xs + inv.e * ys + inv.f
    return np.stack([rows.min(0), cols.min(0), rows.max(0), cols.max(0)], axis=1)


def _mask_polygons(row: ManifestRow, grid: Grid) -> gpd.GeoSeries:
    """The objects of a label mask raster as polygons on the grid, so both label kinds are sampled alike."""
    mask = read_mask(row.labels, grid)
    geoms = [shape(g) for g, v in features.shapes(mask, mask=mask.astype(bool), transform=grid.transform) if v == 1]
    return gpd.GeoSeries(geoms, crs=grid.crs)


def scene_entry(row: ManifestRow, where: str | None = None, pixel_size_m: float | None = None) -> SceneEntry:
    """Open a manifest scene for its grid, and read its label polygons (kept by `where`, and the rest)."""
    with open_scene(row.phase, row.coherence, row.dem, pixel_size_m=pixel_size_m) as scene:
        grid = scene.grid
    excluded = None
    if row.labels is None:
        labels = gpd.GeoSeries([], crs=grid.crs)
    elif is_raster_path(row.labels):
        if where:
            raise BadInputError(f"{row.labels}: --where applies to polygon labels, not to a mask raster")
        labels = _mask_polygons(row, grid)
    else:
        labels = read_polygons(row.labels, grid, where).geometry
        if where:
            everything = read_polygons(row.labels, grid).geometry
            excluded = everything if len(everything) > len(labels) else None
    labels = labels[~labels.is_empty].reset_index(drop=True)
    return SceneEntry(row=row, grid=grid, labels=labels, excluded=excluded, boxes_px=_boxes_px(labels, grid))


def build_catalog(
    rows: list[ManifestRow], patch_size: int, where: str | None = None, pixel_size_m: float | None = None
) -> SceneCatalog:
    """A catalogue of the given manifest rows (one split) for drawing patches of `patch_size` pixels."""
    scenes = [scene_entry(r, where, pixel_size_m) for r in rows]
    for s in scenes:
        log.debug("%s: %d labelled objects%s", s.name, len(s.labels), " (hard negative)" if s.is_hard_negative else "")
    return SceneCatalog(scenes, patch_size)


def _window_grid(grid: Grid, window: windows.Window) -> Grid:
    return Grid(int(window.height), int(window.width), windows.transform(window, grid.transform), grid.crs,
                grid.pixel_size_m)


def window_labels(entry: SceneEntry, window: windows.Window, valid: np.ndarray) -> np.ndarray:
    """The label of a window: 1 on kept objects, IGNORE_LABEL on excluded objects and nodata, else 0 (uint8)."""
    wgrid = _window_grid(entry.grid, window)
    label = rasterize_polygons(gpd.GeoDataFrame(geometry=entry.labels), wgrid)
    if entry.excluded is not None:
        other = rasterize_polygons(gpd.GeoDataFrame(geometry=entry.excluded), wgrid)
        label[(other == 1) & (label == 0)] = IGNORE_LABEL
    label[~valid] = IGNORE_LABEL
    return label


def _pad(array: np.ndarray, size: int, fill: float) -> np.ndarray:
    """Pad a (rows, cols) array at the bottom and right to size x size (scenes smaller than a patch)."""
    rows, cols = array.shape
    if rows == size and cols == size:
        return array
    return np.pad(array, ((0, size - rows), (0, size - cols)), constant_values=fill)


def read_patch(reader: SceneReader, entry: SceneEntry, window: PatchWindow, patch_size: int,
               with_dem: bool = False) -> PatchArrays:
    """Read a patch's phase, coherence, label (and DEM) from an open scene, padded with nodata to full size."""
    grid = entry.grid
    win = windows.Window(window.col_off, window.row_off,
                         min(patch_size, grid.width - window.col_off), min(patch_size, grid.height - window.row_off))
    sw = reader.read(win)
    label = window_labels(entry, win, sw.valid)
    dem = None
    if with_dem:
        if sw.dem_m is None:
            raise BadInputError(f"{entry.row.phase}: the slope channel needs a DEM; add one in the manifest's dem column")
        dem = _pad(sw.dem_m.astype(np.float32), patch_size, np.nan)
    return PatchArrays(
        phase_rad=_pad(sw.phase_rad, patch_size, np.nan),
        coherence=_pad(sw.coherence.astype(np.float32), patch_size, np.nan),
        label=_pad(label, patch_size, IGNORE_LABEL),
        dem_m=dem,
    )
