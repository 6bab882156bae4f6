"""ImageStats: exact per-channel statistics of decoded files, merged exactly, Pillow optional."""

from __future__ import annotations

import io
import math
import sys

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

import labelcheck
from labelcheck.errors import InputError
from labelcheck.stats.image import ImageStats


def _column(blobs: list[bytes | None], names: list[str] | None = None) -> pa.Array:
    names = names or [None] * len(blobs)
    pairs = zip(blobs, names, strict=True)
    values = [None if b is None else {"bytes": b, "path": p} for b, p in pairs]
    return pa.array(values, pa.struct([("bytes", pa.binary()), ("path", pa.string())]))


def _encode(pixels: np.ndarray, mode: str, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).convert(mode).save(out, format=fmt)
    return out.getvalue()


def _stats(blobs: list[bytes | None], first: int = 0) -> ImageStats:
    stats = ImageStats.empty(pa.field("image", _column([]).type))
    stats.update(_column(blobs, [f"{first + i}.png" for i in range(len(blobs))]))
    return stats


def test_channel_sums_are_exact_against_numpy_on_the_decoded_files(tmp_path):
    rng = np.random.default_rng(3)
    rgb = [rng.integers(0, 256, (9, 7, 3), dtype=np.uint8) for _ in range(5)]
    gray = [rng.integers(0, 256, (4, 6), dtype=np.uint8) for _ in range(3)]
    deep = rng.integers(0, 65536, (5, 5), dtype=np.uint16)  # a 16-bit PNG
    blobs = [_encode(p, "RGB") for p in rgb] + [_encode(p, "L", "BMP") for p in gray]
    buf = io.BytesIO()
    Image.fromarray(deep).save(buf, format="PNG")
    blobs.append(buf.getvalue())
    stats = _stats(blobs)
    assert (stats.decoded, stats.failed) == (9, 0)
    # Brute force: every file decoded again with numpy, independently of the histograms.
    decoded = [np.asarray(Image.open(io.BytesIO(b))) for b in blobs]
    for band, index in (("R", 0), ("G", 1), ("B", 2)):
        values = np.concatenate([d[..., index].ravel() for d in decoded[:5]]).astype(np.int64)
        ch = stats.channels[band]
        assert (ch.count, ch.min, ch.max) == (values.size, values.min(), values.max())
        assert ch.sum == int(values.sum()) and ch.sumsq == int((values**2).sum())
        assert ch.mean == pytest.approx(values.mean(), rel=1e-15)
        assert ch.std == pytest.approx(values.std(), rel=1e-12)
        assert ch.hist.tolist() == np.bincount(values, minlength=256).tolist()
    lum = np.concatenate([d.ravel() for d in decoded[5:8]]).astype(np.int64)
    assert stats.channels["L"].sum == int(lum.sum())
    wide = decoded[8].astype(np.int64).ravel()
    channel = stats.channels["I"] if "I" in stats.channels else stats.channels["I;16"]
    assert (channel.min, channel.max, channel.sum) == (wide.min(), wide.max(), int(wide.sum()))
    assert stats.modes == {"RGB": 5, "L": 3, Image.open(io.BytesIO(blobs[8])).mode: 1}
    assert stats.formats == {"PNG": 6, "BMP": 3}


def test_the_picture_hash_ignores_the_encoding_and_sees_one_pixel(tmp_path):
    pixels = np.random.default_rng(1).integers(0, 256, (6, 6, 3), dtype=np.uint8)
    other = pixels.copy()
    other[0, 0, 0] ^= 1
    stats = ImageStats.empty(pa.field("image", _column([]).type))
    keys = stats.update(
        _column([_encode(pixels, "RGB"), _encode(pixels, "RGB", "BMP"), _encode(other, "RGB")])
    ).to_pylist()
    assert keys[0] == keys[1] != keys[2]


@st.composite
def _images(draw: st.DrawFn) -> list[bytes | None]:
    n = draw(st.integers(0, 8))
    out: list[bytes | None] = []
    for _ in range(n):
        kind = draw(st.sampled_from(["RGB", "L", "RGBA", "bad", "none", "flat"]))
        w, h = draw(st.integers(1, 6)), draw(st.integers(1, 6))
        seed = draw(st.integers(0, 2**16))
        rng = np.random.default_rng(seed)
        if kind == "bad":
            out.append(b"not an image" * draw(st.integers(0, 1)))
        elif kind == "none":
            out.append(None)
        elif kind == "flat":
            out.append(_encode(np.full((h, w, 3), seed % 256, np.uint8), "RGB"))
        else:
            out.append(_encode(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), kind))
    return out


@settings(max_examples=60, deadline=None)
@given(_images(), st.data())
def test_merged_parts_equal_the_whole(blobs, data):
    cut = data.draw(st.integers(0, len(blobs)))
    whole = _stats(blobs)
    merged = _stats(blobs[:cut]).merge(_stats(blobs[cut:], first=cut))
    assert merged.to_dict() == whole.to_dict()
    assert ImageStats.from_dict(whole.to_dict()).to_dict() == whole.to_dict()
    assert whole.images + whole.nulls == len(blobs)
    assert whole.decoded + whole.failed == whole.images


def test_missing_pillow_is_one_line_naming_the_extra(tmp_path, monkeypatch):
    root = tmp_path / "data"
    (root / "cat").mkdir(parents=True)
    Image.new("RGB", (4, 4)).save(root / "cat" / "a.png")
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(InputError, match=r"labelcheck\[images\]") as info:
        labelcheck.scan(root)
    assert "\n" not in str(info.value)


def test_std_is_exact_where_floats_would_cancel():
    stats = _stats([_encode(np.full((64, 64, 3), 200, np.uint8), "RGB")])
    assert stats.channels["R"].std == 0.0
    assert not math.isnan(stats.channels["R"].mean)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 2**16)), max_size=8), st.data())
def test_mask_statistics_merge_to_the_whole(specs, data):
    from labelcheck.stats.mask import MaskStats

    def mask(k: int, seed: int) -> bytes | None:
        if k == 4:
            return b"broken"
        rng = np.random.default_rng(seed)
        values = rng.integers(0, k + 1, (5, 5)).astype(np.uint8) * (60 if k == 3 else 1)
        return _encode(values, "L")

    blobs = [mask(k, seed) for k, seed in specs]
    field = pa.field("mask", _column([]).type)

    def stats(part: list, first: int) -> MaskStats:
        s = MaskStats.empty(field)
        s.update(_column(part, [f"{first + i}.png" for i in range(len(part))]))
        return s

    cut = data.draw(st.integers(0, len(blobs)))
    whole = stats(blobs, 0)
    merged = stats(blobs[:cut], 0).merge(stats(blobs[cut:], cut))
    assert merged.to_dict() == whole.to_dict()
    assert MaskStats.from_dict(whole.to_dict()).to_dict() == whole.to_dict()
    # Exact value counts, brute force over the decoded masks.
    decoded = [np.asarray(Image.open(io.BytesIO(b))) for b in blobs if b != b"broken"]
    if decoded:
        values, counts = np.unique(np.concatenate([d.ravel() for d in decoded]), return_counts=True)
        assert whole.pixels == dict(zip(values.tolist(), counts.tolist(), strict=True))


def test_compiled_image_pass_equals_its_numpy_twin_and_brute_force(monkeypatch):
    """A batch of >= NATIVE_MIN_IMAGES images takes the compiled pass (histograms and picture
    keys); forced off, the numpy twin: the same keys and statistics, equal to counting the
    decoded pixels here."""
    from labelcheck.stats import native
    from labelcheck.stats.image import NATIVE_MIN_IMAGES

    if not native.enabled():
        pytest.skip("the compiled kernels are not built")
    rng = np.random.default_rng(7)
    modes = ["RGB", "L", "RGBA", "CMYK", "P"] * (NATIVE_MIN_IMAGES // 5 + 1)
    pixels = [rng.integers(0, 256, (5 + i % 4, 7, 3), dtype=np.uint8) for i in range(len(modes))]
    blobs = [
        _encode(p, m, "TIFF" if m == "CMYK" else "PNG") for p, m in zip(pixels, modes, strict=True)
    ]
    column = _column(blobs, [f"{i}.png" for i in range(len(blobs))])
    compiled = ImageStats.empty(pa.field("image", column.type))
    compiled_keys = compiled.update(column).to_pylist()
    monkeypatch.setattr(native, "image_kernel", lambda: None)
    twin = ImageStats.empty(pa.field("image", column.type))
    assert twin.update(column).to_pylist() == compiled_keys  # picture keys, bit for bit
    assert compiled.to_dict() == twin.to_dict()
    assert len(set(compiled_keys)) == len(blobs)  # random pictures: all distinct
    decoded = [np.asarray(Image.open(io.BytesIO(b))) for b in blobs]
    for band, index in (("R", 0), ("A", 3), ("C", 0), ("K", 3)):
        having = [d for d, m in zip(decoded, modes, strict=True) if band in m]
        values = np.concatenate([d[..., index].ravel() for d in having]).astype(np.int64)
        assert compiled.channels[band].hist.tolist() == np.bincount(values, minlength=256).tolist()
        assert compiled.channels[band].sum == int(values.sum())


def test_an_image_folder_scan_imports_neither_pandas_nor_the_kernels():
    """pyarrow's pa.array on a Python list imports pandas (~0.3 s, +50 MiB): the image
    column and the picture keys are built from buffers; 12 images stay on the numpy route."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, labelcheck; labelcheck.scan('sample_data/pet_images'); "
        "print(sorted(m for m in ('pandas', 'matplotlib') if m in sys.modules), "
        "'labelcheck.stats.native' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["[]", "False"], out.stdout + out.stderr
