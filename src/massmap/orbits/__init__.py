"""Ascending and descending orbits together: which geometry sees a slope, and detections merged across both.

`from massmap.orbits import combine_orbit_files, combine_orbits, slope_visibility`.
"""

from massmap.orbits.combine import combine_orbit_files, combine_orbits
from massmap.orbits.visibility import slope_visibility, terrain_under_polygons

__all__ = ["combine_orbit_files", "combine_orbits", "slope_visibility", "terrain_under_polygons"]
