"""Image tensors (N, H, W[, C]) and (N, C, H, W): one row per image, rules per channel.

Expected counts come from numpy over the array the test built, never from labelcheck.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import labelcheck
from labelcheck.cli import app


def _pixels(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_a_uint8_rgb_tensor_is_one_lc103_naming_the_3_channels_not_3072():
    X = _pixels((500, 32, 32, 3))
    report = labelcheck.scan((X, np.arange(500) % 10))
    lc103 = report.by_code("LC103")
    assert len(lc103) == 1 and lc103[0].column == "X"
    assert "channels 0, 1, 2 of 3" in lc103[0].message
    assert lc103[0].values == (int(X.min()), int(X.max()))
    assert report.rows == 500  # rows are images, never pixels
    # check_arrays takes the 4-D array as it is (it used to ask for a reshape).
    assert labelcheck.check_arrays(X, np.arange(500) % 10).rows == 500


@pytest.mark.parametrize(
    ("shape", "axis"),
    [((40, 8, 8), None), ((40, 8, 8, 3), -1), ((40, 3, 8, 8), 1), ((40, 8, 8, 4), -1)],
)
def test_channel_statistics_are_exact_against_numpy_in_every_layout(shape, axis):
    X = _pixels(shape, 1).astype(np.float32) / 255
    report = labelcheck.scan(X)
    tensor = report.stats.columns["X"]
    per_channel = [X] if axis is None else list(np.moveaxis(X, axis, 0))
    assert len(tensor.channels) == len(per_channel)
    for stats, values in zip(tensor.channels, per_channel, strict=True):
        assert stats.count == values.size
        assert (stats.min, stats.max) == (values.min(), values.max())
        assert stats.mean == pytest.approx(values.astype(np.float64).mean(), rel=1e-6)
        assert stats.std == pytest.approx(values.astype(np.float64).std(), rel=1e-5)


def test_nan_inf_and_constant_channels_count_images():
    X = _pixels((300, 6, 6, 3), 2).astype(np.float32)
    X[[3, 7, 7], [0, 1, 2], 0, 2] = np.nan  # 2 images, 3 values, channel 2
    X[10, 0, 0, 1] = np.inf
    X[11, 5, 5, 1] = -np.inf
    X[..., 0] = 0.5  # a dead channel
    report = labelcheck.scan((X, np.arange(300) % 3))
    nan_images = int(np.isnan(X).any(axis=(1, 2, 3)).sum())
    inf_images = int(np.isinf(X).any(axis=(1, 2, 3)).sum())
    lc101 = report.by_code("LC101")
    assert [(f.rows, f.values) for f in lc101] == [(nan_images, (2,))]
    assert "3 values" in lc101[0].message
    assert [(f.rows, f.values) for f in report.by_code("LC102")] == [(inf_images, (1,))]
    assert [f.values for f in report.by_code("LC105")] == [(0,)]
    assert "channels 1, 2 of 3" in report.by_code("LC103")[0].message


def test_fp16_overflow_is_per_channel_and_an_error_under_fp16():
    X = np.zeros((50, 4, 4, 3), np.float32)
    X[..., 1] = np.linspace(0, 1, 50 * 16).reshape(50, 4, 4)
    X[0, 0, 0, 1] = 70_000.0
    found = labelcheck.scan(X, precision="fp16").by_code("LC106")
    assert len(found) == 1 and "channel 1 of 3" in found[0].message
    assert found[0].severity == "error"


def test_the_same_image_twice_is_lc301_and_a_tensor_has_no_plan_step():
    X = _pixels((60, 5, 5, 3), 3)
    X[40] = X[2]
    y = np.arange(60) % 2
    y[40] = y[2]
    report = labelcheck.scan((X, y))
    assert [f.rows for f in report.by_code("LC301")] == [1]
    from labelcheck.fixes.derive import derive_plan
    from labelcheck.options import Strategies

    plan = derive_plan(report, Strategies(), medians={})
    # Plan steps rewrite table columns: the tensor's scale is for the user's code to fix.
    assert not any(s.column == "X" and s.step in ("normalize", "standardize") for s in plan.steps)
    assert any("LC103" in u and "tensor data itself" in u for u in map(str, plan.unfixed))


def test_near_miss_images_already_in_unit_scale_and_odd_shapes(tmp_path):
    X = _pixels((100, 8, 8, 3), 4).astype(np.float32) / 127.5 - 1
    assert not labelcheck.scan(X).findings
    np.save(tmp_path / "odd.npy", np.zeros((5, 7, 9, 11)))
    result = CliRunner().invoke(app, ["scan", str(tmp_path / "odd.npy")])
    assert result.exit_code == 2 and "1, 3 or 4 channels" in result.output


def test_cli_scans_an_npz_of_images(tmp_path):
    X = _pixels((200, 16, 16, 3), 5)
    np.savez(tmp_path / "cifar_like.npz", X=X, y=np.arange(200) % 10)
    result = CliRunner().invoke(app, ["scan", str(tmp_path / "cifar_like.npz"), "--format", "json"])
    data = json.loads(result.stdout)
    assert [f["code"] for f in data["findings"]] == ["LC103"]
    assert data["rows"] == 200
