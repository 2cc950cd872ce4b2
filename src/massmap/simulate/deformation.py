"""Mass movements: placement on slopes, heavy-tailed areas, lobate outlines and downslope displacement."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from massmap.simulate import constants as C


@dataclass
class Displacement:
    """The summed 3-D displacement (m, ENU on axis 0) of all movements, and which movement owns each pixel.

    `owner` is 0 outside every movement and i+1 inside movement i (the one moving most at that pixel).
    """

    enu_m: np.ndarray
    owner: np.ndarray


def draw_landslide_area_m2(rng: np.random.Generator, size: int | None = None) -> np.ndarray | float:
    """Landslide areas (m2) from the truncated inverse-gamma density of Malamud et al. (2004)."""
    scale_m2 = C.AREA_ROLLOVER_M2 * (C.AREA_RHO + 1.0)  # the mode of an inverse gamma is scale/(rho+1)
    n = 1 if size is None else size
    out = np.empty(n)
    filled = 0
    while filled < n:
        draw = scale_m2 / rng.gamma(C.AREA_RHO, 1.0, size=4 * n)
        draw = draw[(draw >= C.AREA_MIN_M2) & (draw <= C.AREA_MAX_M2)]
        take = min(n - filled, draw.size)
        out[filled:filled + take] = draw[:take]
        filled += take
    return float(out[0]) if size is None else out


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def draw_movements(
    rng: np.random.Generator,
    n: int,
    dem_m: np.ndarray,
    slope_rad: np.ndarray,
    aspect_rad: np.ndarray,
    allowed: np.ndarray,
    pixel_size_m: float,
    rock_glacier_fraction: float,
    deep_seated_fraction: float,
) -> list[dict]:
    """Draw `n` movements (kind, centre pixel, area, shape, velocity) on allowed slopes of the terrain."""
    slope_deg = np.degrees(slope_rad)
    landslide_sites = np.flatnonzero(allowed & (slope_deg >= C.LANDSLIDE_SLOPE_DEG[0])
                                     & (slope_deg <= C.LANDSLIDE_SLOPE_DEG[1]))
    rock_sites = np.flatnonzero(allowed & (dem_m >= C.ROCK_GLACIER_ELEVATION_M[0])
                                & (dem_m <= C.ROCK_GLACIER_ELEVATION_M[1])
                                & (slope_deg >= C.ROCK_GLACIER_SLOPE_DEG[0])
                                & (slope_deg <= C.ROCK_GLACIER_SLOPE_DEG[1]))
    movements = []
    for _ in range(n):
        u = rng.random()
        kind = ("rock_glacier" if u < rock_glacier_fraction else
                "deep_seated" if u < rock_glacier_fraction + deep_seated_fraction else "landslide")
        if kind == "rock_glacier" and rock_sites.size == 0:
            kind = "landslide"
        sites = rock_sites if kind == "rock_glacier" else landslide_sites
        if sites.size == 0:
            continue
        flat = int(sites[rng.integers(sites.size)])
        row, col = divmod(flat, dem_m.shape[1])
        if kind == "landslide":
            area_m2 = float(draw_landslide_area_m2(rng))
            elongation = float(rng.uniform(1.3, 3.5))
            velocity = _log_uniform(rng, *C.LANDSLIDE_VELOCITY_MM_PER_DAY)
        elif kind == "rock_glacier":
            area_m2 = _log_uniform(rng, *C.ROCK_GLACIER_AREA_M2)
            elongation = float(rng.uniform(0.8, 2.5))
            velocity = _log_uniform(rng, *C.ROCK_GLACIER_VELOCITY_M_PER_YR) * 1000.0 / 365.25
        else:
            area_m2 = _log_uniform(rng, *C.DEEP_SEATED_AREA_M2)
            elongation = float(rng.uniform(0.8, 1.8))
            velocity = _log_uniform(rng, *C.DEEP_SEATED_VELOCITY_MM_PER_DAY)
        # Lobate outline: an elongated base shape whose radius is modulated by a few random harmonics.
        orders = np.arange(2, 9)
        amplitudes = rng.uniform(0.0, 1.0, orders.size) / orders**0.8
        amplitudes *= rng.uniform(0.2, 0.5) / amplitudes.sum()
        movements.append(dict(
            kind=kind, row=row, col=col, area_target_m2=area_m2, elongation=elongation,
            velocity_mm_per_day=velocity,
            slope_deg=float(slope_deg[row, col]), aspect_deg=float(np.degrees(aspect_rad[row, col])),
            toe_widening=float(rng.uniform(-0.3, 0.6)), taper_power=float(rng.uniform(0.5, 1.3)),
            lobe_orders=orders.tolist(), lobe_amplitudes=amplitudes.tolist(),
            lobe_phases=rng.uniform(0, 2 * np.pi, orders.size).tolist(),
        ))
    return movements


def movement_footprint(movement: dict, shape: tuple[int, int], pixel_size_m: float
                       ) -> tuple[tuple[slice, slice], np.ndarray]:
    """The bounding window of a movement and its relative displacement magnitude in it (1 at the core, 0 outside).

    The outline is elongated downslope (along the aspect at the centre), lobate, widening or narrowing
    towards the toe, and the magnitude tapers smoothly to zero at the margins.
    """
    length_m = np.sqrt(4.0 * movement["area_target_m2"] * movement["elongation"] / np.pi)
    width_m = length_m / movement["elongation"]
    reach_px = int(np.ceil(0.75 * max(length_m, width_m * (1 + abs(movement["toe_widening"]))) / pixel_size_m)) + 2
    r0, c0 = movement["row"], movement["col"]
    rows = slice(max(0, r0 - reach_px), min(shape[0], r0 + reach_px + 1))
    cols = slice(max(0, c0 - reach_px), min(shape[1], c0 + reach_px + 1))
    east = (np.arange(cols.start, cols.stop, dtype=np.float32) - c0) * np.float32(pixel_size_m)
    north = -(np.arange(rows.start, rows.stop, dtype=np.float32) - r0) * np.float32(pixel_size_m)
    aspect = np.radians(movement["aspect_deg"])
    # Downslope (u) and cross-slope (v) coordinates, normalised by the half length and half width.
    u = ((east[None, :] * np.float32(np.sin(aspect)) + north[:, None] * np.float32(np.cos(aspect)))
         / np.float32(length_m / 2))
    v = ((east[None, :] * np.float32(np.cos(aspect)) - north[:, None] * np.float32(np.sin(aspect)))
         / np.float32(width_m / 2))
    v = v / np.clip(1.0 + movement["toe_widening"] * u, 0.3, None)
    radius = np.hypot(u, v)
    angle = np.arctan2(v, u)
    boundary = np.ones_like(radius)
    for order, amp, phase in zip(movement["lobe_orders"], movement["lobe_amplitudes"], movement["lobe_phases"]):
        boundary += np.float32(amp) * np.cos(order * angle + np.float32(phase))
    inside = np.clip(1.0 - (radius / boundary) ** 2, 0.0, 1.0)
    return (rows, cols), (inside ** np.float32(movement["taper_power"])).astype(np.float32)


def displacement_field(
    movements: list[dict],
    shape: tuple[int, int],
    pixel_size_m: float,
    slope_rad: np.ndarray,
    aspect_rad: np.ndarray,
    baseline_days: float,
    texture: np.ndarray | None = None,
) -> Displacement:
    """Displacement (m, ENU) over the temporal baseline: downslope and parallel to the (smoothed) surface.

    `texture` (relative, around 0) modulates the magnitude so that a body does not move as one smooth dome.
    """
    enu = np.zeros((3,) + shape, dtype=np.float32)
    owner = np.zeros(shape, dtype=np.int32)
    strongest = np.zeros(shape, dtype=np.float32)
    for i, movement in enumerate(movements):
        window, relative = movement_footprint(movement, shape, pixel_size_m)
        magnitude_m = relative * np.float32(movement["velocity_mm_per_day"] * baseline_days / 1000.0)
        if texture is not None:
            magnitude_m *= np.clip(np.float32(1.0) + texture[window], 0.0, None)
        slope, aspect = slope_rad[window], aspect_rad[window]
        # Direction of steepest descent along the surface: horizontal downslope with the slope's vertical share.
        horizontal = magnitude_m * np.cos(slope)
        enu[0][window] += horizontal * np.sin(aspect)
        enu[1][window] += horizontal * np.cos(aspect)
        enu[2][window] -= magnitude_m * np.sin(slope)
        wins = magnitude_m > strongest[window]
        strongest[window] = np.where(wins, magnitude_m, strongest[window])
        owner[window] = np.where(wins, i + 1, owner[window])
    return Displacement(enu, owner)


def los_displacement_m(enu_m: np.ndarray, look_enu: np.ndarray) -> np.ndarray:
    """Line-of-sight displacement (m): d . look, positive away from the satellite."""
    return np.einsum("kij,kij->ij", enu_m, look_enu).astype(np.float32)


def phase_gradient_rad_per_px(phase_rad: np.ndarray) -> np.ndarray:
    """Magnitude of the (unwrapped) phase gradient in radians per pixel."""
    d_row, d_col = np.gradient(phase_rad)
    return np.hypot(d_row, d_col).astype(np.float32)


def gradient_coherence(gradient_rad_per_px: np.ndarray) -> np.ndarray:
    """Coherence left by a phase ramp inside a resolution cell: |sinc(g / 2 pi)|, zero beyond 2 pi per pixel."""
    g = np.minimum(gradient_rad_per_px / np.float32(2 * np.pi), 1.0)
    return np.abs(np.sinc(g)).astype(np.float32)
