"""The HTML report over data at the edges of float64, and names in any script.

Values past ~1e154 used to break the plots (their squares, spans and
symmetric-log transforms overflow float64): an internal error for 1e200, NaN
axis limits for ±1.7e308, RuntimeWarnings on stderr. Non-Latin names made
matplotlib warn of missing glyphs although the SVG keeps text as text. Each
case runs the real ``labelcheck`` entry point, with warnings as errors, and
expects a clean exit, an empty stderr and every plot drawn.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import labelcheck

pytest.importorskip("matplotlib", reason="the HTML report needs the html extra")

BIG = float(np.finfo(np.float64).max)


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The installed ``labelcheck`` entry point (else ``python -m labelcheck``), warnings fatal."""
    exe = shutil.which("labelcheck")
    cmd = [exe] if exe else [sys.executable, "-m", "labelcheck"]
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    return subprocess.run(
        [*cmd, *map(str, args)], capture_output=True, text=True, timeout=180, env=env
    )


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.S)


def texts(fragment: str) -> list[str]:
    """The plots' text nodes (svg.fonttype none: text stays <text>)."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r"<text\b.*?</text>", fragment, re.S)]


def frame(**extremes: dict[int, float]) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame(
        {"a": rng.normal(size=n), "b": rng.normal(size=n), "y": rng.integers(0, 3, n)}
    )
    for column, cells in extremes.items():
        if column == "target":
            df["y"] = rng.normal(size=n)
            column = "y"
        df[column] = df[column].astype(float)
        for row, value in cells.items():
            df.loc[row, column] = value
    return df


CASES = {
    # issue 16.12: one feature value of 1e200 was an internal error (OverflowError)
    "feature 1e200": frame(a={5: 1e200}),
    "feature 1e155": frame(a={5: 1e155, 6: -1e155}),
    "features at both limits": frame(a={5: BIG, 6: -BIG}, b={7: -1.7e308}),
    "feature all at the limit": frame(a=dict.fromkeys(range(300), BIG)),
    "regression target at the limit": frame(target={1: BIG, 2: -BIG}),
    "regression target up to 1.7e308": frame(target={3: 1.7e308}),
    # issue 16.13: value->count moments of classes at 1e308 (RuntimeWarning: overflow)
    "class ids at 1e308": frame(y=dict.fromkeys(range(11), 1e308)),
    "subnormals": frame(a=dict.fromkeys(range(0, 300, 2), 5e-324)),
    # found by the hunt: np.interp's slopes over a subnormal-wide bin overflowed
    "regression target of subnormals": frame(
        target={i: (-1) ** i * 5e-324 * (i % 17) for i in range(300)}
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_scan_html_of_values_near_the_float64_limit(tmp_path, case):
    data, out = tmp_path / "data.csv", tmp_path / "report.html"
    CASES[case].to_csv(data, index=False)
    proc = cli("scan", data, "--label", "y", "--format", "html", "-o", out)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == ""
    page = out.read_text(encoding="utf-8")
    plots = svgs(page)
    assert len(plots) >= 2  # the label and the feature scales, at least
    # No "nan" or "inf" standing for a number in a plot or caption (an infinite m2 is a
    # std past what float64 sums hold, written as a bound: "std > 6.1e+152").
    shown = [t for svg in plots for t in texts(svg)] + texts(page.replace("figcaption", "text"))
    assert not [t for t in shown if re.search(r"(?<![/\w])(nan|inf)\b", t)]


def test_a_feature_at_1e200_is_drawn_where_it_is(tmp_path):
    """The scale axis reaches 1e+200 (its ticks say so): the value is not clipped away."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = labelcheck.scan(CASES["feature 1e200"], label="y").to_html()
    scale = re.search(r'<figure class="plot" id="r0-scale">(.*?)</figure>', page, re.S)
    assert scale is not None
    ticks = texts(scale.group(1))
    assert "1e+200" in ticks and "0" in ticks


def test_a_gap_before_a_class_id_of_1e308_is_counted_in_a_few_characters():
    """The gap note printed int(1e308) with its 309 digits, across the whole plot."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        page = labelcheck.scan(CASES["class ids at 1e308"], label="y").to_html()
    label = re.search(r'<figure class="plot" id="r0-label">(.*?)</figure>', page, re.S)
    assert label is not None
    gaps = [t for t in texts(label.group(1)) if t.startswith("gap:")]
    assert gaps == ["gap: 1e+308 missing ids"]


def test_fix_report_of_values_near_the_float64_limit(tmp_path):
    data, out, report = tmp_path / "data.csv", tmp_path / "fixed.csv", tmp_path / "fix.html"
    frame(a={5: BIG, 6: -BIG}, y=dict.fromkeys(range(11), 1e308)).to_csv(data, index=False)
    proc = cli("fix", data, "--label", "y", "-o", out, "--report", report)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert len(svgs(report.read_text(encoding="utf-8"))) == 4


def test_non_latin_names_are_text_and_no_warning(tmp_path):
    """价格 and 猫/狗/鸟: no "Glyph ... missing" warning, and the plots show the names."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"价格": rng.normal(size=200), "y": rng.choice(["猫", "狗", "鸟"], 200)})
    df.loc[3, "价格"] = 1e6  # flagged, so it also gets a histogram row
    data, out = tmp_path / "data.csv", tmp_path / "report.html"
    df.to_csv(data, index=False)
    proc = cli("scan", data, "--label", "y", "--format", "html", "-o", out)
    assert proc.returncode in (0, 1), proc.stderr
    assert proc.stderr == ""
    shown = [t for svg in svgs(out.read_text(encoding="utf-8")) for t in texts(svg)]
    for name in ("猫", "狗", "鸟"):
        assert name in shown  # the class ticks
    assert any(t.startswith("价格") for t in shown)  # the scale plot's row


def test_unseen_class_labels_stand_over_their_own_class():
    """issue 16.18: "not in reference" sat between the bars, across the neighbour's slot.

    Measured as matplotlib lays the figure out: each label lies within its own
    class's pair of bars (x - 0.4 .. x + 0.4) and overlaps no bar.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import Rectangle

    from labelcheck.report import plots

    items = [(0, 50), (1, 60), (2, 40), (3, 30), (4, 35), (5, 20)]
    reference = [(0, 100), (1, 90), (2, 110)]
    with plots.style():
        fig = plots.proportions_figure(items, reference, title="shares")
        assert fig is not None
        canvas = FigureCanvasAgg(fig)
        canvas.draw()  # lays the figure out
        renderer = canvas.get_renderer()
        ax = fig.axes[0]
        labels = [t for t in ax.texts if "not in reference" in t.get_text()]
        assert len(labels) == 3
        bars = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, Rectangle)]
        to_px = ax.transData.transform
        for cls, label in zip((3, 4, 5), labels, strict=True):
            box = label.get_window_extent(renderer)
            left, right = to_px((cls - 0.4, 0))[0], to_px((cls + 0.4, 0))[0]
            assert left <= box.x0 and box.x1 <= right, (cls, box, left, right)
            assert not any(box.overlaps(bar) and bar.height > 1 for bar in bars)
