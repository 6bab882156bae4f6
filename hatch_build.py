"""Build hook: compile the scan's kernels (labelcheck/stats/kernels.c) into the wheel.

A plain shared library loaded with ctypes (no Python headers, no CPython ABI), built
with the machine's C compiler (``$CC``, else ``cc``). Without a compiler, or when it
fails, the wheel is built without the library and labelcheck runs its numpy route
(the same results; measured ~2x slower on a default scan of a large file):
installation never fails for want of a compiler. ``LABELCHECK_NO_KERNELS=1`` skips it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = "labelcheck/stats/kernels.c"
LIBRARY = "labelcheck/stats/kernels.so"
# -O3 vectorises the hash loops; -fopenmp-simd honours the kernels' `omp simd`
# reductions (no OpenMP runtime). No -march=native: kernels.c picks the instruction
# set when it loads (target_clones), so a wheel or image built here runs elsewhere.
FLAGS = ["-O3", "-fopenmp-simd", "-fPIC", "-shared", "-std=c11"]


class KernelsHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        out = root / LIBRARY
        if os.environ.get("LABELCHECK_NO_KERNELS", "").strip() not in ("", "0"):
            out.unlink(missing_ok=True)  # a library left by an earlier build would ship
            self.app.display_info("labelcheck: LABELCHECK_NO_KERNELS is set: numpy route only")
            return
        if not compile_kernels(root / SOURCE, out, self.app.display_warning):
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        build_data["artifacts"].append(LIBRARY)


def compile_kernels(source: Path, out: Path, warn=print) -> bool:
    """Compile ``source`` into ``out`` (atomically); False, with a warning, if it fails."""
    cc = shlex.split(os.environ.get("CC", "cc")) or ["cc"]
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    cmd = [*cc, *FLAGS, "-o", str(tmp), str(source)]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=300)
        os.replace(tmp, out)
    except (OSError, subprocess.SubprocessError) as exc:
        tmp.unlink(missing_ok=True)
        detail = getattr(exc, "stderr", None) or str(exc)
        warn(
            f"labelcheck: the compiled kernels were not built ({' '.join(cmd[:1])}: "
            f"{detail.strip().splitlines()[-1] if detail.strip() else exc}); "
            "scans use the numpy route (same results, slower on large files)"
        )
        return False
    return True


if __name__ == "__main__":  # python hatch_build.py: rebuild in place (development)
    here = Path(__file__).resolve().parent
    sys.exit(0 if compile_kernels(here / SOURCE, here / LIBRARY) else 1)
