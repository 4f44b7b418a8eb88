"""Tasks (整改任务): the ledger. Reads are limited to ``Task.objects.visible_to``; writes to
``editable_by`` and go through ``rectify.tasks.services`` (atomic, version-checked, recorded)."""

import datetime
from dataclasses import fields
from typing import Any, Literal
from uuid import UUID

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.accounts.scope import unit_ids
from rectify.api.access import acting, get_visible, require_editor, user_of
from rectify.api.errors import ApiValidationError
from rectify.api.filters import page_filter
from rectify.api.pagination import CappedPageNumberPagination
from rectify.api.schemas import Message, StaleOut, ValidationErrorOut
from rectify.api.since import filter_updated_since, updated_since_param
from rectify.core.estimates import planned_rows
from rectify.core.models import ChangeRecord
from rectify.core.types import AnyUser
from rectify.core.versioning import StaleEdit
from rectify.inspections.models import Plan
from rectify.regions.api.access import check_region
from rectify.regions.models import Region
from rectify.tasks import validation
from rectify.tasks.api.pagination import LedgerPagination
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
from rectify.tasks.search_plans import words_for
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
@paginate(LedgerPagination, page_size=25, max_page_size=500)
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
    # A search's words looked up as weighed against the tasks the other filters leave (``views.page_words``).
    narrowing = any([inspection, plan, region, unit, state, overdue, deadline_from, deadline_to])
    narrowed = (lambda: planned_rows(tasks.values("pk"))) if narrowing else None
    return page_filter(LedgerFilter, tasks, {
        "state": list(state or []), "overdue": overdue and "true", "q": q, "ordering": ordering,
        "deadline_from": deadline_from, "deadline_to": deadline_to,
    }, user=user, words=words_for(user, q, request, narrowed))


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


# ---- validation: the task rules (tasks/validation.py), as the form applies them ----------------

PLAN_NOT_FOUND = "整改方案不存在，或不在您的管辖范围内"


def _plan(user: AnyUser, uuid: UUID, task: Task | None, errors: ApiValidationError) -> Plan | None:
    """The plan, in the user's write scope; a task keeps its own plan (as the form's fixed plan field)."""
    if task is not None and uuid == task.plan.uuid:
        return task.plan
    plan = Plan.objects.writable_by(user).filter(uuid=uuid).select_related("inspection").first()
    if plan is None:
        errors.add("plan", PLAN_NOT_FOUND)
    elif task is not None:
        errors.add("plan", "任务创建后不能更换所属整改方案")
    return plan


def _parent(user: AnyUser, uuid: UUID, task: Task | None, errors: ApiValidationError) -> Task | None:
    parent = Task.objects.editable_by(user).filter(uuid=uuid).first()
    if parent is None:
        errors.add("parent", "上级任务不存在，或您无权修改")
    elif task is not None and parent.pk == task.pk:
        errors.add("parent", "上级任务不能是本任务")
    return parent


def _references(user: AnyUser, values: dict[str, Any], task: Task | None, errors: ApiValidationError) -> dict[str, Any]:
    """The plan, region and parent a body names, each looked up in the user's write scope."""
    found: dict[str, Any] = {}
    if values.get("plan") is not None:
        found["plan"] = _plan(user, values["plan"], task, errors)
    if values.get("region") is not None:
        check_region(user, values, found, errors)
    if "parent" in values:
        found["parent"] = _parent(user, values["parent"], task, errors) if values["parent"] is not None else None
    return found


def _body(values: dict[str, Any]) -> dict[str, Any]:
    """The body's fields in the form's shapes; a field sent as null keeps its value (the deadline is cleared)."""
    body = {name: value for name, value in values.items()
            if name not in {"plan", "region", "parent"} and (value is not None or name == "deadline")}
    for name in ("section", "measures"):
        if name in body:
            body[name] = [s for s in body[name] if s and s.strip()]
    if "milestones" in body:
        body["milestones"] = [(m["date"], m["text"]) for m in body["milestones"]]
    return body


def build_task_data(user: AnyUser, values: dict[str, Any], task: Task | None = None) -> TaskData:
    """TaskData from a request body (for an update, merged over the task) checked by the task rules
    like the form, or ApiValidationError with the rules' field errors."""
    errors = ApiValidationError()
    current = vars(task_data_from(task)) if task is not None else {}
    merged = {**current, **_body(values), **_references(user, values, task, errors)}
    region = merged.get("region")
    if task is not None and region is not None and region.pk != task.region_id:
        # a task moved to another region: its units are found by name there, as the form finds them
        for name, role in validation.UNIT_FIELDS.items():
            merged.setdefault(name, [(u.name, u.name) for u in current["units"].get(role, [])])
    checked = validation.Checked()
    clean = validation.check_fields(checked, merged, region, current_units=current.get("units"), need_units=not errors.errors)
    for name, messages in checked.errors.items():
        for message in messages:
            errors.add(name, message)
    if errors.errors:
        raise errors
    return TaskData(**{f.name: clean[f.name] for f in fields(TaskData) if f.name in clean})


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
