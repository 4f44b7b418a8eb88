"""Shared filter parts for django-filter."""
from __future__ import annotations

from typing import Any

import django_filters


class OrderingFilter(django_filters.OrderingFilter):
    """Sorting with Chinese labels: "整改时限（升序）" / "整改时限（降序）" instead of "(descending)"."""

    ascending_fmt = "%s（升序）"
    descending_fmt = "%s（降序）"

    def build_choices(self, fields: Any, labels: Any) -> list[tuple[str, str]]:
        choices: list[tuple[str, str]] = []
        for field, param in fields.items():
            name = str(labels.get(field, param))
            choices.append((param, str(labels.get(f"+{param}", self.ascending_fmt % name))))
            choices.append((f"-{param}", str(labels.get(f"-{param}", self.descending_fmt % name))))
        return choices
