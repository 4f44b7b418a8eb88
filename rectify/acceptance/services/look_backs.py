"""Look-backs (回头看): scheduled after a closure; a relapse reopens the task."""
from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.core.actions import Action
from rectify.core.files import check_upload
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser
from rectify.tasks.models import Task
from rectify.tasks.services import transition_task
from rectify.tasks.states import TaskState

from ..models import (
    EvidenceFile,
    LookBack,
    LookBackEvidence,
)
from .evidence import _delete_files, _save_evidence
from .permissions import (
    AcceptanceRefused,
    _require,
)
from .queries import latest_closure

TASK_STEP = Action(Task, reason="回头看")


@transaction.atomic
def schedule_look_backs(tasks: Iterable[Task], user: AuthedUser, *, scheduled_for: datetime.date) -> list[LookBack]:
    """Schedule a look-back for each closed task (one or many); tasks that already have a pending
    look-back are skipped, so scheduling twice schedules nothing more."""
    created: list[LookBack] = []
    for task in tasks:
        _require(can(user, "acceptance.schedule_look_back", task), "只有本区域的整改办可以安排回头看")
        with TASK_STEP(task, user) as act:
            task = act.obj
            if task.state != TaskState.CLOSED:
                raise AcceptanceRefused(f"任务 {task.seq} 当前状态为“{task.get_state_display()}”，销号后才能安排回头看")
            closure = latest_closure(task)
            if closure is None:
                raise AcceptanceRefused(f"任务 {task.seq} 没有销号记录，不能安排回头看")
            if LookBack.objects.filter(closure=closure, result=LookBack.Result.PENDING).exists():
                continue
            look_back = LookBack.objects.create(task=task, closure=closure, scheduled_for=scheduled_for, scheduled_by=user)
            act.record(look_back, reason=f"安排回头看（{closure.number}）")
            created.append(look_back)
    return created


def record_look_back(look_back: LookBack, user: AuthedUser, *, result: str, finding: str, files: Sequence[Any] = (),
                     expected_version: int | None = None) -> LookBack:
    """Record the finding; a relapse reopens the task (its closure stays on file)."""
    _require(can(user, "acceptance.record_look_back", look_back.task), "只有本区域的验收人员或整改办可以记录回头看结论")
    written: list[EvidenceFile] = []
    with TASK_STEP(look_back.task, user, expected_version=expected_version) as act:
        act.on_failure(lambda: _delete_files(written))
        task = act.obj
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
        act.record(look_back, ChangeRecord.Action.UPDATE, before=before,
                   after={"result": result, "finding": look_back.finding, "checker": str(user)},
                   reason=f"回头看：{look_back.get_result_display()}")
        _save_evidence(partial(LookBackEvidence, look_back=look_back), files, kinds, task, user, written)
        if result == LookBack.Result.RELAPSE:
            transition_task(task, TaskState.REOPENED, expected_version=expected_version,
                            reason=f"回头看发现反弹：{look_back.finding}（原{look_back.closure.number}）")
    return look_back

