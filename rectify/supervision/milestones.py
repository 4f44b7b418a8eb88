"""Time nodes are the ledger's (``rectify.tasks.milestones``); the supervision pages mark and move them."""
from __future__ import annotations

from rectify.tasks.milestones import MilestoneRefused, can_manage, complete_from_report, set_milestone

__all__ = ["MilestoneRefused", "can_manage", "complete_from_report", "set_milestone"]
