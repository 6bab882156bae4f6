"""The HTML report: one self-contained file, from the CLI, the library, Jupyter and `fix`.

The browser tests (tests/report/test_html_browser.py) open these pages for real;
here: content, self-containment, size, and that a text scan never imports matplotlib.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app
from labelcheck.report.html import markdown

pytest.importorskip("matplotlib", reason="the HTML report needs the html extra")

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def scan_html(tmp_path: Path, source: Path, *args: str) -> str:
    out = tmp_path / f"{source.stem}.html"
    result = CliRunner().invoke(
        app, ["scan", str(source), "--format", "html", "-o", str(out), *args]
    )
    assert result.exit_code in (0, 1), result.output
    return out.read_text(encoding="utf-8")


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.S)


def figure(page: str, anchor: str) -> str:
    match = re.search(rf'<figure class="plot" id="{anchor}">(.*?)</figure>', page, flags=re.S)
    assert match, f"no figure {anchor}"
    return match.group(1)


def svg_text(fragment: str) -> str:
    """The text a reader sees in a plot (matplotlib keeps it as <text>, svg.fonttype none)."""
    return " ".join(
        re.sub(r"<[^>]+>", " ", t) for t in re.findall(r"<text\b.*?</text>", fragment, re.S)
    )


def assert_self_contained(page: str) -> None:
    # Namespace names (xmlns="http://www.w3.org/2000/svg") are identifiers, never fetched;
    # anything that loads: src=, href= to a URL, url(...) to a URL, @import, <link>, <iframe>.
    assert not re.search(r"""\b(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", page)
    assert "@import" not in page and "<link" not in page and "<iframe" not in page
    assert "<img" not in page
    assert page.count("<script") <= 1
    # Every id once (several inline SVGs on one page), and every #reference resolves.
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert set(re.findall(r'(?:url\(#|href="#)([^)"]+)', page)) <= set(ids)


def test_classic_report_shows_the_outlier_class_in_the_label_plot(tmp_path):
    page = scan_html(tmp_path, SAMPLES / "classic.parquet")
    assert page.startswith("<!DOCTYPE html>")
    assert_self_contained(page)
    label = figure(page, "r0-label")
    text = svg_text(label)
    assert "8000" in text and "LC205" in text
    assert "gap: 7,995 missing ids" in text  # 5..7999 are missing: the gap is drawn
    # Verdict first, then findings, then plots (the order a user reads).
    assert (
        page.index("Fails: this data would break training")
        < page.index("LC205")
        < page.index('id="r0-label"')
    )
    # Each finding links to its plot, and each rule's explanation is on the page.
    assert 'href="#r0-label">plot</a>' in page
    assert 'id="r0-rule-LC205"' in page and "Why is this bad?" in page
    assert "<text" in label and "<path" in label  # text kept as text (svg.fonttype none)


def test_several_paths_make_one_page_with_a_section_each(tmp_path):
    out = tmp_path / "both.html"
    result = CliRunner().invoke(
        app,
        ["scan", str(SAMPLES / "classic.parquet"), str(SAMPLES / "pixels.parquet"),
         "--format", "html", "-o", str(out)],
    )  # fmt: skip
    assert result.exit_code == 1
    page = out.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert '<nav class="toc">' in page and 'href="#r0"' in page and 'href="#r1"' in page
    assert "8000" in svg_text(figure(page, "r0-label"))
    assert "px0" in svg_text(figure(page, "r1-scale"))


def test_pixels_scale_plot_names_the_0_255_features(tmp_path):
    page = scan_html(tmp_path, SAMPLES / "pixels.parquet")
    assert_self_contained(page)
    scale = svg_text(figure(page, "r0-scale"))
    assert "px0" in scale and "LC103" in scale
    hists = figure(page, "r0-hists")
    assert 'id="r0-hist-0"' in hists  # the findings table's "plot" link lands on px0's row
    assert 'href="#r0-hist-0"' in page


def test_a_0_255_column_among_unit_features_is_the_one_marked(tmp_path):
    rng = np.random.default_rng(1)
    table = {f"f{i}": rng.normal(0, 1, 2000) for i in range(6)}
    table["raw_pixels"] = rng.integers(0, 256, 2000).astype(np.float32)
    table["y"] = rng.integers(0, 3, 2000)
    path = tmp_path / "mixed.parquet"
    pq.write_table(pa.table(table), path)
    page = scan_html(tmp_path, path)
    text = svg_text(figure(page, "r0-scale"))
    assert re.search(r"raw_pixels\s+▲ LC103", text)
    assert not re.search(r"f\d\s+▲", text)  # unit-scale features carry no mark


def test_nan_and_inf_counts_are_beside_the_feature(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(0, 1, 500)
    x[:7] = np.nan
    x[7:10] = np.inf
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"x": x, "ok": rng.normal(0, 1, 500), "y": np.arange(500) % 2}), path)
    page = scan_html(tmp_path, path)
    scale = svg_text(figure(page, "r0-scale"))
    assert "NaN/null 7" in scale and "Inf 3" in scale
    assert "NaN/null 7" in svg_text(figure(page, "r0-hists"))


def test_regression_target_gets_a_histogram_with_its_scale(tmp_path):
    rng = np.random.default_rng(3)
    path = tmp_path / "prices.parquet"
    price = rng.lognormal(11, 0.5, 3000)
    pq.write_table(pa.table({"a": rng.normal(0, 1, 3000), "price": price}), path)
    page = scan_html(tmp_path, path, "--label", "price")
    text = svg_text(figure(page, "r0-label"))
    assert "distribution of the target" in text and "max" in text and "std" in text


def test_no_rows_in_the_report(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.normal(0, 1, 1000).round(9)
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"x": x, "y": np.r_[np.arange(999) % 3, 5000]}), path)
    page = scan_html(tmp_path, path)
    # A value from the middle of the column (not an extreme, which the report may quote).
    middle = np.sort(x)[400:600]
    assert not any(repr(float(v)) in page or f"{v:g}" in page for v in middle[::20])


def test_many_columns_fold_and_the_size_grows_with_columns_not_rows(tmp_path):
    def write(rows: int) -> Path:
        rng = np.random.default_rng(5)
        cols = {f"c{i:03d}": (rng.random(rows) * (300 if i % 2 else 1)).astype(np.float32)
                for i in range(300)}  # fmt: skip
        cols["y"] = np.arange(rows) % 4
        path = tmp_path / f"wide_{rows}.parquet"
        pq.write_table(pa.table(cols), path)
        return path

    small = scan_html(tmp_path, write(2_000))
    large = scan_html(tmp_path, write(20_000))
    assert len(large.encode()) < 1_000_000
    assert abs(len(large) - len(small)) < 0.05 * len(small)  # 10x the rows, same size
    assert "+146 more" in large  # 150 flagged columns: 4 rows shown, the rest folded
    assert (
        "Not drawn, to keep the plot readable (102 flagged" in large
    )  # the scale plot keeps 60 rows, names the rest
    assert large.count('id="r0-hist-') == 24  # histograms of the first flagged features only


def test_repr_html_renders_a_dataframe_scan_inline():
    X = np.random.default_rng(0).random((21, 3))
    df = pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=np.r_[np.arange(20) % 5, 8000])
    fragment = labelcheck.scan(df)._repr_html_()
    assert fragment.startswith('<div class="labelcheck-report">') and "<html" not in fragment
    assert "8000" in svg_text(fragment) and "LC205" in fragment
    assert "body{" not in fragment  # styles are scoped to the report, not the notebook


def test_to_html_is_the_same_page_as_the_cli(tmp_path):
    page = labelcheck.scan(SAMPLES / "classic.parquet").to_html()
    assert page == scan_html(tmp_path, SAMPLES / "classic.parquet")  # deterministic, too


def test_fix_report_shows_before_and_after(tmp_path):
    out, report = tmp_path / "fixed.parquet", tmp_path / "fix.html"
    result = CliRunner().invoke(
        app, ["fix", str(SAMPLES / "classic.parquet"), "-o", str(out), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert f"report (before and after): {report}" in result.output
    page = report.read_text(encoding="utf-8")
    assert_self_contained(page)
    assert "After the fix: passes" in page and "Findings before the fix" in page
    before = svg_text(figure(page, "r0-before-label"))
    after = svg_text(figure(page, "r0-label"))
    assert "8000" in before and "8000" not in after
    assert "drop-rows" in page  # the plan's steps


def test_fix_report_is_an_output_never_written_over_without_force(tmp_path):
    report = tmp_path / "fix.html"
    report.write_text("mine")
    result = CliRunner().invoke(
        app,
        ["fix", str(SAMPLES / "classic.parquet"), "-o", str(tmp_path / "f.parquet"),
         "--report", str(report)],
    )  # fmt: skip
    assert result.exit_code == 2
    assert f"{report}: already exists; pass --force" in result.output
    assert report.read_text() == "mine" and not (tmp_path / "f.parquet").exists()


def test_text_scan_does_not_import_matplotlib(tmp_path):
    """Start-up: only --format html pays for the plotting library."""
    code = (
        "import sys, runpy\n"
        "path, fmt, out = sys.argv[1:]\n"
        "sys.argv = ['labelcheck', 'scan', path, '--format', fmt, '-o', out]\n"
        "try:\n    runpy.run_module('labelcheck', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps('matplotlib' in sys.modules))\n"
    )
    code = "import json\n" + code

    def imported(fmt: str) -> bool:
        proc = subprocess.run(
            [sys.executable, "-c", code, str(SAMPLES / "classic.parquet"), fmt,
             str(tmp_path / f"out.{fmt}")],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        return json.loads(proc.stdout.strip().splitlines()[-1])

    assert imported("text") is False
    assert imported("json") is False
    assert imported("html") is True  # the check can tell


def test_without_matplotlib_the_error_says_what_to_install(tmp_path):
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from labelcheck.cli import main\n"
        "sys.argv = ['labelcheck', 'scan', sys.argv[1], '--format', 'html']\n"
        "main()\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLES / "classic.parquet")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "labelcheck: error: the HTML report draws its plots with matplotlib, which is not "
        "installed: pip install 'labelcheck[html]'"
    )


def test_rule_docs_markdown():
    html = markdown("## Why\nA `x<1` b.\n\n- one\n  two\n- three\n\n```\ny: 0, 8000\n```")
    assert html == (
        "<h4>Why</h4><p>A <code>x&lt;1</code> b.</p><ul><li>one two</li><li>three</li></ul>"
        "<pre><code>y: 0, 8000</code></pre>"
    )


def test_column_names_are_escaped(tmp_path):
    path = tmp_path / "odd.parquet"
    rng = np.random.default_rng(6)
    pq.write_table(
        pa.table({"<b>$x$</b>": rng.random(50) * 1000, "y": np.r_[np.arange(49) % 3, 900]}), path
    )
    page = scan_html(tmp_path, path)
    assert "<b>$x$</b>" not in page and "&lt;b&gt;$x$&lt;/b&gt;" in page


def test_a_reference_split_is_drawn_beside_and_over_the_split():
    """Report.to_html(reference=...) (the renderer's side of `scan --reference`)."""
    rng = np.random.default_rng(7)
    train = pd.DataFrame(
        {"px": rng.integers(0, 256, 400).astype(float), "y": rng.integers(0, 3, 400)}
    )
    test = pd.DataFrame(
        {"px": rng.integers(100, 256, 200).astype(float), "y": rng.integers(0, 4, 200)}
    )
    split, reference = labelcheck.scan(test), labelcheck.scan(train)
    alone, both = split.to_html(), split.to_html(reference=reference)
    assert 'id="r0-ref-label"' in both and 'id="r0-ref-label"' not in alone
    shares = svg_text(figure(both, "r0-ref-label"))
    assert "this split" in shares and "reference" in shares
    assert shares.count("not in reference") == 1  # class 3: only in the split
    # The reference histogram is the dashed line over the split's flagged feature.
    assert "stroke-dasharray" in figure(both, "r0-hists")
    assert "stroke-dasharray" not in figure(alone, "r0-hists")


def test_scan_with_a_reference_draws_it_by_itself(tmp_path):
    """`scan TEST --reference TRAIN --format html` and scan(reference=...).to_html()."""
    splits = SAMPLES / "adult_splits"
    args = ["--reference", str(splits / "train.csv"), "-l", "income"]
    page = scan_html(tmp_path, splits / "validation.csv", *args)
    assert 'id="r0-ref-label"' in page and "train.csv" in figure(page, "r0-ref-label")
    # age is rescaled to 0..1 in validation only (LC306): the reference is dashed over it.
    assert "age" in svg_text(figure(page, "r0-hists"))
    assert "stroke-dasharray" in figure(page, "r0-hists")
    report = labelcheck.scan(
        splits / "validation.csv", label="income", reference=splits / "train.csv"
    )
    assert report.reference is not None and report.reference.source.endswith("train.csv")
    assert 'id="r0-ref-label"' in report.to_html()
    assert 'class="labelcheck-report"' in report._repr_html_()
    # A directory of named splits: each non-train split is drawn against train.
    both = scan_html(tmp_path, splits, "-l", "income")
    assert 'id="r1-ref-label"' in both and 'id="r0-ref-label"' not in both  # r0 is train


def test_repr_html_without_matplotlib_falls_back_to_the_repr():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import numpy as np, labelcheck\n"
        "r = labelcheck.scan((np.zeros((4, 2)), np.arange(4) % 2))\n"
        "print(r._repr_html_() is None)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "True", proc.stderr


# ------------------------------------------------------------------ images
def _thumbnails(page: str) -> dict[str, bytes]:
    """The inlined thumbnails, by the file they show (their alt text)."""
    import base64
    import html as html_lib

    found = re.findall(r'<img src="data:image/(?:jpeg|png);base64,([^"]+)" alt="([^"]+)"', page)
    return {html_lib.unescape(alt): base64.b64decode(data) for data, alt in found}


def test_image_report_shows_layouts_channels_and_thumbnails_of_flagged_files(tmp_path):
    import io

    from images_data import flagged_folder
    from PIL import Image

    root = flagged_folder(tmp_path / "pets")
    page = scan_html(tmp_path, root)
    assert len(page.encode()) < 1_000_000
    assert not re.search(r'(src|href)="(https?:)?//', page)  # nothing from the network
    # Layouts and formats as Pillow reports them, counted here file by file.
    modes: dict[str, int] = {}
    for path in root.rglob("*.*"):
        try:
            with Image.open(path) as im:
                modes[im.mode] = modes.get(im.mode, 0) + 1
        except OSError:
            continue
    assert modes == {"RGB": 63, "L": 1}
    assert "<th>layouts (modes)</th><td>RGB 63, L 1</td>" in page
    assert "<th>images per folder</th><td>cat 32, dog 32</td>" in page  # decoded files
    assert "pixels per value and channel" in page
    # One thumbnail per flagged file (blank, grey among RGB, banner, rotated); none of the
    # 60 unflagged ones; the broken file is named with its reason instead.
    thumbs = _thumbnails(page)
    assert set(thumbs) == {"cat/black.png", "dog/gray.png", "dog/banner.png", "cat/rotated.jpg"}
    for data in thumbs.values():
        with Image.open(io.BytesIO(data)) as im:
            assert max(im.size) <= 64
    with Image.open(io.BytesIO(thumbs["cat/black.png"])) as im:
        assert im.convert("L").getextrema() == (0, 0)
    with Image.open(io.BytesIO(thumbs["dog/banner.png"])) as im:
        assert im.size == (64, 2)  # 300x10 scaled to 64 px wide
    assert "<code>cat/broken.jpg</code>: cannot open" in page


def test_mask_thumbnails_are_drawn_in_a_palette(tmp_path):
    import io

    from images_data import mask_folder
    from PIL import Image

    from labelcheck.stats.image import THUMBS

    page = scan_html(tmp_path, mask_folder(tmp_path / "seg", n=THUMBS + 3))
    thumbs = _thumbnails(page)
    assert sorted(thumbs) == [f"masks/{i}.png" for i in range(THUMBS)]  # bounded
    with Image.open(io.BytesIO(thumbs["masks/0.png"])) as im:
        rgb = im.convert("RGB")
        # Class 0 black, class 255 the VOC colour of 255; edges stay sharp (no blending).
        assert rgb.getpixel((0, 0)) == (0, 0, 0)
        assert rgb.getpixel((16, 16)) == (224, 224, 192)
        colours = np.unique(np.asarray(rgb).reshape(-1, 3), axis=0).tolist()
        assert colours == [[0, 0, 0], [224, 224, 192]]


def test_thumbnails_are_bounded_and_merge_with_the_statistic(tmp_path):
    """100 blank images keep THUMBS thumbnails; two halves merged keep the same ones."""
    import pyarrow as pa
    from PIL import Image

    from labelcheck.io.images import IMAGE_TYPE
    from labelcheck.stats.image import THUMBS, ImageStats

    blobs = []
    for i in range(100):
        buf = __import__("io").BytesIO()
        Image.fromarray(np.full((8, 8, 3), i, np.uint8)).save(buf, format="PNG")
        blobs.append({"bytes": buf.getvalue(), "path": f"{i}.png"})
    field = pa.field("image", IMAGE_TYPE)

    def stats(part: list) -> ImageStats:
        s = ImageStats.empty(field)
        s.update(pa.array(part, IMAGE_TYPE))
        return s

    whole = stats(blobs)
    assert whole.blank == 100
    assert [p for p, _ in whole.thumbs["blank"]] == [f"{i}.png" for i in range(THUMBS)]
    merged = stats(blobs[:3]).merge(stats(blobs[3:]))
    assert merged.thumbs == whole.thumbs
    assert ImageStats.from_dict(whole.to_dict()).thumbs == whole.thumbs


def test_split_image_folders_show_class_counts_per_split(tmp_path):
    from images_data import flagged_folder

    root = tmp_path / "splits"
    flagged_folder(root / "train", per_class=6)
    flagged_folder(root / "test", per_class=3)
    page = scan_html(tmp_path, root)
    # One section per split, each with its label plot (images per class folder); the test
    # split's classes drawn against train's.
    assert re.findall(r'id="(r\d-label|r\d-ref-label)"', page) == [
        "r0-label",
        "r1-label",
        "r1-ref-label",
    ]
    assert "<th>images per folder</th><td>cat 8, dog 8</td>" in page  # train: 6 + 2 each
    assert "<th>images per folder</th><td>cat 5, dog 5</td>" in page  # test: 3 + 2 each
    assert len(page.encode()) < 1_000_000
