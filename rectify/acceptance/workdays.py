"""Moved to ``rectify.core.workdays`` (imported by several apps); kept so old imports work."""
from rectify.core.workdays import (  # noqa: F401
    CalendarOutOfRange,
    add_working_days,
    is_workday,
    working_days_between,
)
