"""labelcheck.torch: check_loader scans what a DataLoader yields; guard stops at a bad batch."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import labelcheck

BATCH = 16


def _readings(torch, X, y):
    """A real Dataset with a per-sample transform: each row scaled by its own spread (a
    constant row gives 0/0 = NaN: a clean file, a broken batch)."""

    class Readings(torch.utils.data.Dataset):
        def __len__(self) -> int:
            return len(X)

        def __getitem__(self, i):
            row = torch.from_numpy(X[i])
            return (row - row.mean()) / row.std(), int(y[i])

    return Readings()


def _data(rows=320, features=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(rows, features)).astype(np.float32), np.arange(rows) % 5


def test_guard_names_batch_7_and_the_sample_with_nan(torch):
    from labelcheck.torch import guard

    X, y = _data()
    X[7 * BATCH + 5] = 3.0  # a constant row: the transform divides by its zero std
    loader = torch.utils.data.DataLoader(_readings(torch, X, y), batch_size=BATCH)
    seen = []
    with pytest.raises(labelcheck.DataValidationError) as info:
        for x, _ in guard(loader):
            seen.append(len(x))
    assert seen == [BATCH] * 7  # batches 0..6 reached the model, batch 7 did not
    error = info.value
    assert (error.batch, error.samples) == (7, (5,))
    assert "batch 7" in str(error) and "'x' holds NaN in sample 5" in str(error)
    assert "\n" not in str(error)


def test_guard_class_ids_against_the_models_outputs(torch):
    from labelcheck.torch import guard

    X, y = _data()
    y[7 * BATCH + 3] = 12
    y[7 * BATCH + 9] = -1
    y[2 * BATCH] = -100  # ignore_index (CrossEntropyLoss' default): not an error
    model = torch.nn.Sequential(torch.nn.Linear(6, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    loader = torch.utils.data.DataLoader(_readings(torch, X, y), batch_size=BATCH)
    with pytest.raises(labelcheck.DataValidationError) as info:
        list(guard(loader, model))
    assert (info.value.batch, info.value.samples) == (7, (3, 9))
    message = str(info.value)
    assert "class ids outside 0..9 (-1, 12; n_classes=10 from the model's last layer " in message
    assert "Linear(32, 10)" in message and "samples 3, 9" in message
    # an explicit n_classes wins: 13 classes admit 12, the -1 still stops batch 7
    with pytest.raises(labelcheck.DataValidationError) as info:
        list(guard(loader, model, n_classes=13))
    assert (info.value.batch, info.value.samples) == (7, (9,))
    assert "negative" not in str(info.value) and "(-1; n_classes=13)" in str(info.value)


def test_guard_passes_a_clean_loader_through(torch):
    from labelcheck.torch import guard

    X, y = _data()
    loader = torch.utils.data.DataLoader(_readings(torch, X, y), batch_size=BATCH)
    guarded = guard(loader, n_classes=5)
    assert len(guarded) == len(loader) == 20 and guarded.batch_size == BATCH
    for _ in range(2):  # re-iterable, one pass per epoch
        batches = list(guarded)
        assert len(batches) == 20
        assert torch.equal(torch.cat([x for x, _ in batches]), torch.cat([x for x, _ in loader]))


def test_guard_token_batches_from_a_collate(torch):
    """Hugging Face style dicts: token ids beyond the model's vocabulary, -100 labels."""
    from labelcheck.torch import guard

    vocab = 50
    rng = np.random.default_rng(3)
    texts = [rng.integers(1, vocab, size=rng.integers(3, 12)).tolist() for _ in range(160)]
    texts[7 * 8 + 2][1] = vocab  # one id past the embedding

    def collate(rows):
        width = max(len(r) for r in rows)
        ids = torch.zeros(len(rows), width, dtype=torch.long)
        labels = torch.full((len(rows), width), -100)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            labels[i, : len(r) - 1] = torch.tensor(r[1:])
        return {"input_ids": ids, "attention_mask": ids > 0, "labels": labels}

    class LM(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed_tokens = torch.nn.Embedding(vocab, 8)
            self.lm_head = torch.nn.Linear(8, vocab)

    loader = torch.utils.data.DataLoader(texts, batch_size=8, collate_fn=collate)
    with pytest.raises(labelcheck.DataValidationError) as info:
        list(guard(loader, LM()))
    assert (info.value.batch, info.value.samples) == (7, (2,))  # its input id and next label
    message = str(info.value)
    assert f"'input_ids' holds token ids outside 0..{vocab - 1} ({vocab}; vocab_size=" in message
    assert f"'labels' holds class ids outside 0..{vocab - 1} ({vocab}; n_classes=" in message


def test_check_loader_scans_what_the_loader_yields(torch):
    from labelcheck.torch import check_loader

    X, y = _data()
    y[100] = 8000
    loader = torch.utils.data.DataLoader(_readings(torch, X, y), batch_size=BATCH)
    report = check_loader(loader)
    assert report.rows == len(X) and report.label == "y"
    assert report.by_code("LC205")[0].values == (8000,)
    # the same findings as the transformed arrays scanned directly
    Xt = np.stack([((r - r.mean()) / r.std(ddof=1)) for r in X.astype(np.float64)])
    direct = labelcheck.scan((Xt.astype(np.float32), y))
    assert sorted(f.code for f in report.findings) == sorted(f.code for f in direct.findings)
    model = torch.nn.Linear(6, 5)
    with pytest.raises(labelcheck.DataValidationError) as info:
        check_loader(loader, model).raise_for_errors()
    (finding,) = info.value.report.by_code("LC204")
    assert finding.values == (8000,) and "Linear(6, 5)" in finding.message


def test_check_loader_dict_batches_and_max_batches(torch):
    from labelcheck.torch import check_loader

    X, y = _data(rows=400)
    X[[3, 250, 399], 2] = np.nan
    rows = [{"features": torch.from_numpy(X[i]), "label": int(y[i])} for i in range(len(X))]
    loader = torch.utils.data.DataLoader(rows, batch_size=32)
    report = check_loader(loader)
    assert report.label == "label" and report.rows == 400
    (nan,) = report.by_code("LC101")
    assert nan.column == "features2" and nan.rows == int(np.isnan(X[:, 2]).sum()) == 3
    first = check_loader(loader, max_batches=5)
    assert first.rows == 5 * 32
    assert first.by_code("LC101")[0].rows == int(np.isnan(X[: 5 * 32, 2]).sum()) == 1


def test_module_examples(torch):
    import labelcheck.torch

    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(labelcheck.torch, optionflags=flags)
    assert result.attempted >= 2 and result.failed == 0
