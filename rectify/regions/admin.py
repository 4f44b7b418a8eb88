from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from rectify.core.admin import ADMIN_REASON, HistoryAdmin, VersionCheckedForm
from rectify.core.params import IdChoiceField
from rectify.core.writes import create_record, update_record

from .models import Region, Unit
from .services import EDITABLE, check_code, check_parent, create_region, edit_region


class RegionForm(VersionCheckedForm):
    """A region's parent is checked here as the service checks it (``regions.services``); a move needs a reason,
    and a form opened before someone else moved the region is refused."""

    expected_path = forms.CharField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(label="变更原因", required=False, max_length=500,
                             help_text="修改上级区划（移动区划）时必填：其下所有区划、任务的区划路径随之修改，并记入变更记录")

    class Meta:
        model = Region
        fields = ["code", "name", "short_name", "level", "parent"]
        field_classes = {"parent": IdChoiceField}  # an out-of-range key is a form error, not an overflow

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["expected_path"].initial = self.instance.path

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        saved = self.instance if self.instance.pk is not None else None
        try:
            if saved is None:
                check_code(data.get("code") or "")
            # The parent is checked when it is chosen: a region placed before the rule (or by the national
            # list's loader) keeps its place through an edit of its name.
            if saved is None or "parent" in self.changed_data:
                check_parent(data.get("level") or self.instance.level, data.get("parent"), saved)
        except ValidationError as error:
            self.add_error("parent" if "parent" in self.fields else None, error)
        if saved is not None:
            current = Region.objects.filter(pk=saved.pk).values_list("path", flat=True).first()
            if data.get("expected_path") and data["expected_path"] != current:
                raise ValidationError(f"该区划已被他人移动（现路径 {current}），请刷新后重试")
            if "parent" in self.changed_data and not (data.get("reason") or "").strip():
                self.add_error("reason", "移动区划必须填写原因")
        return data


@admin.register(Region)
class RegionAdmin(HistoryAdmin):
    """The path is computed, never typed: from the parent on creation, and a change of parent moves the region
    with everything below it (``regions.services.move_region``). Deleting is refused, as the history keeps regions."""

    form = RegionForm
    list_display = ["code", "name", "short_name", "level", "parent", "path"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    create_with = create_region
    update_with = edit_region

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else ["code", "level", "path"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["code", "name", "short_name", "level", "parent", "reason", "expected_path"]
        return fields if obj is None else [*fields, "path"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        reason = (form.cleaned_data.get("reason") or "").strip() or ADMIN_REASON
        if not change:
            create_region(obj, reason=reason, by=request.user)  # type: ignore[arg-type]
            return
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in (*EDITABLE, "parent")}
        edit_region(obj, changes, reason=reason, by=request.user,  # type: ignore[arg-type]
                    expected_path=form.cleaned_data.get("expected_path") or None)


@admin.register(Unit)
class UnitAdmin(HistoryAdmin):
    """Units keep a change history (``core.writes``): admin edits go through it too."""

    list_display = ["name", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "region__name"]
    raw_id_fields = ["region", "parent"]
    create_with = create_record
    update_with = update_record
