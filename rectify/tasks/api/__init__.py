"""Tasks (整改任务): the ledger. Reads are limited to ``Task.objects.visible_to``; writes to
``editable_by`` and go through ``rectify.tasks.services`` (atomic, version-checked, recorded)."""

import datetime
from typing import Any, Literal
from uuid import UUID

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.accounts.scope import unit_ids, writable_region_q
from rectify.api.access import acting, get_visible, require_editor, user_of
from rectify.api.errors import ApiValidationError
from rectify.api.filters import page_filter
from rectify.api.pagination import CappedPageNumberPagination
from rectify.api.schemas import Message, StaleOut, ValidationErrorOut
from rectify.api.since import filter_updated_since, updated_since_param
from rectify.core.models import ChangeRecord
from rectify.core.types import AnyUser
from rectify.core.versioning import StaleEdit
from rectify.inspections.models import Plan
from rectify.regions.api.access import editable_region
from rectify.regions.models import Region, Unit
from rectify.tasks import validation
from rectify.tasks.api.schemas import (
    HistoryOut,
    TaskAssignmentOut,
    TaskDetailOut,
    TaskIn,
    TaskListOut,
    TaskPatch,
    TaskPut,
    TaskStateValue,
    TransitionIn,
)
from rectify.tasks.filters import LedgerFilter
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import TaskData, create_task, task_data_from, transition_task, update_task
from rectify.tasks.states import check_plain_transition

router = Router(tags=["整改任务"])

NOT_FOUND = "任务不存在，或您无权查看"
NOT_EDITABLE = "您没有修改此任务的权限"
WRITE_RESPONSES = {400: Message, 401: Message, 403: Message, 404: Message, 409: StaleOut, 422: ValidationErrorOut}
Ordering = Literal["deadline", "-deadline", "seq", "state", "updated_at", "-updated_at"]


def list_queryset(user: AnyUser) -> QuerySet[Task]:
    return Task.objects.visible_to(user).select_related("region__parent", "plan", "inspection").prefetch_related(
        Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))
    )


def detail_queryset(user: AnyUser) -> QuerySet[Task]:
    return list_queryset(user).select_related("parent").prefetch_related("measures", "milestones")


def get_task(user: AnyUser, uuid: UUID) -> Task:
    return get_visible(Task.objects.visible_to(user), NOT_FOUND, uuid=uuid)


def detail(user: AnyUser, uuid: UUID) -> Task:
    task: Task = get_visible(detail_queryset(user), NOT_FOUND, uuid=uuid)
    task.can_edit = Task.objects.editable_by(user).filter(pk=task.pk).exists()  # type: ignore[attr-defined]
    return task


def require_editable(user: AnyUser, task: Task) -> None:
    if not Task.objects.editable_by(user).filter(pk=task.pk).exists():
        raise HttpError(403, NOT_EDITABLE)


# ---- reads -------------------------------------------------------------------------------------


@router.get(
    "",
    response=list[TaskListOut],
    summary="整改任务列表（台账）",
    description="只列出本人数据范围内的任务。可按督察、方案、区划（含下级）、单位、状态、是否逾期、时限区间、关键词筛选；分页返回。",
)
@paginate(CappedPageNumberPagination, page_size=25, max_page_size=500)
def list_tasks(
    request: HttpRequest,
    inspection: UUID | None = Query(None, description="督察编号"),  # noqa: B008
    plan: UUID | None = Query(None, description="整改方案编号"),  # noqa: B008
    region: str | None = Query(None, description="区划代码（含下级区划）"),
    unit: UUID | None = Query(None, description="单位编号：该单位承担的任务"),  # noqa: B008
    state: list[TaskStateValue] | None = Query(None, description="状态，可重复给出"),  # type: ignore[valid-type]  # noqa: B008
    overdue: bool | None = Query(None, description="true：只看逾期任务"),
    deadline_from: datetime.date | None = Query(None, description="整改时限不早于"),  # noqa: B008
    deadline_to: datetime.date | None = Query(None, description="整改时限不晚于"),  # noqa: B008
    q: str | None = Query(None, description="关键词（空格分隔，全部包含）"),
    ordering: Ordering | None = Query(None, description="排序；增量同步用 updated_at"),  # noqa: B008
    updated_since: str | None = updated_since_param(),
) -> QuerySet[Task]:
    user = user_of(request)
    tasks = filter_updated_since(list_queryset(user), updated_since)
    # The API names records by uuid and region code (the pages by id): those narrow here; every other
    # filter, the keyword search and the sort are the ledger page's own (``LedgerFilter``).
    if inspection:
        tasks = tasks.filter(inspection__uuid=inspection)
    if plan:
        tasks = tasks.filter(plan__uuid=plan)
    if region:
        found = Region.objects.filter(code=region).first()
        if found is None:
            raise ApiValidationError(region=f"区划代码 {region} 不存在")
        tasks = tasks.filter(found.subtree_q())
    if unit:
        tasks = tasks.filter(pk__in=Assignment.objects.filter(unit__uuid=unit).values("task_id"))
    return page_filter(LedgerFilter, tasks, {
        "state": list(state or []), "overdue": overdue and "true", "q": q, "ordering": ordering,
        "deadline_from": deadline_from, "deadline_to": deadline_to,
    }, user=user)


@router.get(
    "/{uuid}",
    response={200: TaskDetailOut, 401: Message, 404: Message},
    summary="整改任务详情",
    description="含整改措施、时间节点、分工单位，以及调用者能否修改（can_edit）和可变更的状态（next_states）。",
)
def get_task_detail(request: HttpRequest, uuid: UUID) -> Task:
    return detail(user_of(request), uuid)


@router.get("/{uuid}/history", response={200: list[HistoryOut], 401: Message, 404: Message}, summary="任务变更记录", description="新的在前。")
@paginate(CappedPageNumberPagination, page_size=50, max_page_size=500)
def task_history(request: HttpRequest, uuid: UUID) -> QuerySet[ChangeRecord]:
    task = get_task(user_of(request), uuid)
    return ChangeRecord.objects.filter(task_uuid=task.uuid).order_by("-id")


@router.get("/{uuid}/assignments", response={200: list[TaskAssignmentOut], 401: Message, 404: Message}, summary="任务的分工单位")
def task_assignments(request: HttpRequest, uuid: UUID) -> list[Assignment]:
    task = get_task(user_of(request), uuid)
    return list(task.assignments.select_related("unit").order_by("role", "id"))


# ---- validation: the task form's rules ---------------------------------------------------------


def build_task_data(user: AnyUser, values: dict[str, Any], task: Task | None = None) -> TaskData:  # noqa: C901 - the fourth copy of the task rules: replaced by tasks/validation.py in issue 12 item 3
    """TaskData from a request body (for an update, merged over the task), or ApiValidationError."""
    errors = ApiValidationError()
    data = task_data_from(task) if task is not None else None
    merged: dict[str, Any] = {}

    if "plan" in values and values["plan"] is not None:
        plan = Plan.objects.filter(writable_region_q(user, "region"), uuid=values["plan"]).select_related("inspection").first()
        if plan is None:
            errors.add("plan", "整改方案不存在，或不在您的管辖范围内")
        elif task is not None and plan.pk != task.plan_id:
            errors.add("plan", "任务创建后不能更换所属整改方案")
        merged["plan"] = plan
    if "region" in values and values["region"] is not None:
        region = editable_region(user, values["region"])
        if region is None:
            errors.add("region", f"区划 {values['region']} 不存在，或不在您的管辖范围内")
        merged["region"] = region
    if "parent" in values:
        parent = None
        if values["parent"] is not None:
            parent = Task.objects.editable_by(user).filter(uuid=values["parent"]).first()
            if parent is None:
                errors.add("parent", "上级任务不存在，或您无权修改")
            elif task is not None and parent.pk == task.pk:
                errors.add("parent", "上级任务不能是本任务")
        merged["parent"] = parent

    plain = ["seq", "feedback_no", "title", "problem", "target", "responsible_person", "deadline", "deadline_text", "long_term", "priority", "progress"]
    for name in plain:
        if name in values and (values[name] is not None or name == "deadline"):
            merged[name] = values[name]
    if values.get("section") is not None:
        merged["section"] = [s.strip() for s in values["section"] if s and s.strip()]
    if values.get("measures") is not None:
        merged["measures"] = [m.strip() for m in values["measures"] if m and m.strip()]
    if values.get("milestones") is not None:
        merged["milestones"] = [(m["date"], m["text"].strip()) for m in values["milestones"]]

    def current(name: str, default: Any = None) -> Any:
        if name in merged:
            return merged[name]
        return getattr(data, name) if data is not None else default

    checked = validation.Checked()
    validation.check_lengths(checked, {name: merged.get(name) for name in validation.LIMITS}, labelled=False)
    validation.check_milestones(checked, merged.get("milestones") or [])
    if "deadline" in merged or "deadline_text" in merged:
        deadline = validation.settle_deadline(checked, current("deadline"), current("deadline_text", ""), current("long_term", False))
        merged["deadline"], merged["long_term"] = deadline.date, deadline.long_term
    region = current("region")
    units: dict[str, list[Unit]] = {}
    if region is not None:
        units = validation.check_units(checked, values, region, current=data.units if data is not None else {})
    validation.check_task(
        checked, title=current("title", ""), problem=current("problem", ""), target=current("target", ""),
        deadline=current("deadline"), long_term=current("long_term", False),
        units=units if region is not None and not errors.errors else None,
    )
    for name, messages in checked.errors.items():
        for message in messages:
            errors.add(name, message)
    if errors.errors:
        raise errors

    if data is None:
        return TaskData(units=units, **merged)
    for name, value in merged.items():
        setattr(data, name, value)
    data.units = units
    return data


# ---- writes --------------------------------------------------------------------------------------


@router.post(
    "",
    response={201: TaskDetailOut, **WRITE_RESPONSES},
    summary="新建整改任务",
    description="整改办、管理员在本级及下级区划新建任务。单位按名称在任务区划及其上级区划中匹配；须填写整改时限或勾选长期坚持，至少一个牵头或责任单位。",
)
def create(request: HttpRequest, payload: TaskIn) -> Status[Task]:
    user = user_of(request)
    require_editor(user, "新建任务")
    values = payload.dict()
    reason = values.pop("reason") or "新建任务"
    data = build_task_data(user, values)
    with acting(request):
        task = create_task(data, reason=reason)
    return Status(201, detail(user, task.uuid))


def _update(request: HttpRequest, uuid: UUID, values: dict[str, Any]) -> Task:
    user = user_of(request)
    task = get_task(user, uuid)
    require_editable(user, task)
    version = values.pop("version")
    reason = values.pop("reason", "") or ""
    data = build_task_data(user, values, task)
    with acting(request):
        update_task(task, data, expected_version=version, reason=reason)
    return detail(user, uuid)


@router.put(
    "/{uuid}",
    response={200: TaskDetailOut, **WRITE_RESPONSES},
    summary="修改整改任务（整体替换）",
    description="须带回读取时的 version；已被他人修改时返回 409，不做任何修改。",
)
def replace(request: HttpRequest, uuid: UUID, payload: TaskPut) -> Task:
    return _update(request, uuid, payload.dict())


@router.patch(
    "/{uuid}",
    response={200: TaskDetailOut, **WRITE_RESPONSES},
    summary="修改整改任务（部分字段）",
    description="只修改请求中给出的字段；须带回读取时的 version，已被他人修改时返回 409，不做任何修改。",
)
def patch(request: HttpRequest, uuid: UUID, payload: TaskPatch) -> Task:
    return _update(request, uuid, payload.dict(exclude_unset=True))


@router.post(
    "/{uuid}/transition",
    response={200: TaskDetailOut, **WRITE_RESPONSES},
    summary="变更任务状态",
    description="只做不留专门记录的状态变更（如开始整改：变为“整改中”），可变更的状态见任务详情的 next_states。"
                "申请验收、验收、公示、销号、异议成立和回头看反弹产生的状态只能通过各自的接口办理，在此返回 400 并指明应走的环节；"
                "承担该任务的单位或能修改任务的整改办可调用；须带回 version，已被他人修改时返回 409。",
)
def transition(request: HttpRequest, uuid: UUID, payload: TransitionIn) -> Task:
    user = user_of(request)
    task = get_task(user, uuid)
    # The same people as the page's 开始整改: a unit the task is assigned to, or whoever may edit it.
    if not task.assignments.filter(unit_id__in=unit_ids(user)).exists():
        require_editable(user, task)
    with acting(request), transaction.atomic():
        current = Task.objects.select_for_update().get(pk=task.pk)
        if current.version != payload.version:
            raise StaleEdit(current.version)
        check_plain_transition(current.state, payload.state)
        transition_task(current, payload.state, expected_version=payload.version, reason=payload.reason)
    return detail(user, uuid)
