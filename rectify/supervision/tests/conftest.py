from __future__ import annotations

import importlib.util

import pytest


def notifications_present() -> bool:
    try:
        return importlib.util.find_spec("rectify.notifications.services") is not None
    except ModuleNotFoundError:
        return False


needs_notifications = pytest.mark.skipif(not notifications_present(), reason="notifications app not yet present")
