"""Every acceptance and closure write: one transaction each, task states only through transition_task."""
from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.accounts.roles import Role
from rectify.accounts.scope import unit_ids
from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.numbering import CLOSURE, issuer_name, next_seq
from rectify.core.refusals import Refused
from rectify.core.workdays import add_working_days_noting, estimate_warning
from rectify.regions.models import Region
from rectify.regions.paths import path_prefixes
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

from .files import check_upload, sha256_of
from .models import (
    DEFAULT_ANNOUNCEMENT_DAYS,
    AcceptanceApplication,
    AcceptanceReview,
    Announcement,
    AnnouncementRule,
    Closure,
    Evidence,
    EvidenceFile,
    Filing,
    LookBack,
    LookBackEvidence,
    Objection,
)
from .privacy import person_names, scrub

APPLY_FROM = {TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.SENT_BACK, TaskState.REOPENED}
APPLICANT_ROLES = {Assignment.Role.LEAD, Assignment.Role.RESPONSIBLE}


class AcceptanceRefused(Refused, ValueError):
    """A request that the rules refuse; the message says why, in Chinese."""


# ---------------------------------------------------------------- who may do what
# Asked of rectify.accounts.permissions.can (the one table); the refusals below say why, in Chinese.

def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _locked(task: Task) -> Task:
    return Task.objects.select_for_update().get(pk=task.pk)


# ---------------------------------------------------------------- announcement period



def announcement_days(region: Region) -> int:
    """The nearest rule up the region path wins; without any, 5 working days."""
    prefixes = path_prefixes(region.path)
    rules = {r.region.path: r.working_days for r in AnnouncementRule.objects.filter(region__path__in=prefixes).select_related("region")}
    for prefix in reversed(prefixes):
        if prefix in rules:
            return rules[prefix]
    return DEFAULT_ANNOUNCEMENT_DAYS


def current_announcement(task: Task) -> Announcement | None:
    return task.announcements.order_by("-id").first()


def accepted_application(task: Task) -> AcceptanceApplication | None:
    return task.acceptance_applications.filter(status=AcceptanceApplication.Status.ACCEPTED).order_by("-id").first()


# ---------------------------------------------------------------- 1. apply

def apply_for_acceptance(
    task: Task, user: Any, *, completion_report: str, files: Sequence[Any] = (), expected_version: int | None = None
) -> AcceptanceApplication:
    """Create the application with its evidence and move the task to 申请验收.

    Evidence files are written inside the transaction; if it fails they are deleted again.
    """
    written: list[EvidenceFile] = []
    try:
        return _apply(task, user, completion_report, files, expected_version, written)
    except BaseException:
        _delete_files(written)
        raise


def _delete_files(written: Sequence[EvidenceFile]) -> None:
    for evidence in written:
        if evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)


def _save_evidence(make: Callable[..., EvidenceFile], files: Sequence[Any], kinds: Sequence[str], task: Task, user: Any,
                   written: list[EvidenceFile]) -> None:
    """Store checked uploads under random names (``written`` lists them for cleanup on failure)."""
    for upload, kind in zip(files, kinds, strict=True):
        evidence = make(original_name=upload.name[:255], kind=kind, size=upload.size, sha256=sha256_of(upload))
        evidence.file.save(f"x.{kind}", upload, save=False)
        written.append(evidence)
        evidence.save()
        record_change(evidence, ChangeRecord.Action.CREATE, after={**snapshot(evidence, exclude=("id", "created_at", "updated_at", "file")), "file": evidence.file.name}, reason="上传佐证材料", task_uuid=task.uuid, user=user)


@transaction.atomic
def _apply(task: Task, user: Any, completion_report: str, files: Sequence[Any], expected_version: int | None,
           written: list[EvidenceFile]) -> AcceptanceApplication:
    _require(can(user, "acceptance.apply", task), "只有承担该任务的牵头单位、责任单位或整改办可以申请验收")
    task = _locked(task)
    if task.state not in APPLY_FROM:
        raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，不能申请验收")
    if not completion_report.strip():
        raise AcceptanceRefused("请填写整改完成情况")
    if not files:
        raise AcceptanceRefused("请至少上传一份佐证材料（现场照片、验收材料等），没有佐证材料不能申请验收")
    kinds = [check_upload(f) for f in files]
    ids = set(unit_ids(user))
    unit = next((a.unit for a in task.assignments.select_related("unit") if a.unit_id in ids and a.role in APPLICANT_ROLES), None)
    application = AcceptanceApplication.objects.create(
        task=task, applicant=user, unit=unit or getattr(user, "unit", None), completion_report=completion_report.strip()
    )
    record_change(application, ChangeRecord.Action.CREATE, after=snapshot(application), reason="申请验收", task_uuid=task.uuid, user=user)
    _save_evidence(partial(Evidence, application=application), files, kinds, task, user, written)
    transition_task(task, TaskState.APPLIED, expected_version=expected_version, reason="申请验收")
    return application


# ---------------------------------------------------------------- 2. review

@transaction.atomic
def review_application(
    application: AcceptanceApplication,
    user: Any,
    *,
    decision: str,
    site_check: str,
    implemented: bool,
    signed_by: str = "",
    reasons: str = "",
    expected_version: int | None = None,
) -> AcceptanceReview:
    task = application.task
    _require(can(user, "acceptance.review", task), "只有本区域的验收人员或整改办可以验收")
    _require(application.applicant_id != user.pk, "申请人不能验收自己提交的申请")
    task = _locked(task)
    application = AcceptanceApplication.objects.select_for_update().get(pk=application.pk)
    if application.status != AcceptanceApplication.Status.PENDING or task.state != TaskState.APPLIED:
        raise AcceptanceRefused("该申请已处理，不能重复验收")
    if not site_check.strip():
        raise AcceptanceRefused("请填写现场核查记录")
    signer = signer_name(user)
    if signed_by.strip() and signed_by.strip() != signer:
        raise AcceptanceRefused(f"签字人须为当前登录的验收人员（{signer}），不能代他人签字")
    if decision == AcceptanceReview.Decision.ACCEPT and not implemented:
        raise AcceptanceRefused("整改措施未落实的，不能验收通过，请选择“退回整改”")
    if decision == AcceptanceReview.Decision.SEND_BACK and not reasons.strip():
        raise AcceptanceRefused("退回整改须写明退回原因")
    if decision not in AcceptanceReview.Decision.values:
        raise AcceptanceRefused("请选择验收结论")
    review = AcceptanceReview.objects.create(
        application=application, reviewer=user, site_check=site_check.strip(), decision=decision, reasons=reasons.strip(),
        implemented=implemented, signed_by=signer, signed_at=timezone.now(),
    )
    _copy_signature(review, user)
    record_change(review, ChangeRecord.Action.CREATE, after=snapshot(review), reason="验收意见", task_uuid=task.uuid, user=user)
    before = {"status": application.status}
    accepted = decision == AcceptanceReview.Decision.ACCEPT
    application.status = AcceptanceApplication.Status.ACCEPTED if accepted else AcceptanceApplication.Status.SENT_BACK
    application.save(update_fields=["status", "updated_at"])
    record_change(application, ChangeRecord.Action.UPDATE, before=before, after={"status": application.status},
                  reason=review.get_decision_display(), task_uuid=task.uuid, user=user)
    if accepted:
        transition_task(task, TaskState.ACCEPTED, expected_version=expected_version, reason=f"验收通过（{review.signed_by}）")
    else:
        transition_task(task, TaskState.SENT_BACK, expected_version=expected_version, reason=f"退回整改：{review.reasons}")
    return review


def signer_name(user: Any) -> str:
    """The name a review is signed with: always the logged-in reviewer's own."""
    return str(user.get_full_name() or user.get_username())[:60]


def _copy_signature(review: AcceptanceReview, user: Any) -> None:
    """Keep a copy of the reviewer's signature image as it was when signing (a later change of
    the profile image does not change a signed review)."""
    image = getattr(user, "signature_image", None)
    if not image:
        return
    with image.open("rb") as handle:
        review.signature_image.save(f"x{PurePosixPath(image.name).suffix.lower()}", File(handle), save=True)


# ---------------------------------------------------------------- 3. announce

def notice_title(task: Task) -> str:
    return f"关于{task.plan.title}第{task.seq}号整改任务验收销号公示"


def public_body(task: Task, application: AcceptanceApplication | None) -> dict[str, Any]:
    """The announcement's content as the public reads it: personal data removed."""
    names = person_names(task.responsible_person)
    if application is not None:
        names += person_names(application.applicant.get_full_name())
        names += person_names(*[r.signed_by for r in application.reviews.all()])
    completion = application.completion_report if application else task.completion
    return {
        "title": notice_title(task),
        "region": task.region.full_name,
        "problem": scrub(task.problem or task.title, names),
        "target": scrub(task.target, names),
        "measures": [scrub(m.text, names) for m in task.measures.all()],
        "completion": scrub(completion, names),
    }


@transaction.atomic
def start_announcement(
    task: Task, user: Any, *, starts_on: datetime.date | None = None, expected_version: int | None = None
) -> Announcement:
    _require(can(user, "acceptance.announce", task), "只有整改办可以发布销号公示")
    task = _locked(task)
    if task.state != TaskState.ACCEPTED:
        raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，验收通过后才能公示")
    published_on = timezone.localdate()
    starts_on = starts_on or published_on
    if starts_on < published_on:
        raise AcceptanceRefused(
            f"公示开始日期{starts_on:%Y年%m月%d日}早于发布日期{published_on:%Y年%m月%d日}，"
            "公示期须自发布之日或之后开始，不能补发已过去的公示"
        )
    days = announcement_days(task.region)
    ends_on, estimated = add_working_days_noting(starts_on, days)
    announcement = Announcement.objects.create(
        task=task, starts_on=starts_on, ends_on=ends_on, working_days=days, published=True,
        body=public_body(task, accepted_application(task)), calendar_note=estimate_warning(estimated),
    )
    record_change(announcement, ChangeRecord.Action.CREATE, after=snapshot(announcement), reason="发布销号公示", task_uuid=task.uuid, user=user)
    transition_task(task, TaskState.ANNOUNCED, expected_version=expected_version,
                    reason=f"销号公示 {starts_on:%Y年%m月%d日}至{ends_on:%Y年%m月%d日}（{days}个工作日）")
    return announcement


# ---------------------------------------------------------------- 4. objections

@transaction.atomic
def record_objection(announcement: Announcement, user: Any, *, content: str, contact: str = "",
                     today: datetime.date | None = None) -> Objection:
    _require(can(user, "acceptance.object", announcement.task), "只有整改办可以登记公示异议")
    task = _locked(announcement.task)
    today = today or timezone.localdate()
    if task.state != TaskState.ANNOUNCED or current_announcement(task) != announcement:
        raise AcceptanceRefused("该任务不在公示中，不能登记异议")
    if not announcement.starts_on <= today <= announcement.ends_on:
        raise AcceptanceRefused(
            f"公示期为{announcement.starts_on:%Y年%m月%d日}至{announcement.ends_on:%Y年%m月%d日}，不在公示期内，不能登记异议"
        )
    if not content.strip():
        raise AcceptanceRefused("请填写异议内容")
    objection = Objection.objects.create(announcement=announcement, received_on=today, content=content.strip(),
                                         contact=contact.strip(), recorded_by=user)
    record_change(objection, ChangeRecord.Action.CREATE, after=snapshot(objection, exclude=("id", "created_at", "updated_at", "contact")),
                  reason="登记公示异议", task_uuid=task.uuid, user=user)
    return objection


@transaction.atomic
def resolve_objection(objection: Objection, user: Any, *, resolution: str, note: str,
                      expected_version: int | None = None) -> Objection:
    task = objection.announcement.task
    _require(can(user, "acceptance.resolve", task), "只有整改办可以处理异议")
    task = _locked(task)
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if objection.resolution:
        raise AcceptanceRefused("该异议已处理")
    if resolution not in {Objection.Resolution.UPHELD, Objection.Resolution.REJECTED}:
        raise AcceptanceRefused("请选择处理结果")
    if not note.strip():
        raise AcceptanceRefused("请填写处理说明")
    objection.resolution = resolution
    objection.resolution_note = note.strip()
    objection.resolved_at = timezone.now()
    upheld = resolution == Objection.Resolution.UPHELD
    if upheld:
        if task.state != TaskState.ANNOUNCED:
            raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，不能据异议重新整改")
        objection.reopened_task = True
    objection.save(update_fields=["resolution", "resolution_note", "resolved_at", "reopened_task", "updated_at"])
    record_change(objection, ChangeRecord.Action.UPDATE, before={"resolution": ""},
                  after={"resolution": resolution, "resolution_note": objection.resolution_note},
                  reason=objection.get_resolution_display(), task_uuid=task.uuid, user=user)
    if upheld:
        transition_task(task, TaskState.REOPENED, expected_version=expected_version,
                        reason=f"公示异议成立，重新整改：{objection.resolution_note}")
    return objection


# ---------------------------------------------------------------- 5. close

@transaction.atomic
def close_task(task: Task, user: Any, *, today: datetime.date | None = None, expected_version: int | None = None) -> Closure:
    _require(can(user, "acceptance.close", task), "只有整改办可以销号")
    task = _locked(task)
    today = today or timezone.localdate()
    announcement = current_announcement(task)
    if task.state != TaskState.ANNOUNCED or announcement is None:
        raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，公示期满后才能销号")
    if today <= announcement.ends_on:
        raise AcceptanceRefused(
            f"公示期至{announcement.ends_on:%Y年%m月%d日}届满，"
            f"请于{announcement.ends_on + datetime.timedelta(days=1):%Y年%m月%d日}及以后办理销号"
        )
    objections = list(announcement.objections.all())
    if any(not o.resolution for o in objections):
        raise AcceptanceRefused("公示期间收到的异议尚未处理完毕，不能销号")
    if any(o.resolution == Objection.Resolution.UPHELD for o in objections):
        raise AcceptanceRefused("公示异议成立，须重新整改，不能销号")
    year = today.year
    region = task.region
    issuer = issuer_name(region)
    closure = Closure.objects.create(task=task, announcement=announcement, region=region, issuer=issuer, year=year,
                                     seq=next_seq(CLOSURE, issuer, year), closed_on=today)
    record_change(closure, ChangeRecord.Action.CREATE, after={**snapshot(closure), "number": closure.number},
                  reason="销号", task_uuid=task.uuid, user=user)
    transition_task(task, TaskState.CLOSED, expected_version=expected_version, reason=f"销号（{closure.number}）")
    return closure


# ---------------------------------------------------------------- 6. look-back (回头看)

def latest_closure(task: Task) -> Closure | None:
    return task.closures.order_by("-id").first()


def look_back_candidates(user: Any, *, inspection: Any = None, closed_before: datetime.date | None = None) -> Any:
    """Closed tasks in the user's office subtree without a pending look-back, optionally of one
    inspection and closed (their latest closure) on or before ``closed_before``."""
    from django.db.models import Exists, Max, OuterRef

    tasks = Task.objects.visible_to(user, roles={Role.OFFICE})
    pending = LookBack.objects.filter(task=OuterRef("pk"), result=LookBack.Result.PENDING)
    tasks = tasks.filter(state=TaskState.CLOSED).exclude(Exists(pending)).annotate(last_closed_on=Max("closures__closed_on"))
    if inspection is not None:
        tasks = tasks.filter(inspection=inspection)
    if closed_before is not None:
        tasks = tasks.filter(last_closed_on__lte=closed_before)
    return tasks.order_by("region__path", "seq", "id")


@transaction.atomic
def schedule_look_backs(tasks: Iterable[Task], user: Any, *, scheduled_for: datetime.date) -> list[LookBack]:
    """Schedule a look-back for each closed task (one or many); tasks that already have a pending
    look-back are skipped, so scheduling twice schedules nothing more."""
    created: list[LookBack] = []
    for task in tasks:
        _require(can(user, "acceptance.schedule_look_back", task), "只有本区域的整改办可以安排回头看")
        task = _locked(task)
        if task.state != TaskState.CLOSED:
            raise AcceptanceRefused(f"任务 {task.seq} 当前状态为“{task.get_state_display()}”，销号后才能安排回头看")
        closure = latest_closure(task)
        if closure is None:
            raise AcceptanceRefused(f"任务 {task.seq} 没有销号记录，不能安排回头看")
        if LookBack.objects.filter(closure=closure, result=LookBack.Result.PENDING).exists():
            continue
        look_back = LookBack.objects.create(task=task, closure=closure, scheduled_for=scheduled_for, scheduled_by=user)
        record_change(look_back, ChangeRecord.Action.CREATE, after=snapshot(look_back),
                      reason=f"安排回头看（{closure.number}）", task_uuid=task.uuid, user=user)
        created.append(look_back)
    return created


def record_look_back(look_back: LookBack, user: Any, *, result: str, finding: str, files: Sequence[Any] = (),
                     expected_version: int | None = None) -> LookBack:
    """Record the finding; a relapse reopens the task (its closure stays on file)."""
    written: list[EvidenceFile] = []
    try:
        return _record_look_back(look_back, user, result, finding, files, expected_version, written)
    except BaseException:
        _delete_files(written)
        raise


@transaction.atomic
def _record_look_back(look_back: LookBack, user: Any, result: str, finding: str, files: Sequence[Any],
                      expected_version: int | None, written: list[EvidenceFile]) -> LookBack:
    _require(can(user, "acceptance.record_look_back", look_back.task), "只有本区域的验收人员或整改办可以记录回头看结论")
    task = _locked(look_back.task)
    look_back = LookBack.objects.select_for_update().get(pk=look_back.pk)
    if look_back.result:
        raise AcceptanceRefused("该回头看已记录结论，不能重复记录")
    if result not in {LookBack.Result.CONSOLIDATED, LookBack.Result.RELAPSE}:
        raise AcceptanceRefused("请选择回头看结论：巩固或反弹")
    if not finding.strip():
        raise AcceptanceRefused("请填写回头看核查情况")
    if task.state != TaskState.CLOSED:
        raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，不是已销号，不能记录回头看结论")
    kinds = [check_upload(f) for f in files]
    before = {"result": "", "finding": ""}
    look_back.result = result
    look_back.finding = finding.strip()
    look_back.checker = user
    look_back.done_at = timezone.now()
    look_back.save(update_fields=["result", "finding", "checker", "done_at", "updated_at"])
    record_change(look_back, ChangeRecord.Action.UPDATE, before=before,
                  after={"result": result, "finding": look_back.finding, "checker": str(user)},
                  reason=f"回头看：{look_back.get_result_display()}", task_uuid=task.uuid, user=user)
    _save_evidence(partial(LookBackEvidence, look_back=look_back), files, kinds, task, user, written)
    if result == LookBack.Result.RELAPSE:
        transition_task(task, TaskState.REOPENED, expected_version=expected_version,
                        reason=f"回头看发现反弹：{look_back.finding}（原{look_back.closure.number}）")
    return look_back


def closure_history(task: Task) -> list[dict[str, Any]]:
    """The task's closures in order, each with its look-backs: closed → relapse → reopened → closed again."""
    closures = list(task.closures.order_by("id").prefetch_related("look_backs__checker", "look_backs__evidence"))
    return [{"closure": c, "look_backs": sorted(c.look_backs.all(), key=lambda lb: (lb.scheduled_for, lb.id))} for c in closures]


# ---------------------------------------------------------------- the public record

def reopenings(task: Task) -> list[dict[str, Any]]:
    """Every time the task was reopened after it went public: an upheld objection or a relapse
    found by a look-back, with when and why (personal data removed), oldest first."""
    names = person_names(task.responsible_person)
    events: list[dict[str, Any]] = []
    for o in Objection.objects.filter(announcement__task=task, reopened_task=True).select_related("announcement"):
        events.append({"at": o.resolved_at, "kind": "公示异议成立", "reason": scrub(o.resolution_note, names),
                       "announcement_id": o.announcement_id})
    for lb in LookBack.objects.filter(task=task, result=LookBack.Result.RELAPSE).select_related("closure"):
        events.append({"at": lb.done_at, "kind": "回头看发现反弹", "reason": scrub(lb.finding, names),
                       "announcement_id": lb.closure.announcement_id, "closure": lb.closure})
    return sorted(events, key=lambda e: (e["at"] is None, e["at"]))


def rescrubbed(body: dict[str, Any], task: Task) -> dict[str, Any]:
    """The stored public text redacted again as it is shown: a body stored before a redaction rule
    existed (a phone written with dots, an e-mail address) does not reach the public either."""
    names = person_names(task.responsible_person)
    out = dict(body)
    for key in ("problem", "target", "completion"):
        out[key] = scrub(str(body.get(key) or ""), names)
    out["measures"] = [scrub(str(m), names) for m in body.get("measures") or []]
    return out


def public_status(task: Task) -> str:
    if task.state == TaskState.ANNOUNCED:
        return "公示中"
    if task.state == TaskState.CLOSED:
        return "已销号"
    return "已重新整改"


def public_record(task: Task) -> dict[str, Any]:
    """What the public page of a task shows: the latest announcement's text, and the whole record —
    each announcement with its closure and what reopened it — so nothing is withdrawn silently."""
    announcements = list(task.announcements.filter(published=True).order_by("id"))
    closures = {c.announcement_id: c for c in task.closures.all()}
    events = reopenings(task)
    rounds = [{"announcement": a, "closure": closures.get(a.pk),
               "reopened": [e for e in events if e["announcement_id"] == a.pk]} for a in announcements]
    latest = announcements[-1]
    reopened_now = task.state not in (TaskState.ANNOUNCED, TaskState.CLOSED)
    return {
        "a": latest, "body": rescrubbed(latest.body, task), "rounds": rounds, "status": public_status(task),
        "closure": closures.get(latest.pk) if task.state == TaskState.CLOSED else None,
        "reopened_now": events[-1] if reopened_now and events else None, "reopened_state": reopened_now,
    }


# ---------------------------------------------------------------- 7. filing (备案) with the level above

def filing_region(task: Task) -> Region:
    """Where a closure is filed: the parent of the task's region; a province files with itself."""
    return task.region.parent or task.region


def received_filings(user: Any) -> Any:
    """Filings sent to the user's office subtree (every filing for an administrator), unacknowledged first."""
    filings = Filing.objects.visible_to(user)
    done = models.ExpressionWrapper(models.Q(acknowledged_at__isnull=False), output_field=models.BooleanField())
    return filings.annotate(done=done).order_by("done", "-filed_at", "-id")


@transaction.atomic
def file_closure(closure: Closure, user: Any, note: str = "") -> Filing:
    task = closure.task
    _require(can(user, "acceptance.file", task), "只有本区域的整改办可以报送销号备案")
    task = _locked(task)
    if task.state != TaskState.CLOSED or latest_closure(task) != closure:
        raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，销号后才能报送备案")
    if Filing.objects.filter(closure=closure).exists():
        raise AcceptanceRefused(f"{closure.number}已报送备案，不能重复报送")
    target = filing_region(task)
    filing = Filing.objects.create(closure=closure, filed_by=user, filed_at=timezone.now(), filed_to_region=target,
                                   note=note.strip())
    record_change(filing, ChangeRecord.Action.CREATE, after={**snapshot(filing), "number": closure.number},
                  reason=f"报送销号备案（{closure.number}，报{target.full_name}）", task_uuid=task.uuid, user=user)
    return filing


@transaction.atomic
def acknowledge_filing(filing: Filing, user: Any) -> Filing:
    filing = Filing.objects.select_for_update().select_related("filed_to_region", "closure__task").get(pk=filing.pk)
    _require(can(user, "acceptance.acknowledge", filing), "只有备案机关（上级整改办）可以确认备案")
    if filing.acknowledged_at is not None:
        raise AcceptanceRefused(f"{filing.closure.number}的备案已确认，不能重复确认")
    filing.acknowledged_by = user
    filing.acknowledged_at = timezone.now()
    filing.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
    task = filing.closure.task
    record_change(filing, ChangeRecord.Action.UPDATE, before={"acknowledged_by": None, "acknowledged_at": None},
                  after={"acknowledged_by": str(user), "acknowledged_at": filing.acknowledged_at.isoformat()},
                  reason=f"确认销号备案（{filing.closure.number}）", task_uuid=task.uuid, user=user)
    return filing


# ---------------------------------------------------------------- whom to tell

def office_users(region: Region) -> list[Any]:
    """The active users of the nearest rectification office up the region path."""
    from rectify.accounts.models import RoleGrant

    prefixes = path_prefixes(region.path)
    grants = list(RoleGrant.objects.filter(role=Role.OFFICE, region__path__in=prefixes, user__is_active=True)
                  .select_related("user", "region"))
    if not grants:
        return []
    deepest = max(len(g.region.path) for g in grants if g.region is not None)
    return [g.user for g in grants if g.region is not None and len(g.region.path) == deepest]


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months earlier (the month's last day where it is shorter)."""
    import calendar

    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
