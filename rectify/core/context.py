"""Who is acting and in which request: read by the change history."""
from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from rectify.core.types import AnyUser

_actor: contextvars.ContextVar[AnyUser | None] = contextvars.ContextVar("rectify_actor", default=None)
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("rectify_request_id", default=None)


def current_actor() -> AnyUser | None:
    return _actor.get()


def current_request_id() -> str:
    value = _request_id.get()
    return value or uuid.uuid4().hex


@contextmanager
def acting_as(user: AnyUser | None, request_id: str | None = None) -> Iterator[None]:
    """Run a block (a CLI command, a background job) on behalf of a user."""
    actor_token = _actor.set(user)
    request_token = _request_id.set(request_id or uuid.uuid4().hex)
    try:
        yield
    finally:
        _actor.reset(actor_token)
        _request_id.reset(request_token)
