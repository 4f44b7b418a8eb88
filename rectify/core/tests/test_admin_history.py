"""The Django admin cannot change a versioned record (or one with a change history) behind its history:
each such admin is read-only or saves through the record's write service — checked over HTTP."""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from rectify.core.admin import ADMIN_REASON, HistoryAdmin, ReadOnlyAdmin
from rectify.core.models import ChangeRecord, VersionedModel
from rectify.regions.models import Region, Unit
from rectify.tests_security.test_matrix import records  # noqa: F401  (the matrix's records of every kind)

# Units and regions have no version, but their changes are recorded (``core.writes``, ``regions.services``):
# they count as history-bearing.
HISTORY_WITHOUT_VERSION = {Unit, Region}
# The field each editable admin's test changes.
EDITED = {"inspections.Inspection": "team", "inspections.Plan": "title", "regions.Unit": "name",
          "regions.Region": "name"}


def history_bearing() -> list[tuple[Any, Any]]:
    return [(m, a) for m, a in admin.site._registry.items() if issubclass(m, VersionedModel) or m in HISTORY_WITHOUT_VERSION]


def test_every_versioned_admin_is_read_only_or_saves_through_history() -> None:
    found = history_bearing()
    assert {m._meta.label for m, _ in found} >= {"inspections.Inspection", "inspections.Plan", "supervision.SupervisionNotice",
                                                 "dispatch.ReportingRound", "dispatch.ProgressReport", "regions.Unit"}
    loose = [m._meta.label for m, a in found if not isinstance(a, ReadOnlyAdmin | HistoryAdmin)]
    assert not loose, f"admins that could change a versioned record without history: {loose}"
    untested = [m._meta.label for m, a in found if isinstance(a, HistoryAdmin) and m._meta.label not in EDITED]
    assert not untested, f"add the field to change for {untested} to EDITED"


@pytest.fixture
def superuser_client(world: SimpleNamespace) -> Client:
    from rectify.accounts.models import User

    User.objects.create_superuser(username="root", password="Rectify-test-2026", email="root@example.cn")
    client = Client()
    assert client.login(username="root", password="Rectify-test-2026")
    return client


def instance_of(model: Any, records: dict[str, dict[str, Any]]) -> Any:  # noqa: F811
    for pair in records.values():
        if isinstance(pair.get("A"), model):
            return pair["A"]
    return model._default_manager.order_by("pk").first()


def form_data(model_admin: Any, obj: Any, rf_request: Any) -> dict[str, Any]:
    form = model_admin.get_form(rf_request, obj, change=True)(instance=obj)
    data: dict[str, Any] = {}
    for name, bound in form.fields.items():
        value = bound.prepare_value(form[name].value())
        if value is None:
            value = ""
        if isinstance(value, list | tuple):
            value = [v for v in value]
        data[name] = value
    return data


def admin_url(model: Any, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_read_only_admins_refuse_add_change_and_delete(superuser_client: Client, records: dict[str, Any]) -> None:  # noqa: F811
    checked = 0
    for model, model_admin in history_bearing():
        if not isinstance(model_admin, ReadOnlyAdmin):
            continue
        obj = instance_of(model, records)
        assert obj is not None, model._meta.label
        before = ChangeRecord.objects.count()
        assert superuser_client.get(admin_url(model, "change", obj.pk)).status_code == 200  # readable
        assert superuser_client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
        assert superuser_client.get(admin_url(model, "add")).status_code == 403
        assert superuser_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        assert model._default_manager.filter(pk=obj.pk).exists()
        assert ChangeRecord.objects.count() == before
        checked += 1
    assert checked >= 3


def test_editable_admins_save_through_the_service(superuser_client: Client, records: dict[str, Any], rf: Any) -> None:  # noqa: F811
    from rectify.accounts.models import User

    request = rf.get("/")
    request.user = User.objects.get(username="root")
    checked = 0
    for model, model_admin in history_bearing():
        if not isinstance(model_admin, HistoryAdmin):
            continue
        obj = instance_of(model, records)
        field = EDITED[model._meta.label]
        versioned = issubclass(model, VersionedModel)
        data = form_data(model_admin, obj, request)
        data[field] = f"{data[field]}（管理后台）"
        response = superuser_client.post(admin_url(model, "change", obj.pk), data)
        assert response.status_code == 302, (model._meta.label, response.content.decode()[:2000])
        fresh = model._default_manager.get(pk=obj.pk)
        assert getattr(fresh, field) == data[field]
        row = ChangeRecord.objects.filter(object_uuid=obj.uuid, action=ChangeRecord.Action.UPDATE).latest("id")
        assert row.reason == ADMIN_REASON and row.user_name and row.after[field] == data[field]
        if versioned:
            assert fresh.version == obj.version + 1
            # A form opened before someone else's save is refused, and nothing is written.
            stale = {**data, field: "过期的修改"}
            rows = ChangeRecord.objects.count()
            response = superuser_client.post(admin_url(model, "change", obj.pk), stale)
            assert response.status_code == 200 and "已被他人修改" in response.content.decode()
            assert getattr(model._default_manager.get(pk=obj.pk), field) == data[field]
            assert ChangeRecord.objects.count() == rows
        assert superuser_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
        checked += 1
    assert checked == len(EDITED)


def test_adding_in_the_admin_records_a_creation(superuser_client: Client, world: SimpleNamespace) -> None:
    response = superuser_client.post(admin_url(Unit, "add"), {"name": "后台新建单位", "kind": "department", "region": world.city.pk,
                                                              "aliases": "[]", "is_active": "on", "member_rule": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = Unit.objects.get(name="后台新建单位")
    assert ChangeRecord.objects.filter(object_uuid=unit.uuid, action=ChangeRecord.Action.CREATE, reason=ADMIN_REASON).exists()
