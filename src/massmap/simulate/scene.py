"""Compose one simulated Sentinel-1 interferogram of mountains: terrain, geometry, motion, atmosphere, noise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from massmap.constants import WAVELENGTH_M, los_phase_rad
from massmap.grid import Grid
from massmap.io.scene import wrap_phase
from massmap.json_values import json_ready
from massmap.simulate import constants as C
from massmap.simulate.atmosphere import draw_atmosphere
from massmap.simulate.config import SimulationConfig
from massmap.simulate.decorrelation import (
    draw_land_cover,
    estimated_coherence,
    land_cover_coherence,
    multilook_noise_phase,
    multilook_phase_std,
)
from massmap.simulate.deformation import (
    displacement_field,
    draw_movements,
    gradient_coherence,
    los_displacement_m,
    phase_gradient_rad_per_px,
)
from massmap.simulate.filtering import goldstein_filter
from massmap.simulate.geometry import draw_geometry
from massmap.simulate.labels import empty_labels, vectorize_movements
from massmap.simulate.separability import clutter_phase, separability
from massmap.simulate.site import dem_window, synthetic_grid
from massmap.simulate.spectral import power_law_field
from massmap.simulate.terrain import fractal_dem, sea_mask
from massmap.simulate.unmapped import unmapped_rows, with_unmapped
from massmap.terrain import slope_aspect

# How each kind of hard-negative scene strengthens its trap.
NEGATIVE_ATMOSPHERE_BOOST = (1.8, 3.0)
# Deformation phase (rad) above which a pixel counts as touched by motion, for the ignore rows of the
# detectable label rule: a tenth of a radian is 0.4 mm of line-of-sight motion.
UNMAPPED_PHASE_RAD = 0.1
NEGATIVE_DEFAULT_ATMOSPHERE_BOOST = (1.2, 1.8)
NEGATIVE_SNOW_COVER_PERCENTILE = (40.0, 75.0)  # snowline at this percentile of the scene's heights


@dataclass
class SimulatedScene:
    """One simulated scene in memory; every array is float32 (rows, cols) unless stated.

    phase_rad: wrapped phase in [-pi, pi); coherence: estimated coherence in [0, 1]; dem_m: elevation;
    deformation_rad: clean unwrapped deformation phase (positive away from the satellite); layover_shadow: bool;
    labels: polygons in the grid CRS (kind, coherent, max_los_mm, area_m2); negative: "" for scenes with motion,
    else the hard-negative kind; meta: every parameter drawn (JSON-serialisable); look_enu: unit look vector
    from the satellite to the ground (3, rows, cols) east, north, up; atmosphere_rad: the atmospheric and orbital
    phase (unwrapped); true_coherence: the coherence the noise was drawn with (land cover, baseline, motion).
    """

    grid: Grid
    phase_rad: np.ndarray
    coherence: np.ndarray
    dem_m: np.ndarray
    deformation_rad: np.ndarray
    layover_shadow: np.ndarray
    labels: gpd.GeoDataFrame
    negative: str
    meta: dict
    look_enu: np.ndarray | None = None
    atmosphere_rad: np.ndarray | None = None
    true_coherence: np.ndarray | None = None


def simulate_scene(config: SimulationConfig, seed: int | Sequence[int], negative: str | None = None) -> SimulatedScene:
    """Simulate one scene from one seeded random generator (same config and seed, same arrays).

    `negative` forces a hard-negative kind ("" forces motion); by default a scene is a hard negative with
    probability `config.hard_negative_fraction`, of a kind drawn from `config.negative_kinds`.
    """
    rng = np.random.default_rng(seed)
    px = float(config.pixel_size_m)
    shape = (config.size, config.size)
    if negative is None:
        negative = ""
        if rng.random() < config.hard_negative_fraction:
            negative = str(config.negative_kinds[rng.integers(len(config.negative_kinds))])

    # Terrain on the grid.
    dem, grid, site, water, terrain_params = draw_terrain(rng, config, steep=negative == "layover")
    slope, aspect = slope_aspect(dem, px)

    # Viewing geometry.
    geometry, geometry_params = draw_geometry(rng, config.orbit, config.heading_jitter_deg, slope, aspect, px,
                                              near_range=negative == "layover",
                                              heading_offset_deg=config.heading_offset_deg)
    layover_shadow = geometry.layover_shadow

    # Land cover and coherence over the temporal baseline.
    baseline_days = int(rng.choice(config.temporal_baselines_days))
    snowline = None
    if negative == "decorrelation":
        # Fresh snow down to mid-slope and the longest baseline: large decorrelated areas.
        snowline = float(np.percentile(dem, rng.uniform(*NEGATIVE_SNOW_COVER_PERCENTILE)))
        baseline_days = int(max(config.temporal_baselines_days))
    cover, cover_params = draw_land_cover(rng, dem, slope, water, px, snowline_m=snowline)
    gamma = land_cover_coherence(rng, cover, baseline_days, px)

    # Mass movements, kept out of a motion-free part of every scene.
    free_box = _motion_free_box(rng, shape, config.motion_free_fraction)
    allowed = ~water & ~layover_shadow
    allowed[free_box[0]:free_box[1], free_box[2]:free_box[3]] = False
    n_movements = 0 if negative else int(rng.integers(config.n_movements[0], config.n_movements[1] + 1))
    movements = draw_movements(rng, n_movements, dem, slope, aspect, allowed, px,
                               config.rock_glacier_fraction, config.deep_seated_fraction)
    smooth_slope, smooth_aspect = slope_aspect(dem, px, smooth_px=2.0)
    texture = power_law_field(rng, shape, px, 4.0, 0.35, outer_scale_m=600.0) if movements else None
    displacement = displacement_field(movements, shape, px, smooth_slope, smooth_aspect, baseline_days, texture)
    los_m = los_displacement_m(displacement.enu_m, geometry.look_enu)
    deformation = los_phase_rad(los_m).astype(np.float32)
    gradient = phase_gradient_rad_per_px(deformation)
    gamma *= gradient_coherence(gradient)
    gamma[layover_shadow | water] = 0.0

    # Atmosphere: hard negatives get a stronger one.
    boost = 1.0
    if negative:
        boost = float(rng.uniform(*(NEGATIVE_ATMOSPHERE_BOOST if negative == "atmosphere"
                                    else NEGATIVE_DEFAULT_ATMOSPHERE_BOOST)))
    atmosphere, atmosphere_params = draw_atmosphere(rng, dem, px, config.atmosphere_scale * boost)

    # Noise, wrapping and (for some scenes) the Goldstein filter.
    phase, coherence = observe(rng, gamma, deformation + atmosphere, config.looks)
    filtered = bool(rng.random() < config.goldstein_fraction)
    alpha = float(rng.uniform(*C.GOLDSTEIN_ALPHA)) if filtered else 0.0
    if filtered:
        phase = wrap_phase(goldstein_filter(phase, alpha, C.GOLDSTEIN_PATCH_PX))

    # Labels where coherent deformation phase is visible.
    owner = displacement.owner
    hidden = layover_shadow | water
    visible = label_visibility(movements, owner, deformation, los_m, gradient, gamma, hidden, config)
    if config.label_rule == "detectable":
        # The clutter is needed only when patterns are also judged against it.
        clutter = clutter_phase(phase, deformation, atmosphere) if config.min_signal_to_clutter > 0 else None
        visible = label_detectable(movements, owner, deformation, coherence, hidden, config, clutter)
    labels = vectorize_movements(owner, visible, grid, movements) if movements else empty_labels(grid)
    if config.label_rule == "detectable" and movements:
        # Motion outside the outlines is neither taught as background nor drawn on as a negative.
        labels = with_unmapped(labels, unmapped_rows(deformation, hidden, labels, grid, UNMAPPED_PHASE_RAD))

    meta = json_ready(dict(
        seed=list(np.atleast_1d(seed).tolist()), negative=negative, config=config.to_dict(), site=site,
        terrain=terrain_params, geometry=geometry_params, temporal_baseline_days=baseline_days,
        land_cover=cover_params, motion_free_box_px=list(free_box),
        atmosphere=atmosphere_params, atmosphere_boost=boost, looks=config.looks,
        goldstein=dict(applied=filtered, alpha=alpha), movements=movements,
        wavelength_m=WAVELENGTH_M,
        phase_sign="positive phase = line-of-sight motion away from the satellite",
    ))
    return SimulatedScene(grid=grid, phase_rad=phase, coherence=coherence, dem_m=dem.astype(np.float32),
                          deformation_rad=deformation, layover_shadow=layover_shadow, labels=labels,
                          negative=negative, meta=meta, look_enu=geometry.look_enu,
                          atmosphere_rad=atmosphere.astype(np.float32), true_coherence=gamma)


def observe(rng: np.random.Generator, gamma: np.ndarray, signal_rad: np.ndarray, looks: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """The wrapped phase and estimated coherence a processor delivers for a signal phase (rad) observed at
    true coherence `gamma` with `looks` looks."""
    noise = multilook_noise_phase(rng, gamma, looks)
    coherence = estimated_coherence(rng, gamma, signal_rad, C.COHERENCE_WINDOW_PX)
    return wrap_phase(signal_rad + noise), coherence


def draw_terrain(
    rng: np.random.Generator, config: SimulationConfig, steep: bool = False
) -> tuple[np.ndarray, Grid, dict, np.ndarray, dict]:
    """The scene's terrain on its grid: (dem_m, grid, site, water, terrain parameters), from the real DEM of
    `config.dem_path` (a seeded window) or fractal alpine terrain (`steep` for layover-prone relief)."""
    px = float(config.pixel_size_m)
    if config.dem_path:
        dem, grid, site = dem_window(rng, config.dem_path, config.size, px, config.crs)
        return dem, grid, site, sea_mask(dem, px), dict(kind="dem")
    grid, site = synthetic_grid(rng, config.size, px, config.crs)
    terrain = fractal_dem(rng, (config.size, config.size), px, steep=steep)
    return terrain.dem_m, grid, site, terrain.water, terrain.params


def label_visibility(
    movements: list[dict], owner: np.ndarray, deformation_rad: np.ndarray, los_m: np.ndarray,
    gradient_rad_per_px: np.ndarray, gamma: np.ndarray, hidden: np.ndarray, config: SimulationConfig,
) -> np.ndarray:
    """Pixels where a movement's coherent deformation phase is visible as a pattern an expert would map.

    Sets on each movement dict `max_los_mm`, `coherent` (not mostly decorrelated by its own gradient),
    `visible_px`, `labelled` and `labelled_px`. `hidden` marks pixels that show nothing (layover, shadow, water).
    A pattern too weak or too small to be told from noise is left unlabelled, as an expert would leave it.
    """
    visible_motion = np.abs(deformation_rad) > config.visible_phase_rad
    decorrelated = gradient_rad_per_px > np.float32(C.DECORRELATION_GRADIENT_RAD_PER_PX)
    seen = visible_motion & ~hidden
    for i, movement in enumerate(movements):
        mine = owner == i + 1
        in_view = seen & mine
        movement["max_los_mm"] = float(np.abs(los_m[mine]).max() * 1000.0) if mine.any() else 0.0
        fast_share = float(decorrelated[in_view].mean()) if in_view.any() else 0.0
        movement["coherent"] = fast_share < 0.25
        movement["visible_px"] = int(in_view.sum())
    coherent_ids = np.array([False] + [m["coherent"] for m in movements])
    visible = seen & np.where(coherent_ids[owner], ~decorrelated & (gamma >= config.min_visible_coherence), True)
    if movements:
        labelled_px = np.bincount(owner[visible], minlength=len(movements) + 1)
        peak = np.zeros(len(movements) + 1)
        np.maximum.at(peak, owner[visible], np.abs(deformation_rad[visible]))
        mapped = (labelled_px >= config.min_pattern_px) & (peak >= config.min_pattern_phase_rad)
        mapped[0] = False
        visible &= mapped[owner]
        for i, movement in enumerate(movements):
            movement["labelled"] = bool(mapped[i + 1])
            movement["labelled_px"] = int(labelled_px[i + 1]) if mapped[i + 1] else 0
    return visible


def phase_noise_rad(coherence: np.ndarray, looks: int) -> np.ndarray:
    """Standard deviation (rad) of multi-looked interferometric phase at a coherence: the exact multi-look
    statistics the simulator draws its noise from (not the Cramer-Rao bound, 25 % too low at 5 looks and
    coherence 0.5)."""
    return multilook_phase_std(coherence, looks)


def label_detectable(
    movements: list[dict], owner: np.ndarray, deformation_rad: np.ndarray, coherence: np.ndarray,
    hidden: np.ndarray, config: SimulationConfig, clutter_rad: np.ndarray | None = None,
) -> np.ndarray:
    """Pixels where a movement's deformation phase is detectable: above `detection_sigmas` times the phase noise
    that the *observed* coherence and the number of looks imply (a fraction of a radian in coherent terrain),
    at observed coherence >= `min_detectable_coherence`, outside layover, shadow and water, whatever the fringe
    count or gradient; connected specks under `min_detectable_px` pixels are dropped. With
    `config.min_signal_to_clutter` > 0 and the clutter phase given, a movement whose detectable part stands
    less than that above the clutter of its own size (`simulate.separability`) is dropped whole.

    Sets `labelled`, `labelled_px` and (when judged) `signal_to_clutter` on each movement (after
    `label_visibility` set the rest).
    """
    from scipy import ndimage

    noise = phase_noise_rad(coherence, config.looks)
    detectable = ((owner > 0) & ~hidden & (coherence >= config.min_detectable_coherence)
                  & (np.abs(deformation_rad) > config.detection_sigmas * noise))
    parts, n = ndimage.label(detectable)
    if n:
        sizes = np.bincount(parts.ravel())
        detectable &= (sizes >= config.min_detectable_px)[parts]
    counts = np.bincount(owner[detectable], minlength=len(movements) + 1)
    if config.min_signal_to_clutter > 0 and clutter_rad is not None:
        for i, movement in enumerate(movements):
            if counts[i + 1] == 0:
                continue
            mine = detectable & (owner == i + 1)
            movement["signal_to_clutter"] = separability(deformation_rad, clutter_rad, mine).scr
            if movement["signal_to_clutter"] < config.min_signal_to_clutter:
                detectable &= ~mine
                counts[i + 1] = 0
    for i, movement in enumerate(movements):
        movement["labelled"] = bool(counts[i + 1] > 0)
        movement["labelled_px"] = int(counts[i + 1])
    return detectable


def _motion_free_box(rng: np.random.Generator, shape: tuple[int, int], fraction: float) -> tuple[int, int, int, int]:
    """A random rectangle (row0, row1, col0, col1) covering about `fraction` of the scene."""
    if fraction <= 0:
        return (0, 0, 0, 0)
    rows, cols = shape
    aspect = float(rng.uniform(0.5, 2.0))
    height = int(min(rows, round(np.sqrt(fraction * rows * cols * aspect))))
    width = int(min(cols, round(fraction * rows * cols / max(height, 1))))
    r0 = int(rng.integers(0, rows - height + 1))
    c0 = int(rng.integers(0, cols - width + 1))
    return (r0, r0 + height, c0, c0 + width)
