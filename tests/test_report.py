"""The self-contained HTML report writer and the atomic JSON writer."""

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from massmap.errors import OutputError
from massmap.report import Report, format_value, write_json


def test_report_embeds_tables_text_and_a_png_figure(tmp_path):
    fig = Figure(figsize=(2, 2))
    fig.add_subplot(1, 1, 1).plot([0, 1], [0, 1])
    report = (
        Report("Model <vs> experts")
        .add_heading("Scores")
        .add_text("IoU <script>alert(1)</script> & Dice")
        .add_table(pd.DataFrame({"metric": ["IoU", "Dice"], "value": [0.4941, 0.6612]}))
        .add_table([{"a": 1, "b": None}, {"a": 2.5, "c": "x"}], caption="dicts")
        .add_table({"n": 3}, max_rows=1)
        .add_figure(fig, caption="a line")
    )
    path = report.write(tmp_path / "r.html")
    text = path.read_text()
    assert "<title>Model &lt;vs&gt; experts</title>" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<td>0.494</td>" in text and "<td>0.661</td>" in text
    assert "<th>c</th>" in text  # columns gathered from every row
    png = base64.b64decode(re.search(r'base64,([^"]+)"', text).group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.glob(".*partial*"))  # no temporary left behind


def test_long_tables_are_cut_with_a_note():
    text = Report("t").add_table([{"i": i} for i in range(10)], max_rows=3).to_html()
    assert text.count("<tr>") == 4 and "first 3 of 10 rows" in text


def test_format_value():
    assert format_value(None) == format_value(float("nan")) == "\u2013"
    assert format_value(0.12345) == "0.123"
    assert format_value(5600.0) == "5,600"
    assert format_value(np.float32(0.5)) == "0.500"
    assert format_value(True) == "yes"


def test_write_json_turns_nan_into_null_and_numpy_into_numbers(tmp_path):
    path = write_json(tmp_path / "r.json", {"a": np.float64("nan"), "b": np.arange(3), "c": np.int64(4)})
    assert json.loads(path.read_text()) == {"a": None, "b": [0, 1, 2], "c": 4}


def test_writing_into_a_missing_folder_is_an_output_error(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        Report("t").write(tmp_path / "missing" / "r.html")
