"""Where patches come from: an index of the manifest's scenes and their labelled objects, and random windows.

Only the label polygons and a sparse list of trap pixels (small) are held in memory; pixels are read window by
window when a patch is drawn. Three kinds of patch: `positive` (centred on a labelled object), `negative`
(background of a labelled scene) and `hard-negative`, from two sources:
- any window of a scene the manifest marks as a motion-free trap (atmosphere, layover/shadow, decorrelation);
- a window centred (with the positives' jitter) on a pixel a scene's traps raster marks; in a scene with
  motion the window must miss every labelled object's box.
When a split has both, each hard negative comes from trap pixels with probability TRAP_SHARE, else from any
window of a marked scene; a split without traps rasters draws exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
from rasterio import features, windows
from scipy import ndimage
from shapely.geometry import shape

from massmap.errors import BadInputError
from massmap.grid import Grid
from massmap.inputs import InputLayers, encode, halo_px, halo_window, read_layers
from massmap.io.labels import is_raster_path, rasterize_polygons, read_mask, read_polygons
from massmap.io.manifest import ManifestRow
from massmap.io.scene import SceneReader, open_scene
from massmap.io.traps import TRAP_MODEL_FALSE_POSITIVE, read_trap_pixels
from massmap.log import get_logger
from massmap.terrain import PixelSpacing

log = get_logger(__name__)

POSITIVE = "positive"
NEGATIVE = "negative"
HARD_NEGATIVE = "hard-negative"
PATCH_KINDS = (POSITIVE, NEGATIVE, HARD_NEGATIVE)
# Label value of pixels the loss and the metrics skip: nodata, and mapped objects left out by --where.
IGNORE_LABEL = 255
# Pixels around every labelled outline left out of the loss: where a pattern fades into noise no outline is exact,
# and teaching those pixels as background would punish a network for seeing the pattern's faint rim.
IGNORE_RING_PX = 2
# A positive patch is centred on a random point of an object's box, shifted by up to this share of the patch,
# so objects do not always sit in the middle.
JITTER_FRACTION = 0.25
# Tries to find a background window that misses every labelled object before accepting one that does not.
NEGATIVE_TRIES = 20
# Share of hard negatives centred on trap pixels when a split also has whole scenes marked as hard negatives:
# half each, so neither the rare marked scenes nor the many trap pixels crowd the other out.
TRAP_SHARE = 0.5
# Share of a scene's trap-centred hard negatives put on an earlier model's false alarms (code 4) when it has any:
# they are a few dozen pixels against thousands of simulator marks, and would be drawn almost never otherwise.
MINED_SHARE = 0.5


@dataclass(frozen=True)
class LabelledScene:
    """One manifest scene ready for sampling: its files, grid, kept label polygons and their pixel boxes.

    `boxes_px` holds (row0, col0, row1, col1) of each kept polygon's bounding box in pixels, `motion_px` those of
    every polygon, kept or excluded (negatives keep away from all motion, labelled or not); `excluded` are the
    polygons a `where` filter left out (their pixels are ignored, not called background); `trap_px` holds
    (row, col) of up to a few thousand pixels the scene's traps raster marks, `mined_px` those of them marked
    as an earlier model's false alarms.
    """

    row: ManifestRow
    grid: Grid
    labels: gpd.GeoSeries
    excluded: gpd.GeoSeries | None
    boxes_px: np.ndarray
    motion_px: np.ndarray | None = None
    trap_px: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    mined_px: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    @property
    def name(self) -> str:
        """The phase file's name."""
        return self.row.phase.name

    @property
    def avoid_px(self) -> np.ndarray:
        """Boxes a negative patch must miss: every polygon's, kept or excluded (the kept ones when not given)."""
        return self.boxes_px if self.motion_px is None else self.motion_px

    @property
    def is_hard_negative(self) -> bool:
        """True for a scene marked as a motion-free trap."""
        return self.row.is_hard_negative


@dataclass(frozen=True)
class PatchWindow:
    """A square window of `patch_size` pixels in scene `scene` (index into the scene index), and its kind."""

    scene: int
    row_off: int
    col_off: int
    kind: str


@dataclass
class PatchArrays:
    """The arrays of one patch, float32 (rows, cols) with NaN for nodata; `label` is uint8 0/1/IGNORE_LABEL.

    `los` is the line-of-sight share of a unit downslope motion (`massmap.terrain.downslope_los_sensitivity`).
    Each array covers the patch and `halo` pixels around it (the widest halo of the channels to encode).
    """

    phase_rad: np.ndarray
    coherence: np.ndarray
    label: np.ndarray
    dem_m: np.ndarray | None = None
    los: np.ndarray | None = None
    halo: int = 0
    pixel_size_m: PixelSpacing | None = None

    def layers(self) -> InputLayers:
        """The patch's layers for `massmap.inputs.encode`."""
        return InputLayers(self.phase_rad, self.coherence, self.dem_m, self.los, self.pixel_size_m)

    def crop(self) -> tuple[int, int, int, int]:
        """The patch inside its halo: (row0, row1, col0, col1)."""
        rows, cols = self.label.shape
        return (self.halo, rows - self.halo, self.halo, cols - self.halo)

    def encode(self, channels: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The network input (C, patch, patch) float32 and the label (patch, patch) uint8, halo dropped."""
        r0, r1, c0, c1 = self.crop()
        return encode(channels, self.layers(), self.crop()), self.label[r0:r1, c0:c1]


@dataclass
class SceneIndex:
    """The scenes of one split with every kept object, for drawing patch windows by kind.

    `trap_px` holds, per scene, the trap pixels whose centred patch misses every labelled box; `mined_px` the
    same for the pixels marked as an earlier model's false alarms.
    """

    scenes: list[LabelledScene]
    patch_size: int
    object_scene: np.ndarray = field(init=False)
    object_boxes: np.ndarray = field(init=False)
    trap_px: list[np.ndarray] = field(init=False)
    mined_px: list[np.ndarray] = field(init=False)

    def __post_init__(self) -> None:
        self.object_scene = np.concatenate(
            [np.full(len(s.boxes_px), i, dtype=np.int64) for i, s in enumerate(self.scenes)] or [np.zeros(0, np.int64)]
        )
        self.object_boxes = np.concatenate([s.boxes_px for s in self.scenes] or [np.zeros((0, 4))]).reshape(-1, 4)
        self.trap_px = [self._clear_traps(i, s.trap_px) for i, s in enumerate(self.scenes)]
        self.mined_px = [self._clear_traps(i, s.mined_px) for i, s in enumerate(self.scenes)]

    def _clear_traps(self, scene: int, pixels: np.ndarray) -> np.ndarray:
        """The scene's trap pixels whose centred patch misses every labelled box."""
        if pixels.size == 0:
            return np.zeros((0, 2), dtype=np.int64)
        rows, cols = self._windows_at(scene, pixels[:, 0] + 0.5, pixels[:, 1] + 0.5)
        return pixels[~_windows_hit(self.scenes[scene].avoid_px, rows, cols, self.patch_size)]

    @property
    def n_objects(self) -> int:
        """Number of kept labelled objects over all scenes."""
        return int(self.object_scene.size)

    @property
    def has_hard_negatives(self) -> bool:
        """True when a scene is marked as a hard negative or has trap pixels to centre on."""
        return any(s.is_hard_negative for s in self.scenes) or self._trap_scenes().size > 0

    def _scenes_of(self, hard: bool) -> np.ndarray:
        return np.array([i for i, s in enumerate(self.scenes) if s.is_hard_negative == hard], dtype=np.int64)

    def _trap_scenes(self) -> np.ndarray:
        return np.array([i for i, px in enumerate(self.trap_px) if len(px)], dtype=np.int64)

    def _windows_at(self, scene: int, centre_rows: np.ndarray, centre_cols: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Offsets of the patches centred on the given points (pixel coordinates), kept inside the scene."""
        grid, half = self.scenes[scene].grid, self.patch_size / 2
        rows = np.clip(np.round(np.asarray(centre_rows) - half), 0, max(grid.height - self.patch_size, 0))
        cols = np.clip(np.round(np.asarray(centre_cols) - half), 0, max(grid.width - self.patch_size, 0))
        return rows.astype(np.int64), cols.astype(np.int64)

    def _window_at(self, scene: int, centre_row: float, centre_col: float) -> tuple[int, int]:
        rows, cols = self._windows_at(scene, np.array([centre_row]), np.array([centre_col]))
        return int(rows[0]), int(cols[0])

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
            return PatchWindow(scene, *self._window_at(scene, centre_r, centre_c), POSITIVE)
        if kind not in (NEGATIVE, HARD_NEGATIVE):
            raise ValueError(f"unknown patch kind {kind!r}; one of {', '.join(PATCH_KINDS)}")
        hard = self._scenes_of(True)
        background = self._scenes_of(False)
        traps = self._trap_scenes()
        if kind == HARD_NEGATIVE and hard.size == 0 and traps.size == 0:
            kind = NEGATIVE
        if kind == NEGATIVE and background.size == 0:
            kind = HARD_NEGATIVE
        if kind == HARD_NEGATIVE:
            # Without trap pixels no extra number is drawn, so such splits see the very windows they saw before.
            if traps.size and (hard.size == 0 or rng.random() < TRAP_SHARE):
                return self._trap_window(traps, rng)
            scene = self._pick_scene(hard, rng)
            return PatchWindow(scene, *self._random_window(scene, rng), HARD_NEGATIVE)
        scene = self._pick_scene(background, rng)
        boxes = self.scenes[scene].avoid_px
        for _ in range(NEGATIVE_TRIES):
            row, col = self._random_window(scene, rng)
            if not _hits_any(boxes, row, col, self.patch_size):
                break
        return PatchWindow(scene, row, col, NEGATIVE)

    def _trap_window(self, candidates: np.ndarray, rng: np.random.Generator) -> PatchWindow:
        """A hard negative centred on a trap pixel with the positives' jitter, missing every labelled box of its
        scene (the unjittered window, which misses them all, after NEGATIVE_TRIES failures)."""
        scene = self._pick_scene(candidates, rng)
        pixels = self.trap_px[scene]
        if len(self.mined_px[scene]) and rng.random() < MINED_SHARE:
            pixels = self.mined_px[scene]
        r, c = pixels[int(rng.integers(len(pixels)))] + 0.5
        jitter = JITTER_FRACTION * self.patch_size
        boxes = self.scenes[scene].avoid_px
        for _ in range(NEGATIVE_TRIES):
            row, col = self._window_at(scene, r + rng.uniform(-jitter, jitter), c + rng.uniform(-jitter, jitter))
            if not _hits_any(boxes, row, col, self.patch_size):
                return PatchWindow(scene, row, col, HARD_NEGATIVE)
        return PatchWindow(scene, *self._window_at(scene, r, c), HARD_NEGATIVE)


def _windows_hit(boxes_px: np.ndarray, rows: np.ndarray, cols: np.ndarray, size: int) -> np.ndarray:
    """Per window (offsets `rows`, `cols`, side `size`): True when it overlaps any object's bounding box."""
    if boxes_px.size == 0:
        return np.zeros(np.shape(rows), dtype=bool)
    r0, c0, r1, c1 = (b[None, :] for b in boxes_px.T)
    rows, cols = np.asarray(rows)[:, None], np.asarray(cols)[:, None]
    return np.any((r0 < rows + size) & (r1 > rows) & (c0 < cols + size) & (c1 > cols), axis=1)


def _hits_any(boxes_px: np.ndarray, row: int, col: int, size: int) -> bool:
    """True when the window overlaps any object's bounding box."""
    return bool(_windows_hit(boxes_px, np.array([row]), np.array([col]), size)[0])


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
    assert row.labels is not None, "called only for rows with a label mask"
    mask = read_mask(row.labels, grid)
    geoms = [shape(g) for g, v in features.shapes(mask, mask=mask.astype(bool), transform=grid.transform) if v == 1]
    return gpd.GeoSeries(geoms, crs=grid.crs)


def scene_entry(row: ManifestRow, where: str | None = None, pixel_size_m: float | None = None,
                traps: bool = True) -> LabelledScene:
    """Open a manifest scene for its grid, and read its label polygons (kept by `where`, and the rest) and, when
    `traps` and the manifest gives a traps raster, a sparse list of its trap pixels."""
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
    boxes = _boxes_px(labels, grid)
    motion = boxes if excluded is None else np.concatenate([boxes, _boxes_px(excluded, grid)]).reshape(-1, 4)
    entry = LabelledScene(row=row, grid=grid, labels=labels, excluded=excluded, boxes_px=boxes, motion_px=motion)
    if traps and row.traps is not None:
        entry = replace(entry, trap_px=read_trap_pixels(row.traps, grid),
                        mined_px=read_trap_pixels(row.traps, grid, code=TRAP_MODEL_FALSE_POSITIVE))
    return entry


def build_scene_index(
    rows: list[ManifestRow], patch_size: int, where: str | None = None, pixel_size_m: float | None = None,
    traps: bool = True,
) -> SceneIndex:
    """An index of the given manifest rows (one split) for drawing patches of `patch_size` pixels; `traps`
    False leaves the manifest's traps rasters unread (no trap-centred hard negatives)."""
    scenes = [scene_entry(r, where, pixel_size_m, traps) for r in rows]
    for s in scenes:
        log.debug("%s: %d labelled objects%s", s.name, len(s.labels), " (hard negative)" if s.is_hard_negative else "")
    return SceneIndex(scenes, patch_size)


def _window_grid(grid: Grid, window: windows.Window) -> Grid:
    return Grid(int(window.height), int(window.width), windows.transform(window, grid.transform), grid.crs,
                grid.pixel_size_m)


def window_labels(entry: LabelledScene, window: windows.Window, valid: np.ndarray) -> np.ndarray:
    """The label of a window: 1 on kept objects, IGNORE_LABEL on excluded objects, on a ring of IGNORE_RING_PX
    pixels around every kept object and on nodata, else 0 (uint8)."""
    wgrid = _window_grid(entry.grid, window)
    label = rasterize_polygons(gpd.GeoDataFrame(geometry=entry.labels), wgrid)
    if entry.excluded is not None:
        other = rasterize_polygons(gpd.GeoDataFrame(geometry=entry.excluded), wgrid)
        label[(other == 1) & (label == 0)] = IGNORE_LABEL
    if IGNORE_RING_PX > 0:
        ring = ndimage.binary_dilation(label == 1, iterations=IGNORE_RING_PX) & (label == 0)
        label[ring] = IGNORE_LABEL
    label[~valid] = IGNORE_LABEL
    return label


def _on_canvas(array: np.ndarray, size: int, at: tuple[int, int], fill: float) -> np.ndarray:
    """Place a (rows, cols) array at (row, col) of a size x size canvas filled with `fill` (patches at scene
    borders, and scenes smaller than a patch)."""
    rows, cols = array.shape
    if array.shape == (size, size):
        return array
    canvas = np.full((size, size), fill, dtype=array.dtype)
    canvas[at[0]:at[0] + rows, at[1]:at[1] + cols] = array
    return canvas


def read_patch(reader: SceneReader, entry: LabelledScene, window: PatchWindow, patch_size: int,
               channels: tuple[str, ...] = ("sin", "cos", "coherence"), pixel_size_m: float | None = None
               ) -> PatchArrays:
    """Read the layers the channels need (`massmap.inputs.read_layers`) and the label of a patch from an open
    scene, with the channels' halo around it, on a canvas of patch_size + 2 halo filled with nodata."""
    grid = entry.grid
    halo = halo_px(channels)
    size = patch_size + 2 * halo
    win = windows.Window(window.col_off, window.row_off,
                         min(patch_size, grid.width - window.col_off), min(patch_size, grid.height - window.row_off))
    grown, crop = halo_window(win, halo, grid.height, grid.width)
    layers, valid = read_layers(reader, grown, channels, pixel_size_m)
    label = window_labels(entry, grown, valid)
    at = (halo - crop[0], halo - crop[2])

    def canvas(a: np.ndarray) -> np.ndarray:
        return _on_canvas(a.astype(np.float32), size, at, np.nan)

    def maybe(a: np.ndarray | None) -> np.ndarray | None:
        return None if a is None else canvas(a)

    return PatchArrays(
        phase_rad=canvas(layers.phase_rad), coherence=canvas(layers.coherence if layers.coherence is not None
                                                           else np.full_like(layers.phase_rad, np.nan)),
        label=_on_canvas(label, size, at, IGNORE_LABEL), dem_m=maybe(layers.dem_m), los=maybe(layers.los),
        halo=halo, pixel_size_m=layers.pixel_size_m,
    )
