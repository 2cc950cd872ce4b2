"""Ascending and descending orbits together: which geometry sees a slope, and detections merged across both.

`from massmap.orbits import combine_orbit_files, combine_orbits, slope_visibility`.
"""

import lazy_loader

# Names load from their submodules on first use, so importing one light submodule (a settings class, say)
# does not import torch, geopandas or Dask with its siblings.
__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "combine": ["combine_orbit_files", "combine_orbits"],
        "visibility": ["slope_visibility", "terrain_under_polygons"],
    },
)
