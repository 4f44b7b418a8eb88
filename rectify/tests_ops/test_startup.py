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


def test_a_process_freezes_once_more_after_its_warm_up_requests(tmp_path: Path) -> None:
    """What the first requests leave for good (here: lists kept in a list, as compiled templates are kept) leaves the
    collector's reach at the warm-up's last request; nothing is frozen before it, nor again after it."""
    env = {**os.environ, "RECTIFY_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    code = """
import gc
import rectify.wsgi
from django.core.signals import request_finished
from rectify.core.startup import WARM_UP_REQUESTS

kept = []
counts = []
for i in range(WARM_UP_REQUESTS + 5):
    kept.extend([[i, n] for n in range(100)])  # lists: tracked by the collector
    request_finished.send(sender=None)
    counts.append(gc.get_freeze_count())
print(counts[0], counts[WARM_UP_REQUESTS - 2], counts[WARM_UP_REQUESTS - 1], counts[-1], len(kept))
"""
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout  # noqa: S603 - this interpreter, test-chosen code
    first, before_last, at_last, after, kept = (int(n) for n in out.split())
    assert first == before_last  # nothing frozen during the warm-up
    assert at_last - before_last >= kept - 5 * 100  # the warm-up's objects frozen at its last request
    assert after == at_last  # once only
