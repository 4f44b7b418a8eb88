"""The records of every kind that the authorization matrix builds (晋城 = A, 太原 = B), reused here."""
from typing import Any

import pytest

from rectify.tests_security.test_matrix import records  # noqa: F401


@pytest.fixture(autouse=True)
def _last_seen_written_once(monkeypatch: Any) -> None:
    """The session's last-seen time is rewritten at most once a minute: on a slow machine a counted
    request could land on that minute and count the session save. Count pages, not the clock."""
    monkeypatch.setattr("rectify.accounts.middleware.LAST_SEEN_RESOLUTION", 10**9)
