"""The schedule labels a unit chooses for its progress report (序时进度) — the one place they are defined."""
from __future__ import annotations

from django.db import models


class ScheduleLabel(models.TextChoices):
    DONE = "done", "已完成"
    MOSTLY_DONE = "mostly_done", "基本完成"
    ON_SCHEDULE = "on_schedule", "达到序时进度"
    BEHIND_SCHEDULE = "behind_schedule", "未达到序时进度"
    LAGGING = "lagging", "滞后"
    OVERDUE = "overdue", "逾期"
    LONG_TERM = "long_term", "长期坚持"


# Labels the office's dashboard counts as a problem (behind, lagging, overdue).
PROBLEM_LABELS = {ScheduleLabel.BEHIND_SCHEDULE, ScheduleLabel.LAGGING, ScheduleLabel.OVERDUE}
