"""The HTML report's plots: matplotlib figures rendered to inline SVG, text kept as text.

matplotlib is imported here only, and only when a plot is drawn (``--format
html``, ``Report.to_html()``), so a text scan never pays for it. Figures are
built with ``matplotlib.figure.Figure`` (no pyplot: no global state, and the
user's backend in a notebook is left alone) under an ``rc_context`` that keeps
text as ``<text>`` (``svg.fonttype: none``: small, searchable, selectable) and
ids deterministic. Plots read statistics only, never rows.

Colours come from the Okabe-Ito palette (safe for colour-blind readers), and
every colour is doubled by a shape, a hatch or a text label, so a page printed
in black and white still says which feature or class is the problem.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from labelcheck.text import fmt

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from labelcheck.rules.base import Finding
    from labelcheck.stats.column import ColumnStats

#: Colour, marker and hatch per severity ("ok": nothing found).
COLOR = {"error": "#D55E00", "warning": "#E69F00", "info": "#56B4E9", "ok": "#0072B2"}
MARKER = {"error": "X", "warning": "^", "info": "s", "ok": "o"}
#: Line hatches only: dot hatches become hundreds of curves in the SVG.
HATCH = {"error": "///", "warning": "\\\\\\", "info": "", "ok": ""}
SYMBOL = {"error": "✖", "warning": "▲", "info": "■", "ok": ""}
GREY = "#8C8C8C"
#: Rows of the scale plot at most; past it, flagged features first, the rest counted.
SCALE_ROWS = 60
#: Classes drawn one bar each at most (past it, a histogram of the ids).
MAX_BARS = 400
#: Gaps between class ids annotated with their size at most (the largest).
GAP_NOTES = 6
#: Label codes whose values are classes to mark on the label plot.
MARKED_CODES = ("LC203", "LC204", "LC205", "LC209", "LC210", "LC214")

_RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "labelcheck",
    "font.size": 9,
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "hatch.linewidth": 0.8,
}


@dataclass(frozen=True)
class Mark:
    """How a plotted item is flagged: severity and the codes that flag it."""

    severity: str
    codes: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{SYMBOL[self.severity]} {', '.join(self.codes)}"


def worst(findings: Sequence[Finding]) -> Mark | None:
    """The mark of an item with these findings (None without any)."""
    if not findings:
        return None
    rank = {"error": 2, "warning": 1, "info": 0}
    severity = max((f.severity for f in findings), key=rank.__getitem__)
    return Mark(severity, tuple(dict.fromkeys(f.code for f in findings)))


def warm_up() -> None:
    """Import matplotlib (about half a second) ahead of the first plot.

    Run in a thread while a scan computes its statistics, so that the import
    overlaps the scan instead of following it.
    """
    from matplotlib.backends import backend_svg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401


def to_svg(fig: Figure) -> str:
    """The figure as an ``<svg>`` element to inline in HTML (no XML prologue, no metadata)."""
    import warnings

    buf = io.StringIO()
    with warnings.catch_warnings():
        # Text stays text (svg.fonttype none): the browser draws it with its own fonts,
        # and anchors it itself (text-anchor), so a character none of matplotlib's fonts
        # has (价格, 猫) only makes matplotlib's own measure of a label approximate. Its
        # "Glyph ... missing from font(s)" warning is for text it draws as glyphs: not
        # here. Only that message, only while this figure is laid out and written.
        warnings.filterwarnings(
            "ignore", message=r"Glyph \d+ \(.*\) missing from font", category=UserWarning
        )
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # Auto ids (patch_1, text_3) repeat in every figure of the page; nothing refers to them.
    text = re.sub(
        r' id="(?:figure|axes|patch|line2d|text|matplotlib\.axis|[xy]tick|'
        r'legend|PolyCollection|PathCollection|LineCollection|[a-z]+)_\d+"',
        "",
        text,
    )
    # matplotlib names markers, clip paths and hatches by a hash of their content, so two
    # figures of one page define the same id twice: prefix them with this figure's hash.
    import hashlib

    own = "f" + hashlib.sha1(text.encode()).hexdigest()[:6] + "-"
    text = re.sub(r'(id="|#)([mph][0-9a-f]{10})\b', rf"\g<1>{own}\g<2>", text)
    # Responsive: scale to the page width, keep the aspect ratio.
    return re.sub(r'<svg ([^>]*?)width="([\d.]+)pt" height="([\d.]+)pt"',
                  r'<svg \1width="\2pt" height="\3pt" style="max-width:100%;height:auto"',
                  text, count=1)  # fmt: skip


def _figure(
    width: float,
    height: float,
    *,
    left: float = 0.7,
    right: float = 0.2,
    top: float = 0.35,
    bottom: float = 0.55,
) -> Figure:
    """A figure with margins in inches.

    Fixed margins rather than constrained layout or a tight bounding box:
    both draw the figure again to measure its text, which doubled or tripled
    the time to render a report.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        top=1 - top / height,
        bottom=bottom / height,
    )
    return fig


def _text(value: Any) -> str:
    """Data as matplotlib text: ``$`` would start mathtext."""
    return str(value).replace("$", r"\$")


def tick(value: float | None) -> str:
    """An axis tick in a few characters: 8000, 0.25, 1e+06 (values elsewhere: text.fmt)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    v = float(value)
    if v.is_integer() and abs(v) < 1e7:
        return f"{int(v):,}" if abs(v) >= 1e4 else str(int(v))
    return f"{v:.3g}"


def style() -> Any:
    """A context in which to build and save the report's figures (the user's rc untouched)."""
    import matplotlib

    return matplotlib.rc_context(_RC)


def _plain_ticks(axis: Any) -> None:
    """Plain tick labels (1, 100, 1e+06) on a log axis, and no minor ticks.

    matplotlib's default log labels are mathtext ($10^{2}$), whose parser took
    most of a report's rendering time; the minor ticks were a line each.
    """
    from matplotlib.ticker import FuncFormatter, NullLocator

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: tick(v)))
    axis.set_minor_locator(NullLocator())


# ------------------------------------------------------------------ label plot
def label_figure(
    stats: ColumnStats,
    name: str,
    findings: Sequence[Finding],
    *,
    title: str | None = None,
    regression: bool = False,
) -> Figure | None:
    """Class counts on a log axis (outliers, negatives and gaps marked); else a histogram."""
    items = None if regression else stats.sorted_distinct()
    if items and len(items) <= MAX_BARS:
        return _class_bars(items, name, findings, title)
    if stats.hist is not None and stats.n:
        fig = _figure(8.0, 2.8)
        ax = fig.add_subplot()
        ax.set_xlabel("label value")
        _histogram(ax, stats, mark=worst(findings))
        ax.set_title(_text(title or f"label {name!r}: distribution of the target"))
        return fig
    return None


def _class_bars(
    items: list[tuple[Any, int]], name: str, findings: Sequence[Finding], title: str | None
) -> Figure:
    marks: dict[Any, list[Finding]] = {}
    for f in findings:
        if f.code in MARKED_CODES:
            for v in f.values:
                marks.setdefault(v, []).append(f)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v, _ in items)
    # Positions: one slot per class, plus a wider slot where ids are missing
    # between neighbours, so 8000 stands apart from 0..4 on the axis.
    xs, gaps, x = [], [], 0.0
    for i, (v, _) in enumerate(items):
        if i and numeric:
            missing = v - items[i - 1][0] - 1
            if missing >= 1 and float(missing).is_integer():
                gaps.append((x + 0.15, int(missing)))
                x += 1.3
        xs.append(x)
        x += 1.0
    counts = np.array([c for _, c in items], dtype=float)
    step = max(1, len(items) // 40)
    shown = [i for i in range(len(items)) if i % step == 0 or items[i][0] in marks]
    ticks = [_short(fmt(items[i][0]) if numeric else items[i][0]) for i in shown]
    rotate = len(shown) > 12 or max(map(len, ticks), default=0) > 6
    bottom = 0.5 + (_text_width(ticks, 9) if rotate else 0.0)
    width = min(10.0, 3.2 + 0.34 * len(items) + 0.5 * len(gaps))
    fig = _figure(width, 2.6 + bottom, bottom=bottom, top=0.35)
    ax = fig.add_subplot()
    for xi, (v, c) in zip(xs, items, strict=True):
        mark = worst(marks.get(v, []))
        if mark is None and numeric and v < 0:
            mark = Mark("error", ("negative",))
        color = COLOR[mark.severity] if mark else COLOR["ok"]
        ax.bar(
            xi,
            c,
            width=0.8,
            color=color,
            edgecolor="black" if mark else color,
            linewidth=0.6,
            hatch=HATCH[mark.severity] if mark else "",
        )
        if len(items) <= 40:
            ax.annotate(
                f"{c:,}", (xi, c), xytext=(0, 2), textcoords="offset points",
                ha="center", va="bottom", fontsize=7,
            )  # fmt: skip
        if mark:
            ax.annotate(
                _text(mark.label), (xi, c), xytext=(0, 12), textcoords="offset points",
                ha="center", va="bottom", fontsize=8, color="black", fontweight="bold",
            )  # fmt: skip
    top = counts.max() if counts.size else 1.0
    for gx, _ in sorted(gaps, key=lambda g: -g[1])[:50]:
        ax.axvspan(gx, gx + 1.0, color=GREY, alpha=0.15, hatch="xx", linewidth=0)
    for gx, missing in sorted(gaps, key=lambda g: -g[1])[:GAP_NOTES]:
        ax.text(
            gx + 0.5, top ** 0.5 if top > 1 else 1.0, f"gap: {_count(missing)} missing id"
            f"{'s' if missing != 1 else ''}", rotation=90, ha="center", va="center",
            fontsize=7, color="#444444",
        )  # fmt: skip
    ax.set_yscale("log")
    _plain_ticks(ax.yaxis)
    ax.set_ylim(0.5, top * 8)
    ax.set_xticks([xs[i] for i in shown], [_text(t) for t in ticks])
    if rotate:
        ax.tick_params(axis="x", labelrotation=90)
    ax.set_xlabel("class id" if numeric else "class")
    ax.set_ylabel("rows (log scale)")
    ax.set_title(
        _text(title or f"label {name!r}: {len(items):,} classes, rows per class"),
    )
    return fig


def proportions_figure(
    items: list[tuple[Any, int]], reference: list[tuple[Any, int]], *, title: str
) -> Figure | None:
    """Class proportions of this split beside the reference split's, class by class.

    Classes the reference never has are coloured and labelled upright in the
    reference's empty slot (LC304's unseen classes); the reference's bars are
    white and hatched, so the pair reads in black and white.
    """
    mine, theirs = dict(items), dict(reference)
    try:
        classes = sorted(set(mine) | set(theirs))
    except TypeError:
        classes = sorted(set(mine) | set(theirs), key=str)
    if not classes or len(classes) > MAX_BARS:
        return None
    total_mine, total_ref = sum(mine.values()) or 1, sum(theirs.values()) or 1
    x = np.arange(len(classes), dtype=float)
    p_mine = np.array([mine.get(c, 0) / total_mine for c in classes])
    p_ref = np.array([theirs.get(c, 0) / total_ref for c in classes])
    unseen = [c not in theirs for c in classes]
    fig = _figure(min(10.0, 4.6 + 0.45 * len(classes)), 3.0, bottom=0.6, right=1.3)
    ax = fig.add_subplot()
    colors = [COLOR["error"] if u else COLOR["ok"] for u in unseen]
    ax.bar(x - 0.2, p_mine, width=0.4, color=colors, edgecolor="black", linewidth=0.5,
           label="this split")  # fmt: skip
    ax.bar(x + 0.2, p_ref, width=0.4, color="white", edgecolor="black", linewidth=0.6,
           hatch="///", label="reference")  # fmt: skip
    # In the reference's own slot of the class, empty since the reference has none of
    # it, upright: a label laid flat over the bar was wider than a class and sat
    # between the bars, as if it named the neighbour.
    for xi, u in zip(x, unseen, strict=True):
        if u:
            ax.annotate(
                f"{SYMBOL['error']} not in reference", (xi + 0.2, 0), xytext=(0, 3),
                textcoords="offset points", rotation=90, ha="center", va="bottom",
                fontsize=7, fontweight="bold",
            )  # fmt: skip
    step = max(1, len(classes) // 40)
    shown = list(range(0, len(classes), step))
    ax.set_xticks(x[shown], [_text(_short(fmt(classes[i]))) for i in shown])
    ax.set_ylim(0, max(p_mine.max(initial=0), p_ref.max(initial=0)) * 1.25 or 1)
    ax.set_ylabel("share of rows")
    ax.set_xlabel("class")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(_text(title))
    return fig


def _count(n: int) -> str:
    """A count in a few characters: 8,000 or, past ten million, 1e+308 (not 309 digits)."""
    return f"{n:,}" if n < 10**7 else f"{float(n):.3g}"


def _short(value: Any, limit: int = 14) -> str:
    s = str(value)
    return s if len(s) <= limit else s[: limit - 1] + "…"


# ------------------------------------------------------------------ scale plot
def scale_figure(
    features: dict[str, ColumnStats],
    marks: dict[str, Mark],
    *,
    title: str = "feature scales: range (line) and mean ± std (bar), symmetric-log axis",
) -> tuple[Figure | None, list[str]]:
    """Every numeric feature's range and spread on one symmetric-log axis.

    Returns the figure and the names of features not drawn (past ``SCALE_ROWS``,
    unflagged first).
    """
    numeric = [n for n, s in features.items() if s.kind in ("numeric", "bool") and s.n]
    if not numeric:
        return None, []
    flagged = [n for n in numeric if n in marks]
    rest = [n for n in numeric if n not in marks]
    # Flagged features first, but a few unflagged ones stay in view for contrast.
    keep = min(len(rest), SCALE_ROWS // 5)
    shown = flagged[: SCALE_ROWS - keep] + rest[: SCALE_ROWS - min(len(flagged), SCALE_ROWS - keep)]
    order = {n: i for i, n in enumerate(numeric)}
    shown.sort(key=order.__getitem__)
    hidden = [n for n in numeric if n not in set(shown)]
    linthresh = min(_linthresh(features[n]) for n in shown)
    labels = [_text(_short(n, 24) + (f"  {marks[n].label}" if n in marks else "")) for n in shown]
    notes = any(features[n].missing or features[n].inf for n in shown)
    left = _text_width(labels, 9) + 0.25
    fig = _figure(10.0, 1.0 + 0.24 * len(shown), left=left, right=1.5 if notes else 0.3)
    ax = fig.add_subplot()
    # One collection per kind of mark, not artists per row: a few draw calls for any
    # number of features (per-row artists made this plot the slowest part of a report).
    from matplotlib.collections import LineCollection

    # Drawn in the axis' own coordinates (x = _sl(value)) on a linear axis, not on
    # matplotlib's symlog scale: its limits and transforms take differences of data
    # values, which overflow past ~1e308 (NaN limits, a crash), and every finite
    # float maps to |x| < 320 here.
    def at(v: float) -> float:
        return _sl(v, linthresh)

    ranges, bands, colors, ends = [], [], [], []
    means: dict[str, list[tuple[float, int]]] = {}
    for row, name in enumerate(reversed(shown)):
        s = features[name]
        mark = marks.get(name)
        lo, hi = float(s.min), float(s.max)  # type: ignore[arg-type]
        ranges.append([(at(lo), row), (at(hi), row)])
        # An infinite m2 (values past ~1e154) leaves std unknown: the band is the range.
        sd = s.std if math.isfinite(s.std) else math.inf
        mean = min(max(s.mean, lo), hi) if math.isfinite(s.mean) else None
        band = (lo, hi) if mean is None else (max(lo, mean - sd), min(hi, mean + sd))
        bands.append([(at(band[0]), row), (at(band[1]), row)])
        colors.append(COLOR[mark.severity] if mark else COLOR["ok"])
        ends.extend([(at(lo), row), (at(hi), row)])
        if mean is not None:
            means.setdefault(mark.severity if mark else "ok", []).append((at(mean), row))
        bad = [f"NaN/null {s.missing:,}" if s.missing else "", f"Inf {s.inf:,}" if s.inf else ""]
        note = " · ".join(b for b in bad if b)
        if note:
            ax.annotate(
                _text(note), (1.0, row), xycoords=("axes fraction", "data"),
                xytext=(4, 0), textcoords="offset points", va="center", fontsize=7.5,
                color=COLOR["error"], fontweight="bold",
            )  # fmt: skip
    ax.add_collection(LineCollection(ranges, colors=colors, linewidths=1.2, capstyle="butt"))
    ax.add_collection(
        LineCollection(bands, colors=colors, linewidths=6, alpha=0.55, capstyle="butt")
    )
    ax.scatter(*zip(*ends, strict=True), marker="|", s=50, c=[c for c in colors for _ in (0, 1)])
    for severity, points in means.items():
        flagged = severity != "ok"
        ax.scatter(
            *zip(*points, strict=True), marker=MARKER[severity], s=45 if flagged else 14,
            c=COLOR[severity], edgecolors="black", linewidths=0.6 if flagged else 0, zorder=3,
        )  # fmt: skip
    ax.set_yticks(range(len(shown)), list(reversed(labels)))
    for label, name in zip(ax.get_yticklabels(), reversed(shown), strict=True):
        if name in marks:
            label.set_fontweight("bold")
    data_lo = min(float(features[n].min) for n in shown)  # type: ignore[arg-type]
    data_hi = max(float(features[n].max) for n in shown)  # type: ignore[arg-type]
    # The axis covers the data and zero..1 (so unit scale is always in view), not -1 for
    # data that is never negative.
    lo, hi = min(data_lo, 0.0), max(data_hi, 1.0)
    if data_lo < 0:
        lo = min(lo, -1.0)
    pad = 0.04 * (at(hi) - at(lo))
    ax.set_xlim(at(lo) - pad, at(hi) + pad)
    _symlog_axis(ax.xaxis, at(lo) - pad, at(hi) + pad, linthresh)
    ax.axvspan(at(max(lo, -1.0)), at(1.0), color=GREY, alpha=0.15, linewidth=0)
    ax.text((at(max(lo, -1.0)) + at(1.0)) / 2, len(shown) - 0.45, "unit scale", ha="center",
            va="bottom", fontsize=7, color="#444444")  # fmt: skip
    ax.set_ylim(-0.7, len(shown) - 0.1)
    ax.grid(axis="x", color=GREY, alpha=0.3, linewidth=0.5)
    ax.set_xlabel(f"value (symmetric log: linear within ±{tick(linthresh)})")
    ax.set_title(_text(title))
    return fig, hidden


def _sl(x: float, linthresh: float) -> float:
    """A symmetric-log coordinate: linear within ±linthresh (half a decade wide), log past it.

    Differences of logs, never ``x / linthresh``: that overflows past ~1e302.
    """
    a = abs(x)
    return math.copysign(
        0.5 * min(a, linthresh) / linthresh
        + max(0.0, math.log10(max(a, linthresh)) - math.log10(linthresh)),
        x,
    )


def _sl_inv(y: float, linthresh: float) -> float:
    """The value at coordinate ``y`` of :func:`_sl` (past float64: its largest value)."""
    a = abs(y)
    e = a - 0.5 + math.log10(linthresh)
    v = a / 0.5 * linthresh if a <= 0.5 else 10**e if e < 308.25 else _FLOAT_MAX
    return math.copysign(min(v, _FLOAT_MAX), y)


_FLOAT_MAX = float(np.finfo(np.float64).max)


def _symlog_axis(axis: Any, lo: float, hi: float, linthresh: float, most: int = 10) -> None:
    """Ticks of a :func:`_sl` coordinate axis over [lo, hi]: zero and powers of ten.

    Every decade in view while they are few, else every 2, 5, 10, 20, 50 or
    100 decades, about ``most`` in all and never crowded; labelled with the
    values, plain (1, 100, 1e+200). A range within one decade gets its ends.
    """
    from matplotlib.ticker import NullLocator

    values = [0.0] if lo <= 0 <= hi else []
    for sign, a, b in ((1.0, lo, hi), (-1.0, -hi, -lo)):
        a = max(a, 0.5)  # the log part of this side, in coordinates
        if b < a:
            continue
        first = math.ceil(math.log10(_sl_inv(a, linthresh)) - 1e-9)
        last = math.floor(math.log10(_sl_inv(b, linthresh)) + 1e-9)
        room = max(1, round(most * (b - a) / (hi - lo)))
        steps = (1, 2, 5, 10, 20, 50, 100)
        step = next((s for s in steps if (last - first) // s + 1 <= room), 200)
        values += [sign * 10.0**k for k in range(first, last + 1) if k % step == 0]
    if len(values) < 2:
        values += [_sl_inv(lo, linthresh), _sl_inv(hi, linthresh)]
    kept: list[float] = []
    gap = (hi - lo) / (most + 4)
    for v in sorted(values, key=abs):  # zero and the small decades first
        if all(abs(_sl(v, linthresh) - _sl(w, linthresh)) >= gap for w in kept):
            kept.append(v)
    kept.sort()
    # Inside [lo, hi] only: set_ticks would widen the view to a tick outside it.
    axis.set_ticks([_sl(v, linthresh) for v in kept], [tick(v) for v in kept])
    axis.set_minor_locator(NullLocator())


# --------------------------------------------------------- feature histograms
def histograms_figure(
    columns: Sequence[tuple[str, str, ColumnStats, Mark | None]],
    *,
    reference: dict[str, ColumnStats] | None = None,
    bins: int = 48,
) -> Figure:
    """One row per ``(anchor id, name, stats, mark)``: the column's histogram over its range.

    One Axes for all rows (a ridgeline): each row spans its own column's
    [min, max], linear or symmetric-log as the column needs, with min and max
    printed at its ends. Far cheaper to draw than a grid of Axes, and it stays
    readable for dozens of columns. Each row's shape carries the anchor id, so
    the findings table links to it. With ``reference``, the reference split's
    histogram is a dashed line over the same bins, scaled to the same rows.
    """
    from matplotlib.collections import LineCollection, PolyCollection

    n = len(columns)
    names = [_short(name, 22) + (f"  {mark.label}" if mark else "") for _, name, _, mark in columns]
    left = _text_width(names, 8.5) + 0.25
    side = any(
        s.missing or s.inf or (s.hist is not None and not s.hist.exact) for _, _, s, _ in columns
    )
    fig = _figure(10.0, 0.5 + 0.5 * n, left=left, right=1.9 if side else 0.3, top=0.1, bottom=0.4)
    ax = fig.add_subplot()
    height = 0.7
    for i, (anchor, name, stats, mark) in enumerate(columns):
        row = n - 1 - i
        color = COLOR[mark.severity] if mark else COLOR["ok"]
        if stats.hist is None or not stats.n:
            ax.text(0.5, row + 0.3, "no finite values", ha="center", fontsize=8)
            continue
        lo, hi = float(stats.min), float(stats.max)  # type: ignore[arg-type]
        wide = _wide(stats)
        ref = reference.get(name) if reference else None
        if ref is not None and ref.hist is not None and ref.n:
            # Both splits on one range: a test split in 0..1 beside a train split in 0..255.
            lo, hi = min(lo, float(ref.min)), max(hi, float(ref.max))  # type: ignore[arg-type]
            spread = max((x for x in (stats.std, ref.std) if math.isfinite(x)), default=0.0)
            wide = wide or _wide(ref) or hi / 2 - lo / 2 > 25 * max(spread, 1e-300)
        else:
            ref = None
        edges = _edges(lo, hi, bins, wide)
        counts = _rebin(stats.hist, edges)
        place = _placer(lo, hi, wide, _linthresh(stats))
        xs = place(edges)
        log = counts.max(initial=0) > 30 * max(float(np.median(counts[counts > 0])), 1.0)
        scaled = _heights(counts, log) * height
        # A polygon per row, added without autoscaling (the limits are fixed below):
        # ax.stairs walks every segment to update the data limits, 10x slower.
        poly = PolyCollection([_step_outline(xs, scaled, row)], facecolors=color, alpha=0.8)
        poly.set_gid(anchor)
        ax.add_collection(poly, autolim=False)
        if ref is not None and ref.hist is not None:
            rc = _rebin(ref.hist, edges)
            if rc.sum() and counts.sum():
                rc = rc * counts.sum() / rc.sum()
            outline = _step_outline(xs, _heights(rc, log, top=counts.max(initial=0)) * height, row)
            ax.add_collection(
                LineCollection([outline[1:-1]], colors="black", linewidths=1.1, linestyles="--"),
                autolim=False,
            )
        if lo < 0 < hi:  # where zero is, on this row's own axis
            ax.plot([place(np.array([0.0]))[0]] * 2, [row, row - 0.12], color="black", lw=0.8)
        ax.text(0, row - 0.03, _text(fmt(lo)), ha="left", va="top", fontsize=7)
        ax.text(1, row - 0.03, _text(fmt(hi)), ha="right", va="top", fontsize=7)
        notes = [n for n in (
            f"NaN/null {stats.missing:,}" if stats.missing else "",
            f"Inf {stats.inf:,}" if stats.inf else "",
        ) if n]  # fmt: skip
        scale = ", ".join(x for x in ("symlog x" if wide else "", "log counts" if log else "") if x)
        # Only texts that say something: each costs about a millisecond to lay out.
        if notes:
            ax.text(1.02, row + 0.45, _text(" · ".join(notes)), ha="left", va="center",
                    fontsize=8, color=COLOR["error"], fontweight="bold")  # fmt: skip
        if scale:
            ax.text(1.02, row + 0.12, scale, ha="left", va="center", fontsize=7, color="#444444")
    baselines = [[(0.0, float(row)), (1.0, float(row))] for row in range(n)]
    ax.add_collection(LineCollection(baselines, colors=GREY, linewidths=0.5), autolim=False)
    ax.set_yticks([n - 1 - i + 0.4 for i in range(n)], [_text(x) for x in names])
    for label, (_, _, _, mark) in zip(ax.get_yticklabels(), columns, strict=True):
        if mark:
            label.set_fontweight("bold")
    ax.tick_params(axis="y", length=0, pad=4)
    ax.set_xticks([0, 1], ["min", "max"])
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.3, n - 0.2)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel("each row on its own column's range, min to max", fontsize=8)
    return fig


def _step_outline(xs: np.ndarray, heights: np.ndarray, base: float) -> np.ndarray:
    """The outline of a step histogram: up at each edge, across each bin, back to the base."""
    x = np.repeat(xs, 2)
    y = np.concatenate([[0.0], np.repeat(heights, 2), [0.0]]) + base
    return np.column_stack([x, y])


def _heights(counts: np.ndarray, log: bool, top: float | None = None) -> np.ndarray:
    """Counts as row heights in [0, 1] (log1p when one bin dwarfs the rest)."""
    top = counts.max(initial=0) if top is None else max(top, counts.max(initial=0))
    if top <= 0:
        return counts * 0
    return np.log1p(counts) / np.log1p(top) if log else counts / top


def _placer(lo: float, hi: float, wide: bool, linthresh: float) -> Any:
    """Map values of [lo, hi] to [0, 1], linearly or on a symmetric-log scale."""

    def t(x: np.ndarray) -> np.ndarray:
        if not wide:
            return x / scale
        # log10(1 + |x| / l) as a difference of logs: |x| / l overflows past ~1e302.
        return np.sign(x) * (np.log10(linthresh + np.abs(x)) - math.log10(linthresh))

    # Linear: in units of the largest magnitude, so hi - lo cannot overflow.
    scale = max(abs(lo), abs(hi), 1e-300)
    a, b = t(np.array(lo)), t(np.array(hi))
    span = float(b - a) or 1.0
    return lambda x: (t(np.asarray(x, dtype=float)) - a) / span


def _text_width(labels: Sequence[str], size: float) -> float:
    """About how many inches the widest label needs (no draw pass to measure it).

    0.6 em a character, a full em for wide ones (CJK: 价格, 猫).
    """
    import unicodedata

    def ems(text: str) -> float:
        return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)

    return max((ems(x) for x in labels), default=0.0) * size / 72


def _histogram(ax: Axes, stats: ColumnStats, *, mark: Mark | None, bins: int = 48) -> None:
    """A histogram of one column on its own Axes (a regression target), with its scale."""
    color = COLOR[mark.severity] if mark else COLOR["ok"]
    lo, hi = float(stats.min), float(stats.max)  # type: ignore[arg-type]
    wide = _wide(stats)
    edges = _edges(lo, hi, bins, wide)
    assert stats.hist is not None
    heights = _rebin(stats.hist, edges)
    # Drawn in coordinates that cannot overflow (see scale_figure): symmetric-log
    # ones, or the values in units of a power of ten past 1e100.
    if wide:
        linthresh = _linthresh(stats)
        xs = np.array([_sl(float(v), linthresh) for v in edges])
        ax.stairs(heights, xs, fill=True, color=color, alpha=0.8)
        pad = 0.02 * (xs[-1] - xs[0])
        ax.set_xlim(xs[0] - pad, xs[-1] + pad)
        _symlog_axis(ax.xaxis, xs[0] - pad, xs[-1] + pad, linthresh)
    else:
        big = max(abs(float(edges[0])), abs(float(edges[-1])))
        unit = 10.0 ** math.floor(math.log10(big)) if big >= 1e100 else 1.0
        ax.stairs(heights, edges / unit, fill=True, color=color, alpha=0.8)
        if unit != 1.0:
            ax.set_xlabel(f"{ax.get_xlabel()} (×{tick(unit)})")
    ax.set_ylabel("rows")
    notes = [f"min {fmt(lo)}", f"max {fmt(hi)}", f"mean {fmt(stats.mean)}"]
    notes.append(f"std {std_text(stats)}")
    if stats.missing:
        notes.append(f"NaN/null {stats.missing:,}")
    if stats.inf:
        notes.append(f"Inf {stats.inf:,}")
    if not stats.hist.exact:
        notes.append(f"from a sample of {stats.hist.sampled:,}")
    ax.text(0.99, 0.97, _text(" · ".join(notes)), transform=ax.transAxes, ha="right", va="top",
            fontsize=8, color="#333333")  # fmt: skip


def std_text(stats: ColumnStats) -> str:
    """The standard deviation as text; past float64's sums (values beyond ~1e154), a bound.

    m2 is then infinite, so all that is known is m2 > the largest float64:
    std > sqrt(that / n). Not "inf": the spread itself is finite.
    """
    if math.isfinite(stats.std) or not stats.n:
        return fmt(stats.std)
    return f"> {fmt(math.sqrt(_FLOAT_MAX / stats.n))}"


def _wide(stats: ColumnStats) -> bool:
    """A symmetric-log axis when the range is far wider than the bulk (outliers, mixed scales)."""
    # Halves: the span of -1.7e308..1.7e308 is past float64.
    half_span = float(stats.max) / 2 - float(stats.min) / 2  # type: ignore[arg-type]
    # std is infinite when m2 is past float64 (values beyond ~1e154): the range bounds it.
    spread = max(stats.std if math.isfinite(stats.std) else half_span, 1e-300)
    return half_span > 25 * spread or (stats.max_abs or 0) > 1e4 * max(abs(stats.mean), spread)


def _linthresh(stats: ColumnStats) -> float:
    """The linear part of a symmetric-log axis: the power of ten below the typical magnitude."""
    typical = max((x for x in (abs(stats.mean), stats.std) if math.isfinite(x)), default=1.0)
    if typical <= 0:
        return 1e-6
    return min(1.0, max(1e-6, 10 ** math.floor(math.log10(typical))))


def _edges(lo: float, hi: float, bins: int, wide: bool) -> np.ndarray:
    if hi <= lo:
        half = max(abs(lo) * 0.05, 0.5)
        return _lin(max(lo - half, -_FLOAT_MAX), min(hi + half, _FLOAT_MAX), 3)
    if not wide:
        return _lin(lo, hi, bins + 1)

    # Equal widths on the symmetric-log axis: bins per decade, as the data needs.
    def f(x: np.ndarray) -> np.ndarray:
        return np.sign(x) * np.log10(1 + np.abs(x))

    def g(y: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # only the ends can pass float64: replaced below
            return np.sign(y) * (10 ** np.abs(y) - 1)

    edges = g(np.linspace(f(np.array(lo)), f(np.array(hi)), bins + 1))
    edges[0], edges[-1] = lo, hi
    return np.maximum.accumulate(edges)


def _lin(lo: float, hi: float, num: int) -> np.ndarray:
    """``np.linspace(lo, hi, num)`` that neither overflows (-1e308..1e308) nor rounds to a
    few distinct subnormals (-1e-320..1e-320): computed at unit scale (see :func:`_unit`)."""
    e = _unit(lo, hi)
    t = np.linspace(0.0, 1.0, num)
    out = np.ldexp(np.ldexp(lo, -e) * (1 - t) + np.ldexp(hi, -e) * t, e)
    out[0], out[-1] = lo, hi
    return np.maximum.accumulate(out)


def _unit(lo: float, hi: float) -> int:
    """The binary exponent of the larger magnitude: ``ldexp(x, -e)`` brings [lo, hi] to
    within ±1 exactly (a power of two), so differences and slopes neither overflow nor
    fall to subnormals."""
    return math.frexp(max(abs(lo), abs(hi)))[1]


def _rebin(hist: Any, edges: np.ndarray) -> np.ndarray:
    """Counts of the fixed bins spread over ``edges`` (uniform within each fine bin).

    The cumulative count is piecewise linear through the fine bins' edges
    (they are sorted and do not overlap; clipped to the range, so its ends
    hold what lies beyond): evaluated at each edge as the bins wholly below
    it plus the covered fraction of the one it falls in. A fraction, not
    np.interp's slopes, which overflow over a fine bin narrowed to a
    subnormal width (a range of -1e-319..1e-319) or beside 1e307.
    """
    lo, hi, counts = hist.bins()
    lo = np.clip(lo, edges[0], edges[-1])
    hi = np.clip(hi, edges[0], edges[-1])
    if not counts.size:
        return np.zeros(edges.size - 1)
    cum = np.concatenate([[0.0], np.cumsum(counts)])
    k = np.searchsorted(hi, edges, side="right")  # bins wholly at or below each edge
    i = np.minimum(k, counts.size - 1)
    width = hi[i] - lo[i]  # one bin: its ends have one sign, so no overflow
    inside = (k < counts.size) & (width > 0)
    # An edge in the gap before bin i may lie far from it (-1e308 before 1e-12): the
    # fraction overflows to -inf, which the clip makes 0, as it is.
    with np.errstate(over="ignore"):
        frac = np.divide(edges - lo[i], width, out=np.zeros_like(width), where=inside)
    at = cum[k] + counts[i] * np.clip(frac, 0.0, 1.0) * inside
    out = np.diff(at)
    out[0] += at[0]  # values at the very minimum
    return np.maximum(out, 0)


#: Band colours of the per-channel histograms (other bands: the palette's next colours).
_BAND_COLOR = {"R": "#D55E00", "G": "#009E73", "B": "#0072B2", "L": "#555555", "A": GREY}
_BAND_STYLE = {"R": "-", "G": "--", "B": ":", "L": "-", "A": "-."}


def channels_figure(channels: dict[str, Any], title: str) -> Figure | None:
    """Per-channel 256-bin histograms of decoded pixels (``stats.image.Channel``), one line
    per band (colour and dash per band, so print keeps them apart), log counts."""
    drawn = {b: ch for b, ch in channels.items() if ch.count}
    if not drawn:
        return None
    fig = _figure(6.4, 2.4, left=0.7, bottom=0.45, top=0.6)
    ax = fig.add_subplot()
    x = np.arange(256)
    others = iter(["#CC79A7", "#56B4E9", "#E69F00", "#000000"])
    for band, ch in drawn.items():
        share = np.asarray(ch.hist, np.float64) / ch.count
        color = _BAND_COLOR.get(band) or next(others, GREY)
        label = f"{_text(band)}: mean {ch.mean:.1f}, std {ch.std:.1f}"
        present = np.flatnonzero(share)
        if present.size <= 32:  # a few values (masks, blank images): stems, not a curve
            ax.vlines(present, share[present].min() / 3, share[present], color=color,
                      linewidth=1.5, linestyle=_BAND_STYLE.get(band, "-"))  # fmt: skip
            ax.plot(present, share[present], "o", color=color, markersize=3, label=label)
        else:
            ax.step(x, np.where(share > 0, share, np.nan), where="mid", color=color,
                    linestyle=_BAND_STYLE.get(band, "-"), linewidth=1.0, label=label)  # fmt: skip
    ax.set_yscale("log")
    ax.set_xlim(-4, 259)  # stems at 0 and 255 stay visible
    ax.set_xlabel("pixel value (16-bit images: value / 256)")
    ax.set_ylabel("share of pixels")
    fig.suptitle(_text(title), x=0.7 / 6.4, ha="left", fontsize=10, fontweight="bold")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=7, frameon=False,
              ncols=min(3, len(drawn)), borderaxespad=0.2)  # fmt: skip
    _plain_ticks(ax.yaxis)
    return fig
