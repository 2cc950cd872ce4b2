"""Outputs that open styled in QGIS: polygons graduated by score, and a probability COG that says what it holds.

QGIS loads a GeoPackage layer's default style from the `layer_styles` table of the same file (the table QGIS
itself writes with "Save as default"), so the style travels with the polygons. The probability raster carries a
band description and tags (model, threshold, massmap version, input) that QGIS shows in its layer properties and
`gdalinfo` prints.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

STYLE_TABLE = "layer_styles"
STYLE_NAME = "massmap score"
# Colours of the score classes, low to high (ColorBrewer YlOrRd), and their fill opacity (0-255).
SCORE_COLOURS = ("254,217,118", "253,141,60", "227,26,28", "128,0,38")
FILL_ALPHA = 120
PROBABILITY_DESCRIPTION = "probability of a mass-movement phase pattern (0-1)"
SPREAD_DESCRIPTION = "spread of the probability over 8 flips and rotations (test-time augmentation)"


def _symbol(name: str, rgb: str) -> str:
    options = {
        "color": f"{rgb},{FILL_ALPHA}", "style": "solid", "outline_color": f"{rgb},255",
        "outline_style": "solid", "outline_width": "0.6", "outline_width_unit": "MM",
    }
    opts = "".join(f'<Option type="QString" name="{k}" value="{v}"/>' for k, v in options.items())
    props = "".join(f'<prop k="{k}" v="{v}"/>' for k, v in options.items())
    return (f'<symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">'
            f'<layer class="SimpleFill" enabled="1" locked="0" pass="0"><Option type="Map">{opts}</Option>{props}'
            "</layer></symbol>")


def score_classes(threshold: float, n: int = len(SCORE_COLOURS)) -> list[tuple[float, float]]:
    """Equal score intervals from the threshold (polygons never score below it) up to 1."""
    edges = np.linspace(threshold, 1.0, n + 1)
    return [(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:])]


def score_style_qml(threshold: float) -> str:
    """A QGIS style (QML) drawing polygons in graduated colours by their `score`, darker for higher scores."""
    classes = score_classes(threshold)
    ranges = "".join(
        f'<range lower="{lo:.4f}" upper="{hi:.4f}" symbol="{k}" label="score {lo:.2f} - {hi:.2f}" render="true"/>'
        for k, (lo, hi) in enumerate(classes))
    symbols = "".join(_symbol(str(k), rgb) for k, rgb in enumerate(SCORE_COLOURS[: len(classes)]))
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        '<qgis version="3.28.0" styleCategories="Symbology">'
        '<renderer-v2 type="graduatedSymbol" attr="score" graduatedMethod="GraduatedColor" symbollevels="0" '
        'enableorderby="0" forceraster="0">'
        f"<ranges>{ranges}</ranges><symbols>{symbols}</symbols>"
        f"<source-symbol>{_symbol('0', SCORE_COLOURS[-1])}</source-symbol>"
        '<mode name="equal"/></renderer-v2></qgis>\n'
    )


def add_score_style(gpkg: str | os.PathLike, layer: str, threshold: float, geometry_column: str = "geom") -> None:
    """Store the score style as `layer`'s default QGIS style in the GeoPackage's `layer_styles` table."""
    import pyogrio

    row = {
        "f_table_catalog": "", "f_table_schema": "", "f_table_name": layer, "f_geometry_column": geometry_column,
        "styleName": STYLE_NAME, "styleQML": score_style_qml(threshold), "styleSLD": "", "useAsDefault": True,
        "description": f"massmap: polygons graduated by score from the threshold {threshold:g}", "owner": "",
        "ui": "", "update_time": dt.datetime.now(dt.UTC).replace(tzinfo=None),
    }
    pyogrio.write_dataframe(pd.DataFrame([row]), str(gpkg), layer=STYLE_TABLE, driver="GPKG", append=False)


def data_layer(path: str | os.PathLike) -> str | None:
    """The data layer of a GeoPackage, past QGIS's style table (None for other formats: their reader's default)."""
    import pyogrio

    if Path(path).suffix.lower() != ".gpkg":
        return None
    layers = [str(name) for name, _ in pyogrio.list_layers(str(path)) if name != STYLE_TABLE]
    return layers[0] if layers else None


def describe_probability(path: str | os.PathLike, tags: Mapping[str, object], spread_band: bool = False) -> None:
    """Give a probability raster its band descriptions and tags (before it is copied to a COG, which keeps them)."""
    import rasterio

    with rasterio.open(Path(path), "r+") as dst:
        dst.set_band_description(1, PROBABILITY_DESCRIPTION)
        if spread_band and dst.count > 1:
            dst.set_band_description(2, SPREAD_DESCRIPTION)
        dst.update_tags(**{k: str(v) for k, v in tags.items()})
