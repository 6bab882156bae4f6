"""The pipeline is the fixes' and the CLI's, never the face's (ARCHITECTURE.md invariants)."""

from __future__ import annotations

import subprocess
import sys


def test_fixing_and_the_pipeline_never_import_the_library_face():
    code = (
        "import sys, labelcheck.fixes, labelcheck.fixes.apply, labelcheck.pipeline;"
        "import labelcheck.fixes.derive;"
        "print('labelcheck.api' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr


def test_the_face_re_exports_the_pipeline_for_earlier_callers():
    from labelcheck import api, pipeline

    for name in ("make_options", "scan_source", "scan_against", "analyse", "open_reference"):
        assert getattr(api, name) is getattr(pipeline, name)
