"""Build hook: compile the scan's kernels (labelcheck/stats/kernels.c) into the wheel.

A plain shared library loaded with ctypes (no Python headers, no CPython ABI), built
with the machine's C compiler (``$CC``, else ``cc``). Without a compiler, or when it
fails, the wheel is built without the library and labelcheck runs its numpy route
(the same results; measured ~2x slower on a default scan of a large file):
installation never fails for want of a compiler. ``LABELCHECK_NO_KERNELS=1`` skips it.
Whenever the library is not built, the wheel ships ``kernels-off.txt`` saying why
(``labelcheck --version`` shows it).
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
#: Why the wheel has no LIBRARY, one line (read by labelcheck.stats.native.why_off).
WHY_OFF = "labelcheck/stats/kernels-off.txt"
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
        why = build_kernels(root, self.app.display_info, self.app.display_warning)
        if why is not None:
            build_data["artifacts"].append(WHY_OFF)
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        build_data["artifacts"].append(LIBRARY)


def build_kernels(root: Path, info=print, warn=print) -> str | None:
    """Build LIBRARY under ``root``; or, when it is not built, write WHY_OFF and return why.

    Either file left by an earlier build is removed first: a wheel carries one of them.
    """
    out, off = root / LIBRARY, root / WHY_OFF
    off.unlink(missing_ok=True)
    flag = os.environ.get("LABELCHECK_NO_KERNELS", "").strip()
    if flag not in ("", "0"):
        out.unlink(missing_ok=True)  # a library left by an earlier build would ship
        info("labelcheck: LABELCHECK_NO_KERNELS is set: numpy route only")
        why = f"LABELCHECK_NO_KERNELS={flag} was set when labelcheck was installed"
    else:
        why = compile_kernels(root / SOURCE, out, warn)
    if why is not None:
        off.write_text(why + "\n", encoding="utf-8")
    return why


def compile_kernels(source: Path, out: Path, warn=print) -> str | None:
    """Compile ``source`` into ``out`` (atomically); None, or why it failed (and a warning)."""
    cc = shlex.split(os.environ.get("CC", "cc")) or ["cc"]
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    cmd = [*cc, *FLAGS, "-o", str(tmp), str(source)]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=300)
        os.replace(tmp, out)
    except (OSError, subprocess.SubprocessError) as exc:
        tmp.unlink(missing_ok=True)
        detail = getattr(exc, "stderr", None) or str(exc)
        detail = detail.strip().splitlines()[-1] if detail.strip() else type(exc).__name__
        if isinstance(exc, FileNotFoundError) and exc.filename == cc[0]:
            why = f"no C compiler when labelcheck was installed ({cc[0]} not found)"
        else:
            why = f"the C compiler failed when labelcheck was installed ({cc[0]}: {detail})"
        warn(
            f"labelcheck: the compiled kernels were not built: {why}; "
            "scans use the numpy route (same results, slower on large files)"
        )
        return why
    return None


if __name__ == "__main__":  # python hatch_build.py: rebuild in place (development)
    here = Path(__file__).resolve().parent
    sys.exit(0 if build_kernels(here) is None else 1)
