"""Reads of read-only pages on a replica, everything else on the primary.

When ``DATABASES`` has a ``replica`` alias (``RECTIFY_REPLICA_DATABASE_URL``), a GET or HEAD request
reads from it — until the request writes anything (the session's last-seen time, a login counter, a
to-do marked read) or opens a transaction: from then on that request reads from the primary, so it
sees its own write and reads under a lock stay consistent. Writes always go to the primary. Outside a
request (the worker, the console commands, migrations) and in any other method every query goes to
the primary. Sessions are read from the primary always: a replica a moment behind must not log a
user out right after the login.
"""
from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
# Apps whose rows must be read where they were just written.
PRIMARY_ONLY_APPS = frozenset({"sessions"})

# None outside a read-only request; a one-element list [wrote] inside one (mutable, so a write deep
# in the request pins the rest of it without resetting the variable).
_request_state: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("rectify_replica_request", default=None)


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        state = _request_state.get()
        if (state is None or state[0] or not replica_configured() or model._meta.app_label in PRIMARY_ONLY_APPS
                or connections[PRIMARY].in_atomic_block):
            return PRIMARY
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        state = _request_state.get()
        if state is not None:
            state[0] = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # Primary and replica hold the same rows.
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY


def reads_from_replica(request_method: str) -> contextvars.Token[list[bool] | None]:
    """Mark the current context as a request whose reads may go to the replica (safe methods only)."""
    return _request_state.set([False] if request_method in {"GET", "HEAD"} else None)


class ReplicaMiddleware:
    """Opens the replica window for GET/HEAD requests (first in the stack, so the session and user
    look-ups see it too) and closes it when the response is ready."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = reads_from_replica(request.method or "GET")
        try:
            return self.get_response(request)
        finally:
            _request_state.reset(token)
