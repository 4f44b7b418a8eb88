"""The rules an office configures for its region (traffic lights, supervision limits)."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from rectify.core.history import record_change, snapshot
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser

# ---------------------------------------------------------------- rules

@transaction.atomic
def save_rule(rule: Any, user: AuthedUser) -> Any:
    """Save a light or supervision rule an office configured, with its history."""
    created = rule.pk is None
    before = None if created else snapshot(type(rule).objects.get(pk=rule.pk))
    if before is not None and before == snapshot(rule):
        return rule  # an unchanged resubmission writes nothing
    rule.save()
    record_change(rule, ChangeRecord.Action.CREATE if created else ChangeRecord.Action.UPDATE, before=before,
                  after=snapshot(rule), reason="设置督办/预警规则", user=user)
    return rule

