"""The authorization matrix: every endpoint × every role × an object in and out of scope.

``MATRIX`` names every URL route (by its Django name) and every API operation (``METHOD /path``
from /api/openapi.json). ``test_every_endpoint_is_in_the_matrix`` fails when an endpoint exists
that the table does not mention, so no endpoint can be added without deciding who may use it.

Each entry is ``(method, expectations)``; expectations map an object key to the roles allowed:
``"A"`` is a record of 晋城市 (the city of ``world.city``: a task in 城区 with lead unit 市生态环境局
and responsible unit 区生态环境分局), ``"B"`` the same kind of record in 太原市 (another city),
``"-"`` an endpoint without an object. allow = 2xx/3xx (not a redirect to the login page);
deny = redirect to login / 401 / 403 / 404 / 405. For unsafe methods only the denied roles are
asserted (the allowed ones must merely not fail with 5xx): making every POST succeed is the job
of each app's own tests.

A row whose endpoint performs an action of the permission table (``rectify/accounts/permissions.py``)
names it, ``Act("acceptance.apply", "task")``, instead of listing roles: its expectations are read
from ``can(user, action, record)`` for each role's user, so the table and the matrix cannot disagree
and the matrix proves that each endpoint refuses whom the table refuses. Rows listing roles are the
endpoints whose rule is the data scope alone (what one may see or edit).
"""
from __future__ import annotations

import datetime
import json
import re
import uuid as uuidlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from conftest import PASSWORD

ROLES = ["anonymous", "admin", "city_office", "other_office", "leader", "reviewer", "lead_unit", "county_unit", "other_unit",
         "dual_office", "both_unit", "coop_unit"]
# The last three hold more than one role or reach across regions:
#   dual_office  整改办 of 太原 (writes B) and 领导 of 晋城 (reads A only);
#   both_unit    a unit (城区人民政府) that is both lead and responsible unit on the task of A;
#   coop_unit    a unit (泽州县人民政府) that is only a cooperating unit on the task of A.
AUTH = frozenset(ROLES) - {"anonymous"}
EVERYONE = frozenset(ROLES)
NONE: frozenset[str] = frozenset()
# Who sees a record of 晋城 (A) or 太原 (B).
SEE_A = frozenset({"admin", "city_office", "leader", "reviewer", "lead_unit", "county_unit", "dual_office", "both_unit", "coop_unit"})
SEE_B = frozenset({"admin", "other_office", "other_unit", "dual_office"})
OFFICE_A = frozenset({"admin", "city_office"})
OFFICE_B = frozenset({"admin", "other_office", "dual_office"})
OFFICES = frozenset({"admin", "city_office", "other_office", "dual_office"})
# 开始整改 (a plain state change): any unit assigned to the task, cooperating ones too, or the office.
START_A = frozenset({"admin", "city_office", "lead_unit", "county_unit", "both_unit", "coop_unit"})
START_B = frozenset({"admin", "other_office", "other_unit", "dual_office"})
# Pages over a whole reporting round: the office, leaders and reviewers of the region, not the units.
VIEW_A = frozenset({"admin", "city_office", "leader", "reviewer", "dual_office"})
VIEW_B = frozenset({"admin", "other_office", "dual_office"})
# A supervision notice addressed to 区生态环境分局 (A) / 太原市生态环境局 (B).
NOTICE_SEE_A = frozenset({"admin", "city_office", "leader", "reviewer", "county_unit", "dual_office"})
# The recipient of a notification, only.
RECIPIENT_A = frozenset({"city_office"})
RECIPIENT_B = frozenset({"other_office"})


def obj(a: frozenset[str], b: frozenset[str]) -> dict[str, frozenset[str]]:
    return {"A": a, "B": b}


def plain(allowed: frozenset[str]) -> dict[str, frozenset[str]]:
    return {"-": allowed}


@dataclass(frozen=True)
class Act:
    """A row whose endpoint performs an action of the permission table: who may use it is not listed
    here but read from ``can(user, action, record)`` (``rectify/accounts/permissions.py``), for the
    record ``source`` of A and of B (reached through the attribute path ``via``), or with no record."""

    action: str
    source: str | None = None
    via: str = ""

    def expectations(self, users: dict[str, Any], records: dict[str, dict[str, Any]]) -> dict[str, frozenset[str]]:
        from rectify.accounts.permissions import ACTIONS, can

        assert self.action in ACTIONS, f"{self.action} is not in the permission table"
        out = {}
        for key in (["-"] if self.source is None else ["A", "B"]):
            target = None if self.source is None else records[self.source][key]
            for name in filter(None, self.via.split(".")):
                target = getattr(target, name)
            out[key] = frozenset(role for role, user in users.items() if can(user, self.action, target))
        return out


Expectations = dict[str, frozenset[str]] | Act

MATRIX: dict[str, tuple[str, Expectations]] = {
    # root redirect and the admin site (one entry for all of django.contrib.admin)
    "": ("GET", plain(EVERYONE)),
    "admin:*": ("GET", Act("system.admin_site")),
    # accounts
    "accounts:login": ("GET", plain(EVERYONE)),
    "accounts:logout": ("POST", plain(EVERYONE)),
    "accounts:security": ("GET", plain(AUTH)),
    "accounts:password_change": ("GET", plain(AUTH)),
    "accounts:mfa_enrol": ("GET", plain(AUTH)),
    "accounts:mfa_verify": ("GET", plain(AUTH)),  # without a pending second factor: redirect to the security page
    "accounts:recovery_codes": ("GET", plain(AUTH)),  # without a device: redirect to the security page
    "accounts:mfa_reset": ("GET", Act("accounts.reset_second_factor")),
    "accounts:mfa_reset_confirm": ("POST", Act("accounts.reset_second_factor")),
    "accounts:signature": ("POST", plain(AUTH)),
    # The caller's own signature image: none of the users here has one (404); served content is tested in acceptance/tests/test_downloads.py.
    "accounts:signature_image": ("GET", plain(NONE)),
    "accounts:login_events": ("GET", Act("system.audit_log")),
    "accounts:data_access_log": ("GET", Act("system.audit_log")),
    # ledger
    "tasks:ledger": ("GET", plain(AUTH)),
    "tasks:counts": ("GET", plain(AUTH)),
    "tasks:create": ("GET", Act("ledger.edit")),
    "tasks:save_filter": ("POST", plain(AUTH)),
    "tasks:delete_filter": ("POST", obj(frozenset({"city_office"}), frozenset({"other_office"}))),
    "tasks:export": ("GET", plain(AUTH)),
    "tasks:template": ("GET", plain(AUTH)),
    "tasks:import": ("GET", Act("ledger.edit")),
    "tasks:detail": ("GET", obj(SEE_A, SEE_B)),
    "tasks:edit": ("GET", obj(OFFICE_A, OFFICE_B)),
    "tasks:decompose": ("POST", obj(OFFICE_A, OFFICE_B)),
    "tasks:start": ("POST", obj(START_A, START_B)),
    # inspections: seen in the region subtree and by the units of their tasks; created and corrected by offices
    "inspections:list": ("GET", plain(AUTH)),
    "inspections:create": ("GET", Act("ledger.edit")),
    "inspections:detail": ("GET", obj(SEE_A, SEE_B)),
    "inspections:edit": ("GET", obj(OFFICE_A, OFFICE_B)),
    # plan import
    "imports:upload": ("GET", Act("ledger.edit")),
    "imports:preview": ("GET", obj(OFFICE_A, OFFICE_B)),
    # acceptance
    "acceptance:file": ("GET", obj(SEE_A, SEE_B)),
    "acceptance:apply": ("POST", Act("acceptance.apply", "task")),
    "acceptance:announce": ("POST", Act("acceptance.announce", "task")),
    "acceptance:close": ("POST", Act("acceptance.close", "task")),
    "acceptance:notice": ("GET", obj(SEE_A, SEE_B)),
    "acceptance:dossier": ("GET", obj(SEE_A, SEE_B)),
    "acceptance:review": ("POST", Act("acceptance.review", "application", "task")),
    # Only the office records an objection (from the public or a unit); read-only roles may not.
    "acceptance:object": ("POST", Act("acceptance.object", "announcement", "task")),
    "acceptance:review_signature": ("GET", obj(SEE_A, SEE_B)),
    "acceptance:holiday_calendar": ("GET", Act("system.holidays")),
    "acceptance:resolve": ("POST", Act("acceptance.resolve", "objection", "announcement.task")),
    "acceptance:evidence": ("GET", obj(SEE_A, SEE_B)),
    "acceptance:look_back_schedule_one": ("POST", Act("acceptance.schedule_look_back", "task")),
    "acceptance:look_backs": ("GET", plain(AUTH)),
    "acceptance:look_back_schedule": ("GET", Act("acceptance.schedule_look_backs")),
    "acceptance:look_back": ("GET", obj(SEE_A, SEE_B)),
    "acceptance:look_back_evidence": ("GET", obj(SEE_A, SEE_B)),
    # Filing a closure (备案): the office of the task's subtree files; the office filed to (the
    # parent region's) or above acknowledges: 晋城's city office for a 城区 task; 太原市's parent is the province.
    "acceptance:file_closure": ("POST", Act("acceptance.file", "task")),
    "acceptance:acknowledge_filing": ("POST", Act("acceptance.acknowledge", "filing")),
    "acceptance:filings": ("GET", Act("acceptance.receive_filings")),
    "acceptance:public_list": ("GET", plain(EVERYONE)),
    "acceptance:public_detail": ("GET", obj(EVERYONE, NONE)),  # A is announced, B not
    # dispatch
    "dispatch:home": ("GET", plain(AUTH)),
    "dispatch:round_create": ("GET", plain(OFFICES)),
    "dispatch:round": ("GET", obj(SEE_A, SEE_B)),
    "dispatch:round_reports": ("GET", Act("dispatch.read_round", "round")),
    "dispatch:remind": ("POST", Act("dispatch.manage_round", "round")),
    "dispatch:close": ("POST", Act("dispatch.manage_round", "round")),
    "dispatch:export": ("GET", Act("dispatch.read_round", "round")),
    "dispatch:verification": ("GET", Act("dispatch.read_round", "round")),
    "dispatch:report_form": ("GET", obj(frozenset({"county_unit"}), frozenset({"other_unit"}))),
    "dispatch:report": ("GET", obj(SEE_A, SEE_B)),
    "dispatch:review": ("POST", Act("dispatch.review", "report")),
    "dispatch:download": ("GET", obj(SEE_A, SEE_B)),
    "dispatch:finding": ("POST", Act("dispatch.manage_round", "verification", "round")),
    "dispatch:task_reports": ("GET", obj(SEE_A, SEE_B)),
    # supervision
    "supervision:list": ("GET", plain(AUTH)),
    # type-ahead look-ups of the filters (scoped lists; tests in rectify/regions/tests/test_lookup.py)
    "regions:lookup_units": ("GET", plain(AUTH)),
    "regions:lookup_regions": ("GET", plain(AUTH)),
    "supervision:mine": ("GET", plain(AUTH)),
    "supervision:rules": ("GET", Act("supervision.rules")),
    "supervision:issue": ("POST", Act("supervision.issue", "task")),
    "supervision:detail": ("GET", obj(NOTICE_SEE_A, SEE_B)),
    "supervision:arrange": ("POST", Act("supervision.act", "notice")),
    "supervision:report": ("POST", Act("supervision.act", "notice")),
    "supervision:done": ("POST", Act("supervision.act", "notice")),
    "supervision:close": ("POST", Act("supervision.review", "notice")),
    "supervision:send_back": ("POST", Act("supervision.review", "notice")),
    "supervision:extension": ("POST", Act("supervision.act", "notice")),
    "supervision:decide": ("POST", Act("supervision.decide", "extension")),
    "supervision:milestones": ("GET", obj(SEE_A, SEE_B)),
    "supervision:milestone": ("POST", Act("milestone.set", "task")),
    # background jobs and notifications
    "jobs:list": ("GET", Act("system.jobs")),
    "jobs:health": ("GET", plain(EVERYONE)),  # counts and ages only, for a proxy's health check
    "jobs:run": ("POST", Act("system.run_checks")),
    # 我的导出: every signed-in user's list of their own exports (its rows: rectify/jobs/tests/test_my_exports.py).
    "jobs:exports": ("GET", plain(AUTH)),
    # A background export: its owner (A: the city office, B: the other office) and administrators only.
    "jobs:export": ("GET", obj(frozenset({"admin", "city_office"}), frozenset({"admin", "other_office"}))),
    "jobs:export_status": ("GET", obj(frozenset({"admin", "city_office"}), frozenset({"admin", "other_office"}))),
    "jobs:export_download": ("GET", obj(frozenset({"admin", "city_office"}), frozenset({"admin", "other_office"}))),
    "notifications:list": ("GET", plain(AUTH)),
    "notifications:todo": ("GET", plain(AUTH)),
    "notifications:todo_panel": ("GET", plain(AUTH)),
    "notifications:read_all": ("POST", plain(AUTH)),
    "notifications:open": ("POST", obj(RECIPIENT_A, RECIPIENT_B)),
    # the API's own Django routes
    "api:openapi-json": ("GET", plain(EVERYONE)),
    "api:openapi-view": ("GET", plain(EVERYONE)),
    "api:docs-asset": ("GET", plain(EVERYONE)),
    "api:api-root": ("GET", plain(NONE)),  # /api/ itself answers 404
}

API_MATRIX: dict[str, Expectations] = {
    "GET /api/v1/me": plain(AUTH),
    "GET /api/v1/regions": plain(AUTH),
    "GET /api/v1/regions/{code}": obj(AUTH, AUTH),
    "GET /api/v1/units": plain(AUTH),
    "POST /api/v1/units": Act("ledger.edit"),
    "GET /api/v1/units/{uuid}": obj(AUTH, AUTH),
    "PATCH /api/v1/units/{uuid}": obj(OFFICE_A, OFFICE_B),
    "GET /api/v1/inspections": plain(AUTH),
    "POST /api/v1/inspections": Act("ledger.edit"),
    "GET /api/v1/inspections/{uuid}": obj(SEE_A, SEE_B),
    "PATCH /api/v1/inspections/{uuid}": obj(OFFICE_A, OFFICE_B),
    "GET /api/v1/plans": plain(AUTH),
    "POST /api/v1/plans": Act("ledger.edit"),
    "GET /api/v1/plans/{uuid}": obj(SEE_A, SEE_B),
    "PATCH /api/v1/plans/{uuid}": obj(OFFICE_A, OFFICE_B),
    "GET /api/v1/tasks": plain(AUTH),
    "POST /api/v1/tasks": Act("ledger.edit"),
    "GET /api/v1/tasks/{uuid}": obj(SEE_A, SEE_B),
    "PUT /api/v1/tasks/{uuid}": obj(OFFICE_A, OFFICE_B),
    "PATCH /api/v1/tasks/{uuid}": obj(OFFICE_A, OFFICE_B),
    "GET /api/v1/tasks/{uuid}/history": obj(SEE_A, SEE_B),
    "GET /api/v1/tasks/{uuid}/assignments": obj(SEE_A, SEE_B),
    "POST /api/v1/tasks/{uuid}/transition": obj(START_A, START_B),
    "GET /api/v1/assignments": plain(AUTH),
    "GET /api/v1/assignments/{uuid}": obj(SEE_A, SEE_B),
    "GET /api/v1/acceptance/tasks/{uuid}": obj(SEE_A, SEE_B),
    "POST /api/v1/acceptance/tasks/{uuid}/apply": Act("acceptance.apply", "task"),
    "POST /api/v1/acceptance/applications/{uuid}/review": Act("acceptance.review", "application", "task"),
    "POST /api/v1/acceptance/tasks/{uuid}/announce": Act("acceptance.announce", "task"),
    "POST /api/v1/acceptance/tasks/{uuid}/close": Act("acceptance.close", "task"),
    "POST /api/v1/acceptance/tasks/{uuid}/look-backs": Act("acceptance.schedule_look_back", "task"),
    "POST /api/v1/acceptance/look-backs/{uuid}/finding": Act("acceptance.record_look_back", "look_back", "task"),
    "GET /api/v1/acceptance/look-backs": plain(AUTH),
    "GET /api/v1/acceptance/look-backs/{uuid}": obj(SEE_A, SEE_B),
    "POST /api/v1/acceptance/look-back-schedules": Act("acceptance.schedule_look_backs"),
    "POST /api/v1/acceptance/announcements/{uuid}/objections": Act("acceptance.object", "announcement", "task"),
    "POST /api/v1/acceptance/objections/{uuid}/resolve": Act("acceptance.resolve", "objection", "announcement.task"),
    "GET /api/v1/acceptance/filings": Act("acceptance.receive_filings"),
    "POST /api/v1/acceptance/tasks/{uuid}/filing": Act("acceptance.file", "task"),
    # A is filed to 晋城市 (the parent of 城区), B to 山西省 (the parent of 太原市): its office or an administrator.
    "POST /api/v1/acceptance/filings/{uuid}/acknowledge": Act("acceptance.acknowledge", "filing"),
    # dispatch
    "GET /api/v1/dispatch/rounds": plain(AUTH),
    "POST /api/v1/dispatch/rounds": plain(OFFICES),
    "GET /api/v1/dispatch/rounds/{uuid}": obj(SEE_A, SEE_B),
    "GET /api/v1/dispatch/rounds/{uuid}/units": Act("dispatch.read_round", "round"),
    "GET /api/v1/dispatch/rounds/{uuid}/reports": Act("dispatch.read_round", "round"),
    "POST /api/v1/dispatch/rounds/{uuid}/close": Act("dispatch.manage_round", "round"),
    "POST /api/v1/dispatch/rounds/{uuid}/remind": Act("dispatch.manage_round", "round"),
    "POST /api/v1/dispatch/rounds/{uuid}/assignments/{assignment}/report": obj(frozenset({"county_unit"}), frozenset({"other_unit"})),
    "GET /api/v1/dispatch/reports/{uuid}": obj(SEE_A, SEE_B),
    "POST /api/v1/dispatch/reports/{uuid}/review": Act("dispatch.review", "report"),
    "GET /api/v1/dispatch/files/{uuid}": obj(SEE_A, SEE_B),
    "GET /api/v1/dispatch/tasks/{uuid}/reports": obj(SEE_A, SEE_B),
    "GET /api/v1/dispatch/rounds/{uuid}/verifications": Act("dispatch.read_round", "round"),
    "POST /api/v1/dispatch/rounds/{uuid}/samples": Act("dispatch.manage_round", "round"),
    "POST /api/v1/dispatch/verifications/{uuid}/finding": Act("dispatch.manage_round", "verification", "round"),
    # supervision
    "GET /api/v1/supervision/notices": plain(AUTH),
    "GET /api/v1/supervision/notices/{uuid}": obj(NOTICE_SEE_A, SEE_B),
    "POST /api/v1/supervision/tasks/{uuid}/notices": Act("supervision.issue", "task"),
    "POST /api/v1/supervision/notices/{uuid}/step": Act("supervision.act", "notice"),
    "POST /api/v1/supervision/notices/{uuid}/close": Act("supervision.review", "notice"),
    "POST /api/v1/supervision/notices/{uuid}/send-back": Act("supervision.review", "notice"),
    "POST /api/v1/supervision/notices/{uuid}/extensions": Act("supervision.act", "notice"),
    "POST /api/v1/supervision/extensions/{uuid}/decide": Act("supervision.decide", "extension"),
    # notifications: one's own only
    "GET /api/v1/notifications": plain(AUTH),
    "GET /api/v1/notifications/unread-count": plain(AUTH),
    "POST /api/v1/notifications/{uuid}/read": obj(RECIPIENT_A, RECIPIENT_B),
    "POST /api/v1/notifications/read-all": plain(AUTH),
}

SAFE = {"GET", "HEAD", "OPTIONS"}


# ---- enumerating the endpoints --------------------------------------------------------------


def url_routes() -> Iterator[tuple[str, str]]:
    """(route name, pattern) of every URL pattern; the admin site counts as one."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace or ""]))
                if ns == "admin":
                    yield "admin:*", prefix + str(p.pattern)
                    continue
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                name = ":".join(filter(None, [namespace, p.name or ""])) if p.name else prefix + str(p.pattern)
                if namespace == "api" and getattr(p.callback, "__module__", "") == "ninja.operation" and name != "api:docs-asset":
                    continue  # API operations are checked from the OpenAPI schema
                yield name, prefix + str(p.pattern)

    seen: dict[str, str] = {}
    for name, pattern in walk(get_resolver().url_patterns, "", ""):
        seen.setdefault(name, pattern)
    yield from seen.items()


def api_operations(schema: dict[str, Any]) -> list[str]:
    methods = {"get", "post", "put", "patch", "delete"}
    return sorted(f"{m.upper()} {path}" for path, item in schema["paths"].items() for m in item if m in methods)


def test_every_endpoint_is_in_the_matrix(world: SimpleNamespace, login: Any) -> None:
    routes = dict(url_routes())
    missing = sorted(set(routes) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(routes))
    schema = login(world.city_office).get("/api/openapi.json").json()
    ops = api_operations(schema)
    api_missing = sorted(set(ops) - set(API_MATRIX))
    api_stale = sorted(set(API_MATRIX) - set(ops))
    assert not missing and not api_missing, f"endpoints without an entry in MATRIX / API_MATRIX: {missing + api_missing}"
    assert not stale and not api_stale, f"MATRIX entries for endpoints that no longer exist: {stale + api_stale}"


# ---- records for URL arguments --------------------------------------------------------------

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def build(model: type[models.Model], **given: Any) -> Any:  # noqa: C901 - test helper: one flat branch per model field type
    """Create a row filling every required field the caller did not give with a plausible value."""
    values: dict[str, Any] = {}
    files: list[str] = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in given:
            continue
        if isinstance(field, models.FileField):
            files.append(field.name)
            continue
        if field.null or field.has_default() or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        if isinstance(field, models.ForeignKey):
            raise AssertionError(f"{model.__name__}.{field.name} must be given")
        if field.choices:
            values[field.name] = field.choices[0][0]
        elif isinstance(field, models.DateTimeField):
            values[field.name] = timezone.now()
        elif isinstance(field, models.DateField):
            values[field.name] = timezone.localdate()
        elif isinstance(field, models.DurationField):
            values[field.name] = datetime.timedelta(days=1)
        elif isinstance(field, models.BooleanField):
            values[field.name] = False
        elif isinstance(field, models.DecimalField | models.FloatField | models.IntegerField):
            values[field.name] = 1
        elif isinstance(field, models.UUIDField):
            values[field.name] = uuidlib.uuid4()
        elif isinstance(field, models.GenericIPAddressField):
            values[field.name] = "127.0.0.1"
        elif isinstance(field, models.JSONField):
            values[field.name] = {}
        elif isinstance(field, models.EmailField):
            values[field.name] = "matrix@example.cn"
        else:
            values[field.name] = "矩阵测试"[: max(1, field.max_length or 4)]
    instance = model(**values, **given)
    for name in files:
        if not getattr(instance, name):
            getattr(instance, name).save("matrix.pdf", ContentFile(PDF), save=False)
    for name in ("size", "sha256", "content_type", "original_name"):
        if hasattr(instance, name) and not getattr(instance, name) and name in {f.name for f in model._meta.concrete_fields}:
            setattr(instance, name, {"size": len(PDF), "sha256": "0" * 64, "content_type": "application/pdf", "original_name": "matrix.pdf"}[name])
    instance.save()
    return instance


@pytest.fixture
def records(world: SimpleNamespace, make_task: Any, settings: Any, tmp_path: Any) -> dict[str, dict[str, Any]]:  # noqa: C901 - test fixture: one flat branch per kind of URL argument
    """For each kind of URL argument, a record of 晋城 (A) and one of 太原 (B)."""
    from django.apps import apps

    from rectify.accounts.models import RoleGrant, User
    from rectify.accounts.roles import Role
    from rectify.tasks.models import Assignment

    settings.MEDIA_ROOT = tmp_path / "media"
    world.other_office = User.objects.create_user(username="other_office", password=PASSWORD, unit=None)
    RoleGrant.objects.create(user=world.other_office, role=Role.OFFICE, region=world.other_city)
    world.dual_office = User.objects.create_user(username="dual_office", password=PASSWORD, unit=None)
    RoleGrant.objects.create(user=world.dual_office, role=Role.OFFICE, region=world.other_city)
    RoleGrant.objects.create(user=world.dual_office, role=Role.LEADER, region=world.city)
    world.both_unit = User.objects.create_user(username="both_unit", password=PASSWORD, unit=world.unit_county_gov)
    RoleGrant.objects.create(user=world.both_unit, role=Role.LEAD_UNIT, unit=world.unit_county_gov)
    world.coop_unit = User.objects.create_user(username="coop_unit", password=PASSWORD, unit=world.unit_county2_gov)
    RoleGrant.objects.create(user=world.coop_unit, role=Role.RESPONSIBLE_UNIT, unit=world.unit_county2_gov)

    task_a = make_task(units={Assignment.Role.LEAD: [world.unit_city_env, world.unit_county_gov],
                              Assignment.Role.RESPONSIBLE: [world.unit_county_env, world.unit_county_gov],
                              Assignment.Role.COOPERATING: [world.unit_county2_gov]})
    task_b = make_task(plan=world.other_plan, region=world.other_city,
                       units={Assignment.Role.LEAD: [world.unit_other_env], Assignment.Role.RESPONSIBLE: [world.unit_other_env]})
    r: dict[str, dict[str, Any]] = {"task": {"A": task_a, "B": task_b}}
    users = {"A": world.city_office, "B": world.other_office}
    units = {"A": world.unit_county_env, "B": world.unit_other_env}
    regions = {"A": world.county, "B": world.other_city}

    def model(label: str) -> Any:
        try:
            return apps.get_model(label)
        except LookupError:
            return None

    for k in ("A", "B"):
        task = r["task"][k]
        assignment = task.assignments.get(role=Assignment.Role.RESPONSIBLE, unit=units[k])
        r.setdefault("assignment", {})[k] = assignment
        if (SavedFilter := model("core.SavedFilter")) is not None:
            r.setdefault("saved_filter", {})[k] = build(SavedFilter, user=users[k], name=f"筛选{k}", query="q=1")
        if (ImportBatch := model("imports.ImportBatch")) is not None:
            r.setdefault("import_batch", {})[k] = build(ImportBatch, uploaded_by=users[k], region=regions[k].parent if k == "A" else regions[k],
                                                        plan=world.plan if k == "A" else world.other_plan, confirmed_by=None)
        # acceptance
        if (Application := model("acceptance.AcceptanceApplication")) is not None:
            application = build(Application, task=task, applicant=users[k], unit=units[k])
            r.setdefault("application", {})[k] = application
            r.setdefault("evidence", {})[k] = build(model("acceptance.Evidence"), application=application)
            announcement = build(model("acceptance.Announcement"), task=task)
            r.setdefault("announcement", {})[k] = announcement
            r.setdefault("objection", {})[k] = build(model("acceptance.Objection"), announcement=announcement, recorded_by=users[k])
            closure = build(model("acceptance.Closure"), task=task, announcement=announcement, region=regions[k], issuer=f"矩阵{k}")
            r.setdefault("review", {})[k] = build(model("acceptance.AcceptanceReview"), application=application, reviewer=users[k])
            if (Filing := model("acceptance.Filing")) is not None:
                r.setdefault("filing", {})[k] = build(Filing, closure=closure, filed_by=users[k], filed_to_region=regions[k].parent,
                                                      acknowledged_by=None)
            if (LookBack := model("acceptance.LookBack")) is not None:
                look_back = build(LookBack, task=task, closure=closure, scheduled_by=users[k], checker=None)
                r.setdefault("look_back", {})[k] = look_back
                r.setdefault("look_back_evidence", {})[k] = build(model("acceptance.LookBackEvidence"), look_back=look_back)
        # dispatch
        if (Round := model("dispatch.ReportingRound")) is not None:
            round_ = build(Round, region=regions[k] if k == "B" else world.city, opened_by=users[k])
            r.setdefault("round", {})[k] = round_
            report = build(model("dispatch.ProgressReport"), round=round_, task=task, assignment=assignment, unit=units[k], submitted_by=None, reviewed_by=None)
            r.setdefault("report", {})[k] = report
            r.setdefault("dispatch_file", {})[k] = build(model("dispatch.EvidenceFile"), report=report, uploaded_by=None, superseded_by=None)
            sample = build(model("dispatch.VerificationSample"), round=round_, drawn_by=None)
            r.setdefault("verification", {})[k] = build(model("dispatch.Verification"), sample=sample, round=round_, task=task, checker=None)
        # supervision
        if (Notice := model("supervision.SupervisionNotice")) is not None:
            notice = build(Notice, task=task, region=regions[k] if k == "B" else world.city, issued_by=users[k], closed_by=None, issuer=f"矩阵{k}")
            notice.units.add(units[k])
            r.setdefault("notice", {})[k] = notice
            r.setdefault("extension", {})[k] = build(model("supervision.ExtensionRequest"), notice=notice, requested_by=users[k], decided_by=None)
        if (Notification := model("notifications.Notification")) is not None:
            r.setdefault("notification", {})[k] = build(Notification, recipient=users[k])
        if (ExportFile := model("jobs.ExportFile")) is not None:
            r.setdefault("export", {})[k] = build(ExportFile, user=users[k], job=None, status="done")
        r.setdefault("milestone", {})[k] = task.milestones.create(date=datetime.date(2026, 6, 30), text="完成排查")
        r.setdefault("plan", {})[k] = world.plan if k == "A" else world.other_plan
        r.setdefault("unit", {})[k] = units[k]
        r.setdefault("region", {})[k] = regions[k]
    from rectify.inspections.models import Inspection

    other_inspection = Inspection.objects.create(
        team="省第一生态环境保护督察组", level="provincial", round=3, target_region=world.other_city,
        stationed_from=datetime.date(2023, 10, 17), stationed_to=datetime.date(2023, 11, 16), feedback_date=datetime.date(2024, 3, 5),
    )
    r["inspection"] = {"A": world.inspection, "B": other_inspection}
    # A task of 晋城 whose closure is being publicly announced (the public page), one of 太原 that is not.
    if (Announcement := model("acceptance.Announcement")) is not None:
        from rectify.tasks.states import TaskState

        announced = make_task(problem="已公示的任务")
        build(Announcement, task=announced, published=True)
        type(announced).objects.filter(pk=announced.pk).update(state=TaskState.ANNOUNCED)
        # A public record stays public whatever the task's state; 太原's second task was never announced.
        never = make_task(plan=world.other_plan, region=world.other_city, problem="未公示的任务",
                          units={Assignment.Role.LEAD: [world.unit_other_env], Assignment.Role.RESPONSIBLE: [world.unit_other_env]})
        r["announced_task"] = {"A": announced, "B": never}
    return r


# Which record fills which URL argument, per route.
KWARG_SOURCES: dict[str, dict[str, str]] = {
    "tasks:delete_filter": {"pk": "saved_filter"},
    "imports:preview": {"uuid": "import_batch"},
    "acceptance:review": {"uuid": "application"},
    "acceptance:object": {"uuid": "announcement"},
    "acceptance:resolve": {"uuid": "objection"},
    "acceptance:evidence": {"uuid": "evidence"},
    "acceptance:review_signature": {"uuid": "review"},
    "acceptance:look_back": {"uuid": "look_back"},
    "acceptance:look_back_evidence": {"uuid": "look_back_evidence"},
    "dispatch:round": {"uuid": "round"},
    "dispatch:round_reports": {"uuid": "round"},
    "dispatch:remind": {"uuid": "round"},
    "dispatch:close": {"uuid": "round"},
    "dispatch:export": {"uuid": "round"},
    "dispatch:verification": {"uuid": "round"},
    "dispatch:report_form": {"uuid": "round", "assignment": "assignment"},
    "dispatch:report": {"uuid": "report"},
    "dispatch:review": {"uuid": "report"},
    "dispatch:download": {"uuid": "dispatch_file"},
    "dispatch:finding": {"uuid": "verification"},
    "supervision:detail": {"uuid": "notice"},
    "supervision:arrange": {"uuid": "notice"},
    "supervision:report": {"uuid": "notice"},
    "supervision:done": {"uuid": "notice"},
    "supervision:close": {"uuid": "notice"},
    "supervision:send_back": {"uuid": "notice"},
    "supervision:extension": {"uuid": "notice"},
    "supervision:decide": {"uuid": "extension"},
    "supervision:milestone": {"uuid": "task", "pk": "milestone"},
    "notifications:open": {"uuid": "notification"},
    "jobs:export": {"uuid": "export"},
    "jobs:export_status": {"uuid": "export"},
    "jobs:export_download": {"uuid": "export"},
    "acceptance:public_detail": {"uuid": "announced_task"},
    "inspections:detail": {"uuid": "inspection"},
    "inspections:edit": {"uuid": "inspection"},
}
API_SOURCES = {"tasks": "task", "plans": "plan", "inspections": "inspection", "units": "unit", "assignments": "assignment",
               "regions": "region", "applications": "application", "look-backs": "look_back", "announcements": "announcement",
               "objections": "objection", "rounds": "round", "reports": "report", "files": "dispatch_file", "notices": "notice",
               "extensions": "extension", "notifications": "notification", "verifications": "verification", "filings": "filing"}


def route_url(name: str, pattern: str, records: dict[str, dict[str, Any]], key: str) -> str:
    if name == "admin:*":
        return "/admin/"
    if name == "":
        return "/"
    params = re.findall(r"<(?:\w+:)?(\w+)>", pattern)
    kwargs: dict[str, Any] = {}
    for param in params:
        if name == "jobs:run":
            from rectify.jobs.registry import periodic_checks

            checks = periodic_checks()
            kwargs[param] = checks[0].name if checks else "none"
            continue
        if name == "api:docs-asset":
            kwargs[param] = "swagger-ui.css"
            continue
        source = KWARG_SOURCES.get(name, {}).get(param, "task")
        record = records[source][key]
        kwargs[param] = record.pk if param == "pk" else record.uuid
    return reverse(name, kwargs=kwargs)


def api_url(operation: str, records: dict[str, dict[str, Any]], key: str) -> tuple[str, str]:
    method, path = operation.split(" ", 1)

    def fill(m: re.Match[str]) -> str:
        segment = path[: m.start()].rstrip("/").rsplit("/", 1)[-1]
        record = records[API_SOURCES[segment]][key]
        return str(record.code if m.group(1) == "code" else record.uuid)

    return method, re.sub(r"\{(\w+)\}", fill, path)


# ---- running the matrix ---------------------------------------------------------------------


def outcome(response: Any) -> tuple[str, int]:
    status = response.status_code
    if status >= 500:
        return "error", status
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        to_login = location.startswith((reverse("accounts:login"), "/admin/login/"))
        return ("deny" if to_login else "allow"), status
    if status in (401, 403, 404, 405):
        return "deny", status
    # 400/409/422: the request reached the endpoint's own checks of the input.
    return "allow", status


def clients(world: SimpleNamespace) -> dict[str, Client]:
    out = {"anonymous": Client()}
    for role in ROLES[1:]:
        client = Client()
        assert client.login(username=getattr(world, role).username, password=PASSWORD)
        out[role] = client
    return out


def table_users() -> dict[str, Any]:
    """Every role of the matrix as its user freshly read (each user is named after its role); the anonymous visitor too."""
    from django.contrib.auth.models import AnonymousUser

    from rectify.accounts.models import User

    return {"anonymous": AnonymousUser(), **{role: User.objects.get(username=role) for role in ROLES[1:]}}


def expectations_of(entry: Expectations, records: dict[str, dict[str, Any]], users: dict[str, Any] | None = None) -> dict[str, frozenset[str]]:
    """A row's expectations: as listed, or read from the permission table for an ``Act`` row."""
    return entry.expectations(users or table_users(), records) if isinstance(entry, Act) else entry


def example(schema: dict[str, Any], components: dict[str, Any]) -> Any:  # noqa: C901 - test helper: one flat branch per OpenAPI schema form
    """A minimal value valid against an OpenAPI schema: every required property, nothing more."""
    if "$ref" in schema:
        return example(components[schema["$ref"].rsplit("/", 1)[-1]], components)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [o for o in schema[combinator] if o.get("type") != "null"]
            return example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    kind = schema.get("type", "string")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example(props[name], components) for name in schema.get("required", []) if name in props}
    if kind == "array":
        return [example(schema.get("items", {}), components)] if schema.get("minItems") else []
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1
    if kind == "boolean":
        return False
    fmt = schema.get("format", "")
    if fmt == "date":
        return "2030-12-31"
    if fmt == "date-time":
        return "2030-12-31T00:00:00+08:00"
    if fmt == "uuid":
        return str(uuidlib.uuid4())
    if fmt == "binary":
        return ContentFile(PDF, name="matrix.pdf")
    return "矩阵测试"


def api_body(schema: dict[str, Any], operation: str, records: dict[str, dict[str, Any]], key: str) -> tuple[Any, str] | None:
    method, path = operation.split(" ", 1)
    body = schema["paths"][path][method.lower()].get("requestBody")
    if not body:
        return None
    media, spec = next(iter(body["content"].items()))
    data = example(spec["schema"], schema.get("components", {}).get("schemas", {}))
    if isinstance(data, dict):
        # References must point at real records of the same side, or the input check answers first.
        real = {"plan": str(records["plan"][key].uuid), "region": records["region"][key].code,
                "target_region": records["region"][key].code, "inspection": str(records["inspection"][key].uuid)}
        data.update({k: v for k, v in real.items() if k in data})
    return data, media


def request(client: Client, method: str, url: str, body: tuple[Any, str] | None = None) -> Any:
    if method == "GET":
        return client.get(url)
    if body is None:
        return client.generic(method, url, data=b"", content_type="application/x-www-form-urlencoded")
    data, media = body
    if media == "multipart/form-data":
        return client.post(url, data=data)
    return client.generic(method, url, data=json.dumps(data), content_type=media)


def run_matrix(world: SimpleNamespace, records: dict[str, dict[str, Any]]) -> tuple[int, list[str]]:
    import logging

    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    by_role = clients(world)
    routes = dict(url_routes())
    users = table_users()

    cases: list[tuple[str, str, str, str, frozenset[str], Any]] = []
    for name, (method, expectations) in MATRIX.items():
        if name not in routes:
            continue
        for key, allowed in expectations_of(expectations, records, users).items():
            cases.append((name, method, route_url(name, routes[name], records, "A" if key == "-" else key), key, allowed, None))
    schema = by_role["admin"].get("/api/openapi.json").json()
    for operation in api_operations(schema):
        for key, allowed in expectations_of(API_MATRIX.get(operation, {}), records, users).items():
            method, url = api_url(operation, records, "A" if key == "-" else key)
            cases.append((operation, method, url, key, allowed, api_body(schema, operation, records, "A" if key == "-" else key)))
    problems: list[str] = []
    count = 0
    for name, method, url, key, allowed, body in cases:
        for role in ROLES:
            expected = "allow" if role in allowed else "deny"
            if method not in SAFE and expected == "allow":
                # Unsafe and permitted: not attempted (it would change the records the other cases use).
                continue
            count += 1
            got, status = outcome(request(by_role[role], method, url, body))
            if got != expected:
                problems.append(f"{name} [{key}] {method} {url} as {role}: expected {expected}, got {got} ({status})")
    return count, problems


def test_authorization_matrix(world: SimpleNamespace, records: dict[str, dict[str, Any]]) -> None:
    count, problems = run_matrix(world, records)
    print(f"\nauthorization matrix: {count} cases")
    assert count > 500
    unexpected = [p for p in problems if not any(p.startswith(k) for k in KNOWN_PROBLEMS)]
    for known in sorted({k for p in problems for k in KNOWN_PROBLEMS if p.startswith(k)}):
        print(f"known, reported: {known}: {KNOWN_PROBLEMS[known]}")
    assert not unexpected, f"{len(unexpected)} of {count} cases differ from the matrix:\n" + "\n".join(unexpected)
    fixed = [k for k in KNOWN_PROBLEMS if not any(p.startswith(k) for p in problems)]
    assert not fixed, f"fixed, remove from KNOWN_PROBLEMS: {fixed}"


# Differences found and reported to the endpoint's owner (see the report); listed so the suite stays
# green meanwhile. Remove an entry once fixed.
KNOWN_PROBLEMS: dict[str, str] = {}
