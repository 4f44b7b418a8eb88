"""``rectify generate``'s filler of acceptance records: for every generated task that the ledger moves to 申请验收,
the application (``services.apply_for_acceptance``), and for each move on to 验收通过 or 退回整改 the review and the
application's new status (``services.review_application``), for 公示中 the announcement (``start_announcement``) and for
已销号 the numbered closure (``close_task``), written at the moment of the move, in the task's chain before the
transition row, as the services write them (the application by a generated applicant of the task's responsible
unit, the review by a generated reviewer, announcement and closure by a generated office user); the transition
row's reason is the service's. A share of the announcements receive an objection from the public (``record_objection``,
on a day of the period), resolved as 异议不成立 a few days later (``resolve_objection``) — always before a closure,
which the service refuses while one is pending — or, on a task still in 公示中, some left pending; none is upheld
(that would reopen the task). Evidence files and notifications are not generated."""
from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from rectify.accounts.models import User
from rectify.core.bulk import insert
from rectify.core.fill import Context, register
from rectify.core.history import snapshot
from rectify.core.models import ChangeRecord, DocumentCounter
from rectify.core.numbering import CLOSURE, issuer_name
from rectify.core.workdays import Calendar, add_working_days, estimate_warning
from rectify.regions.models import Region
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from .models import AcceptanceApplication, AcceptanceReview, Announcement, Closure, Objection
from .services.announcements import public_body
from .services.applications import signer_name
from .services.permissions import APPLICANT_ROLES
from .services.queries import announcement_days

Action = ChangeRecord.Action
Decision = AcceptanceReview.Decision

OBJECTION_SHARE = 0.04  # of the announcements
PENDING_SHARE = 0.5     # of the objections to a task still in 公示中
OBJECTIONS = [
    "本人住在{region}，公示称问题已整改到位，但近期仍发现类似情况，请核实整改是否真正到位。",
    "公示材料中的整改措施与现场情况不一致，部分措施没有看到落实，请复查后再销号。",
    "整改完成时间较短，担心问题反弹，建议延长观察期后再销号。",
    "{region}整改期间施工留下的现场尚未恢复，周边群众仍有意见，请核实。",
]
REJECTIONS = [
    "经现场复核，整改措施已按方案落实，未发现异议所述情况，异议不成立。",
    "经核实，异议所述情况与本任务整改内容无关，已转有关部门处理，异议不成立。",
    "经组织回访和现场检查，问题已整改到位，已向异议人反馈核实情况，异议不成立。",
]


class Reviewed:
    """What ``public_body`` reads of an accepted application not saved yet: its applicant, report and reviews."""

    def __init__(self, application: AcceptanceApplication, review: AcceptanceReview) -> None:
        self.applicant, self.completion_report = application.applicant, application.completion_report
        self.reviews = self
        self.review = review

    def all(self) -> list[AcceptanceReview]:
        return [self.review]


class Acceptance:
    """Collects the records while the ledger plays its months; ``write`` inserts them afterwards."""

    def __init__(self, ctx: Context, applicant: User, reviewer: User, office: User) -> None:
        self.ctx, self.applicant, self.reviewer, self.office = ctx, applicant, reviewer, office
        self.open: dict[int, AcceptanceApplication] = {}
        self.accepted: dict[int, Reviewed] = {}
        self.announced: dict[int, Announcement] = {}
        self.applications: list[AcceptanceApplication] = []
        self.reviews: list[AcceptanceReview] = []
        self.announcements: list[Announcement] = []
        self.closures: list[Closure] = []
        self.objections: list[Objection] = []
        self.now = timezone.now()
        self.calendar = Calendar()
        self.days: dict[int, int] = {}
        self.numbers: dict[tuple[str, int], int] = {}

    def _record(self, obj: Any, action: str, task: Task, user: User, at: datetime.datetime, reason: str,
                before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
        self.ctx.chain.append(obj, action, time=at, before=before, after=after if after is not None else snapshot(obj),
                              reason=reason, task_uuid=task.uuid, user_id=user.pk,
                              user_name=user.get_full_name() or user.get_username())

    def moved(self, task: Task, before: str, state: str, at: datetime.datetime) -> str | None:
        """Write the records of the move's service; returns the reason of its transition row."""
        if state == TaskState.APPLIED:
            return self._apply(task, at)
        if before == TaskState.APPLIED and state in (TaskState.ACCEPTED, TaskState.SENT_BACK):
            return self._review(task, state, at)
        if state == TaskState.ANNOUNCED:
            return self._announce(task, at)
        if state == TaskState.CLOSED:
            return self._close(task, at)
        return None

    def _apply(self, task: Task, at: datetime.datetime) -> str:
        unit = next((a.unit for a in task.assignments.all() if a.role in APPLICANT_ROLES), None)
        application = AcceptanceApplication(
            task=task, applicant=self.applicant, unit=unit,
            completion_report=f"{task.title}：各项整改措施已按方案完成，问题已整改到位，申请验收。")
        application.created_at = timezone.now()  # as saving it does (its text, read by the review's row, shows the day)
        self.applications.append(application)
        self.open[id(task)] = application
        self._record(application, Action.CREATE, task, self.applicant, at, "申请验收")
        return "申请验收"

    def _review(self, task: Task, state: str, at: datetime.datetime) -> str:
        application = self.open.pop(id(task))
        accepted = state == TaskState.ACCEPTED
        review = AcceptanceReview(
            application=application, reviewer=self.reviewer, decision=Decision.ACCEPT if accepted else Decision.SEND_BACK,
            site_check="经现场核查，整改措施落实情况与申请材料一致。" if accepted else "经现场核查，部分整改措施尚未落实到位。",
            reasons="" if accepted else "整改措施未全部落实，请继续整改后重新申请。", implemented=accepted,
            signed_by=signer_name(self.reviewer), signed_at=at)
        self.reviews.append(review)
        self._record(review, Action.CREATE, task, self.reviewer, at, "验收意见")
        status_before = {"status": application.status}
        application.status = AcceptanceApplication.Status.ACCEPTED if accepted else AcceptanceApplication.Status.SENT_BACK
        self._record(application, Action.UPDATE, task, self.reviewer, at, review.get_decision_display(),
                     before=status_before, after={"status": application.status})
        if not accepted:
            return f"退回整改：{review.reasons}"
        self.accepted[id(task)] = Reviewed(application, review)
        return f"验收通过（{review.signed_by}）"

    def _announce(self, task: Task, at: datetime.datetime) -> str:
        """``start_announcement`` on the day of the move (``add_working_days_noting`` with one calendar for the run)."""
        region: Region = task.region
        days = self.days.get(region.pk) or self.days.setdefault(region.pk, announcement_days(region))
        starts_on = timezone.localdate(at)
        ends_on = add_working_days(starts_on, days, self.calendar)
        estimated = [y for y in self.calendar.estimated_years() if starts_on.year <= y <= ends_on.year]
        announcement = Announcement(task=task, starts_on=starts_on, ends_on=ends_on, working_days=days, published=True,
                                    is_latest=True, is_latest_published=True,  # as Announcement.save: the newest is the latest
                                    body=public_body(task, self.accepted.get(id(task))),  # type: ignore[arg-type]
                                    calendar_note=estimate_warning(estimated))
        self.announcements.append(announcement)
        self.announced[id(task)] = announcement
        self._record(announcement, Action.CREATE, task, self.office, at, "发布销号公示")
        return f"销号公示 {starts_on:%Y年%m月%d日}至{ends_on:%Y年%m月%d日}（{days}个工作日）"

    def transitioned(self, task: Task, state: str, at: datetime.datetime) -> None:
        """After the move to 公示中, for a share of the announcements: an objection during the period and its resolution."""
        if state == TaskState.ANNOUNCED and self.ctx.rng.random() < OBJECTION_SHARE:
            self._object(task, self.announced[id(task)], at)

    def _object(self, task: Task, announcement: Announcement, at: datetime.datetime) -> None:
        """``record_objection`` by the office on a past day of the period, and ``resolve_objection`` (异议不成立) one to
        three days later: before the closure (a month or more after the announcement) and before the task's next
        report. On a task that ends in 公示中 (``task.state`` is its final state) some are left pending, and any not due yet."""
        rng = self.ctx.rng
        last = min(announcement.ends_on, timezone.localdate(self.now) - datetime.timedelta(days=1))
        received = at + datetime.timedelta(days=rng.randint(0, max((last - announcement.starts_on).days, 0)),
                                           hours=rng.randint(1, 6), minutes=rng.randint(0, 59))
        contact = "匿名" if rng.random() < 0.3 else f"1{rng.randint(30, 99)}-0000-{rng.randint(0, 9999):04d}"
        objection = Objection(announcement=announcement, received_on=timezone.localdate(received),
                              content=rng.choice(OBJECTIONS).format(region=task.region.name), contact=contact,
                              recorded_by=self.office)
        self.objections.append(objection)
        self._record(objection, Action.CREATE, task, self.office, received, "登记公示异议",
                     after=snapshot(objection, exclude=("id", "created_at", "updated_at", "contact")))
        resolved = received + datetime.timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 3))
        pending = rng.random() < PENDING_SHARE or resolved >= self.now
        if task.state != TaskState.CLOSED and pending:
            return
        objection.resolution, objection.resolution_note = Objection.Resolution.REJECTED, rng.choice(REJECTIONS)
        objection.resolved_at = resolved
        self._record(objection, Action.UPDATE, task, self.office, resolved, objection.get_resolution_display(),
                     before={"resolution": ""},
                     after={"resolution": objection.resolution, "resolution_note": objection.resolution_note})

    def _close(self, task: Task, at: datetime.datetime) -> str:
        """``close_task`` on the day of the move (the ledger moves a task on only after its announcement has ended)."""
        announcement = self.announced.pop(id(task))
        closed_on = timezone.localdate(at)
        issuer = issuer_name(task.region)
        key = (issuer, closed_on.year)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        closure = Closure(task=task, announcement=announcement, region=task.region, issuer=issuer, year=closed_on.year,
                          seq=self.numbers[key], closed_on=closed_on)
        self.closures.append(closure)
        self._record(closure, Action.CREATE, task, self.office, at, "销号", after={**snapshot(closure), "number": closure.number})
        return f"销号（{closure.number}）"

    def write(self) -> None:
        for application in self.applications:
            application.task = application.task  # the task has its id now
        insert(self.applications)
        for review in self.reviews:
            review.application = review.application
        insert(self.reviews)
        latest: dict[int, Announcement] = {}
        for announcement in self.announcements:
            announcement.task = announcement.task
            latest[announcement.task_id] = announcement  # ids are given in list order: the last of its task is its latest
        for announcement in self.announcements:  # what the triggers would set, written with the rows
            announcement.is_latest = announcement.is_latest_published = latest[announcement.task_id] is announcement
        insert(self.announcements)
        for closure in self.closures:
            closure.task, closure.announcement = closure.task, closure.announcement
        insert(self.closures)
        for objection in self.objections:
            objection.announcement = objection.announcement
        insert(self.objections)
        DocumentCounter.objects.bulk_create([DocumentCounter(kind=CLOSURE, issuer=issuer, year=year, last=last)
                                             for (issuer, year), last in self.numbers.items()], batch_size=1000)
        self.ctx.wrote("验收申请和验收意见", len(self.applications) + len(self.reviews))
        self.ctx.wrote("销号公示和销号", len(self.announcements) + len(self.closures))
        self.ctx.wrote("公示异议", len(self.objections))


def _generated_user(username: str, name: str) -> User:
    """A user the generated records name (no password, no role: it cannot log in)."""
    user = User.objects.create_user(username=username, password=None, last_name=name[0], first_name=name[1:])
    return user


@register(15, "验收人员（生成数据）")
def prepare_acceptance(ctx: Context) -> None:
    acceptance = Acceptance(ctx, _generated_user("gen_applicant", "申请人（生成数据）"),
                            _generated_user("gen_reviewer", "验收人（生成数据）"), _generated_user("gen_office", "整改办（生成数据）"))
    ctx.on("task.transition", acceptance.moved)
    ctx.on("task.transitioned", acceptance.transitioned)
    ctx.data["acceptance"] = acceptance
    ctx.wrote("账号", 3)


@register(25, "验收申请、验收意见、销号公示、公示异议和销号",
          large=["acceptance.AcceptanceApplication", "acceptance.AcceptanceReview", "acceptance.Announcement", "acceptance.Closure"])
def fill_acceptance(ctx: Context) -> None:
    ctx.data["acceptance"].write()
