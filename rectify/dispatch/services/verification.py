"""Quarterly verification (季度核查): a random sample of a round's tasks, each checked by the office."""
from __future__ import annotations

import random

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from rectify.accounts.permissions import can
from rectify.accounts.scope import own_unit_ids
from rectify.core.actions import Action
from rectify.core.history import snapshot
from rectify.core.models import ChangeRecord
from rectify.core.types import AuthedUser

from ..models import ReportingRound, Verification, VerificationSample
from .permissions import DispatchRefused
from .queries import expected_assignments

MAX_SAMPLE = 100

DRAW = Action(ReportingRound, reason="季度核查抽样")
CHECK = Action(Verification, reason="登记核查情况", select_related=("task",), picture=snapshot)


def sample_population(round_: ReportingRound) -> list[int]:
    return sorted(set(expected_assignments(round_).values_list("task_id", flat=True)))


def draw_sample(round_: ReportingRound, user: AuthedUser, *, size: int, seed: int | None = None) -> VerificationSample:
    if not can(user, "dispatch.manage_round", round_):
        raise DispatchRefused("只有该区域的整改办可以抽取核查任务")
    with DRAW(round_, user) as act:
        round_ = act.obj
        if not 1 <= size <= MAX_SAMPLE:
            raise DispatchRefused(f"抽取数量应在 1 到 {MAX_SAMPLE} 之间")
        population = sample_population(round_)
        if not population:
            raise DispatchRefused("本轮调度没有可抽查的任务")
        if seed is None:
            seed = random.SystemRandom().randrange(2**31)
        # S311 is fine: a replayable draw (the seed is recorded with the sample), fairness not secrecy
        chosen = random.Random(seed).sample(population, min(size, len(population)))  # noqa: S311
        sample = VerificationSample.objects.create(round=round_, quarter=round_.quarter, seed=seed, size=len(chosen),
                                                   population=len(population), drawn_by=user)
        Verification.objects.bulk_create(Verification(sample=sample, round=round_, task_id=t) for t in chosen)
        act.record(sample, after=snapshot(sample) | {"tasks": chosen}, reason=f"季度核查抽样（种子 {seed}）")
    return sample


def record_finding(verification: Verification, user: AuthedUser, *, finding: str, result: str) -> Verification:
    if not can(user, "dispatch.manage_round", verification.round):
        raise DispatchRefused("只有该区域的整改办可以登记核查情况")
    own = own_unit_ids(user)
    mine = sorted(a.unit.name for a in verification.task.assignments.select_related("unit") if a.unit_id in own)
    if mine:
        raise PermissionDenied(f"不能核查本单位（{'、'.join(mine)}）承担的任务，请由其他人员核查")
    if not finding.strip():
        raise DispatchRefused("请填写核查情况")
    with CHECK(verification, user) as act:
        verification = act.obj
        verification.finding, verification.result = finding.strip(), result
        verification.checker, verification.checked_at = user, timezone.now()
        act.save(["finding", "result", "checker", "checked_at"], action=ChangeRecord.Action.UPDATE)
    return verification
