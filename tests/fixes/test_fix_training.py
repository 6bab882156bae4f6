"""Proof that fixing works for training: the naive loop breaks before `fix`, trains after.

The loops are what a user writes in a notebook: softmax regression with
cross-entropy, the output sized from the labels, a textbook learning rate.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from needs import needed, runs_without

import labelcheck

SAMPLES = Path(__file__).resolve().parents[2] / "sample_data"


def load(name: str, label: str) -> tuple[np.ndarray, np.ndarray]:
    table = pq.read_table(SAMPLES / name)
    X = np.column_stack([table[c].to_numpy() for c in table.column_names if c != label])
    return X.astype(np.float64), table[label].to_numpy()


def naive_softmax_regression(
    X: np.ndarray, y: np.ndarray, n_classes: int, *, lr: float, steps: int
) -> list[float]:
    """Full-batch softmax regression, written as in most tutorials (no max-shift)."""
    n, d = X.shape
    W = np.zeros((d, n_classes))
    b = np.zeros(n_classes)
    onehot = np.eye(n_classes)[y]  # a label outside -n..n-1 raises IndexError here
    losses = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(steps):
            logits = X @ W + b
            exp = np.exp(logits)
            p = exp / exp.sum(axis=1, keepdims=True)
            losses.append(float(-np.mean(np.sum(onehot * np.log(p), axis=1))))
            grad = (p - onehot) / n
            W -= lr * X.T @ grad
            b -= lr * grad.sum(axis=0)
    return losses


def trains(losses: list[float]) -> bool:
    return bool(np.all(np.isfinite(losses)) and losses[-1] < 0.9 * losses[0])


def test_classic_before_index_error_after_trains():
    X, y = load("classic.parquet", "y")
    # A naive user sizes the output from the number of distinct classes (6) ...
    with pytest.raises(IndexError, match="8000"):
        naive_softmax_regression(X, y, len(np.unique(y)), lr=0.5, steps=50)
    (X2, y2), _ = labelcheck.fix((X, y))
    assert len(np.unique(y2)) == int(y2.max()) + 1 == 5  # both ways of sizing agree now
    losses = naive_softmax_regression(X2, y2, int(y2.max()) + 1, lr=0.5, steps=200)
    assert trains(losses), losses[:3] + losses[-3:]
    assert np.all(np.diff(losses) <= 1e-12)  # full-batch, small lr: monotone


def test_pixels_before_silent_wrap_and_nan_after_trains():
    X, y = load("pixels.parquet", "label")
    n_classes = int(y.max()) + 1  # = 2 for labels {-1, 0, 1}
    onehot = np.eye(n_classes)[y]
    # -1 silently wraps to the last class: classes -1 and 1 become one target.
    assert np.array_equal(onehot[y == -1][0], onehot[y == 1][0])
    losses = naive_softmax_regression(X, y, n_classes, lr=0.1, steps=20)
    assert not np.all(np.isfinite(losses)), losses  # raw 0..255 pixels: exp overflows
    (X2, y2), plan = labelcheck.fix((X, y))
    assert set(np.unique(y2).tolist()) == {0, 1, 2} and np.abs(X2).max() <= 1
    losses = naive_softmax_regression(X2, y2, int(y2.max()) + 1, lr=0.1, steps=200)
    # The sample's pixels carry little signal, so the loss falls slowly from ln(3): but
    # it is finite and falls at every step, where the raw data gave NaN at step 2.
    assert np.all(np.isfinite(losses)) and losses[0] == pytest.approx(np.log(3))
    assert losses[-1] < losses[0] - 0.02
    assert np.all(np.diff(losses) < 0)
    assert plan.decode_labels(y2).tolist() == y.tolist()


def _torch():
    return needed("torch", "PyTorch")


def test_torch_cross_entropy_before_and_after():
    torch = _torch()
    for name, label in (("classic.parquet", "y"), ("pixels.parquet", "label")):
        X, y = load(name, label)
        (X2, y2), _ = labelcheck.fix((X, y))
        loss_fn = torch.nn.CrossEntropyLoss()
        # Sized as in the numpy tests: 6 distinct classes (classic), max + 1 = 2 (pixels).
        naive_k = int(y.max()) + 1 if name == "pixels.parquet" else len(np.unique(y))
        model = torch.nn.Linear(X.shape[1], naive_k)
        bad = 8000 if name == "classic.parquet" else -1
        with pytest.raises(IndexError, match=f"Target {bad} is out of bounds"):  # on CPU
            loss_fn(model(torch.tensor(X, dtype=torch.float32)), torch.tensor(y))
        torch.manual_seed(0)
        model = torch.nn.Linear(X2.shape[1], int(y2.max()) + 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        xs, ys = torch.tensor(X2, dtype=torch.float32), torch.tensor(y2)
        losses = []
        for _ in range(100):
            opt.zero_grad()
            loss = loss_fn(model(xs), ys)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        assert all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_ci_fails_rather_than_skips_without_torch():
    """With LABELCHECK_CI=1 (set by .ci/run) a missing torch is a failure, not a skip."""
    runs = runs_without("torch", f"{__file__}::test_torch_cross_entropy_before_and_after")
    assert runs["1"].returncode == 1, runs["1"].stdout
    assert "LABELCHECK_CI is set but PyTorch is not installed" in runs["1"].stdout
    assert runs[""].returncode == 0 and "1 skipped" in runs[""].stdout, runs[""].stdout
