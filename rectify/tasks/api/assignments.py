"""Assignments (任务分工): the units' part in the tasks the caller can see."""

from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router
from ninja.pagination import paginate
from ninja.params.functions import Query

from rectify.api.access import get_visible, user_of
from rectify.api.errors import ApiValidationError
from rectify.api.schemas import Message
from rectify.api.since import filter_updated_since, updated_since_param
from rectify.tasks.api.pagination import AssignmentPagination
from rectify.tasks.api.schemas import AssignmentOut
from rectify.tasks.models import Assignment, Task
from rectify.tasks.states import AssignmentState
from rectify.tasks.through import through_tasks

router = Router(tags=["任务分工"])


def _assignments(request: HttpRequest) -> QuerySet[Assignment]:
    visible = Assignment.objects.filter(through_tasks(user_of(request), "task_id", gathered=True))
    return visible.select_related("unit", "task").order_by("task_id", "role", "id")


@router.get(
    "",
    response=list[AssignmentOut],
    summary="任务分工列表",
    description="本人可见任务的分工；按任务（task）、单位（unit）、角色、状态筛选。",
)
@paginate(AssignmentPagination, page_size=50, max_page_size=500)
def list_assignments(
    request: HttpRequest,
    task: UUID | None = Query(None, description="任务编号"),  # noqa: B008
    unit: UUID | None = Query(None, description="单位编号"),  # noqa: B008
    role: Assignment.Role | None = Query(None, description="lead / cooperating / responsible"),  # noqa: B008
    state: AssignmentState | None = Query(None, description="分工状态"),  # noqa: B008
    updated_since: str | None = updated_since_param(),
) -> QuerySet[Assignment]:
    assignments = filter_updated_since(_assignments(request), updated_since)
    if task:
        if not Task.objects.visible_to(user_of(request)).filter(uuid=task).exists():
            raise ApiValidationError(task="任务不存在，或您无权查看")
        assignments = assignments.filter(task__uuid=task)
    if unit:
        assignments = assignments.filter(unit__uuid=unit)
    if role:
        assignments = assignments.filter(role=role)
    if state:
        assignments = assignments.filter(state=state)
    return assignments


@router.get("/{uuid}", response={200: AssignmentOut, 404: Message}, summary="任务分工详情")
def get_assignment(request: HttpRequest, uuid: UUID) -> Assignment:
    return get_visible(_assignments(request), "分工不存在，或您无权查看", uuid=uuid)
