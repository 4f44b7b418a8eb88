"""A server process freezes what it made while starting (``rectify.core.startup``), as rectify/wsgi.py does."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_wsgi_module_loads_the_views_and_freezes_the_startup_objects(tmp_path: Path) -> None:
    env = {**os.environ, "RECTIFY_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code = ("import gc, sys; import rectify.wsgi; "
            "print(gc.get_freeze_count(), 'rectify.tasks.views' in sys.modules, len(gc.get_objects()))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603 - this interpreter, test-chosen code
    frozen, views_loaded, still_tracked = out.split()
    assert views_loaded == "True"
    assert int(frozen) > 50_000  # the modules, models and URL patterns
    assert int(still_tracked) < int(frozen) / 10  # a full collection walks only what came after
