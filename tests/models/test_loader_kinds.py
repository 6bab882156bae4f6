"""check_loader on image and token batches: the `tensor` and `tokens` column kinds.

Real pipelines: an image folder of PNGs read by Hugging Face ``datasets`` with a
transform that makes normalised tensors, and a tokenized dataset with a padding
collate, both through a real ``torch.utils.data.DataLoader``. Expected values are
computed with numpy from what the test wrote, never from labelcheck.
"""

from __future__ import annotations

import numpy as np
import pytest

import labelcheck

#: Per-channel normalisation; channel 2's std is a typo'd zero-ish value.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 1e-4)
CLASSES = ("cat", "dog", "fox")


def _image_folder(tmp_path, per_class=12, size=8):
    """PNGs in ``train/<class>/``; returns the images as (N, H, W, 3) uint8 in the order
    ``datasets`` lists them (sorted by path) and their class ids."""
    from PIL import Image

    rng = np.random.default_rng(5)
    pixels, labels = {}, {}
    for k, name in enumerate(CLASSES):
        (tmp_path / "train" / name).mkdir(parents=True)
        for i in range(per_class):
            image = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
            path = tmp_path / "train" / name / f"{i:03d}.png"
            Image.fromarray(image).save(path)
            pixels[str(path)], labels[str(path)] = image, k
    order = sorted(pixels)
    return np.stack([pixels[p] for p in order]), np.array([labels[p] for p in order])


def _image_loader(torch, tmp_path, monkeypatch, batch_size=8):
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from datasets import load_dataset

    folder = load_dataset(
        "imagefolder",
        data_dir=str(tmp_path / "train"),
        split="train",
        cache_dir=str(tmp_path / "cache"),
    )
    mean = torch.tensor(MEAN).view(3, 1, 1)
    std = torch.tensor(STD).view(3, 1, 1)

    def to_tensors(batch):  # ToTensor + Normalize, by hand
        images = [
            torch.from_numpy(np.array(im.convert("RGB"))).permute(2, 0, 1).float() / 255
            for im in batch["image"]
        ]
        return {"pixel_values": [(x - mean) / std for x in images], "label": batch["label"]}

    folder.set_transform(to_tensors)
    return torch.utils.data.DataLoader(folder, batch_size=batch_size)


def test_an_image_folder_through_datasets_gives_one_finding_for_the_bad_channel(
    torch, tmp_path, monkeypatch
):
    from labelcheck.torch import check_loader

    images, labels = _image_folder(tmp_path)
    loader = _image_loader(torch, tmp_path, monkeypatch)
    report = check_loader(loader)
    assert (report.rows, report.label) == (len(images), "label")
    normalised = (images.astype(np.float32) / 255 - np.float32(MEAN)) / np.float32(STD)
    scale = np.abs(normalised).max(axis=(0, 1, 2))
    assert scale[:2].max() < 10 < scale[2]  # only channel 2 is off scale
    (lc103,) = report.findings  # one finding, for one channel, not 3 x 8 x 8 pixels
    assert (lc103.code, lc103.column) == ("LC103", "pixel_values")
    assert "channel 2 of 3" in lc103.message
    low, high = lc103.values
    assert low == pytest.approx(normalised[..., 2].min(), rel=1e-5)
    assert high == pytest.approx(normalised[..., 2].max(), rel=1e-5)
    stats = report.stats.columns["pixel_values"]
    for channel, expected in zip(stats.channels, np.moveaxis(normalised, -1, 0), strict=True):
        assert channel.count == expected.size
        assert channel.mean == pytest.approx(expected.astype(np.float64).mean(), rel=1e-4)
    # the model's outputs bound the class ids: 3 classes into 2 outputs
    model = torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3), torch.nn.Flatten(), torch.nn.Linear(4 * 6 * 6, 2)
    )
    (lc204,) = check_loader(loader, model).by_code("LC204")
    assert lc204.rows == int((labels >= 2).sum())


def test_image_batches_per_channel_in_every_layout(torch):
    """(N, C, H, W), (N, H, W, C) and (N, H, W): the layout numpy image arrays have."""
    from labelcheck.torch import check_loader

    rng = np.random.default_rng(1)
    X = rng.random((40, 3, 6, 6), dtype=np.float32)
    X[13, 1, 2, 2] = np.nan  # one image with a NaN in channel 1
    X[:, 2] = 0.25  # a dead channel
    y = np.arange(40) % 4
    for images, channel_axis in ((X, 1), (X.transpose(0, 2, 3, 1), -1), (X[:, 0], None)):
        data = torch.utils.data.TensorDataset(torch.from_numpy(images.copy()), torch.from_numpy(y))
        report = check_loader(torch.utils.data.DataLoader(data, batch_size=16))
        direct = labelcheck.scan((np.ascontiguousarray(images), y))
        assert report.rows == 40
        assert sorted((f.code, f.rows, f.values) for f in report.findings) == sorted(
            (f.code, f.rows, f.values) for f in direct.findings
        )
        if channel_axis is not None:
            (nan,) = report.by_code("LC101")
            assert (nan.rows, nan.values) == (1, (1,))
            assert [f.values for f in report.by_code("LC105")] == [(2,)]


def test_image_batches_of_another_shape_are_one_line_errors(torch):
    """(Segmentation masks are scanned: tests/models/test_loader_masks.py.)"""
    from labelcheck.torch import check_loader

    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset
    odd = TensorDataset(torch.zeros(8, 5, 6, 6), torch.zeros(8))
    with pytest.raises(labelcheck.InputError, match=r"batch 0: x of shape \(4, 5, 6, 6\)"):
        check_loader(DataLoader(odd, batch_size=4))

    def sized(rows):  # each batch resized differently: a broken resize transform
        side = 4 + len(rows)
        return torch.zeros(len(rows), 3, side, side), torch.zeros(len(rows))

    with pytest.raises(labelcheck.InputError, match="not the first batch's"):
        check_loader(DataLoader(list(range(7)), batch_size=4, collate_fn=sized))


VOCAB = 40
PAD = 0
#: The model's position embedding: the longest sequence it takes.
MAX_LENGTH = 12


def _tokenized(seed=2):
    """A tokenized dataset (Hugging Face ``datasets``): words -> ids; one empty text, one
    text longer than the model's positions."""
    from datasets import Dataset, disable_progress_bars

    disable_progress_bars()
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(1, VOCAB)]
    vocab = {w: i for i, w in enumerate(words, start=1)}
    texts = [" ".join(rng.choice(words, size=rng.integers(2, 9))) for _ in range(60)]
    texts[23] = ""  # tokenizes to nothing: a row the collate pads to an all-zero mask
    texts[50] = " ".join(rng.choice(words, size=MAX_LENGTH + 2))
    data = Dataset.from_dict({"text": texts})
    return data.map(lambda row: {"input_ids": [vocab[w] for w in row["text"].split()]})


def _pad(torch):
    def collate(rows):
        width = max(1, max(len(r["input_ids"]) for r in rows))
        ids = torch.full((len(rows), width), PAD, dtype=torch.long)
        labels = torch.full((len(rows), width), -100, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r["input_ids"])] = torch.tensor(r["input_ids"], dtype=torch.long)
            labels[i, : len(r["input_ids"])] = torch.tensor(r["input_ids"], dtype=torch.long)
        return {"input_ids": ids, "attention_mask": (ids != PAD).long(), "labels": labels}

    return collate


def test_a_tokenized_dataset_with_a_padding_collate_gives_lc501_lc503_lc502(torch):
    from labelcheck.torch import check_loader

    data = _tokenized()
    planted = 41
    ids = [list(row) for row in data["input_ids"]]
    ids[planted][1] = VOCAB + 7  # an id the embedding does not have
    data = data.remove_columns("input_ids").add_column("input_ids", ids)
    empty = [i for i, row in enumerate(ids) if not row]
    assert empty == [23]

    class LM(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed_tokens = torch.nn.Embedding(VOCAB, 8)
            self.embed_positions = torch.nn.Embedding(MAX_LENGTH, 8)
            self.lm_head = torch.nn.Linear(8, VOCAB)

    loader = torch.utils.data.DataLoader(
        data.remove_columns("text"), batch_size=8, collate_fn=_pad(torch)
    )
    report = check_loader(loader, LM())
    assert report.rows == len(ids)
    (lc501,) = report.by_code("LC501")
    assert (lc501.column, lc501.rows) == ("input_ids", 1)
    assert f"row {planted}" in lc501.message and str(VOCAB + 7) in lc501.message
    (lc503,) = report.by_code("LC503")
    assert (lc503.column, lc503.rows) == ("attention_mask", len(empty))
    assert f"row {empty[0]}" in lc503.message
    # real lengths (the mask's 1s), not the padded width: only the long row, not its batch
    long = [i for i, row in enumerate(ids) if len(row) > MAX_LENGTH]
    assert long == [50]
    (lc502,) = report.by_code("LC502")
    assert (lc502.rows, f"row {long[0]}" in lc502.message) == (1, True)
    # the empty row's labels are all -100 too; the planted id is a label beyond the vocabulary
    assert [f.rows for f in report.by_code("LC505")] == [len(empty)]
    assert [f.rows for f in report.by_code("LC506")] == [1]
    # without the model there is no vocabulary to check against
    assert not check_loader(loader).by_code("LC501")
