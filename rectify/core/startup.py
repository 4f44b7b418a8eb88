"""What a server process does once it has started, before its first request, and once it has warmed up."""
from __future__ import annotations

import gc
import threading
from typing import Any

from django.core.signals import request_finished

WARM_UP_REQUESTS = 200
"""After this many requests a process has compiled its templates, reversed its URLs and filled its kept
answers (``core.generations``); what it made until then lives as long as the process, as the startup
objects do."""
WARM_UP_FREEZE_UID = "rectify.core.startup.warm_up_freeze"


def freeze_startup_objects() -> int:
    """Load the URL patterns and views, then put every object made so far (modules, models, URL patterns: about
    180,000 of them) out of the garbage collector's reach, and return how many were frozen. Freeze once more
    after the first ``WARM_UP_REQUESTS`` requests (``freeze_after_warm_up``).

    A full collection walks every tracked object. Without this, one request in about sixty met one and
    took 50 ms longer (the ledger's search: 29 ms median, 86 ms at the slowest of 60; 35 ms with the objects
    frozen). Objects made at startup live as long as the process: none is ever collectable garbage."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports every view module)
    gc.collect()
    gc.freeze()
    freeze_after_warm_up(WARM_UP_REQUESTS)
    return gc.get_freeze_count()


class _WarmUpFreeze:
    """A ``request_finished`` receiver that freezes the surviving objects once, at the ``after``-th request,
    then disconnects itself. The server's threads share it; the lock makes the count exact and the freeze
    happen once."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.seen = 0
        self.lock = threading.Lock()

    def __call__(self, sender: Any, **kwargs: Any) -> None:
        with self.lock:
            self.seen += 1
            if self.seen != self.after:
                return
        request_finished.disconnect(dispatch_uid=WARM_UP_FREEZE_UID)
        gc.collect()
        gc.freeze()



def freeze_after_warm_up(after: int) -> None:
    """Collect and freeze once more when ``after`` requests have finished.

    The first requests make some 25,000 objects that stay for good (compiled templates, reversed URLs, kept
    answers); every full collection after them walked them again. In a probe at 300,000 tasks (810 requests,
    DEBUG off) this took full collections from 16.5 to 6.3 ms each and the slowest request from 59 to 45 ms.
    A larger first threshold instead (``gc.set_threshold(50000, 20, 10)``) made young collections of 54 ms."""
    request_finished.connect(_WarmUpFreeze(after), dispatch_uid=WARM_UP_FREEZE_UID, weak=False)
