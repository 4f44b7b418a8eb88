"""Filing (备案) a closure with the level above, and the level above acknowledging it."""
from __future__ import annotations

from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.core.actions import Action
from rectify.core.history import snapshot
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser
from rectify.tasks.models import Task
from rectify.tasks.states import TaskState

from ..models import (
    Closure,
    Filing,
)
from .permissions import (
    AcceptanceRefused,
    _require,
)
from .queries import filing_region, latest_closure

TASK_STEP = Action(Task, reason="报送销号备案")
ACKNOWLEDGE = Action(Filing, reason="确认销号备案", select_related=("filed_to_region", "closure__task"))


def file_closure(closure: Closure, user: AuthedUser, note: str = "") -> Filing:
    _require(can(user, "acceptance.file", closure.task), "只有本区域的整改办可以报送销号备案")
    with TASK_STEP(closure.task, user) as act:
        task = act.obj
        if task.state != TaskState.CLOSED or latest_closure(task) != closure:
            raise AcceptanceRefused(f"任务当前状态为“{task.get_state_display()}”，销号后才能报送备案")
        if Filing.objects.filter(closure=closure).exists():
            raise AcceptanceRefused(f"{closure.number}已报送备案，不能重复报送")
        target = filing_region(task)
        filing = Filing.objects.create(closure=closure, filed_by=user, filed_at=timezone.now(), filed_to_region=target,
                                       note=note.strip())
        act.record(filing, after={**snapshot(filing), "number": closure.number},
                   reason=f"报送销号备案（{closure.number}，报{target.full_name}）")
    return filing


def acknowledge_filing(filing: Filing, user: AuthedUser) -> Filing:
    with ACKNOWLEDGE(filing, user) as act:
        filing = act.obj
        _require(can(user, "acceptance.acknowledge", filing), "只有备案机关（上级整改办）可以确认备案")
        if filing.acknowledged_at is not None:
            raise AcceptanceRefused(f"{filing.closure.number}的备案已确认，不能重复确认")
        filing.acknowledged_by = user
        filing.acknowledged_at = timezone.now()
        filing.save(update_fields=["acknowledged_by", "acknowledged_at", "updated_at"])
        act.task_uuid = filing.closure.task.uuid
        act.record(filing, ChangeRecord.Action.UPDATE, before={"acknowledged_by": None, "acknowledged_at": None},
                   after={"acknowledged_by": str(user), "acknowledged_at": filing.acknowledged_at.isoformat()},
                   reason=f"确认销号备案（{filing.closure.number}）")
    return filing

