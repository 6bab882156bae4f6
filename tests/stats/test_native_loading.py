"""Which kernels library native.py agrees to call: never one built from another kernels.c."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from labelcheck.stats import native


def _compile(tmp_path: Path, source: str) -> Path:
    cc = shutil.which(os.environ.get("CC", "cc"))
    if cc is None:
        if os.environ.get("LABELCHECK_CI"):
            pytest.fail("no C compiler: CI builds labelcheck's kernels with one")
        pytest.skip("no C compiler")
    src, lib = tmp_path / "k.c", tmp_path / "kernels.so"
    src.write_text(source)
    subprocess.run([cc, "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    return lib


@pytest.fixture
def library(monkeypatch):
    def use(path: Path) -> None:
        monkeypatch.setattr(native, "LIBRARY", path)
        native._library.cache_clear()

    yield use
    native._library.cache_clear()


@pytest.mark.parametrize(
    ("abi", "size"),
    [(native.ABI + 1, 0), (native.ABI, 8)],
    ids=["another-abi-version", "another-struct-layout"],
)
def test_a_library_built_from_another_kernels_c_is_not_called(tmp_path, library, abi, size):
    lib = _compile(
        tmp_path,
        f"#include <stdint.h>\nint64_t lc_abi(void) {{ return {abi}; }}\n"
        f"int64_t lc_column_size(void) {{ return {ctypes.sizeof(native.Column) + size}; }}\n",
    )
    library(lib)
    assert not native.enabled()
    assert "stale build" in native.why_off()


def test_a_library_from_before_the_version_check_is_not_called(tmp_path, library):
    library(_compile(tmp_path, "int lc_batch(void) { return 0; }\n"))
    assert not native.enabled()
    assert "stale build" in native.why_off()


def test_a_file_that_is_no_library_is_not_loaded(tmp_path, library):
    bogus = tmp_path / "kernels.so"
    bogus.write_bytes(b"not an ELF file")
    library(bogus)
    assert not native.enabled()
    assert "does not load" in native.why_off()


def test_the_installed_library_is_this_version():
    if not native.LIBRARY.is_file() and not os.environ.get("LABELCHECK_CI"):
        pytest.skip("the kernels are not built here")
    assert native.enabled(), native.why_off()
