"""Optimistic concurrency: an edit names the version it started from; a stale one is refused."""
from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F
from django.utils import timezone

from .refusals import Refused


class StaleEdit(Refused):
    status = 409
    code = "stale_edit"

    def __init__(self, current_version: int) -> None:
        self.current_version = current_version
        super().__init__(
            f"该记录已被他人修改（当前版本为 {current_version}），您的修改未保存。请刷新页面查看最新内容后重新编辑。"
        )

    def extra(self) -> dict[str, Any]:
        return {"current_version": self.current_version}


def save_versioned(obj: models.Model, expected_version: int, fields: list[str]) -> None:
    """Write ``fields`` of ``obj`` only if the row still has ``expected_version``; bump it.

    ``updated_at`` is set to now as well (a queryset update bypasses ``auto_now``), so "最近更新"
    and the API's ``updated_since`` see every versioned save.
    """
    model = type(obj)
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        obj.updated_at = timezone.now()  # type: ignore[attr-defined]
        fields = [*(f for f in fields if f != "updated_at"), "updated_at"]
    values: dict[str, Any] = {name: getattr(obj, getattr(model._meta.get_field(name), "attname", name)) for name in fields}
    updated = model._default_manager.filter(pk=obj.pk, version=expected_version).update(
        version=F("version") + 1, **values
    )
    if not updated:
        current = model._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise StaleEdit(current or 0)
    obj.version = expected_version + 1  # type: ignore[attr-defined]
