"""A scene's facts for `massmap info`: grid, kind, phase range, coherence and nodata."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from massmap import preflight
from massmap.io.scene import open_scene
from massmap.log import get_logger

log = get_logger(__name__)

# Scenes above this many pixels are summarised from a sample of windows, so `info` answers in a second.
FULL_SCAN_PIXELS = 256_000_000
INFO_SAMPLE_BANDS, INFO_SAMPLE_PX = 16, 64


@dataclass
class SceneInfo:
    """Summary of one interferogram."""

    path: str
    kind: str
    width: int
    height: int
    crs: str
    pixel_size_x_m: float | None
    pixel_size_y_m: float | None
    area_km2: float | None
    coherence_source: str
    phase_min_rad: float
    phase_max_rad: float
    coherence_mean: float
    coherence_median: float
    coherence_p10: float
    coherence_p90: float
    nodata_fraction: float

    def as_rows(self) -> list[tuple[str, str]]:
        """(label, value) pairs for printing."""
        px = ("unknown (no CRS)" if self.pixel_size_x_m is None
              else f"{self.pixel_size_x_m:.2f} x {self.pixel_size_y_m:.2f} m")
        area = "unknown (no CRS; give --pixel-size)" if self.area_km2 is None else f"{self.area_km2:.3f} km2"
        return [
            ("kind", self.kind),
            ("size", f"{self.width} x {self.height} pixels"),
            ("CRS", self.crs),
            ("pixel size", px),
            ("area", area),
            ("phase range", f"[{self.phase_min_rad:.4f}, {self.phase_max_rad:.4f}] rad"),
            ("coherence", self.coherence_source),
            ("coherence mean / median", f"{self.coherence_mean:.3f} / {self.coherence_median:.3f}"),
            ("coherence p10 / p90", f"{self.coherence_p10:.3f} / {self.coherence_p90:.3f}"),
            ("nodata fraction", f"{self.nodata_fraction:.4f}"),
        ]

    def to_dict(self) -> dict:
        """Plain dict (for JSON)."""
        return asdict(self)


def scene_info(
    path: str | Path,
    coherence: str | Path | None = None,
    band: int | None = None,
    rewrap: bool = False,
    pixel_size_m: float | None = None,
    zero_nodata: bool | None = None,
    coherence_band: int | None = None,
) -> SceneInfo:
    """Open and scan a scene (any layout `massmap.products` reads), and summarise its grid, phase and coherence."""
    with open_scene(path, coherence, band=band, rewrap=rewrap, pixel_size_m=pixel_size_m, zero_nodata=zero_nodata,
                    coherence_band=coherence_band) as scene:
        preflight.check_scene(scene)
        sampled = scene.grid.height * scene.grid.width > FULL_SCAN_PIXELS
        if sampled:
            log.info("%s: %d x %d pixels; statistics from %d sampled windows", path, scene.grid.width,
                     scene.grid.height, INFO_SAMPLE_BANDS**2)
        stats = scene.scan(preflight.sample_windows(scene.grid, INFO_SAMPLE_BANDS, INFO_SAMPLE_PX) if sampled else None)
        grid = scene.grid
        known = grid.crs is not None or pixel_size_m is not None
        px, py = grid.pixel_size_xy_m() if known else (None, None)
        return SceneInfo(
            path=str(path), kind=scene.kind, width=grid.width, height=grid.height,
            crs=grid.crs.to_string() if grid.crs else "none (pixel units)",
            pixel_size_x_m=px, pixel_size_y_m=py, area_km2=grid.area_km2() if known else None,
            coherence_source=(scene.coherence_source if scene.has_coherence
                              else "proxy (phase consistency; no coherence file)"),
            phase_min_rad=stats.phase_min_rad, phase_max_rad=stats.phase_max_rad,
            coherence_mean=stats.coherence_mean, coherence_median=stats.coherence_median,
            coherence_p10=stats.coherence_p10, coherence_p90=stats.coherence_p90,
            nodata_fraction=stats.nodata_fraction,
        )
