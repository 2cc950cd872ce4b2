"""The comparison figure: held-out pixel IoU against CPU speed, marker area proportional to the parameters."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from massmap.atomic import atomic_path
from massmap.compare.studies import STUDIES

_COLOURS = dict(zip(STUDIES, ("tab:blue", "tab:orange", "tab:green")))
# Marker area in points^2 per million parameters.
_AREA_PER_MPARAM = 12.0


def comparison_figure(rows: Sequence) -> Figure:
    """A scatter of pixel IoU vs CPU megapixels per second, one marker per trained model, coloured by study."""
    fig = Figure(figsize=(7.5, 5), constrained_layout=True)
    ax = fig.add_subplot(1, 1, 1)
    seen: dict[str, list[str]] = {}
    for study in STUDIES:
        picked = [r for r in rows if r.study == study]
        if not picked:
            continue
        ax.scatter([r.cpu_mp_per_s for r in picked], [r.pixel_iou for r in picked],
                   s=[max(r.parameters / 1e6, 0.05) * _AREA_PER_MPARAM for r in picked], alpha=0.6,
                   color=_COLOURS[study], edgecolor="black", linewidth=0.5, label=study)
        for r in picked:
            seen.setdefault(r.run, []).append(r.setting if study != STUDIES[0] else r.arch)
    by_run = {r.run: r for r in rows}
    for run, labels in seen.items():
        r = by_run[run]
        ax.annotate(" / ".join(dict.fromkeys(labels)), (r.cpu_mp_per_s, r.pixel_iou), fontsize=7,
                    xytext=(4, 4), textcoords="offset points")
    ax.set(xlabel="CPU megapixels per second (float32 forward pass)", ylabel="pixel IoU (held-out patches)",
           title="Accuracy vs speed (marker area: parameters)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8, markerscale=0.5)
    return fig


def write_figure(rows: Sequence, path: str | Path) -> Path:
    """Draw the comparison figure into a PNG, atomically."""
    fig = comparison_figure(rows)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    return Path(path)
