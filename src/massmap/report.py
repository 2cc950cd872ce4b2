"""Self-contained HTML reports: headings, text, tables and matplotlib figures embedded as PNG, in one file.

    report = Report("Model against expert labels")
    report.add_heading("Pixel level").add_table([{"metric": "IoU", "value": 0.49}])
    report.add_figure(fig, caption="Precision and recall against the IoU threshold")
    report.write("evaluation.html")

The file needs no network and no sibling files, so it can go into a paper's supplement as it is.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html
import io
import json
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from massmap.atomic import atomic_path
from massmap.json_values import json_ready

_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; border-bottom: 2px solid #444; padding-bottom: .3rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; } h3 { font-size: 1.05rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th, td { border: 1px solid #bbb; padding: .25rem .6rem; text-align: right; }
th { background: #eee; } td.text { text-align: left; }
caption { caption-side: bottom; font-size: .85rem; color: #555; padding-top: .3rem; text-align: left; }
figure { margin: 1rem 0; } figure img { max-width: 100%; }
figcaption { font-size: .85rem; color: #555; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; font-size: .8rem; }
.gallery { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .8rem; }
.gallery figure { margin: 0; } .gallery img { width: 100%; image-rendering: pixelated; border: 1px solid #999; }
.gallery figcaption { font-size: .75rem; line-height: 1.3; }
.gallery a { color: inherit; text-decoration: none; }
footer { margin-top: 3rem; font-size: .8rem; color: #777; border-top: 1px solid #ccc; padding-top: .4rem; }
"""


def format_value(value: Any, digits: int = 3) -> str:
    """A table cell: floats to `digits` significant decimals, None/NaN as an en dash, the rest as text."""
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") == "f"):
        v = float(value)
        if math.isnan(v):
            return "\u2013"
        if v != 0 and (abs(v) >= 1e6 or abs(v) < 10 ** -digits):
            return f"{v:.{digits}g}"
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        return f"{v:.{digits}f}"
    return str(value)


class Report:
    """An HTML report built piece by piece; every add_* returns the report so calls can be chained."""

    def __init__(self, title: str, subtitle: str | None = None) -> None:
        self.title = title
        self._parts: list[str] = []
        if subtitle:
            self.add_text(subtitle)

    def add_heading(self, text: str, level: int = 2) -> Report:
        """A section heading (level 2 or 3; the title is level 1)."""
        level = min(max(int(level), 2), 6)
        self._parts.append(f"<h{level}>{html.escape(text)}</h{level}>")
        return self

    def add_text(self, text: str) -> Report:
        """A paragraph of plain text (escaped; blank lines start new paragraphs)."""
        for para in str(text).split("\n\n"):
            if para.strip():
                self._parts.append(f"<p>{html.escape(para.strip())}</p>")
        return self

    def add_table(
        self,
        rows: Any,
        columns: Sequence[str] | None = None,
        caption: str | None = None,
        digits: int = 3,
        max_rows: int | None = None,
    ) -> Report:
        """A table from a pandas DataFrame, a list of dicts, a list of sequences (with `columns`) or a mapping.

        A mapping becomes a two-column key/value table. `max_rows` keeps the first rows and says how many were left.
        """
        header, body = _normalise_rows(rows, columns)
        shown = body if max_rows is None else body[:max_rows]
        out = ["<table>"]
        if caption or len(shown) < len(body):
            note = f" (first {len(shown)} of {len(body)} rows)" if len(shown) < len(body) else ""
            out.append(f"<caption>{html.escape((caption or '') + note)}</caption>")
        if header:
            out.append("<tr>" + "".join(f"<th>{html.escape(str(h))}</th>" for h in header) + "</tr>")
        for row in shown:
            cells = []
            for v in row:
                cls = ' class="text"' if isinstance(v, str) else ""
                cells.append(f"<td{cls}>{html.escape(format_value(v, digits))}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
        self._parts.append("\n".join(out))
        return self

    def add_figure(self, figure: Any, caption: str | None = None, dpi: int = 110, photo: bool = False) -> Report:
        """A matplotlib Figure, embedded as a base64 PNG (`photo`: a JPEG, several times smaller for noisy images
        such as interferograms)."""
        buffer = io.BytesIO()
        fmt = "jpeg" if photo else "png"
        extra = {"pil_kwargs": {"quality": 82}} if photo else {}
        figure.savefig(buffer, format=fmt, dpi=dpi, bbox_inches="tight", **extra)
        data = base64.b64encode(buffer.getvalue()).decode("ascii")
        alt = html.escape(caption or "figure")
        cap = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
        self._parts.append(f'<figure><img alt="{alt}" src="data:image/{fmt};base64,{data}">{cap}</figure>')
        return self

    def add_gallery(self, items: Sequence[tuple[bytes, str]], links: Sequence[str | None] | None = None) -> Report:
        """A grid of small PNG images (bytes) with captions (lines split on newlines), each optionally a link."""
        cells = []
        for k, (png, caption) in enumerate(items):
            data = base64.b64encode(png).decode("ascii")
            lines = "<br>".join(html.escape(line) for line in caption.split("\n"))
            alt = html.escape(caption.splitlines()[0] if caption else "image")
            img = f'<img alt="{alt}" src="data:image/png;base64,{data}">'
            link = links[k] if links else None
            if link:
                img = f'<a href="{html.escape(link)}">{img}</a>'
                lines = f'<a href="{html.escape(link)}">{lines}</a>'
            cells.append(f'<figure class="item">{img}<figcaption>{lines}</figcaption></figure>')
        self._parts.append('<div class="gallery">' + "\n".join(cells) + "</div>")
        return self

    def add_json(self, data: Any, caption: str | None = None) -> Report:
        """A block of pretty-printed JSON (for example the command's full result)."""
        if caption:
            self.add_text(caption)
        self._parts.append(f"<pre>{html.escape(json.dumps(data, indent=2, default=_json_default))}</pre>")
        return self

    def to_html(self) -> str:
        """The whole report as one HTML document."""
        from massmap import __version__

        stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        body = "\n".join(self._parts)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>\n"
            f"<h1>{html.escape(self.title)}</h1>\n{body}\n"
            f"<footer>Written by massmap {html.escape(__version__)} on {stamp}.</footer>\n</body></html>\n"
        )

    def write(self, path: str | os.PathLike) -> Path:
        """Write the report to `path` atomically."""
        text = self.to_html()
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
        return Path(path)


def _normalise_rows(rows: Any, columns: Sequence[str] | None) -> tuple[list[str], list[list[Any]]]:
    """Header and body cells of any supported table input."""
    if hasattr(rows, "to_dict") and hasattr(rows, "columns"):  # a pandas DataFrame
        header = [str(c) for c in rows.columns]
        return header, [list(r) for r in rows.itertuples(index=False)]
    if isinstance(rows, Mapping):
        return list(columns or []), [[str(k), v] for k, v in rows.items()]
    rows = list(rows)
    if rows and isinstance(rows[0], Mapping):
        header = list(columns) if columns else list(dict.fromkeys(k for r in rows for k in r))
        return header, [[r.get(h) for h in header] for r in rows]
    return list(columns or []), [list(r) if isinstance(r, Iterable) and not isinstance(r, str) else [r] for r in rows]


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def write_json(path: str | os.PathLike, data: Any) -> Path:
    """Write a result as indented JSON, atomically (numpy values become plain numbers and lists)."""
    text = json.dumps(json_ready(data), indent=2, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    return Path(path)
