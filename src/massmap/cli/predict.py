"""`massmap predict`: map one interferogram to polygons of mass-movement phase patterns."""

from __future__ import annotations

from pathlib import Path

import typer

from massmap.cli.app import command
from massmap.cli.options import (
    AoiOption,
    BackendOption,
    BandOption,
    BatchSizeOption,
    CoherenceBandOption,
    CoherenceOption,
    DemOption,
    LosOption,
    MinAreaOption,
    ModelOption,
    OverlapOption,
    OverwriteOption,
    PixelSizeOption,
    QuietOption,
    RewrapOption,
    SceneArgument,
    ThresholdOption,
    TileOption,
    TtaOption,
    ZeroNodataOption,
    device_option,
    out_option,
)
from massmap.log import console


def default_output(scene: Path) -> Path:
    """Polygons of SCENE go to ./SCENE_massmap.gpkg when no --out is given, SCENE named by its product's
    naming as predict-batch names it (`massmap.products.scene_id`)."""
    from massmap.products import scene_id

    return Path.cwd() / f"{scene_id(scene)}_massmap.gpkg"


@command("predict")
def predict(
    scene: Path = SceneArgument,
    output: Path | None = out_option(
        None, "Polygons to write, in the scene CRS, in the format the suffix names: .gpkg, .geojson, .fgb, .shp, "
        ".parquet (GeoParquet) or .kml; default ./SCENE_massmap.gpkg.", "--output"),
    coherence: Path | None = CoherenceOption,
    probability: Path | None = typer.Option(
        None, "--probability", metavar="PATH", help="Also write the probability map (Cloud-Optimised GeoTIFF)."),
    aoi: Path | None = AoiOption,
    report: Path | None = typer.Option(
        None, "--report", metavar="PATH", help="Also write a self-contained HTML page of the scene: phase, coherence "
        "and probability with the polygons, and every detection as a phase chip."),
    model: str = ModelOption,
    threshold: float | None = ThresholdOption,
    min_area: float | None = MinAreaOption,
    overlap: float = OverlapOption,
    tta: bool = TtaOption,
    backend: str = BackendOption,
    device: str = device_option("auto"),
    dem: Path | None = DemOption,
    los: Path | None = LosOption,
    band: int | None = BandOption,
    rewrap: bool = RewrapOption,
    coherence_band: int | None = CoherenceBandOption,
    zero_nodata: bool | None = ZeroNodataOption,
    pixel_size: float | None = PixelSizeOption,
    tile_px: int | None = TileOption,
    batch_size: int = BatchSizeOption,
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Map mass-movement phase patterns in SCENE to polygons with area, score and uncertainty."""
    from massmap.predict.run import predict_scene  # torch is imported only when predicting
    from massmap.predict.settings import PredictSettings

    settings = PredictSettings(tile_px=tile_px, overlap=overlap, batch_size=batch_size, backend=backend,
                               threshold=threshold, min_area_m2=min_area, tta=tta)
    output = output or default_output(scene)
    result = predict_scene(
        scene, output, settings=settings, coherence=coherence, dem=dem, los=los, probability=probability,
        model=model, band=band, rewrap=rewrap, pixel_size_m=pixel_size, progress=not quiet,
        zero_nodata=zero_nodata, coherence_band=coherence_band, report=report, aoi=aoi, overwrite=overwrite,
        device=device,
    )
    if not quiet:
        t = result.timings
        console.print(
            f"{len(result.polygons)} polygons -> {output}"
            + (f"; probability -> {probability}" if probability else "")
            + (f"; report -> {report}" if report else "")
            + f" ({t.megapixels:.2f} Mpx in {t.seconds:.1f} s, {t.backend})",
            highlight=False,
        )
