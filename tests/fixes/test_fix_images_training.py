"""Proof that fixing a folder of images works for training: the loaders fail on the raw
folder and run to the end on the one `labelcheck fix DIR -o OUT_DIR` writes.

torchvision cannot be installed beside the CPU torch of the test environment, so the
class-folder dataset here follows torchvision's ``ImageFolder`` conventions (class
folders sorted by name give ids 0..K-1, files filtered by its ``IMG_EXTENSIONS``,
walked in sorted order) and decodes like the Hugging Face ``Image`` feature: without
converting to RGB (torchvision's default loader converts, which hides LC402 and is
why the fix converts on disk once). The Hugging Face ``imagefolder`` builder is the
real one, offline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from needs import needed, runs_without
from PIL import Image
from typer.testing import CliRunner

from labelcheck.cli import app

runner = CliRunner()
#: torchvision.datasets.folder.IMG_EXTENSIONS
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def _fix(data: Path, out: Path) -> None:
    result = runner.invoke(app, ["fix", str(data), "-o", str(out)])
    assert result.exit_code == 0, result.output


def _class_folders(root: Path) -> None:
    """cat/ and dog/ of 16x16 RGB PNGs, a grayscale one among the cats, and a file that is
    not an image despite its name among the dogs."""
    rng = np.random.default_rng(0)
    for c in ("cat", "dog"):
        (root / c).mkdir(parents=True)
        for i in range(6):
            pixels = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / c / f"{i}.png")
    Image.fromarray(rng.integers(0, 256, (16, 16), dtype=np.uint8)).save(root / "cat" / "g.png")
    (root / "dog" / "z.jpg").write_bytes(b"<html>404 Not Found</html>")


class ImageFolderLike:
    """torchvision ImageFolder's listing and class ids; pixels as decoded (no conversion)."""

    def __init__(self, root: Path) -> None:
        self.classes = sorted(p.name for p in root.iterdir() if p.is_dir())
        self.samples = [
            (path, i)
            for i, c in enumerate(self.classes)
            for path in sorted((root / c).rglob("*"))
            if path.suffix.lower() in IMG_EXTENSIONS
        ]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int):
        import torch

        path, target = self.samples[i]
        with Image.open(path) as im:
            pixels = torch.from_numpy(np.array(im)).float() / 255
        return (pixels.permute(2, 0, 1) if pixels.ndim == 3 else pixels[None]), target


def _hf_images(data_dir: Path, cache: Path, monkeypatch) -> list:
    datasets = needed("datasets")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    for flag in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        if hasattr(datasets.config, flag):
            monkeypatch.setattr(datasets.config, flag, True)
    ds = datasets.load_dataset("imagefolder", data_dir=str(data_dir), cache_dir=str(cache))
    return [example["image"].size for example in ds["train"]]  # decodes every image


def test_hugging_face_imagefolder_fails_on_the_raw_folder_and_reads_the_fixed_one(
    tmp_path, monkeypatch
):
    raw, fixed = tmp_path / "raw", tmp_path / "fixed"
    _class_folders(raw)
    from PIL import UnidentifiedImageError

    with pytest.raises(UnidentifiedImageError):
        _hf_images(raw, tmp_path / "cache-raw", monkeypatch)
    _fix(raw, fixed)
    sizes = _hf_images(fixed, tmp_path / "cache-fixed", monkeypatch)
    assert sizes == [(16, 16)] * 13  # 14 files, the one that is not an image left out


def test_dataloader_default_collate_fails_on_a_grayscale_image_and_not_once_fixed(tmp_path):
    torch = needed("torch")
    raw, fixed = tmp_path / "raw", tmp_path / "fixed"
    _class_folders(raw)
    loader = torch.utils.data.DataLoader(ImageFolderLike(raw), batch_size=8)
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        list(loader)  # the first batch holds cat/g.png, 1x16x16 among 3x16x16
    _fix(raw, fixed)
    dataset = ImageFolderLike(fixed)
    batches = list(torch.utils.data.DataLoader(dataset, batch_size=8))
    assert [tuple(x.shape) for x, _ in batches] == [(8, 3, 16, 16), (5, 3, 16, 16)]
    assert torch.cat([y for _, y in batches]).tolist() == [0] * 7 + [1] * 6
    assert dataset.classes == ["cat", "dog"]


def _segmentation(root: Path, n: int = 8) -> None:
    """images/ + masks/: 0/255 binary masks (PNG) for 2 classes."""
    rng = np.random.default_rng(1)
    (root / "images").mkdir(parents=True)
    (root / "masks").mkdir(parents=True)
    for i in range(n):
        image = rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)
        mask = np.zeros((16, 16), np.uint8)
        mask[2 + i % 4 : 12, 3:13] = 255
        image[mask > 0] //= 4  # the object is dark: something to learn
        Image.fromarray(image).save(root / "images" / f"{i}.png")
        Image.fromarray(mask).save(root / "masks" / f"{i}.png")


def _tensors(root: Path):
    import torch

    images, masks = [], []
    for path in sorted((root / "images").iterdir()):
        with Image.open(path) as im, Image.open(root / "masks" / f"{path.stem}.png") as m:
            images.append(torch.from_numpy(np.array(im)).permute(2, 0, 1).float() / 255)
            masks.append(torch.from_numpy(np.array(m)).long())
    return torch.stack(images), torch.stack(masks)


def _model(torch):
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 2, 1)
    )


def test_segmentation_loss_fails_on_0_255_masks_and_trains_on_the_fixed_ones(tmp_path):
    torch = needed("torch")
    raw, fixed = tmp_path / "raw", tmp_path / "fixed"
    _segmentation(raw)
    x, y = _tensors(raw)
    loss_fn = torch.nn.CrossEntropyLoss()
    with pytest.raises(IndexError, match="Target 255 is out of bounds"):  # on CPU
        loss_fn(_model(torch)(x), y)
    _fix(raw, fixed)
    x, y = _tensors(fixed)
    assert set(torch.unique(y).tolist()) == {0, 1}
    model = _model(torch)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert all(np.isfinite(losses)) and losses[-1] < losses[0]


def test_ci_fails_rather_than_skips_without_torch():
    """With LABELCHECK_CI=1 (set by .ci/run) a missing torch is a failure, not a skip."""
    test = f"{__file__}::test_segmentation_loss_fails_on_0_255_masks_and_trains_on_the_fixed_ones"
    runs = runs_without("torch", test)
    assert runs["1"].returncode == 1, runs["1"].stdout
    assert "LABELCHECK_CI is set but torch is not installed" in runs["1"].stdout
    assert runs[""].returncode == 0 and "1 skipped" in runs[""].stdout, runs[""].stdout
