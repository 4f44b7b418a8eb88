"""The admin's two ways of handling records that carry a version or a change history.

Such a record never changes in the admin behind its history's back: it is either shown read-only
(``ReadOnlyAdmin``: the pages and the API change it through its service, with its rules) or saved
through its write service (``HistoryAdmin``: one transaction, the version the form was opened at,
one history row). ``core/tests/test_admin_history.py`` checks every registered admin.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from .models import ChangeRecord
from .versioning import StaleEdit

ADMIN_REASON = "管理后台修改"


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Readable here, never added, changed or deleted: the record changes only through its service."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class VersionCheckedForm(forms.ModelForm[Any]):
    """Carries the version the form was opened at (hidden) and refuses a save over a newer one."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if self.instance.pk is not None and "version" in self.fields:
            current = type(self.instance)._default_manager.filter(pk=self.instance.pk).values_list("version", flat=True).first()
            if data.get("version") != current:
                raise forms.ValidationError(str(StaleEdit(current or 0)))
        return data


class HistoryAdmin(admin.ModelAdmin[Any]):
    """Edits saved through the record's write service, so each one leaves a history row.

    A subclass names the service: ``create_with(obj, reason=...)`` and
    ``update_with(obj, changes, expected_version=..., reason=...)``. Deleting is refused.
    """

    form = VersionCheckedForm
    create_with: ClassVar[Callable[..., Any]]
    update_with: ClassVar[Callable[..., Any]]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if any(f.name == "version" for f in self.model._meta.concrete_fields):
            kwargs.setdefault("widgets", {})["version"] = forms.HiddenInput
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        if obj is None and "version" in fields:
            fields.remove("version")  # a new record starts at version 1
        return fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            type(self).create_with(obj, reason=ADMIN_REASON)
            return
        names = {f.name for f in self.model._meta.concrete_fields}
        changes = {name: getattr(obj, name) for name in form.changed_data if name in names and name != "version"}
        type(self).update_with(obj, changes, expected_version=form.cleaned_data.get("version"), reason=ADMIN_REASON)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    """The history is append-only: readable here, never editable."""

    list_display = ["time", "user_name", "action", "object_type", "object_repr", "reason"]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "reason", "user_name", "request_id"]
