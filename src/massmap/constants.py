"""Physical constants of Sentinel-1 and the study, each with its source."""

import math

# Sentinel-1 C-SAR centre frequency 5.405 GHz (ESA Sentinel-1 User Handbook): lambda = c / f.
WAVELENGTH_M = 0.05547
# One fringe (2*pi of interferometric phase) is lambda/2 of line-of-sight motion (two-way path).
FRINGE_LOS_M = WAVELENGTH_M / 2.0

# Sentinel-1 IW swath incidence angles (ESA Sentinel-1 User Handbook: 29.1-46.0 degrees).
INCIDENCE_NEAR_DEG = 30.0
INCIDENCE_FAR_DEG = 46.0
# Incidence grows with ground range across the ~250 km IW swath by 16 degrees (ESA Sentinel-1 User Handbook).
IW_SWATH_WIDTH_M = 250_000.0
# Satellite heading (flight direction, clockwise from north) over the Alps.
HEADING_ASCENDING_DEG = -12.0
HEADING_DESCENDING_DEG = -168.0

# The study found expert inventories undersampled below about 5,600 m2 (rollover of the area density).
MIN_MAPPED_AREA_M2 = 5600.0
# Object matching threshold used by the study for object-level precision.
OBJECT_IOU_THRESHOLD = 0.4
# Ascending and descending polygons overlapping less than this IoU are two single-orbit detections, not one seen
# twice (`massmap combine --min-iou`).
ORBIT_MATCH_MIN_IOU = 0.1
# Bootstrap resamples of an inventory's power-law fit (its confidence interval), `inventory-stats --bootstrap`.
INVENTORY_BOOTSTRAP = 100


# `massmap demo`'s scene: a seed never used in training (training seeds are 101-107) and its side in pixels.
# Here rather than in massmap.demo so the command line can show them without importing torch.
DEMO_SEED = 2026
DEMO_SIZE = 1024


def los_phase_rad(displacement_los_m, wavelength_m: float = WAVELENGTH_M):
    """Interferometric phase of a line-of-sight displacement: 4*pi*d/lambda (positive d away from the radar)."""
    return 4.0 * math.pi * displacement_los_m / wavelength_m

# The name that stands for the model shipped in the package (src/massmap/weights/default).
DEFAULT_MODEL = "default"
