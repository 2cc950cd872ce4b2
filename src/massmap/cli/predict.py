"""`massmap predict`: map one interferogram to polygons of mass-movement phase patterns."""

from __future__ import annotations

from pathlib import Path

import typer

from massmap.cli.app import OverwriteOption, QuietOption, command
from massmap.constants import MIN_MAPPED_AREA_M2
from massmap.log import console


def default_output(scene: Path) -> Path:
    """Polygons of SCENE go to ./SCENE_massmap.gpkg when no --output is given, SCENE named by its product's
    naming as predict-batch names it (`massmap.products.scene_id`)."""
    from massmap.products import scene_id

    return Path.cwd() / f"{scene_id(scene)}_massmap.gpkg"


@command("predict")
def predict(
    scene: Path = typer.Argument(..., help="Wrapped phase (radians) or complex interferogram raster, a LiCSAR pair "
                                 "folder, a HyP3 product folder or zip, or ifgramStack.h5::YYYYMMDD_YYYYMMDD."),
    output: Path | None = typer.Option(
        None, "--output", "-o", help="Polygons to write, in the scene CRS, in the format the suffix names: .gpkg, "
        ".geojson, .fgb, .shp, .parquet (GeoParquet) or .kml; default ./SCENE_massmap.gpkg."),
    coherence: Path | None = typer.Option(None, "--coherence",
                                          help="Coherence raster (found from product naming if omitted)."),
    probability: Path | None = typer.Option(None, "--probability",
                                            help="Also write the probability map (Cloud-Optimised GeoTIFF)."),
    aoi: Path | None = typer.Option(
        None, "--aoi", help="Map only the part of the scene inside these polygons (GeoPackage, GeoJSON, ...; any "
        "CRS)."),
    report: Path | None = typer.Option(
        None, "--report", help="Also write a self-contained HTML page of the scene: phase, coherence and "
        "probability with the polygons, and every detection as a phase chip."),
    model: str = typer.Option("default", "--model", help="'default' or a model folder."),
    threshold: float | None = typer.Option(None, "--threshold",
                                           help="Probability threshold (default: the model card's, usually 0.5)."),
    min_area: float = typer.Option(MIN_MAPPED_AREA_M2, "--min-area", help="Drop polygons smaller than this (m2)."),
    overlap: float = typer.Option(0.25, "--overlap", help="Overlap of neighbouring tiles (fraction of a tile, 0-0.5)."),
    tta: bool = typer.Option(False, "--tta", help="Average the 8 flips and 90-degree rotations (8x slower)."),
    backend: str = typer.Option("auto", "--backend", help=(
        "torch, onnx, or auto (ONNX Runtime on the CPU, measured faster). onnx exports MODEL/model.onnx on first use "
        "(or into ~/.cache/massmap/onnx when the folder is read-only).")),
    dem: Path | None = typer.Option(None, "--dem", help="DEM raster (needed by models with a slope or los channel)."),
    los: Path | None = typer.Option(
        None, "--los", help="LOS geometry, needed with --dem by models with a los channel: a 3-band GeoTIFF of the "
        "unit vector satellite-to-ground (east, north, up), LiCSAR's FRAME.geo.E.tif (N and U beside it) or HyP3's "
        "*_lv_theta.tif (lv_phi beside it)."),
    band: int | None = typer.Option(None, "--band", help="Band holding the phase in a multi-band raster."),
    rewrap: bool = typer.Option(False, "--rewrap", help="Wrap an unwrapped phase into [-pi, pi) first."),
    coherence_band: int | None = typer.Option(
        None, "--coherence-band", help="Band holding coherence in a multi-band coherence raster."),
    zero_nodata: bool | None = typer.Option(
        None, "--zero-nodata/--keep-zero", help="Treat 0 in phase and coherence as nodata (default: as the product "
        "does; LiCSAR and HyP3 do)."),
    pixel_size: float | None = typer.Option(None, "--pixel-size", help="Pixel size in m for rasters without a CRS."),
    tile_px: int | None = typer.Option(
        None, "--tile-px", help="Tile size in pixels, a multiple of 32 (default: the model card's tile_px, else "
        "its training patch size)."),
    batch_size: int = typer.Option(4, "--batch-size", help="Tiles per network call."),
    overwrite: bool = OverwriteOption,
    quiet: bool = QuietOption,
) -> None:
    """Map mass-movement phase patterns in SCENE to polygons with area, score and uncertainty."""
    from massmap.predict import predict_scene  # torch is imported only when predicting

    output = output or default_output(scene)
    result = predict_scene(
        scene, output, coherence=coherence, dem=dem, los=los, probability=probability, model=model,
        threshold=threshold, min_area_m2=min_area, overlap=overlap, tta=tta, backend=backend, batch_size=batch_size,
        band=band, rewrap=rewrap, pixel_size_m=pixel_size, tile_px=tile_px, progress=not quiet,
        zero_nodata=zero_nodata, coherence_band=coherence_band, report=report,
        aoi=aoi, overwrite=overwrite,
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
