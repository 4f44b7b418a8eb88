"""The demo dataset: a province → city → county tree, its units, one user per role and one
inspection round of 80 tasks decomposed from the city to its counties, spread over states
and deadlines relative to today, so the first screen shows a living ledger."""
from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from rectify.accounts.models import RoleGrant, User
from rectify.accounts.roles import Role
from rectify.core.context import acting_as
from rectify.inspections.models import Inspection, Plan
from rectify.regions.loader import load_regions
from rectify.regions.models import Region, Unit
from rectify.tasks.models import Assignment, Task
from rectify.tasks.services import TaskData, create_task
from rectify.tasks.states import TaskState

from .topics import TOPICS
from .workflow import Workflow, advance

DEMO_PASSWORD = "Rectify-2026"
PROVINCE, CITY = "140000", "140500"
COUNTIES = ["140502", "140521", "140522", "140524", "140525", "140581"]
TEAM = "省第三生态环境保护督察组"

PROVINCE_UNITS = ["省生态环境保护督察整改工作领导小组办公室", "省生态环境厅", "省发展和改革委员会", "省自然资源厅"]
CITY_UNITS = [
    "市督察整改办", "市委办公室", "市人民政府办公室", "市委宣传部", "市生态环境局", "市发展和改革委员会",
    "市工业和信息化局", "市财政局", "市自然资源局", "市住房和城乡建设局", "市城市管理局", "市水务局",
    "市农业农村局", "市林业局", "市能源局", "市公安局", "市司法局", "市市场监督管理局", "市文化和旅游局",
]

STATE_WEIGHTS = [
    (TaskState.ASSIGNED, 8), (TaskState.IN_PROGRESS, 40), (TaskState.APPLIED, 8), (TaskState.SENT_BACK, 4),
    (TaskState.ACCEPTED, 6), (TaskState.ANNOUNCED, 4), (TaskState.CLOSED, 30),
]


@dataclass
class DemoLogin:
    username: str
    role: str
    scope: str


def county_office_name(region: Region) -> str:
    return f"{region.full_name}督察整改办"


def _unit(name: str, region: Region, kind: str = Unit.Kind.DEPARTMENT, aliases: list[str] | None = None) -> Unit:
    unit, _ = Unit.objects.get_or_create(region=region, name=name, defaults={"kind": kind, "aliases": aliases or []})
    return unit


def _user(username: str, name: str, role: str, *, region: Region | None = None, unit: Unit | None = None, staff: bool = False) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=DEMO_PASSWORD, last_name=name[0], first_name=name[1:], unit=unit, is_staff=staff, is_superuser=staff)
    RoleGrant.objects.get_or_create(user=user, role=role, region=region, unit=unit if role in {Role.LEAD_UNIT, Role.RESPONSIBLE_UNIT} else None)
    return user


def demo_logins() -> list[DemoLogin]:
    return [
        DemoLogin("admin", "系统管理员", "全部"),
        DemoLogin("sheng_zgb", "整改办", "山西省（含下级）"),
        DemoLogin("zgb", "整改办", "晋城市（含下级）"),
        DemoLogin("sthjj", "牵头单位", "市生态环境局"),
        DemoLogin("chengqu_fj", "责任单位", "晋城市城区生态环境分局"),
        DemoLogin("yanshou", "验收人员", "晋城市"),
        DemoLogin("lingdao", "领导", "晋城市（只读）"),
    ]


def _deadline(rng: random.Random, today: datetime.date) -> tuple[datetime.date | None, bool]:
    roll = rng.random()
    if roll < 0.12:
        return None, True
    if roll < 0.35:
        days = -rng.randint(10, 200)
    elif roll < 0.55:
        days = rng.randint(3, 45)
    else:
        days = rng.randint(46, 400)
    day = today + datetime.timedelta(days=days)
    return _month_end(day), False


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _pick_state(rng: random.Random, deadline: datetime.date | None, today: datetime.date) -> str:
    states, weights = zip(*STATE_WEIGHTS, strict=True)
    state: str = rng.choices(states, weights)[0]
    if deadline and deadline > today + datetime.timedelta(days=120) and state == TaskState.CLOSED:
        state = TaskState.IN_PROGRESS
    return state


@transaction.atomic
def build_demo(seed: int = 2026) -> bool:
    """Create the demo dataset once; returns False when it is already there."""
    if Inspection.objects.filter(team=TEAM, target_region__code=CITY).exists():
        return False
    if not Region.objects.filter(code=CITY).exists():
        load_regions()
    province = Region.objects.get(code=PROVINCE)
    city = Region.objects.get(code=CITY)
    counties = list(Region.objects.filter(code__in=COUNTIES).order_by("code"))

    province_units = {n: _unit(n, province, Unit.Kind.OFFICE if "办公室" in n else Unit.Kind.DEPARTMENT) for n in PROVINCE_UNITS}
    city_units = {n: _unit(n, city, Unit.Kind.OFFICE if "整改办" in n else Unit.Kind.DEPARTMENT, [f"晋城{n}"]) for n in CITY_UNITS}
    county_gov = {c.code: _unit(f"{c.full_name}人民政府", c, Unit.Kind.GOVERNMENT, [f"{c.name}政府"]) for c in counties}
    county_env = {c.code: _unit("区生态环境分局" if c.code == "140502" else f"{c.name}生态环境分局", c, aliases=[f"{c.full_name}生态环境分局"]) for c in counties}
    for c in counties:
        _unit(county_office_name(c), c, Unit.Kind.OFFICE)

    admin = _user("admin", "系统管理员", Role.ADMIN, staff=True)
    _user("sheng_zgb", "王省办", Role.OFFICE, region=province, unit=province_units[PROVINCE_UNITS[0]])
    office = _user("zgb", "李整改", Role.OFFICE, region=city, unit=city_units["市督察整改办"])
    _user("sthjj", "张环保", Role.LEAD_UNIT, unit=city_units["市生态环境局"])
    unit_user = _user("chengqu_fj", "赵分局", Role.RESPONSIBLE_UNIT, unit=county_env["140502"])
    reviewer = _user("yanshou", "刘验收", Role.REVIEWER, region=city)
    _user("lingdao", "陈领导", Role.LEADER, region=city)

    today = timezone.localdate()
    inspection = Inspection.objects.create(
        team=TEAM, level=Inspection.Level.PROVINCIAL, round=3, batch="第一批", target_region=city,
        stationed_from=datetime.date(2025, 4, 8), stationed_to=datetime.date(2025, 5, 8), feedback_date=datetime.date(2025, 7, 20),
    )
    city_plan = Plan.objects.create(inspection=inspection, region=city, title="晋城市贯彻落实省生态环境保护督察反馈意见整改方案（示例）", period_start=2025, period_end=2027)
    county_plans = {
        c.code: Plan.objects.create(inspection=inspection, region=c, title=f"{c.full_name}贯彻落实省生态环境保护督察反馈意见整改方案（示例）")
        for c in counties
    }

    people = Workflow(office=office, reviewer=reviewer, unit_user=unit_user)
    rng = random.Random(seed)
    with acting_as(admin):
        for number, topic in enumerate(TOPICS, 1):
            deadline, long_term = _deadline(rng, today)
            lead = city_units[topic.lead]
            cooperating = [city_units[n] for n in topic.cooperating]
            chosen = rng.sample(counties, 4)
            parent = create_task(TaskData(
                plan=city_plan, region=city, seq=str(number), feedback_no=str(number), section=list(topic.section),
                title=topic.title, problem=topic.problem, target=topic.target, measures=list(topic.measures),
                responsible_person=f"{topic.lead}主要负责同志", deadline=deadline, long_term=long_term,
                deadline_text="长期坚持" if long_term else (f"{deadline.year}年{deadline.month}月底前" if deadline else ""),
                priority=number % 5 == 1,
                units={Assignment.Role.LEAD: [lead], Assignment.Role.COOPERATING: cooperating, Assignment.Role.RESPONSIBLE: [county_gov[c.code] for c in chosen]},
            ), reason="示例数据：市级整改任务")
            children = []
            for sub, county in enumerate(chosen, 1):
                child_deadline = deadline if long_term or not deadline else min(deadline, _month_end(deadline - datetime.timedelta(days=rng.randint(0, 60))))
                child = create_task(TaskData(
                    plan=county_plans[county.code], region=county, parent=parent, seq=f"{number}-{sub}", feedback_no=str(number),
                    section=list(topic.section), title=topic.title, problem=topic.problem, target=topic.target,
                    measures=[f"{county.full_name}：{m}" for m in topic.measures], responsible_person=f"{county.full_name}分管负责同志",
                    deadline=child_deadline, long_term=long_term,
                    deadline_text="长期坚持" if long_term else (f"{child_deadline.year}年{child_deadline.month}月底前" if child_deadline else ""),
                    milestones=[(_month_end(today - datetime.timedelta(days=30)), "完成问题排查并建立清单")] if sub == 1 and not long_term else [],
                    units={Assignment.Role.LEAD: [county_gov[county.code]], Assignment.Role.RESPONSIBLE: [county_env[county.code]]},
                ), reason="示例数据：分解到县（市、区）")
                children.append((child, _pick_state(rng, child_deadline, today)))
            for child, state in children:
                if state != TaskState.ASSIGNED:
                    Task.objects.filter(pk=child.pk).update(progress=f"截至{today.month}月，已完成排查{rng.randint(3, 20)}处，整改{rng.randint(1, 3)}处。")
                    child.refresh_from_db()
                advance(child, state, people, rng, today)
    return True
