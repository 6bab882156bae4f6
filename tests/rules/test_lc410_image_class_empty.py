"""LC410 image-class-empty: a class folder with no readable image (and LC001: no image at all)."""

from lc_helpers import cli_codes, codes, one, scan_cli, write_image

import labelcheck


def test_an_empty_class_folder_and_one_of_only_broken_files(tmp_path):
    root = tmp_path / "data"
    for i in range(3):
        write_image(root / "cat" / f"{i}.png")
    (root / "dog").mkdir()
    (root / "dog" / "Thumbs.db").write_bytes(b"\0")
    (root / "eel").mkdir()
    (root / "eel" / "0.jpg").write_bytes(b"")
    findings = labelcheck.scan(root).by_code("LC410")
    assert [f.values for f in findings] == [("dog",), ("eel",)]
    assert "holds no image file" in findings[0].message
    assert "fail to decode" in findings[1].message
    assert all(f.severity == "error" for f in findings)
    exit_code, data = scan_cli(root)
    assert exit_code == 1 and cli_codes(data).count("LC410") == 2


def test_class_folders_with_no_image_at_all_are_lc001(tmp_path):
    root = tmp_path / "data"
    (root / "cat").mkdir(parents=True)
    (root / "dog").mkdir()
    (root / "dog" / "Thumbs.db").write_bytes(b"\0")
    report = labelcheck.scan(root)
    assert one(report, "LC001").rows == 0
    assert "0 images" in one(report, "LC001").message
    assert len(report.by_code("LC410")) == 2
    exit_code, data = scan_cli(root)
    assert exit_code == 1 and "LC001" in cli_codes(data)


def test_near_miss_every_class_has_an_image(tmp_path):
    root = tmp_path / "data"
    for name in ("cat", "dog"):
        write_image(root / name / "0.png")
    (root / "cat" / "Thumbs.db").write_bytes(b"\0")
    report = labelcheck.scan(root)
    assert "LC410" not in codes(report) and "LC001" not in codes(report)
