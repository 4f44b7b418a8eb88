"""How a change record reads to a person: Chinese field labels, readable values, no internals.

The one place every history display (task timeline, any other page) turns a ``ChangeRecord``'s
before/after into lines. Labels come from the model's ``verbose_name``s; fields a person never
edits (public id, version, search text, timestamps, derived copies) are left out; a value of a
field with choices shows its label, a yes/no field 是/否, a list its items.
"""
from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models

EMPTY = "（空）"

# Never shown: bookkeeping of every record.
INTERNAL_FIELDS = {"id", "uuid", "version", "created_at", "updated_at", "search_text", "digest", "previous_digest"}

# Keys that snapshots add beside the model's own fields (``history_extra`` and service extras).
EXTRA_LABELS = {
    "measures": "整改措施",
    "milestones": "时间节点",
    "assignments": "责任分工",
    "units": "单位",
    "tasks": "任务",
    "file": "文件",
    "evidence": "佐证材料",
}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


# The models, fields and choices a history names, looked up once per process (a task's page describes up to
# 100 changes, each field of each through these: a third of the time its timeline took).
@functools.lru_cache(maxsize=256)
def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


@functools.lru_cache(maxsize=4096)
def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


@functools.lru_cache(maxsize=1024)
def _choices(field: Any) -> dict[Any, Any]:
    """A field's choices, value → label (the label as declared: a lazy translation is read when shown)."""
    return dict(field.flatchoices)


def is_hidden(model: type[models.Model] | None, name: str) -> bool:
    """Internal fields, non-editable ones, and those a model lists in ``history_hidden``."""
    if name in INTERNAL_FIELDS or name in getattr(model, "history_hidden", ()):
        return True
    field = _field(model, name)
    return bool(field is not None and getattr(field, "concrete", False) and not field.editable)


def label(model: type[models.Model] | None, name: str) -> str:
    """The field's Chinese name: its verbose_name, a related model's name, or the model's ``history_labels``."""
    own = getattr(model, "history_labels", {}) if model is not None else {}
    if name in own:
        return str(own[name])
    field = _field(model, name)
    if field is not None and getattr(field, "verbose_name", None) and str(field.verbose_name) != name.replace("_", " "):
        return str(field.verbose_name)
    if field is not None and field.is_relation and field.related_model is not None:
        return str(field.related_model._meta.verbose_name)
    return str(EXTRA_LABELS.get(name) or name)


def display(model: type[models.Model] | None, name: str, value: Any) -> str:
    """One value as a person reads it."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    field = _field(model, name)
    choices = _choices(field) if field is not None and getattr(field, "choices", None) else {}
    if choices and not isinstance(value, (list, dict)):
        return str(choices.get(value, value))
    if isinstance(value, list):
        return "；".join(display(None, "", v) for v in value) or EMPTY
    if isinstance(value, dict):
        if set(value) <= {"date", "text"}:  # a milestone
            return " ".join(display(None, "", value.get(k)) for k in ("date", "text") if value.get(k))
        return "，".join(f"{label(model, k)}：{display(model, k, v)}" for k, v in value.items())
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        from django.utils import timezone

        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _visible_names(record: Any) -> tuple[type[models.Model] | None, list[str]]:
    model = _model(record.object_type)
    before = record.before or {}
    after = record.after or {}
    names = [k for k in after if before.get(k) != after.get(k)] + [k for k in before if k not in after]
    return model, [name for name in names if not is_hidden(model, name)]


def describe(record: Any) -> list[Change]:
    """The changed fields of ``record`` (a ChangeRecord), labelled and readable, internals left out."""
    model, names = _visible_names(record)
    before = record.before or {}
    after = record.after or {}
    return [Change(label(model, name), display(model, name, before.get(name)), display(model, name, after.get(name))) for name in names]


def describe_for_api(record: Any) -> list[dict[str, Any]]:
    """The same changes for the API: the field's key and Chinese label, raw values and as a person reads them."""
    model, names = _visible_names(record)
    before = record.before or {}
    after = record.after or {}
    return [
        {"field": name, "label": label(model, name), "before": before.get(name), "after": after.get(name),
         "before_text": display(model, name, before.get(name)), "after_text": display(model, name, after.get(name))}
        for name in names
    ]


def without_internals(record: Any, values: dict[str, Any] | None) -> dict[str, Any] | None:
    """A snapshot (``before``/``after``) with the hidden fields left out."""
    if values is None:
        return None
    model = _model(record.object_type)
    return {k: v for k, v in values.items() if not is_hidden(model, k)}
