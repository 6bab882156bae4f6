"""check_loader and check_arrays on segmentation masks: the `mask` column kind from arrays.

Real pipelines: PNG image/mask pairs written in tmp_path and read with Pillow in a
Dataset's ``__getitem__``, and a Hugging Face ``datasets.Dataset`` with ``Image``
features and a transform making tensors, both through a real ``DataLoader``. The
expected counts are computed with numpy from the files on disk, never from labelcheck.
"""

from __future__ import annotations

import numpy as np
import pytest

import labelcheck

SIZE = 12
CLASSES = 3  # the model's last Conv2d has 3 out channels


def _pairs(tmp_path, n=20, seed=3, mask_size=SIZE):
    """``images/NNN.png`` (RGB) and ``masks/NNN.png`` (grey, class ids 0..2); mask 3 has a
    255 border, mask 9 a class id 4, mask 14 both. Returns the mask paths, in order."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    (tmp_path / "images").mkdir()
    (tmp_path / "masks").mkdir()
    masks = []
    for i in range(n):
        image = rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
        mask = rng.integers(0, CLASSES, (mask_size, mask_size), dtype=np.uint8)
        if i in (3, 14):
            mask[0, :] = 255  # the VOC border value, with no ignore_index
        if i in (9, 14):
            mask[5, 5] = 4  # a class the model has no output for
        Image.fromarray(image).save(tmp_path / "images" / f"{i:03d}.png")
        Image.fromarray(mask).save(tmp_path / "masks" / f"{i:03d}.png")
        masks.append(tmp_path / "masks" / f"{i:03d}.png")
    return masks


def _pair_loader(torch, root, batch_size=6):
    """A Dataset reading each image/mask pair with Pillow: (C, H, W) floats, (H, W) ids."""
    from PIL import Image

    class Pairs(torch.utils.data.Dataset):
        def __init__(self) -> None:
            self.names = sorted(p.name for p in (root / "images").iterdir())

        def __len__(self) -> int:
            return len(self.names)

        def __getitem__(self, i):
            image = np.array(Image.open(root / "images" / self.names[i]).convert("RGB"))
            mask = np.array(Image.open(root / "masks" / self.names[i]))
            x = torch.from_numpy(image).permute(2, 0, 1).float() / 255
            return x, torch.from_numpy(mask).long()

    return torch.utils.data.DataLoader(Pairs(), batch_size=batch_size)


def _segmenter(torch):
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, CLASSES, 1)
    )


def _read(paths):
    from PIL import Image

    return np.stack([np.array(Image.open(p)) for p in paths])


def test_pairs_read_with_pillow_give_lc406_against_the_models_classes(torch, tmp_path):
    from labelcheck.torch import check_loader

    masks = _read(_pairs(tmp_path))
    loader = _pair_loader(torch, tmp_path)
    report = check_loader(loader, _segmenter(torch))
    assert report.rows == len(masks)
    (lc406,) = report.findings
    assert (lc406.code, lc406.column) == ("LC406", "y")
    bad = (masks >= CLASSES).any(axis=(1, 2))
    assert lc406.rows == int(bad.sum()) == 3
    assert lc406.values == (4, 255)
    assert list(lc406.files) == [f"row {i}" for i in np.flatnonzero(bad)]
    assert "row 3, row 9, row 14" in lc406.message
    assert report.options.n_classes == CLASSES
    assert "Conv2d(8, 3)" in report.options.origins["n_classes"]
    # exact pixels per value, over every mask as read from disk
    values, counts = np.unique(masks, return_counts=True)
    stats = report.stats.columns["y"]
    assert stats.pixels == dict(zip(values.tolist(), counts.tolist(), strict=True))
    assert stats.masks == {
        int(v): int((masks == v).any(axis=(1, 2)).sum()) for v in values.tolist()
    }
    # 255 is the loss's ignore_index: only the class id 4 is out of range
    (ignored,) = check_loader(loader, _segmenter(torch), ignore_index=255).findings
    four = (masks == 4).any(axis=(1, 2))
    assert (ignored.rows, ignored.values) == (int(four.sum()), (4,))
    assert list(ignored.files) == [f"row {i}" for i in np.flatnonzero(four)]


def test_a_clean_segmentation_loader_scans_clean(torch, tmp_path):
    from PIL import Image

    from labelcheck.torch import check_loader

    paths = _pairs(tmp_path)
    for path in paths:  # the planted values back to class ids
        mask = np.array(Image.open(path))
        Image.fromarray(np.where(mask >= CLASSES, 0, mask).astype(np.uint8)).save(path)
    report = check_loader(_pair_loader(torch, tmp_path), _segmenter(torch))
    assert report.findings == [] and report.rows == len(paths)
    assert report.stats.plan.label_reason.startswith("the masks in 'y' are the labels")


def test_masks_of_another_size_than_their_images_are_lc409(torch, tmp_path):
    from labelcheck.torch import check_loader

    masks = _read(_pairs(tmp_path, n=8, mask_size=SIZE - 4))
    report = check_loader(_pair_loader(torch, tmp_path, batch_size=3), ignore_index=255)
    (lc409,) = report.by_code("LC409")
    assert lc409.rows == len(masks)  # every pair: the images are 12x12, the masks 8x8
    assert lc409.files[:2] == ("row 0", "row 1")
    assert "(8x8, image 12x12)" in lc409.message


def _dict_dataset(torch, tmp_path, monkeypatch, colour_rows):
    """A Hugging Face ``datasets.Dataset`` of Image features, its RGB masks grey (R = G = B,
    ids 0..2) except ``colour_rows``, drawn in two VOC colours; a transform makes the
    ``pixel_values`` / ``labels`` dicts a segmentation model takes."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    from datasets import Dataset, Features, Image, disable_progress_bars
    from PIL import Image as PILImage

    disable_progress_bars()
    rng = np.random.default_rng(11)
    images, masks = [], []
    for i in range(16):
        image = rng.integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)
        ids = rng.integers(0, CLASSES, (SIZE, SIZE), dtype=np.uint8)
        mask = np.repeat(ids[..., None], 3, axis=2)
        if i in colour_rows:
            mask = np.where(ids[..., None] > 0, [128, 0, 0], [0, 128, 0]).astype(np.uint8)
        PILImage.fromarray(image).save(tmp_path / f"i{i}.png")
        PILImage.fromarray(mask).save(tmp_path / f"m{i}.png")
        images.append(str(tmp_path / f"i{i}.png"))
        masks.append(str(tmp_path / f"m{i}.png"))
    data = Dataset.from_dict(
        {"image": images, "mask": masks}, features=Features(image=Image(), mask=Image())
    )

    def to_tensors(batch):
        return {
            "pixel_values": [
                torch.from_numpy(np.array(im.convert("RGB"))).permute(2, 0, 1).float() / 255
                for im in batch["image"]
            ],
            "labels": [torch.from_numpy(np.array(m)).long() for m in batch["mask"]],
        }

    data.set_transform(to_tensors)
    return torch.utils.data.DataLoader(data, batch_size=5), masks


def test_hugging_face_dicts_with_colour_coded_masks_give_lc408(torch, tmp_path, monkeypatch):
    from labelcheck.torch import check_loader

    loader, paths = _dict_dataset(torch, tmp_path, monkeypatch, colour_rows={2, 7, 13})
    rgb = _read(paths).astype(np.int64)
    colour = ~((rgb[..., 0] == rgb[..., 1]) & (rgb[..., 1] == rgb[..., 2])).all(axis=(1, 2))
    report = check_loader(loader, _segmenter(torch))
    (lc408,) = report.by_code("LC408")
    assert lc408.column == "labels"
    assert lc408.rows == int(colour.sum()) == 3
    assert list(lc408.files) == [f"row {i}" for i in np.flatnonzero(colour)]
    packed = (rgb[colour, :, :, 0] << 16) | (rgb[colour, :, :, 1] << 8) | rgb[colour, :, :, 2]
    assert sorted(report.stats.columns["labels"].colours) == np.unique(packed).tolist()
    assert f"({len(np.unique(packed))} colours)" in lc408.message
    # the grey masks are class ids, all in range: no LC406
    assert not report.by_code("LC406")


def test_check_arrays_scans_numpy_masks_as_a_mask_column():
    rng = np.random.default_rng(4)
    X = rng.random((300, SIZE, SIZE, 3), dtype=np.float32)
    Y = rng.integers(0, CLASSES, (300, SIZE, SIZE)).astype(np.uint8)
    assert labelcheck.check_arrays(X, Y, n_classes=CLASSES).ok
    Y[[17, 250], 2, 3] = 255
    with pytest.raises(labelcheck.DataValidationError, match="LC406") as info:
        labelcheck.check_arrays(X, Y, n_classes=CLASSES)
    (lc406,) = info.value.report.by_code("LC406")
    held = (Y >= CLASSES).any(axis=(1, 2))
    assert lc406.rows == int(held.sum()) == 2
    assert list(lc406.files) == ["row 17", "row 250"]
    # masks beside rows of features, not images: a one-line error, not a silent pass
    with pytest.raises(labelcheck.InputError, match=r"masks \(N, H, W\) are read beside images"):
        labelcheck.check_arrays(X.reshape(len(X), -1), Y)
    # channels first, and masks (N, 1, H, W): the same column
    report = labelcheck.scan((X.transpose(0, 3, 1, 2).copy(), Y[:, None]), n_classes=CLASSES)
    assert [(f.code, f.rows, f.files) for f in report.findings] == [
        ("LC406", 2, ("row 17", "row 250"))
    ]


def test_mask_batches_that_are_not_class_ids_are_one_line_errors(torch):
    from labelcheck.torch import check_loader

    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset
    # ToTensor() on a mask: ids / 255, floats that are no class ids
    scaled = TensorDataset(torch.zeros(8, 3, 4, 4), torch.full((8, 4, 4), 1 / 255))
    with pytest.raises(labelcheck.InputError, match=r"batch 0: 'y' holds mask values") as info:
        check_loader(DataLoader(scaled, batch_size=4))
    assert "\n" not in str(info.value)
    # whole numbers in floats are class ids
    whole = TensorDataset(torch.rand(8, 3, 6, 6), torch.ones(8, 6, 6) * 2)
    report = check_loader(DataLoader(whole, batch_size=4), n_classes=2)
    assert [(f.code, f.rows) for f in report.findings] == [("LC406", 8)]
    odd = TensorDataset(torch.zeros(8, 3, 4, 4), torch.zeros(8, 6, 6, 5, dtype=torch.long))
    with pytest.raises(labelcheck.InputError, match=r"neither masks of class ids"):
        check_loader(DataLoader(odd, batch_size=4))
