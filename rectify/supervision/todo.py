"""待我处理: the lists of supervision (督办), registered with ``rectify.notifications.todo`` when the app starts
(``SupervisionConfig.ready``); the table of which role sees which list stays there."""
from __future__ import annotations

from django.urls import reverse

from rectify.accounts.roles import Role
from rectify.accounts.scope import unit_ids
from rectify.core.types import AuthedUser
from rectify.notifications.todo import Pending, TodoEntry, listed, role_tasks, task_text, todo_list
from rectify.tasks.through import through_tasks

from .models import ExtensionRequest, SupervisionNotice


@todo_list("notices_to_handle")
def notices_to_handle(user: AuthedUser, limit: int) -> Pending:
    Status = SupervisionNotice.Status
    rows = (SupervisionNotice.objects.filter(units__in=unit_ids(user),
                                             status__in=[Status.ISSUED, Status.ARRANGED, Status.REPORTED, Status.ESCALATED])
            .distinct().select_related("task").order_by("done_by", "id"))
    return listed("notices_to_handle", "待办理的督办单", rows,
                  lambda n: TodoEntry(f"{n.number} {task_text(n.task)}", reverse("supervision:detail", args=[n.uuid]),
                                      n.get_status_display()), limit)


@todo_list("extensions_to_decide")
def extensions_to_decide(user: AuthedUser, limit: int) -> Pending:
    rows = (ExtensionRequest.objects.filter(through_tasks(user, "notice__task", role_tasks(user, Role.OFFICE)), decision="")
            .select_related("notice__task").order_by("created_at", "id"))
    return listed("extensions_to_decide", "待审批的延期申请", rows,
                  lambda e: TodoEntry(f"{e.notice.number} {task_text(e.notice.task)}", reverse("supervision:detail", args=[e.notice.uuid]),
                                      f"申请延至{e.new_date:%Y-%m-%d}"), limit)


@todo_list("notices_to_review")
def notices_to_review(user: AuthedUser, limit: int) -> Pending:
    rows = (SupervisionNotice.objects.filter(through_tasks(user, "task", role_tasks(user, Role.OFFICE)), status=SupervisionNotice.Status.DONE)
            .select_related("task").order_by("done_at", "id"))
    return listed("notices_to_review", "已报办结待审核的督办单", rows,
                  lambda n: TodoEntry(f"{n.number} {task_text(n.task)}", reverse("supervision:detail", args=[n.uuid])), limit)
