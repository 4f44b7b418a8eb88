"""Every edit form round-trips: opened over HTTP with a filled record and sent back untouched, it
changes nothing and writes no history row.

The edit forms are enumerated: every named URL of the product is either an edit form with a
case below (``EDIT_FORMS``) or listed with the reason it is not one (``NOT_EDIT_FORMS``), so a
new page fails ``test_every_route_is_classified`` until it is placed; every model registered in
the admin gets its change form round-tripped (``test_admin_change_forms_round_trip``).
"""
from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from rectify.core.context import acting_as
from rectify.core.models import ChangeRecord

from .browser_form import as_post_data, find_form, submitted

# ---- what a record "is": every stored value, its many-to-many links and its children -----------


def state_of(obj: models.Model, *, ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """Every stored value of ``obj``, its many-to-many links and its dependent rows (measures …)."""
    model = type(obj)
    row = model._default_manager.get(pk=obj.pk)
    state: dict[str, Any] = {f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if f.name not in ignore}
    for m2m in model._meta.many_to_many:
        state[m2m.name] = sorted(getattr(row, m2m.name).values_list("pk", flat=True))
    for rel in model._meta.related_objects:
        if rel.one_to_many and rel.on_delete is models.CASCADE and rel.related_model is not ChangeRecord:
            children = rel.related_model._default_manager.filter(**{rel.field.name: row}).order_by("pk")
            state[rel.get_accessor_name() or rel.name] = [
                {f.attname: getattr(c, f.attname) for f in rel.related_model._meta.concrete_fields} for c in children
            ]
    return state


def round_trip(client: Client, url: str, *, form: dict[str, Any], button: str | None = None) -> Any:
    page = client.get(url)
    assert page.status_code == 200, f"GET {url}: {page.status_code}"
    pairs = submitted(find_form(page.content.decode(), **form), button=button)
    assert pairs, f"no fields in the form of {url}"
    return client.post(url, as_post_data(pairs))


@dataclass
class Case:
    """One edit form with a filled record: the page, who opens it, the form on it, the record it edits."""

    name: str
    user: Any
    url: str
    record: models.Model
    form: dict[str, Any]
    button: str | None = None
    ignore: tuple[str, ...] = ()


def check(case: Case, login: Callable[[Any], Client]) -> None:
    before = state_of(case.record, ignore=case.ignore)
    history = ChangeRecord.objects.count()
    response = round_trip(login(case.user), case.url, form=case.form, button=case.button)
    assert response.status_code in (200, 302), f"{case.name}: POST answered {response.status_code}"
    if response.status_code == 200 and response.context and "form" in response.context:
        assert not response.context["form"].errors, f"{case.name}: the untouched form was refused: {response.context['form'].errors}"
    after = state_of(case.record, ignore=case.ignore)
    changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
    assert not changed, f"{case.name}: an untouched form changed {changed}"
    assert ChangeRecord.objects.count() == history, f"{case.name}: an untouched form wrote a history row"


# ---- the product's edit forms ----------------------------------------------------------------------


def filled_task(world: SimpleNamespace, make_task: Any, **overrides: Any) -> Any:
    """A task with every field of the form filled, including an undated milestone and a parent."""
    from rectify.tasks.models import Assignment

    parent = make_task(region=world.city, seq="9", units={Assignment.Role.LEAD: [world.unit_city_env]})
    values: dict[str, Any] = {
        "seq": "3-1", "feedback_no": "12", "section": ["一、大气污染防治", "（一）扬尘管控"], "title": "建筑工地扬尘整治",
        "problem": "部分工地围挡不全，\n道路积尘明显。", "target": "工地扬尘防治“六个百分之百”落实到位。",
        "measures": ["开展全面排查", "建立问题台账，逐一销号"],
        "milestones": [(datetime.date(2026, 3, 31), "完成排查"), (None, "每月开展一次复查")],
        "units": {
            Assignment.Role.LEAD: [world.unit_city_env],
            Assignment.Role.COOPERATING: [world.unit_county_gov],
            Assignment.Role.RESPONSIBLE: [world.unit_county_env],
        },
        "responsible_person": "张三", "deadline": datetime.date(2027, 6, 30), "deadline_text": "2027年6月底",
        "priority": True, "progress": "已完成围挡整改，\n正在清扫道路。", "parent": parent,
    }
    values.update(overrides)
    return make_task(**values)


def task_cases(world: SimpleNamespace, make_task: Any) -> list[Case]:
    task = filled_task(world, make_task)
    ongoing = filled_task(world, make_task, seq="4", long_term=True, deadline_text="长期坚持")
    form = {"selector": "form.task-form"}
    return [
        Case("tasks:edit", world.city_office, reverse("tasks:edit", args=[task.uuid]), task, form),
        # 长期坚持 with a date: the date must survive (the office walk lost it: 2027-06-30 → 空).
        Case("tasks:edit (长期坚持 with a date)", world.city_office, reverse("tasks:edit", args=[ongoing.uuid]), ongoing, form),
        Case("tasks:edit (administrator)", world.admin, reverse("tasks:edit", args=[ongoing.uuid]), ongoing, form),
    ]


def supervision_cases(world: SimpleNamespace) -> list[Case]:
    from rectify.supervision.models import LightRule, SupervisionRule

    with acting_as(None):
        light = LightRule.objects.create(region=world.city, yellow_days_before_deadline=20, yellow_when_report_missing=False,
                                         red_when_overdue=True, escalate_after_yellows=3)
        rule = SupervisionRule.objects.create(region=world.city, level="", arrange_days=2, report_days=4, ordinary_done_days=9,
                                              major_done_days=40, working_days=True)
    url = f"{reverse('supervision:rules')}?region={world.city.pk}"
    return [
        Case("supervision:rules (预警灯规则)", world.city_office, url, light, {"contains": "light-red_when_overdue"}),
        Case("supervision:rules (督办时限规则)", world.city_office, url, rule, {"contains": "sup-arrange_days"}),
    ]


def dispatch_cases(world: SimpleNamespace, make_task: Any) -> list[Case]:
    from rectify.dispatch import services
    from rectify.dispatch.models import ReportingRound

    task = make_task()
    assignment = task.assignments.get(unit=world.unit_county_env)
    today = timezone.localdate()
    round_: ReportingRound = services.open_round(world.city_office, region=world.city, title="本月调度", period_start=today.replace(day=1),
                                                  period_end=today + datetime.timedelta(days=20), due_date=today + datetime.timedelta(days=10))
    report = services.submit_report(round_, assignment, world.county_unit, text="已完成排查，\n正在整改。", schedule="on_schedule", percent=40)
    url = reverse("dispatch:report_form", args=[round_.uuid, assignment.uuid])
    return [Case("dispatch:report_form", world.county_unit, url, report, {"contains": "text"})]


# Named URLs that are not edit forms of an existing record, with the reason.
NOT_EDIT_FORMS: dict[str, str] = {
    "": "redirect to the ledger",
    "accounts:login": "login", "accounts:logout": "logout", "accounts:security": "account page, no record form",
    "accounts:password_change": "sets a new password (never shown back)", "accounts:mfa_enrol": "enrols a new device",
    "accounts:mfa_verify": "one-time code", "accounts:recovery_codes": "shows new codes once; its form regenerates them (action)",
    "accounts:mfa_reset": "chooses whose second factor to reset (shows the confirmation)",
    "accounts:mfa_reset_confirm": "action (removes a user's devices)", "accounts:login_events": "log (read only)", "accounts:data_access_log": "log (read only)",
    "tasks:ledger": "list (its filter form is a GET query)", "tasks:counts": "part of the ledger page, loaded after it (read only)", "tasks:create": "creates a new record", "tasks:save_filter": "creates or replaces a saved filter by name",
    "tasks:delete_filter": "action", "tasks:export": "download", "tasks:template": "download", "tasks:import": "upload of a file",
    "tasks:detail": "read only; its decompose form creates new tasks", "tasks:decompose": "action (creates tasks)", "tasks:start": "state change action",
    "imports:upload": "upload of a file",
    "regions:lookup_units": "JSON look-up of a type-ahead filter (read only)",
    "regions:lookup_regions": "JSON look-up of a type-ahead filter (read only)",
    "inspections:list": "list", "inspections:create": "creates a new record", "inspections:detail": "read only",
    "acceptance:file": "read only page with action forms", "acceptance:apply": "action", "acceptance:announce": "action", "acceptance:close": "action",
    "acceptance:notice": "download", "acceptance:dossier": "download", "acceptance:review": "action (a new review)", "acceptance:object": "action (a new objection)",
    "acceptance:resolve": "action", "acceptance:review_signature": "download (signature image)",
    "acceptance:holiday_calendar": "enters or corrects a year's holidays (administrators; version-checked, history per change)",
    "accounts:signature": "upload of a signature image", "accounts:signature_image": "download (own signature image)", "acceptance:evidence": "download", "acceptance:look_back_schedule_one": "action (a new look-back)",
    "acceptance:look_backs": "list", "acceptance:look_back_schedule": "creates look-backs", "acceptance:look_back": "records a finding once (action)",
    "acceptance:look_back_evidence": "download", "acceptance:file_closure": "action", "acceptance:acknowledge_filing": "action",
    "acceptance:filings": "list", "acceptance:public_list": "public list", "acceptance:public_detail": "public page",
    "dispatch:home": "list", "dispatch:round_create": "creates a new round", "dispatch:round": "read only", "dispatch:round_reports": "list",
    "dispatch:remind": "action", "dispatch:close": "action", "dispatch:export": "download", "dispatch:verification": "list with a sampling action",
    "dispatch:report": "read only with a review action", "dispatch:review": "action", "dispatch:download": "download",
    "dispatch:finding": "records a finding (action)", "dispatch:task_reports": "list",
    "supervision:list": "list", "supervision:mine": "list", "supervision:issue": "creates a notice", "supervision:detail": "read only with step actions",
    "supervision:arrange": "step action", "supervision:report": "step action", "supervision:done": "step action", "supervision:close": "action",
    "supervision:milestones": "list of time nodes with an action form each", "supervision:milestone": "action with a required reason (an untouched post changes nothing)",
    "supervision:send_back": "action", "supervision:extension": "creates a request", "supervision:decide": "action",
    "jobs:list": "list", "jobs:exports": "list of the user's own exports", "jobs:run": "action", "jobs:health": "JSON health check (read only)", "jobs:export": "progress page (read only)", "jobs:export_status": "JSON progress (read only)", "jobs:export_download": "file download", "notifications:list": "list", "notifications:todo": "list", "notifications:todo_panel": "part of the ledger page, loaded after it (read only)", "notifications:read_all": "action", "notifications:open": "action",
    "api:openapi-json": "API schema", "api:openapi-view": "API docs", "api:docs-asset": "API docs asset", "api:api-root": "API root",
}

# Named URLs that are edit forms, each with the test that round-trips it.
EDIT_FORMS: dict[str, str] = {
    "tasks:edit": "test_task_edit_forms_round_trip",
    "supervision:rules": "test_supervision_rule_forms_round_trip",
    "dispatch:report_form": "test_dispatch_report_form_round_trips",
    "imports:preview": "test_import_preview_form_round_trips",
    "inspections:edit": "test_inspection_edit_form_round_trips",
}


def url_names() -> Iterator[str]:
    """The name of every URL pattern outside the admin site and the API operations."""

    def walk(patterns: list[Any], namespace: str) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace or ""]))
                if ns != "admin":
                    yield from walk(p.url_patterns, ns)
            elif isinstance(p, URLPattern):
                if namespace == "api" and getattr(p.callback, "__module__", "") == "ninja.operation" and p.name != "docs-asset":
                    continue  # API operations: no HTML forms
                yield ":".join(filter(None, [namespace, p.name or ""]))

    yield from dict.fromkeys(walk(get_resolver().url_patterns, ""))


def test_every_route_is_classified() -> None:
    names = set(url_names())
    unclassified = sorted(names - set(EDIT_FORMS) - set(NOT_EDIT_FORMS))
    stale = sorted((set(EDIT_FORMS) | set(NOT_EDIT_FORMS)) - names)
    assert not unclassified, f"pages neither in EDIT_FORMS (with a round-trip case) nor in NOT_EDIT_FORMS: {unclassified}"
    assert not stale, f"classified pages that no longer exist: {stale}"
    assert not set(EDIT_FORMS) & set(NOT_EDIT_FORMS)


def test_task_edit_forms_round_trip(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    for case in task_cases(world, make_task):
        check(case, login)


def test_task_edit_form_shows_the_deadline_in_iso(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    task = filled_task(world, make_task, long_term=True)
    html = login(world.city_office).get(reverse("tasks:edit", args=[task.uuid])).content.decode()
    pairs = dict(submitted(find_form(html, selector="form.task-form")))
    assert pairs["deadline"] == "2027-06-30"
    assert 'type="date"' in html


def test_supervision_rule_forms_round_trip(world: SimpleNamespace, login: Any) -> None:
    for case in supervision_cases(world):
        check(case, login)


def test_dispatch_report_form_round_trips(world: SimpleNamespace, make_task: Any, login: Any) -> None:
    for case in dispatch_cases(world, make_task):
        check(case, login)


PLAN_TEXT = """晋城市城区整改方案

一、大气污染防治
1.（反馈问题3）城区建筑工地扬尘管控不到位。
整改目标：工地扬尘防治措施落实到位。
整改措施：开展全面排查；建立问题台账。
牵头单位：区生态环境分局
责任单位：城区人民政府
整改时限：2027年6月底
"""


def test_import_preview_form_round_trips(world: SimpleNamespace, login: Any, settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rectify.imports.models import ImportBatch

    settings.MEDIA_ROOT = tmp_path
    client = login(world.city_office)
    response = client.post(reverse("imports:upload"), {"file": SimpleUploadedFile("城区整改方案.txt", PLAN_TEXT.encode("gbk")), "region": world.county.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.PREVIEWED and (batch.parsed or {}).get("tasks")
    check(Case("imports:preview", world.city_office, reverse("imports:preview", args=[batch.uuid]), batch,
               {"selector": "form[novalidate]"}, button="action=save"), login)


def test_inspection_edit_form_round_trips(world: SimpleNamespace, login: Any) -> None:
    from rectify.inspections.models import Inspection

    with acting_as(None):
        filled = Inspection.objects.create(team="中央第二生态环境保护督察组", level="central", round=2, batch="第二批",
                                           target_region=world.city, stationed_from=datetime.date(2027, 4, 1),
                                           stationed_to=datetime.date(2027, 4, 30), feedback_date=datetime.date(2027, 6, 30))
    for inspection in (world.inspection, filled):
        check(Case("inspections:edit", world.city_office, reverse("inspections:edit", args=[inspection.uuid]), inspection,
                   {"selector": "form.task-form"}), login)


def test_every_edit_form_has_a_test() -> None:
    for name, test in EDIT_FORMS.items():
        assert callable(globals().get(test)), f"{name}: its round-trip test {test} does not exist"


# ---- the admin's change forms ----------------------------------------------------------------------

ADMIN_STAMP = datetime.datetime(2027, 6, 30, 9, 30, tzinfo=datetime.UTC)


def _value_for(field: models.Field[Any, Any], n: int) -> Any:  # noqa: C901 - test helper: one flat branch per model field type
    if field.choices:
        return list(field.choices)[-1][0]
    if isinstance(field, models.DateTimeField):
        return ADMIN_STAMP
    if isinstance(field, models.DateField):
        return datetime.date(2027, 6, 30)
    if isinstance(field, models.BooleanField):
        return True
    if isinstance(field, models.DurationField):
        return datetime.timedelta(days=2)
    if isinstance(field, models.DecimalField | models.FloatField | models.IntegerField):
        return 3
    if isinstance(field, models.UUIDField):
        return None  # its default
    if isinstance(field, models.GenericIPAddressField):
        return "10.0.0.8"
    if isinstance(field, models.EmailField):
        return f"filled{n}@example.cn"
    if isinstance(field, models.JSONField):
        return ["甲", "乙"]
    if isinstance(field, models.TextField):
        return "第一行\n第二行"
    if isinstance(field, models.CharField):
        return f"填{n}"[: field.max_length or 10]
    return None


def filled(model: type[models.Model], n: int = 1, made: dict[Any, Any] | None = None) -> Any:
    """A row of ``model`` with every field filled (nullable ones too); foreign keys to rows that exist.

    ``made`` keeps the rows built so far, so a model reached through a foreign key is built once.
    """
    made = made if made is not None else {}
    if model in made:
        return made[model]
    values: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or isinstance(field, models.FileField) or field.name == "password":
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if isinstance(field, models.ForeignKey):
            related = field.related_model._default_manager.order_by("pk").first()
            if related is None and field.related_model is not model:
                related = filled(field.related_model, n + 1, made)
            if related is not None:
                values[field.name] = related
            continue
        value = _value_for(field, n)
        if value is not None:
            values[field.name] = value
    instance = model(**values)
    if hasattr(instance, "set_password"):
        instance.set_password("Filled-record-2026!")
    instance.save()
    for m2m in model._meta.many_to_many:
        related = m2m.related_model._default_manager.order_by("pk").first()
        if related is not None:
            getattr(instance, m2m.name).set([related])
    made[model] = instance
    return instance


def admin_change_models() -> list[type[models.Model]]:
    return sorted(admin.site._registry, key=lambda m: m._meta.label)


# Models whose admin is read only: no change form to round-trip (checked below, not assumed).
def _read_only(model_admin: Any, request: Any) -> bool:
    return not model_admin.has_change_permission(request)


def test_admin_change_forms_round_trip(world: SimpleNamespace, login: Any, rf: Any) -> None:
    from rectify.accounts.models import User

    superuser = User.objects.create_superuser(username="root", password="Rectify-test-2026", email="root@example.cn")
    client = Client()
    client.force_login(superuser)
    request = rf.get("/admin/")
    request.user = superuser
    covered: list[str] = []
    made: dict[Any, Any] = {}
    for model in admin_change_models():
        model_admin = admin.site._registry[model]
        if _read_only(model_admin, request):
            continue
        record = filled(model, made=made)
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[record.pk])
        # Django's admin saves on every POST, so ``updated_at`` moves; every other value must not.
        before = state_of(record, ignore=("updated_at",))
        history = ChangeRecord.objects.count()
        response = round_trip(client, url, form={"selector": f"form#{model._meta.model_name}_form"}, button="_save=保存")
        errors = response.context["adminform"].form.errors if response.status_code == 200 and response.context else None
        assert response.status_code == 302, f"{model._meta.label}: the untouched change form was refused: {errors}"
        after = state_of(record, ignore=("updated_at",))
        changed = {k: (before[k], after.get(k)) for k in before if before[k] != after.get(k)}
        assert not changed, f"{model._meta.label}: an untouched admin form changed {changed}"
        assert ChangeRecord.objects.count() == history
        covered.append(model._meta.label)
    assert "inspections.Inspection" in covered and "regions.Unit" in covered
