"""Physical constants of the simulator, each with its source; Sentinel-1 geometry lives in massmap.constants.

Sign convention (shared with massmap.constants.los_phase_rad): the look vector points from the satellite to
the ground, the line-of-sight displacement is d . look, and the phase is 4*pi/lambda * (d . look), so
positive phase means motion away from the satellite.
"""

from __future__ import annotations

# --- Terrain -----------------------------------------------------------------------------------------------
# Elevation range of the synthetic Alps: valley floors of the deep valleys (Lago Maggiore 193 m, Valais
# 400-500 m) up to the 4,000 m peaks (Swisstopo DHM25 statistics); drawn per scene inside these bounds.
VALLEY_FLOOR_M = (400.0, 1600.0)
SUMMIT_MAX_M = 4200.0
# Spectral exponent of the elevation power spectrum P(k) ~ k^-beta between the pixel and the ridge-valley
# scale: landscape spectra fall off steeply (beta ~ 4-5) below the ridge-valley wavelength, where hillslopes
# are smooth (Perron, Kirchner & Dietrich 2008, J. Geophys. Res. 113, F04003).
TERRAIN_SPECTRAL_EXPONENT = (4.5, 4.9)
# Median hillslope angle of alpine relief 25-32 degrees, most slopes 15-45 degrees (Montgomery & Brandon 2002,
# Earth Planet. Sci. Lett. 201, 481-489: threshold hillslopes near 30 degrees).
MEDIAN_SLOPE_DEG = (24.0, 32.0)
# Share of the scene that is glacially flattened valley floor (U-shaped valleys).
VALLEY_FLOOR_FRACTION = (0.04, 0.12)
# Roll-off wavelength of the relief: the spacing of major Alpine valleys is ~10-20 km.
TERRAIN_OUTER_SCALE_M = 15000.0

# --- Mass movements ----------------------------------------------------------------------------------------
# Landslide areas follow an inverse-gamma density (Malamud et al. 2004, Earth Surf. Process. Landf. 29,
# 687-711: rho = 1.4, tail exponent -(rho+1) = -2.4); its mode a/(rho+1) is set to the rollover near 5,000 m2
# (the study's mapped inventories roll over at ~5,600 m2), truncated at ~2 km2.
AREA_ROLLOVER_M2 = 5000.0
AREA_RHO = 1.4
AREA_MAX_M2 = 2.0e6
AREA_MIN_M2 = 1200.0
# Slopes that host landslides (most between 15 and 45 degrees; Korup 2008 and Alpine inventories).
LANDSLIDE_SLOPE_DEG = (15.0, 45.0)
# Active rock glaciers of the Swiss Alps sit between ~2,300 and 3,000 m (Barsch 1996; Delaloye et al. 2008)
# and creep at 0.1 to a few m/yr (PERMOS 2019).
ROCK_GLACIER_ELEVATION_M = (2300.0, 3000.0)
ROCK_GLACIER_SLOPE_DEG = (8.0, 35.0)
ROCK_GLACIER_VELOCITY_M_PER_YR = (0.2, 2.5)
ROCK_GLACIER_AREA_M2 = (2.0e4, 4.0e5)
# Landslide velocities in a 6-24 day interferogram: from sub-fringe (~0.1 mm/day) to decorrelating
# (several cm/day); the Cruden & Varnes (1996) classes "very slow" to "moderate".
LANDSLIDE_VELOCITY_MM_PER_DAY = (0.15, 40.0)
# Deep-seated gravitational slope deformation: large (0.2-2 km2) and slow (Crosta et al. 2013).
DEEP_SEATED_VELOCITY_MM_PER_DAY = (0.1, 2.0)
DEEP_SEATED_AREA_M2 = (2.0e5, 2.0e6)
# A displacement field decorrelates when its phase gradient exceeds about pi per pixel (Massonnet & Feigl
# 1998, Rev. Geophys. 36: the maximum detectable deformation gradient is one fringe per pixel, pi per pixel
# under multilooking and coregistration slack).
DECORRELATION_GRADIENT_RAD_PER_PX = 3.141592653589793
# Sentinel-1 repeat cycle: 6 days with two satellites, 12 with one (ESA); pairs of 6 to 24 days.
TEMPORAL_BASELINES_DAYS = (6, 12, 18, 24)

# --- Atmosphere -------------------------------------------------------------------------------------------
# Turbulent tropospheric delay: 2-D power spectrum ~ k^-8/3 at scales of 2-50 km (Hanssen 2001, Radar
# Interferometry, ch. 4), rms 0.5-1.5 cm over a 20 km scene in mountains (Doin et al. 2009).
TURBULENCE_SPECTRAL_EXPONENT = 8.0 / 3.0
TURBULENCE_RMS_RAD = (0.3, 1.6)  # over the reference 20 km scene
TURBULENCE_REFERENCE_SIZE_M = 20_480.0
# Stratified delay: the differential tropospheric phase correlates with height at a few rad per km, either
# sign (Doin et al. 2009, J. Appl. Geophys. 69; Bekaert et al. 2015: 1-2 cm per km ~ 2.3-4.5 rad/km).
STRATIFIED_RAD_PER_KM = (0.8, 4.5)
# Orbital error residual: a ramp of up to ~1 fringe per 100 km after precise orbits (Fattahi & Amelung 2014).
ORBITAL_RAMP_RAD_PER_KM = 0.06

# --- Decorrelation -----------------------------------------------------------------------------------------
# Land-cover coherence gamma0 and temporal decorrelation time tau (days): gamma = gamma0 * exp(-dt / tau),
# values from C-band Alpine studies (Strozzi et al. 2004; Wegmüller & Werner 1997; Jung et al. 2016).
LAND_COVER_COHERENCE = {
    # name: (gamma0, tau_days)
    "water": (0.0, 1.0),
    "meadow": (0.80, 45.0),
    "forest": (0.45, 18.0),
    "rock": (0.90, 250.0),
    "snow": (0.50, 5.0),
}
# Timberline of the Alps 1,800-2,300 m (Körner 2012); forests start above the cultivated valley floors.
TREELINE_M = (1800.0, 2250.0)
FOREST_BOTTOM_M = (600.0, 1100.0)
# Seasonal snowline / glacier level, drawn around 3,000 m.
SNOWLINE_M = (2800.0, 3300.0)
# Valley floors flatter than this are farmland and settlements, not forest.
VALLEY_FLOOR_SLOPE_DEG = 6.0
# Slopes steeper than ~40 degrees carry bare rock rather than forest or meadow.
ROCK_SLOPE_DEG = 40.0
# Window (pixels) of the coherence estimator written to NAME_coh.tif (a boxcar as in SNAP/GAMMA products).
COHERENCE_WINDOW_PX = 5
# Goldstein & Werner (1998) adaptive filter: 32-pixel patches, exponent alpha 0.3-0.9.
GOLDSTEIN_PATCH_PX = 32
GOLDSTEIN_ALPHA = (0.3, 0.8)
