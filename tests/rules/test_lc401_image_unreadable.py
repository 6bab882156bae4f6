"""LC401 image-unreadable: files that Pillow cannot load fully, on real files."""

from lc_helpers import cli_codes, codes, one, scan_cli, write_image

import labelcheck


def _folder(tmp_path):
    root = tmp_path / "pets"
    for i in range(4):
        write_image(root / "cat" / f"{i}.jpg", format="JPEG")
        write_image(root / "dog" / f"{i}.png")
    return root


def test_zero_byte_truncated_and_fake_images_are_named_with_their_reason(tmp_path):
    root = _folder(tmp_path)
    (root / "cat" / "666.jpg").write_bytes(b"")  # the lightweight-gan#109 cat
    whole = write_image(tmp_path / "big.jpg", size=128, format="JPEG").read_bytes()
    (root / "cat" / "cut.jpg").write_bytes(whole[: len(whole) * 2 // 3])  # opens, fails load()
    (root / "dog" / "notes.png").write_text("not an image")
    (root / "dog" / "Thumbs.db").write_bytes(b"\0" * 10)  # not an image extension: ignored
    (root / ".DS_Store").write_bytes(b"\0" * 10)
    report = labelcheck.scan(root)
    finding = one(report, "LC401")
    bad = {"cat/666.jpg", "cat/cut.jpg", "dog/notes.png"}
    assert finding.rows == 3 and set(finding.values) == bad
    assert finding.severity == "error"
    assert report.rows == 11  # 8 good + 3 bad: Thumbs.db and .DS_Store are not images
    reasons = dict(report.stats.columns["image"].failures)
    assert reasons["cat/666.jpg"] == "empty file, 0 bytes"
    assert reasons["cat/cut.jpg"].startswith("does not load: image file is truncated")
    assert reasons["dog/notes.png"] == "not an image Pillow can identify"
    exit_code, data = scan_cli(root)
    assert exit_code == 1
    assert cli_codes(data).count("LC401") == 1
    listed = data["columns"]["image"]["unreadable"]  # every file, with its reason, in JSON
    assert {item["path"] for item in listed} == bad


def test_json_lists_every_unreadable_file_beyond_the_few_in_the_message(tmp_path):
    root = _folder(tmp_path)
    for i in range(25):
        (root / "dog" / f"empty_{i:02d}.jpg").write_bytes(b"")
    finding = one(labelcheck.scan(root), "LC401")
    assert finding.rows == 25 and "and 22 more" in finding.message
    _, data = scan_cli(root)
    listed = [item["path"] for item in data["columns"]["image"]["unreadable"]]
    assert sorted(listed) == [f"dog/empty_{i:02d}.jpg" for i in range(25)]


def test_a_decompression_bomb_is_unreadable_and_never_decoded(tmp_path, monkeypatch):
    from PIL import Image

    root = _folder(tmp_path)
    write_image(root / "dog" / "huge.png", size=64)
    # 64x64 = 4,096 pixels: over a limit of 1,000 (and over twice it: Pillow's own error)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    finding = one(labelcheck.scan(root), "LC401")
    assert finding.values == ("dog/huge.png",)
    assert "decompression bomb" in finding.message
    # Between the limit and twice it Pillow only warns: still a failure, and no warning leaks.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 3000)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        finding = one(labelcheck.scan(root), "LC401")
    assert finding.values == ("dog/huge.png",)


def test_near_miss_every_file_loads(tmp_path):
    root = _folder(tmp_path)
    (root / "dog" / "Thumbs.db").write_bytes(b"\0" * 10)
    report = labelcheck.scan(root)
    assert "LC401" not in codes(report)
    assert report.stats.columns["image"].decoded == 8
