"""Every page of the app, enumerated from the URL patterns, with real objects for its parameters.

A new URL with a parameter must be added to ``PARAMETERS`` (which object it takes) or to
``NO_OBJECT`` (why no object is made for it): ``test_every_route_is_mapped`` fails otherwise, so
the XSS and fuzz tests cannot silently miss a new page.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Whole areas with their own tests: the Django admin and the REST API (schemathesis, tests_security/test_api_fuzz.py).
SKIPPED_PREFIXES = ("admin/", "api/")

# url name → {parameter: key of ``objects_of``}.
PARAMETERS: dict[str, dict[str, str]] = {
    "tasks:delete_filter": {"pk": "saved_filter"},
    "tasks:detail": {"uuid": "task"}, "tasks:edit": {"uuid": "task"}, "tasks:decompose": {"uuid": "task"},
    "tasks:start": {"uuid": "task"},
    "imports:preview": {"uuid": "import_batch"},
    "inspections:detail": {"uuid": "inspection"}, "inspections:edit": {"uuid": "inspection"},
    "acceptance:file": {"uuid": "task"}, "acceptance:apply": {"uuid": "task"}, "acceptance:announce": {"uuid": "task"},
    "acceptance:close": {"uuid": "task"}, "acceptance:notice": {"uuid": "task"}, "acceptance:dossier": {"uuid": "task"},
    "acceptance:review": {"uuid": "application"}, "acceptance:review_signature": {"uuid": "review"}, "acceptance:object": {"uuid": "announcement"},
    "acceptance:resolve": {"uuid": "objection"}, "acceptance:evidence": {"uuid": "acceptance_evidence"},
    "acceptance:look_back_schedule_one": {"uuid": "task"}, "acceptance:look_back": {"uuid": "look_back"},
    "acceptance:look_back_evidence": {"uuid": "look_back_evidence"}, "acceptance:file_closure": {"uuid": "task"},
    "acceptance:acknowledge_filing": {"uuid": "task"}, "acceptance:public_detail": {"uuid": "task"},
    "dispatch:round": {"uuid": "round"}, "dispatch:round_reports": {"uuid": "round"}, "dispatch:remind": {"uuid": "round"},
    "dispatch:close": {"uuid": "round"}, "dispatch:export": {"uuid": "round"}, "dispatch:verification": {"uuid": "round"},
    "dispatch:report_form": {"uuid": "round", "assignment": "assignment"}, "dispatch:report": {"uuid": "report"},
    "dispatch:review": {"uuid": "report"}, "dispatch:download": {"uuid": "dispatch_evidence"},
    "dispatch:finding": {"uuid": "verification"}, "dispatch:task_reports": {"uuid": "task"},
    "supervision:issue": {"uuid": "task"}, "supervision:detail": {"uuid": "notice"}, "supervision:arrange": {"uuid": "notice"},
    "supervision:report": {"uuid": "notice"}, "supervision:done": {"uuid": "notice"}, "supervision:close": {"uuid": "notice"},
    "supervision:send_back": {"uuid": "notice"}, "supervision:extension": {"uuid": "notice"},
    "supervision:decide": {"uuid": "extension"},
    "supervision:milestones": {"uuid": "task"}, "supervision:milestone": {"uuid": "task", "pk": "milestone"},
    "jobs:run": {"name": "periodic_check"},
    "notifications:open": {"uuid": "notification"},
    "jobs:export": {"uuid": "export"}, "jobs:export_status": {"uuid": "export"}, "jobs:export_download": {"uuid": "export"},
}
# url name → why no object is made for it (a random value is used: the page must answer 404, never 500).
NO_OBJECT: dict[str, str] = {}


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str
    params: tuple[str, ...]


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, Any]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), namespace + (p.name or ""), p


def all_routes() -> list[Route]:
    routes = []
    for pattern, name, p in _walk(get_resolver().url_patterns):
        if pattern.startswith(SKIPPED_PREFIXES) or not p.name:
            continue
        routes.append(Route(pattern, name, tuple(p.pattern.converters)))
    return routes


def objects_of(world: Any, done: SimpleNamespace) -> dict[str, Any]:
    """The real values for URL parameters, after ``run_loop``."""
    from rectify.acceptance.models import AcceptanceReview, Evidence, LookBackEvidence
    from rectify.core.models import SavedFilter
    from rectify.dispatch.models import EvidenceFile, Verification
    from rectify.imports.models import ImportBatch
    from rectify.jobs.models import ExportFile
    from rectify.jobs.registry import periodic_checks
    from rectify.notifications.models import Notification
    from rectify.supervision.models import ExtensionRequest

    def first(model: Any, **kw: Any) -> Any:
        found = model.objects.filter(**kw).order_by("id").first()
        return getattr(found, "uuid", None) if found is not None else None

    saved = SavedFilter.objects.filter(user=world.city_office).first()
    batch = ImportBatch.objects.order_by("id").first()
    # A background export of the city office, titled after the round (text someone typed), still queued.
    export = ExportFile.objects.filter(user=world.city_office).first() or ExportFile.objects.create(
        user=world.city_office, kind="dispatch.round_reports", title=f"{done.round.title}：进展报送",
        filename=f"{done.round.title}_进展报送.xlsx", total=1,
    )
    return {
        "task": done.task.uuid, "inspection": done.inspection.uuid, "round": done.round.uuid, "report": done.report.uuid,
        "assignment": done.report.assignment.uuid, "notice": done.notice.uuid, "application": done.application.uuid,
        "announcement": done.announcement.uuid, "objection": done.objection.uuid, "look_back": done.look_back.uuid,
        "acceptance_evidence": first(Evidence), "look_back_evidence": first(LookBackEvidence),
        "dispatch_evidence": first(EvidenceFile), "verification": first(Verification), "extension": first(ExtensionRequest),
        "notification": first(Notification, recipient=world.city_office),
        "saved_filter": saved.pk if saved else None, "import_batch": getattr(batch, "uuid", None),
        "periodic_check": periodic_checks()[0].name,
        "review": first(AcceptanceReview),
        "milestone": getattr(done.task.milestones.order_by("id").first(), "pk", None),
        "export": export.uuid,
    }


def url_for(route: Route, objects: dict[str, Any]) -> str:
    kwargs: dict[str, Any] = {}
    for param in route.params:
        key = PARAMETERS.get(route.name, {}).get(param)
        value = objects.get(key) if key else None
        if value is None:
            value = 999999 if param == "pk" else ("no-such-thing" if param == "name" else uuid.uuid4())
        kwargs[param] = value
    return reverse(route.name, kwargs=kwargs)


def unmapped_routes() -> list[str]:
    return [r.name for r in all_routes() if r.params and r.name not in PARAMETERS and r.name not in NO_OBJECT]
