"""Options shared by several commands, each named and worded once (rasterio's `rio/options.py` is the model).

Defaults come from the settings objects (`PredictSettings`, the constants), never typed here. One name per
idea: `--out` is what a command writes (`-o` for short; `predict`'s `--output` and `predict-batch`'s `--out-dir`
stay as aliases); `--model`, `--threshold`, `--min-area`, `--backend` mean the same in every command. Nothing
here imports torch, onnxruntime, geopandas, matplotlib or Dask: `--help` must stay instant.
"""

from __future__ import annotations

from typing import Any

import typer

from massmap.constants import DEFAULT_MODEL, MIN_MAPPED_AREA_M2
from massmap.predict.backends import BACKEND_HELP
from massmap.predict.settings import DEFAULTS, TILE_MULTIPLE_PX
from massmap.settings_json import FieldDefaults
from massmap.train.config import TrainConfig

TRAIN = FieldDefaults(TrainConfig)


def out_option(default: Any, help: str, *aliases: str) -> Any:
    """`--out/-o PATH`: what the command writes (`aliases` keep older names working)."""
    return typer.Option(default, "--out", "-o", *aliases, metavar="PATH", help=help)


# Inputs of a scene.
SceneArgument = typer.Argument(
    ..., metavar="SCENE", help="Wrapped phase (radians) or complex interferogram raster, a LiCSAR pair folder, a HyP3 "
    "product folder or zip, or ifgramStack.h5::YYYYMMDD_YYYYMMDD.")
CoherenceOption = typer.Option(
    None, "--coherence", metavar="PATH", help="Coherence raster (found from the product's naming if omitted).")
DemOption = typer.Option(
    None, "--dem", metavar="PATH", help="DEM raster (needed by models with a slope or los channel).")
LosOption = typer.Option(
    None, "--los", metavar="PATH",
    help="LOS geometry, needed with --dem by models with a los channel: a 3-band GeoTIFF of the unit vector "
    "satellite-to-ground (east, north, up), LiCSAR's FRAME.geo.E.tif (N and U beside it) or HyP3's "
    "*_lv_theta.tif (lv_phi beside it).")
BandOption = typer.Option(None, "--band", metavar="N", help="Band holding the phase in a multi-band raster.")
RewrapOption = typer.Option(False, "--rewrap", help="Wrap an unwrapped phase into [-pi, pi) first.")
CoherenceBandOption = typer.Option(
    None, "--coherence-band", metavar="N", help="Band holding coherence in a multi-band coherence raster.")
ZeroNodataOption = typer.Option(
    None, "--zero-nodata/--keep-zero", help="Treat 0 in phase and coherence as nodata (default: as the product "
    "does; LiCSAR and HyP3 do).")
AoiOption = typer.Option(
    None, "--aoi", metavar="PATH", help="Map only the part of the scene inside these polygons (GeoPackage, GeoJSON, "
    "...; any CRS).")
PixelSizeOption = typer.Option(
    None, "--pixel-size", metavar="METRES", help="Pixel size in m for rasters without a CRS.")

# The model and how it maps (defaults: PredictSettings).
ModelOption = typer.Option(
    DEFAULT_MODEL, "--model", metavar="MODEL", help="'default' (the shipped model) or a model folder.")
ThresholdOption = typer.Option(
    DEFAULTS.threshold, "--threshold", metavar="P", help="Probability threshold (default: the model card's).")
MinAreaOption = typer.Option(
    DEFAULTS.min_area_m2, "--min-area", metavar="M2",
    help=f"Drop polygons smaller than this, in m2 (default: the model card's, else {MIN_MAPPED_AREA_M2:,.0f}).")
OverlapOption = typer.Option(
    DEFAULTS.overlap, "--overlap", metavar="FRACTION",
    help="Overlap of neighbouring tiles (fraction of a tile, 0-0.5).")
TileOption = typer.Option(
    DEFAULTS.tile_px, "--tile-px", metavar="PX",
    help=f"Tile side in pixels, a multiple of {TILE_MULTIPLE_PX} (default: the model card's tile_px, else its "
    "training patch size).")
TtaOption = typer.Option(
    DEFAULTS.tta, "--tta", help="Average the 8 flips and 90-degree rotations (8x slower).")
BackendOption = typer.Option(DEFAULTS.backend, "--backend", metavar="NAME", help=BACKEND_HELP)
BatchSizeOption = typer.Option(DEFAULTS.batch_size, "--batch-size", metavar="N", help="Tiles per network call.")


def device_option(default: str) -> Any:
    """`--device`: where the network runs (`predict` and `predict-batch` differ only in the default)."""
    return typer.Option(default, "--device", metavar="DEVICE",
                        help="cpu, cuda (refused where no CUDA GPU is visible) or auto (cuda when there is one).")

# How a network is trained (`train`, `benchmark-models`; defaults: TrainConfig).
PatchSizeOption = typer.Option(
    TRAIN.patch_size, "--patch-size", metavar="PX", help="Patch side in pixels (a multiple of 32).")
PatchesPerStepOption = typer.Option(TRAIN.batch_size, "--batch-size", metavar="N", help="Patches per step.")
LabelsWhereOption = typer.Option(
    TRAIN.where, "--where", metavar="SQL", help="Keep label polygons matching this OGR SQL filter.")
PrecisionOption = typer.Option(
    TRAIN.precision, "--precision", metavar="NAME", help="32-true, or bf16-mixed (faster on CPUs with BF16).")

QuietOption = typer.Option(False, "--quiet", "-q", help="Print only errors.")
OverwriteOption = typer.Option(False, "--overwrite", help="Replace existing output files (refused otherwise).")

