"""The HTML report opened in a real headless browser (Chromium), offline, as a person would.

Chromium comes from the system packages (``apt-get install -y chromium``; .ci/run
installs it) and is driven by Playwright's Python package with that executable:
Playwright's own browser download is never used. Every request other than the
report file itself is recorded and aborted, and the context is offline, so a
page that needed the network would both fail to render and fail the test.

Without a browser the tests are skipped with a message saying how to get one,
except in CI (``LABELCHECK_CI=1``), where a missing browser is a failure.
Screenshots are kept under the pytest temp dir (printed with ``-s``) to look at.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labelcheck.cli import app

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    if os.environ.get("LABELCHECK_CI") == "1":
        pytest.fail(f"{reason} (LABELCHECK_CI=1: the browser tests must run in CI)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    exe = os.environ.get("LABELCHECK_CHROMIUM") or next(
        (p for p in map(shutil.which, CANDIDATES) if p), None
    )
    if exe is None:
        _unavailable("no Chromium found: apt-get install -y chromium (or set LABELCHECK_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install '.[test]'")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=FLAGS)
        yield b
        b.close()


def open_report(browser, path: Path, shot: Path, *, dark: bool = False) -> tuple:
    """Load ``path`` offline; return (page, console errors, requests that tried to leave)."""
    context = browser.new_context(
        offline=True,
        viewport={"width": 1200, "height": 900},
        color_scheme="dark" if dark else "light",
        java_script_enabled=True,
    )
    own = path.resolve().as_uri()
    left: list[str] = []

    def route(r) -> None:
        if r.request.url.split("#")[0] == own:
            r.continue_()
        else:
            left.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("requestfailed", lambda r: left.append(r.url) if r.url.split("#")[0] != own else None)
    page.goto(own, wait_until="load")
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}")
    return page, errors, left


def render(tmp_path: Path, sample: str, *args: str) -> Path:
    out = tmp_path / f"{sample}.html"
    result = CliRunner().invoke(
        app, ["scan", str(SAMPLES / f"{sample}.parquet"), "--format", "html", "-o", str(out), *args]
    )
    assert result.exit_code in (0, 1), result.output
    return out


def svg_sizes(page) -> list[tuple[float, float]]:
    return page.eval_on_selector_all(
        "figure.plot svg",
        "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })",
    )


def plot_text(page, anchor: str) -> str:
    return page.eval_on_selector(f"#{anchor} svg", "e => e.textContent")


def test_classic_report_in_a_browser(browser, tmp_path):
    path = render(tmp_path, "classic")
    page, errors, left = open_report(browser, path, tmp_path / "classic.png")
    assert errors == []
    assert left == []
    sizes = svg_sizes(page)
    assert len(sizes) == 2 and all(w > 200 and h > 100 for w, h in sizes), sizes
    label = plot_text(page, "r0-label")
    assert "8000" in label and "LC205" in label
    assert page.locator("h1").inner_text().endswith("Fails: this data would break training")
    # The finding's "plot" link scrolls to the label plot.
    page.locator('a[href="#r0-label"]').first.click()
    assert page.evaluate("location.hash") == "#r0-label"
    assert page.evaluate("document.querySelector('#r0-label').getBoundingClientRect().top") < 300


def test_pixels_report_in_a_browser(browser, tmp_path):
    path = render(tmp_path, "pixels")
    page, errors, left = open_report(browser, path, tmp_path / "pixels.png")
    assert errors == [] and left == []
    assert all(w > 200 and h > 100 for w, h in svg_sizes(page))
    scale = plot_text(page, "r0-scale")
    assert "px0" in scale and "LC103" in scale
    # A histogram row is an SVG element the findings table links to: it is on the page.
    box = page.evaluate("document.getElementById('r0-hist-0').getBoundingClientRect().height")
    assert box > 5


def test_split_with_reference_report_in_a_browser(browser, tmp_path):
    splits = SAMPLES / "adult_splits"
    path = tmp_path / "validation.html"
    args = ["scan", str(splits / "validation.csv"), "--reference", str(splits / "train.csv")]
    result = CliRunner().invoke(app, [*args, "-l", "income", "--format", "html", "-o", str(path)])
    assert result.exit_code in (0, 1), result.output
    page, errors, left = open_report(browser, path, tmp_path / "validation-vs-train.png")
    assert errors == [] and left == []
    assert all(w > 200 and h > 100 for w, h in svg_sizes(page))
    shares = plot_text(page, "r0-ref-label")
    assert "train.csv" not in shares and "reference" in shares  # the caption names the file
    assert "LC306" in plot_text(page, "r0-scale")  # age rescaled in this split only


def test_dark_mode_and_print(browser, tmp_path):
    path = render(tmp_path, "classic")
    page, errors, left = open_report(browser, path, tmp_path / "classic-dark.png", dark=True)
    assert errors == [] and left == []
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(20, 20, 20)"
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    pdf = tmp_path / "classic.pdf"
    page.pdf(path=str(pdf))  # prints (PDF is Chromium's print path)
    assert pdf.stat().st_size > 10_000


def test_fix_report_in_a_browser(browser, tmp_path):
    out, report = tmp_path / "fixed.parquet", tmp_path / "fix.html"
    result = CliRunner().invoke(
        app, ["fix", str(SAMPLES / "pixels.parquet"), "-o", str(out), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    page, errors, left = open_report(browser, report, tmp_path / "fix.png")
    assert errors == [] and left == []
    assert len(svg_sizes(page)) == 4 and all(w > 200 and h > 100 for w, h in svg_sizes(page))
    assert "negative" in plot_text(page, "r0-before-label")
    assert "negative" not in plot_text(page, "r0-label")


def test_image_folder_report_in_a_browser(browser, tmp_path):
    """Thumbnails of flagged images and masks render offline, at most 64 px a side."""
    from images_data import flagged_folder, mask_folder

    for name, root in (
        ("pets", flagged_folder(tmp_path / "pets")),
        ("seg", mask_folder(tmp_path / "seg")),
    ):
        path = tmp_path / f"{name}.html"
        result = CliRunner().invoke(app, ["scan", str(root), "--format", "html", "-o", str(path)])
        assert result.exit_code in (0, 1), result.output
        page, errors, left = open_report(browser, path, tmp_path / f"{name}.png")
        assert errors == [] and left == []
        shown = page.eval_on_selector_all(
            "figure.thumb img",
            "els => els.map(e => [e.complete, e.naturalWidth, e.naturalHeight, "
            "e.getBoundingClientRect().width])",
        )
        assert len(shown) == (4 if name == "pets" else 5), shown
        # Decoded by the browser (a broken data URI has naturalWidth 0), drawn <= 64 px.
        assert all(ok and 0 < w <= 64 and 0 < h <= 64 and 0 < box <= 66 for ok, w, h, box in shown)
        assert all(w > 200 and h > 100 for w, h in svg_sizes(page))  # channel histograms


def test_the_harness_sees_a_network_request_and_a_console_error(browser, tmp_path):
    """The checks above can fail: a page that fetches or errs is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="https://example.com/x.png">'
        "<script>console.error('boom')</script></body></html>"
    )
    _, errors, left = open_report(browser, bad, tmp_path / "bad.png")
    assert "https://example.com/x.png" in left
    assert any("boom" in e for e in errors)
