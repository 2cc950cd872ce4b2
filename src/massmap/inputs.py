"""The model's input channels, declared once: what each needs, how it is computed, how it behaves at borders.

Training and prediction both turn a scene window into the network's input through `read_layers` and `encode`, so
what the network sees at training time is what it sees when it maps a scene.

A channel is computed from the *layers* of a window: the wrapped phase (NaN = nodata), coherence (file or
phase-consistency proxy), the DEM, and the line-of-sight share of a unit downslope motion (`los`, computed from
the DEM and the LOS geometry of the scene before any augmentation, because it belongs to the viewing geometry, not
to the image). Augmentations act on the layers (`massmap.data.augment`), and channels are computed afterwards, so
every channel transforms under flips, rotations and conjugation exactly as its layers do; each entry still
declares its sign under conjugation and whether a constant phase offset changes it, for tests and readers.
A channel that looks at neighbouring pixels declares its halo: windows are read that much larger and cropped
after encoding, so a tile's channels equal the whole scene's on every pixel.

Adding a channel: write its function of an `InputLayers`, and `register` a `Channel` entry below (or from your
own code before training). Every channel is roughly in [-1, 1]; nodata pixels are 0 in every channel.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from massmap.errors import IncompatibleModelError

if TYPE_CHECKING:
    import numpy as np
    from rasterio.windows import Window

    from massmap.terrain import PixelSpacing

# numpy, scipy, rasterio and the terrain module are imported where used: the command line reads this registry for
# its help text and must start at once.

# The layers a channel may need; `los` is the LOS share of downslope motion (needs a DEM and the LOS geometry).
LAYERS = ("phase", "coherence", "dem", "los")
# Gaussian filters reach this many standard deviations (scipy's `truncate`): the halo of a low-pass channel.
GAUSSIAN_TRUNCATE = 3.0


@dataclass
class InputLayers:
    """The layers of one window, float32 (rows, cols) with NaN for nodata; absent layers are None.

    `pixel_size_m` is the ground spacing terrain derivatives are measured over: one number, or (east-west,
    north-south) in m (`massmap.terrain.PixelSpacing`).
    """

    phase_rad: np.ndarray
    coherence: np.ndarray | None = None
    dem_m: np.ndarray | None = None
    los: np.ndarray | None = None
    pixel_size_m: PixelSpacing | None = None
    # Products several channels of one window share (the residual phasor at a scale feeds its sine and cosine).
    shared: dict = field(default_factory=dict, repr=False, compare=False)

    def valid(self) -> np.ndarray:
        """Pixels with a phase value."""
        import numpy as np

        return np.isfinite(self.phase_rad)

    def phasor(self) -> np.ndarray:
        """Unit phasor exp(i phase), 0 on nodata (complex64)."""
        import numpy as np

        valid = self.valid()
        return np.where(valid, np.exp(1j * np.where(valid, self.phase_rad, 0.0)), 0.0).astype(np.complex64)


@dataclass(frozen=True)
class Channel:
    """One input channel: its name, the layers it needs, its function, halo and behaviour under augmentation.

    `conjugation_sign` is +1 when conjugating the phase (the opposite motion sign) leaves the channel unchanged
    and -1 when it negates it; `offset_invariant` says whether adding a constant phase leaves it unchanged.
    """

    name: str
    compute: Callable[[InputLayers], np.ndarray]
    help: str
    layers: tuple[str, ...] = ("phase",)
    halo_px: int = 0
    conjugation_sign: int = 1
    offset_invariant: bool = False


CHANNELS: dict[str, Channel] = {}
# What to give when a layer is missing, by layer.
MISSING_LAYER = {
    "coherence": "give a coherence file (--coherence)",
    "dem": "give a DEM (--dem; the manifest's dem column for training)",
    "los": "give a DEM (--dem) and the LOS geometry (--los; the manifest's dem and los columns for training)",
}


def register(channel: Channel) -> Channel:
    """Add a channel to the registry (replacing one of the same name) and return it."""
    unknown = [layer for layer in channel.layers if layer not in LAYERS]
    if unknown:
        raise ValueError(f"channel {channel.name!r} needs unknown layers {unknown}; known: {', '.join(LAYERS)}")
    CHANNELS[channel.name] = channel
    return channel


def get_channel(name: str) -> Channel:
    """The registered channel of that name; IncompatibleModelError for an unknown one."""
    try:
        return CHANNELS[name]
    except KeyError:
        raise IncompatibleModelError(f"unknown input channel {name!r}; known: {', '.join(CHANNELS)}") from None


def needed_layers(channels: Iterable[str]) -> set[str]:
    """Every layer the channels need."""
    return {layer for name in channels for layer in get_channel(name).layers}


def halo_px(channels: Iterable[str]) -> int:
    """The widest halo of the channels: how many pixels around a window must be read to encode it exactly."""
    return max((get_channel(name).halo_px for name in channels), default=0)


def encode(channels: Iterable[str], layers: InputLayers, crop: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """Stack the named channels into float32 (C, rows, cols); nodata pixels are 0 in every channel.

    `crop` (row0, row1, col0, col1) keeps only that part after computing, to drop a halo read around a window.
    """
    import numpy as np

    channels = tuple(channels)
    for name in channels:
        missing = [layer for layer in get_channel(name).layers if layer != "phase" and _layer(layers, layer) is None]
        if missing:
            raise IncompatibleModelError(f"the model's {name} channel needs the {missing[0]} layer: "
                                         f"{MISSING_LAYER[missing[0]]}")
    valid = layers.valid()
    rows = slice(crop[0], crop[1]) if crop else slice(None)
    cols = slice(crop[2], crop[3]) if crop else slice(None)
    out = np.empty((len(channels),) + valid[rows, cols].shape, dtype=np.float32)
    for i, name in enumerate(channels):
        values = np.nan_to_num(np.asarray(get_channel(name).compute(layers), dtype=np.float32), nan=0.0)
        out[i] = np.where(valid, values, 0.0)[rows, cols]
    return out


def _layer(layers: InputLayers, name: str) -> np.ndarray | None:
    return {"phase": layers.phase_rad, "coherence": layers.coherence, "dem": layers.dem_m, "los": layers.los}[name]


def halo_window(window: Window, halo: int, height: int, width: int) -> tuple[Window, tuple[int, int, int, int]]:
    """The window grown by `halo` pixels on each side, clipped to a height x width scene, and the crop
    (row0, row1, col0, col1) that gives the original window back from it."""
    from rasterio.windows import Window

    r0 = max(int(window.row_off) - halo, 0)
    c0 = max(int(window.col_off) - halo, 0)
    r1 = min(int(window.row_off + window.height) + halo, height)
    c1 = min(int(window.col_off + window.width) + halo, width)
    dr, dc = int(window.row_off) - r0, int(window.col_off) - c0
    return Window(c0, r0, c1 - c0, r1 - r0), (dr, dr + int(window.height), dc, dc + int(window.width))


def read_layers(reader, window: Window, channels: Iterable[str], pixel_size_m: float | None = None
                ) -> tuple[InputLayers, np.ndarray]:
    """Read the layers the channels need over a window of an open `massmap.io.scene.SceneReader`, and the
    window's validity mask (phase and coherence known).

    The caller grows the window by `halo_px(channels)` first (`halo_window`) and crops after `encode`.
    """
    from massmap.terrain import downslope_los_sensitivity

    needs = needed_layers(channels)
    sw = reader.read(window)
    spacing = _spacing(reader, pixel_size_m) if needs & {"dem", "los"} else None
    los = None
    if "los" in needs:
        if sw.dem_m is None or sw.look_enu is None:
            raise IncompatibleModelError(f"{reader.phase_path}: the model's los channel needs {MISSING_LAYER['los']}")
        assert spacing is not None
        los = downslope_los_sensitivity(sw.dem_m, spacing, sw.look_enu)
    if "dem" in needs and sw.dem_m is None:
        raise IncompatibleModelError(f"{reader.phase_path}: the model needs a DEM: {MISSING_LAYER['dem']}")
    layers = InputLayers(phase_rad=sw.phase_rad, coherence=sw.coherence,
                         dem_m=sw.dem_m if "dem" in needs else None, los=los, pixel_size_m=spacing)
    return layers, sw.valid


def _spacing(reader, pixel_size_m: float | None) -> PixelSpacing:
    """Ground spacing for terrain derivatives: east-west and north-south apart (`Grid.pixel_size_xy_m`)."""
    return float(pixel_size_m) if pixel_size_m is not None else reader.grid.pixel_size_xy_m()


# The channels.

def slope_deg(dem_m: np.ndarray, pixel_size_m: PixelSpacing) -> np.ndarray:
    """Terrain slope in degrees from a DEM (pixel spacing one number, or east-west and north-south)."""
    import numpy as np

    from massmap.terrain import slope_aspect

    return np.degrees(slope_aspect(dem_m.astype(np.float32), pixel_size_m)[0]).astype(np.float32)


def residual_phasor(layers: InputLayers, sigma_px: float) -> np.ndarray:
    """The phasor left after removing the local low-pass phasor (Gaussian, `sigma_px`): exp(i (phase - its local
    mean phase)), complex64, 0 where undefined. A constant phase offset cancels, so the channel is
    offset-invariant; broad atmospheric fringes are flattened and small phase anomalies stand out."""
    import numpy as np
    from scipy import ndimage

    key = ("residual", sigma_px)
    if key in layers.shared:
        return layers.shared[key]
    z = layers.phasor()
    low = (ndimage.gaussian_filter(z.real, sigma_px, mode="constant", truncate=GAUSSIAN_TRUNCATE)
           + 1j * ndimage.gaussian_filter(z.imag, sigma_px, mode="constant", truncate=GAUSSIAN_TRUNCATE))
    magnitude = np.abs(low)
    unit_low = np.where(magnitude > 1e-6, low / np.maximum(magnitude, 1e-6), 0.0)
    residual = (z * np.conj(unit_low)).astype(np.complex64)
    layers.shared[key] = residual
    return residual


def wrapped_gradient(layers: InputLayers, axis: int) -> np.ndarray:
    """Wrapped phase difference between the two neighbours along an axis (rows 0, columns 1), halved, in units
    of pi: the local fringe rate, whatever the phase offset (0 where a neighbour is missing)."""
    import numpy as np

    pad = [(0, 0), (0, 0)]
    pad[axis] = (1, 1)
    z = np.pad(layers.phasor(), pad)
    ahead = [slice(None), slice(None)]
    behind = [slice(None), slice(None)]
    ahead[axis], behind[axis] = slice(2, None), slice(None, -2)
    product = z[tuple(ahead)] * np.conj(z[tuple(behind)])
    # np.angle of a signed zero is +-pi: a missing neighbour must give 0.
    return np.where(np.abs(product) > 0, np.angle(product) / (2.0 * np.pi), 0.0).astype(np.float32)


def high_passed_dem(layers: InputLayers, sigma_m: float = 400.0, scale_m: float = 200.0) -> np.ndarray:
    """Height minus its Gaussian low-pass over `sigma_m`, / `scale_m` and clipped to [-1, 1]: the local relief
    that stratified atmospheric delay follows."""
    import numpy as np
    from scipy import ndimage

    from massmap.terrain import spacing_xy_m

    assert layers.pixel_size_m is not None, "read_layers sets the spacing with the DEM"
    sigma_px = sigma_m / float(np.mean(spacing_xy_m(layers.pixel_size_m)))
    dem_m = _present(layers.dem_m)
    dem = np.nan_to_num(dem_m.astype(np.float32), nan=float(np.nanmean(dem_m)))
    low = ndimage.gaussian_filter(dem, sigma_px, mode="nearest", truncate=GAUSSIAN_TRUNCATE)
    return np.clip((dem - low) / scale_m, -1.0, 1.0)


def _gaussian_halo(sigma_px: float) -> int:
    # scipy's kernel radius for a given sigma and truncate.
    return int(GAUSSIAN_TRUNCATE * sigma_px + 0.5)


def _present(array: np.ndarray | None) -> np.ndarray:
    # `encode` checks every declared layer before computing, so a channel never sees its layer missing.
    assert array is not None, "a channel's declared layer is checked by encode"
    return array


def _slope_channel(layers: InputLayers) -> np.ndarray:
    import numpy as np

    assert layers.pixel_size_m is not None, "read_layers sets the spacing with the DEM"
    return slope_deg(_present(layers.dem_m), layers.pixel_size_m) / np.float32(90.0)


def _residual(sigma_px: float, part: str) -> Callable[[InputLayers], np.ndarray]:

    def compute(layers: InputLayers) -> np.ndarray:
        z = residual_phasor(layers, sigma_px)
        return z.imag if part == "sin" else z.real

    return compute


def _phase(layers: InputLayers, form: str) -> np.ndarray:
    """The wrapped phase (0 on nodata) as its sine, cosine, or divided by pi."""
    import numpy as np

    phase = np.where(layers.valid(), layers.phase_rad, 0.0).astype(np.float32)
    if form == "sin":
        return np.sin(phase)
    if form == "cos":
        return np.cos(phase)
    return phase / np.float32(np.pi)


register(Channel("sin", lambda w: _phase(w, "sin"), "sine of the wrapped phase", conjugation_sign=-1))
register(Channel("cos", lambda w: _phase(w, "cos"), "cosine of the wrapped phase"))
register(Channel("phase", lambda w: _phase(w, "pi"), "wrapped phase / pi", conjugation_sign=-1))
register(Channel("coherence", lambda w: _present(w.coherence), "coherence (file, or the phase-consistency proxy)",
                 layers=("phase", "coherence"), offset_invariant=True))
register(Channel("slope", _slope_channel, "terrain slope / 90 degrees (from the DEM)", layers=("phase", "dem"),
                 halo_px=1, offset_invariant=True))
register(Channel("los", lambda w: _present(w.los),
                 "the line-of-sight share of downslope motion (from the DEM and the LOS geometry)",
                 layers=("phase", "los"), halo_px=1, conjugation_sign=-1, offset_invariant=True))
for _sigma in (4, 12):
    register(Channel(f"res{_sigma}_sin", _residual(_sigma, "sin"),
                     f"sine of the phase minus its local mean phase (Gaussian sigma {_sigma} px)",
                     halo_px=_gaussian_halo(_sigma), conjugation_sign=-1, offset_invariant=True))
    register(Channel(f"res{_sigma}_cos", _residual(_sigma, "cos"),
                     f"cosine of the phase minus its local mean phase (Gaussian sigma {_sigma} px)",
                     halo_px=_gaussian_halo(_sigma), offset_invariant=True))
register(Channel("grad_row", lambda w: wrapped_gradient(w, 0), "wrapped phase gradient down the rows / pi",
                 halo_px=1, conjugation_sign=-1, offset_invariant=True))
register(Channel("grad_col", lambda w: wrapped_gradient(w, 1), "wrapped phase gradient along the columns / pi",
                 halo_px=1, conjugation_sign=-1, offset_invariant=True))
register(Channel("hp_dem", high_passed_dem, "DEM minus its 400 m low-pass / 200 m (relief that stratified delay "
                 "follows)", layers=("phase", "dem"), halo_px=_gaussian_halo(math.ceil(400.0 / 10.0)),
                 offset_invariant=True))

# Phase encodings compared in the ablation, as channel lists; `channels_for` adds the optional channels.
ENCODINGS: dict[str, tuple[str, ...]] = {
    "sincos": ("sin", "cos"),
    "raw": ("phase",),
    "repeat": ("phase", "phase", "phase"),
    "residual": ("res4_sin", "res4_cos", "res12_sin", "res12_cos"),
    "sincos+residual": ("sin", "cos", "res4_sin", "res4_cos", "res12_sin", "res12_cos"),
}


def channels_for(encoding: str, coherence: bool = True, slope: bool = False, los: bool = False) -> tuple[str, ...]:
    """Channel list for a phase encoding plus optional coherence, slope and los."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown phase encoding {encoding!r}; choose one of {', '.join(ENCODINGS)}")
    extra = (("coherence",) if coherence else ()) + (("slope",) if slope else ()) + (("los",) if los else ())
    return ENCODINGS[encoding] + extra


def describe_channels() -> str:
    """One line per registered channel, for command-line help."""
    return "; ".join(f"{c.name}: {c.help}" for c in CHANNELS.values())
