"""The one exception the library lets escape."""
from __future__ import annotations


class IngestError(Exception):
    """A document that cannot be read; ``message`` is a Chinese sentence fit for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message
