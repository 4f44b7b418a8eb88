"""Inspections, plans, tasks decomposed province → city → county, monthly rounds and progress reports.

Per province: the tasks are built in memory, their life is played month by month as the services play
it (a report is written and its text copied into the task's 进展情况; once a month's round is over, the
task's lead unit has reviewed it, as ``dispatch.services.review_report`` does; a leaf task moves along the
loop; every ancestor is rolled up with ``tasks.rollup``), then everything is bulk-inserted and the history
rows are appended to the chain in the order the services would have written them.
"""
from __future__ import annotations

import datetime
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from rectify.accounts.models import User
from rectify.core.bulk import RowTemplate, copy_rows, insert
from rectify.core.fill import Context, register
from rectify.core.history import JsonParts, snapshot
from rectify.core.models import ChangeRecord
from rectify.demo.build import _deadline, _month_end, _pick_state
from rectify.demo.topics import TOPICS, Topic
from rectify.dispatch.labels import ScheduleLabel
from rectify.dispatch.models import ProgressReport, ReportingRound
from rectify.dispatch.services import _report_snapshot
from rectify.inspections.models import Inspection, Plan
from rectify.regions.models import Region, Unit
from rectify.tasks.models import Assignment, Measure, Milestone, Task, seq_sort_key
from rectify.tasks.rollup import STATE_PROGRESS, derived_progress, derived_state
from rectify.tasks.states import DONE_STATES, TaskState

# The states a generated task passes through to reach the state it is given (each a history row; other parts'
# fillers write their records at the moves they own through the ``task.transition`` event: acceptance's
# applications and reviews; and after the move through ``task.transitioned``: objections to an announcement).
PATHS: dict[str, list[str]] = {
    TaskState.ASSIGNED: [],
    TaskState.IN_PROGRESS: [TaskState.IN_PROGRESS],
    TaskState.APPLIED: [TaskState.IN_PROGRESS, TaskState.APPLIED],
    TaskState.SENT_BACK: [TaskState.IN_PROGRESS, TaskState.APPLIED, TaskState.SENT_BACK],
    TaskState.ACCEPTED: [TaskState.IN_PROGRESS, TaskState.APPLIED, TaskState.ACCEPTED],
    TaskState.ANNOUNCED: [TaskState.IN_PROGRESS, TaskState.APPLIED, TaskState.ACCEPTED, TaskState.ANNOUNCED],
    TaskState.CLOSED: [TaskState.IN_PROGRESS, TaskState.APPLIED, TaskState.ACCEPTED, TaskState.ANNOUNCED, TaskState.CLOSED],
}

CENTRAL_SHARE = 0.7          # the rest comes from provincial inspections of cities
CITY_CHILDREN, COUNTY_CHILDREN, PROVINCIAL_CHILDREN = 3, 2, 3
Action = ChangeRecord.Action
UTC = datetime.UTC


@dataclass
class Node:
    task: Task
    depth: int
    measures: list[Measure] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    children: list[Node] = field(default_factory=list)
    parent: Node | None = None
    steps: dict[int, list[str]] = field(default_factory=dict)  # month index → transitions of a leaf
    base: JsonParts | None = None  # the task's snapshot after creation, encoded once
    key: str = ""  # the task's public id as text (its chain: task:<key>)
    label: str = ""  # str(task), the history rows' object text


class Clock:
    """Times for the history rows: strictly increasing, a second apart, from a given day on."""

    def __init__(self) -> None:
        self.now = datetime.datetime(2000, 1, 1, tzinfo=UTC)

    def at(self, day: datetime.date) -> datetime.datetime:
        start = datetime.datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
        self.now = max(self.now + datetime.timedelta(seconds=1), start)
        return self.now


def month_back(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _pick_unit(units: dict[str, Unit], topic: Topic, level: str) -> Unit:
    """The region's department for the topic's lead (the demo names a city bureau: 市住房和城乡建设局)."""
    wanted = topic.lead[1:]
    candidates = [wanted, wanted.replace("局", "厅"), wanted.replace("生态环境局", "生态环境分局")]
    for name in candidates:
        if name in units:
            return units[name]
    fallback = {Region.Level.PROVINCE: "生态环境厅", Region.Level.CITY: "生态环境局", Region.Level.COUNTY: "生态环境分局"}[Region.Level(level)]
    return units[fallback]


def _search_text(node: Node) -> str:
    """What ``Task.refresh_search_text`` writes: the same parts in the same order."""
    task = node.task
    parts = [task.seq, task.title, task.problem, task.target, task.responsible_person, task.section_title, task.deadline_text]
    parts += [m.text for m in node.measures]
    parts += [a.unit.name for a in node.assignments]
    return "\n".join(p for p in parts if p)


class ProvinceBuilder:
    def __init__(self, ctx: Context, province: Region, budget: int, periods: list[datetime.date], today: datetime.date) -> None:
        self.ctx, self.rng, self.province, self.budget = ctx, ctx.rng, province, budget
        self.periods, self.today = periods, today
        self.units: dict[int, dict[str, Unit]] = ctx.data["units"]
        self.cities = [c for c in ctx.data["cities"] if c.parent_id == province.pk]
        self.counties: dict[int, list[Region]] = {}
        for county in ctx.data["counties"]:
            if county.parent.parent_id == province.pk:
                self.counties.setdefault(county.parent_id, []).append(county)
        self.plans: dict[tuple[int, int], Plan] = {}
        self.seq: Counter[int] = Counter()
        self.nodes: list[Node] = []
        self.feedback = periods[0] - datetime.timedelta(days=40)

    # ---------------------------------------------------------------- structure
    def inspections(self) -> None:
        number = self.province.pk % 8 + 1
        self.central = Inspection(
            team=f"中央第{number}生态环境保护督察组", level=Inspection.Level.CENTRAL, round=2, batch="第一批",
            target_region=self.province, stationed_from=self.feedback - datetime.timedelta(days=120),
            stationed_to=self.feedback - datetime.timedelta(days=90), feedback_date=self.feedback,
        )
        targets = self.rng.sample(self.cities, min(4, len(self.cities)))
        self.provincial = [
            Inspection(team=f"{self.province.name}第{k}生态环境保护督察组", level=Inspection.Level.PROVINCIAL, round=1,
                       batch="第一批", target_region=city, stationed_from=self.feedback - datetime.timedelta(days=80),
                       stationed_to=self.feedback - datetime.timedelta(days=50), feedback_date=self.feedback)
            for k, city in enumerate(targets, 1)
        ]
        insert([self.central, *self.provincial])
        self.ctx.wrote("督察", 1 + len(self.provincial))

    def plan(self, inspection: Inspection, region: Region) -> Plan:
        key = (inspection.pk, region.pk)
        if key not in self.plans:
            self.plans[key] = Plan(
                inspection=inspection, region=region, title=f"{region.name}贯彻落实{inspection.short_name}督察反馈意见整改方案",
                period_start=self.feedback.year, period_end=self.feedback.year + 2,
            )
        return self.plans[key]

    def node(self, inspection: Inspection, region: Region, topic: Topic, parent: Node | None, index: int) -> Node:
        rng = self.rng
        plan = self.plan(inspection, region)
        if parent is None:
            self.seq[plan.region_id * 10 + (inspection.level == Inspection.Level.CENTRAL)] += 1
            number = self.seq[plan.region_id * 10 + (inspection.level == Inspection.Level.CENTRAL)]
            seq, feedback_no = str(number), str(number)
            deadline, long_term = _deadline(rng, self.today)
        else:
            seq, feedback_no = f"{parent.task.seq}-{index}", parent.task.feedback_no
            long_term = parent.task.long_term
            up = parent.task.deadline
            deadline = up if long_term or not up else min(up, _month_end(up - datetime.timedelta(days=rng.randint(0, 60))))
        deadline_text = "长期坚持" if long_term else (f"{deadline.year}年{deadline.month}月底前" if deadline else "")
        task = Task(
            plan=plan, inspection=inspection, region=region, region_path=region.path, seq=seq, seq_key=seq_sort_key(seq), feedback_no=feedback_no, section=list(topic.section),
            section_title=" / ".join(topic.section)[:200], title=topic.title,
            problem=topic.problem if parent is None else f"{region.name}：{topic.problem}", target=topic.target,
            responsible_person=f"{region.name}分管负责同志", deadline=deadline, deadline_text=deadline_text, long_term=long_term,
            priority=parent is None and int(seq) % 5 == 1,
        )
        task.parent = parent.task if parent else None
        node = Node(task=task, depth=0 if parent is None else parent.depth + 1, parent=parent)
        prefix = "" if parent is None else f"{region.name}："
        node.measures = [Measure(task=task, order=i, text=prefix + text) for i, text in enumerate(topic.measures, 1)]
        if parent:
            parent.children.append(node)
        self.nodes.append(node)
        return node

    def assign(self, node: Node, topic: Topic) -> None:
        region = node.task.region
        units = self.units[region.pk]
        lead = _pick_unit(units, topic, region.level)
        roles: list[tuple[str, Unit]] = [(Assignment.Role.LEAD, lead)]
        if node.children:
            roles += [(Assignment.Role.RESPONSIBLE, self.units[c.task.region.pk]["人民政府"]) for c in node.children]
            environment = [u for name, u in units.items() if name.startswith("生态环境") and u is not lead]
            roles += [(Assignment.Role.COOPERATING, u) for u in environment[:1]]
        else:
            roles = [(Assignment.Role.LEAD, units["人民政府"] if region.level == Region.Level.COUNTY else lead)]
            roles.append((Assignment.Role.RESPONSIBLE, lead if region.level == Region.Level.COUNTY else units["人民政府"]))
        seen = set()
        for role, unit in roles:
            if (unit.pk, role) not in seen:
                seen.add((unit.pk, role))
                node.assignments.append(Assignment(task=node.task, unit=unit, role=role))
        # The order Task.assignments reads them in after create_task: by role, then by creation (unit id).
        node.assignments.sort(key=lambda a: (a.role, a.unit.pk))

    def trees(self) -> None:
        rng, left = self.rng, self.budget
        while left > 0:
            topic = rng.choice(TOPICS)
            if rng.random() < CENTRAL_SHARE or not self.provincial:
                inspection, root_region = self.central, self.province
                shape = [(c, rng.sample(self.counties[c.pk], min(COUNTY_CHILDREN, len(self.counties[c.pk]))))
                         for c in rng.sample(self.cities, min(CITY_CHILDREN, len(self.cities)))]
            else:
                inspection = rng.choice(self.provincial)
                root_region = inspection.target_region
                counties = self.counties[root_region.pk]
                shape = [(c, []) for c in rng.sample(counties, min(PROVINCIAL_CHILDREN, len(counties)))]
            root = self.node(inspection, root_region, topic, None, 0)
            tree = [root]
            left -= 1
            for i, (region, grandchildren) in enumerate(shape, 1):
                if left <= 0:
                    break
                child = self.node(inspection, region, topic, root, i)
                tree.append(child)
                left -= 1
                for j, county in enumerate(grandchildren, 1):
                    if left <= 0:
                        break
                    tree.append(self.node(inspection, county, topic, child, j))
                    left -= 1
            for node in reversed(tree):  # children first: a parent's responsible units are its children's governments
                self.assign(node, topic)
            for node in tree:
                node.task.search_text = _search_text(node)
                if not node.children and not node.task.long_term and node.task.deadline and rng.random() < 0.3:
                    day = _month_end(node.task.deadline - datetime.timedelta(days=60))
                    node.milestones.append(Milestone(task=node.task, date=day, text="完成问题排查并建立清单"))

    # ---------------------------------------------------------------- the months
    def plan_steps(self) -> None:
        months = len(self.periods)
        for node in self.nodes:
            if node.children:
                continue
            steps = PATHS[_pick_state(self.rng, node.task.deadline, self.today)]
            when = sorted(self.rng.randrange(months) for _ in steps) if months else [0] * len(steps)
            if steps[-1:] == [TaskState.CLOSED] and when[-1] == when[-2]:
                # 销号 only after the announcement period (a week or so from the move to 公示中): a month later
                if when[-1] + 1 < months:
                    when[-1] += 1
                else:
                    steps, when = steps[:-1], when[:-1]
            for month, step in zip(when, steps, strict=True):
                node.steps.setdefault(month, []).append(step)

    def play(self) -> list[tuple[Any, ...]]:
        """Run the months in memory; returns the events to write, in order, and leaves the final values on the tasks."""
        events: list[tuple[Any, ...]] = []
        for node in self.nodes:
            node.task.version, node.task.state, node.task.progress_percent, node.task.progress = 1, TaskState.ASSIGNED, 0, ""
        for month, period in enumerate(self.periods):
            events.append(("round", month))
            for node in self.nodes:
                task = node.task
                reporter = next(a for a in node.assignments if a.role == Assignment.Role.RESPONSIBLE)
                found, fixed = self.rng.randint(3, 40), self.rng.randint(1, 3)
                text = f"截至{period.year}年{period.month}月，已完成排查{found}处，整改{fixed}处。"
                if task.long_term:
                    schedule = ScheduleLabel.LONG_TERM
                elif task.state in DONE_STATES:
                    schedule = ScheduleLabel.DONE
                else:
                    schedule = self.rng.choices(
                        [ScheduleLabel.ON_SCHEDULE, ScheduleLabel.BEHIND_SCHEDULE, ScheduleLabel.LAGGING], [7, 2, 1])[0]
                before = self._values(task)
                events.append(("report", month, node, reporter, text, str(schedule.value), task.progress_percent))
                if task.progress != text:
                    task.progress, task.version = text, task.version + 1
                    events.append(("progress", month, node, before, self._values(task)))
            if month < len(self.periods) - 1:  # the round closes: its reports have been reviewed by the lead units
                events.extend(("review", month, node) for node in self.nodes)
            for node in self.nodes:
                for step in node.steps.get(month, []):
                    before_state = node.task.state
                    node.task.state, node.task.progress_percent = step, STATE_PROGRESS[step]
                    node.task.version += 1
                    events.append(("transition", month, node, before_state, step))
                    self._roll_up(node.parent, month, events)
            events.append(("close", month))
        return events

    @staticmethod
    def _values(task: Task) -> dict[str, Any]:
        return {"progress": task.progress, "version": task.version, "state": task.state, "progress_percent": task.progress_percent}

    def _roll_up(self, parent: Node | None, month: int, events: list[tuple[Any, ...]]) -> None:
        while parent is not None:
            task = parent.task
            states = [c.task.state for c in parent.children]
            state, percent = derived_state(states, task.state), derived_progress(states)
            if (state, percent) != (task.state, task.progress_percent):
                before = {"state": task.state, "progress_percent": task.progress_percent}
                task.state, task.progress_percent, task.version = state, percent, task.version + 1
                summary = "、".join(f"{TaskState(s).label}{n}项" for s, n in sorted(Counter(states).items()))
                events.append(("rollup", month, parent, before, {"state": state, "progress_percent": percent},
                               f"由下级任务汇总（{summary}）"))
            parent = parent.parent

    # ---------------------------------------------------------------- writing
    def write(self, events: list[tuple[Any, ...]], clock: Clock) -> None:
        ctx, chain = self.ctx, self.ctx.chain
        plans = list(self.plans.values())
        insert(plans)
        for node in self.nodes:
            node.task.plan = node.task.plan  # refresh plan_id now that the plan has one
        for depth in range(3):
            level = [n.task for n in self.nodes if n.depth == depth]
            for task in level:
                task.parent = task.parent
            insert(level)
        measures = [m for n in self.nodes for m in n.measures]
        milestones = [m for n in self.nodes for m in n.milestones]
        assignments = [a for n in self.nodes for a in n.assignments]
        children: list[Any] = [*measures, *milestones, *assignments]
        for obj in children:  # the tasks have their ids now: copy them into the foreign keys
            obj.task = obj.task
        insert(measures)
        insert(milestones)
        insert(assignments)
        ctx.wrote("方案", len(plans))
        ctx.wrote("任务", len(self.nodes))
        ctx.wrote("措施、节点和分工", len(measures) + len(milestones) + len(assignments))

        start = self.feedback + datetime.timedelta(days=10)
        for inspection in [self.central, *self.provincial]:
            chain.append(inspection, Action.CREATE, time=clock.at(self.feedback), after=snapshot(inspection), reason="新建督察")
        for plan in plans:
            chain.append(plan, Action.CREATE, time=clock.at(start), after=snapshot(plan), reason="生成数据：整改方案")
        for node in self.nodes:
            task = node.task
            vars(task)["_prefetched_objects_cache"] = {"measures": node.measures, "milestones": node.milestones,
                                              "assignments": node.assignments}
            node.base = JsonParts(snapshot(task))
            node.key, node.label = str(task.uuid), str(task)
            first = node.base.text({"state": TaskState.ASSIGNED, "progress_percent": 0, "progress": "", "version": 1})
            chain.append(task, Action.CREATE, time=clock.at(start), after=first, reason="生成数据：整改任务", task_uuid=task.uuid)
        self._write_months(events, clock)

    def _write_months(self, events: list[tuple[Any, ...]], clock: Clock) -> None:
        ctx, chain = self.ctx, self.ctx.chain
        rounds = []
        for month, period in enumerate(self.periods):
            last = month == len(self.periods) - 1
            end = _month_end(period)
            rounds.append(ReportingRound(
                region=self.province, title=f"{self.province.name}{period.year}年{period.month}月调度", period_start=period,
                period_end=end, due_date=end + datetime.timedelta(days=5), report_period=period,
                status=ReportingRound.Status.OPEN if last else ReportingRound.Status.CLOSED, version=1 if last else 2,
            ))
        insert(rounds)
        ctx.wrote("调度轮次", len(rounds))
        reports = ReportRows(ctx, ctx.data["report_reviewer"])
        for event in events:
            kind, month = event[0], event[1]
            round_ = rounds[month]
            day = self.periods[month] + datetime.timedelta(days=20)
            if kind == "round":
                first = snapshot(round_) | {"status": ReportingRound.Status.OPEN, "version": 1}
                chain.append(round_, Action.CREATE, time=clock.at(self.periods[month]), after=first, reason="发起调度")
            elif kind == "close":
                reports.flush()
                if round_.status == ReportingRound.Status.CLOSED:
                    chain.append(round_, Action.TRANSITION, time=clock.at(round_.due_date), before={"status": "open"},
                                 after={"status": "closed"}, reason="结束调度")
            elif kind == "report":
                _, _, node, assignment, text, schedule, percent = event
                reports.add(round_, node, assignment, clock.at(day), text, schedule, percent)
            elif kind == "review":
                reports.review(event[2], clock.at(day + datetime.timedelta(days=2)))
            elif kind == "progress":
                _, _, node, before, after = event
                chain.append_row("tasks.task", node.key, node.label, Action.UPDATE, time=clock.at(day),
                                 before=node.base.text(before), after=node.base.text(after),
                                 reason=f"调度报送：{round_.title}", task_uuid=node.key)
            elif kind == "transition":
                _, _, node, before_state, state = event
                at = clock.at(day + datetime.timedelta(days=5))
                answers = ctx.emit("task.transition", node.task, before_state, state, at)  # e.g. acceptance's records first
                given = next((reason for reason in answers if reason), None)  # the reason the step's service gives
                reason = given or ("开始整改" if state == TaskState.IN_PROGRESS else f"生成数据：{TaskState(state).label}")
                chain.append_row("tasks.task", node.key, node.label, Action.TRANSITION, time=at,
                                 before={"state": before_state}, after={"state": state}, reason=reason, task_uuid=node.key)
                ctx.emit("task.transitioned", node.task, state, at)  # e.g. acceptance's objections to the announcement
            elif kind == "rollup":
                _, _, node, before, after, reason = event
                chain.append_row("tasks.task", node.key, node.label, Action.TRANSITION,
                                 time=clock.at(day + datetime.timedelta(days=5)), before=before,
                                 after=after, reason=reason, task_uuid=node.key)
        reports.flush()


class ReportRows:
    """Progress reports as ``submit_report`` writes them, and their review as ``review_report`` writes it, without a
    model instance each: the first report is a real ``ProgressReport`` whose row (``bulk.RowTemplate``) and history
    picture (``_report_snapshot``, encoded once as ``JsonParts``) the others repeat with their own values. A month's
    rows wait for its reviews (the row is stored as reviewed) and are written when its round closes."""

    VARYING = ("uuid", "round_id", "task_id", "period", "assignment_id", "unit_id", "submitted_at", "text", "percent", "schedule",
               "unit_name", "task_seq", "version", "status", "reviewed_by_id", "reviewed_at")

    def __init__(self, ctx: Context, reviewer: User) -> None:
        self.ctx, self.reviewer = ctx, reviewer
        self.rows: list[list[Any]] = []
        self.template: RowTemplate | None = None
        self.picture: JsonParts | None = None
        self.waiting: dict[int, tuple[list[Any], str, str, dict[str, Any]]] = {}  # id(node) → its report's row, key, text, picture

    def add(self, round_: ReportingRound, node: Node, assignment: Assignment, at: datetime.datetime, text: str,
            schedule: str, percent: int) -> None:
        period = round_.report_period
        if self.template is None or self.picture is None:
            proto = ProgressReport(round=round_, task=node.task, period=period, assignment=assignment, unit=assignment.unit,
                                   submitted_at=at, text=text, percent=percent, schedule=schedule)
            self.template, self.picture = RowTemplate(proto, self.VARYING), JsonParts(_report_snapshot(proto))
        key = uuid.uuid4()
        unit = assignment.unit
        row = list(self.template.row(key, round_.pk, node.task.pk, period, assignment.pk, unit.pk, at, text, percent, schedule,
                                     unit.name, node.task.seq, 1, ProgressReport.Status.SUBMITTED.value, None, None))
        self.rows.append(row)
        values = {"uuid": str(key), "round": round_.title, "task": node.key, "unit": unit.name, "period": f"{period:%Y-%m}",
                  "submitted_at": at.isoformat(), "text": text, "percent": percent, "schedule": schedule}
        label = f"{unit.name}·{period:%Y年%m月}"
        self.waiting[id(node)] = (row, str(key), label, values)
        self.ctx.chain.append_row("dispatch.progressreport", key, label, Action.CREATE, time=at,
                                  after=self.picture.text(values), reason=f"调度报送：{round_.title}", task_uuid=node.key)

    def review(self, node: Node, at: datetime.datetime) -> None:
        """The lead unit accepts the node's latest report (``review_report``: one transition row, the whole picture
        before and after)."""
        row, key, label, values = self.waiting.pop(id(node))  # a report was added first: template and picture are set
        if self.template is None or self.picture is None:
            return
        status = ProgressReport.Status.ACCEPTED.value
        version, state, by, when = self.template.positions[-4:]  # VARYING's last four
        row[version], row[state], row[by], row[when] = 2, status, self.reviewer.pk, at
        reviewed = values | {"version": 2, "status": status, "reviewed_by": str(self.reviewer), "reviewed_at": at.isoformat()}
        self.ctx.chain.append_row("dispatch.progressreport", key, label, Action.TRANSITION, time=at,
                                  before=self.picture.text(values), after=self.picture.text(reviewed), reason="牵头单位认可报送",
                                  task_uuid=node.key, user_id=self.reviewer.pk, user_name=self.reviewer.get_full_name() or self.reviewer.get_username())

    def flush(self) -> None:
        if self.template is not None and self.rows:
            copy_rows(ProgressReport, self.template.fields, [tuple(row) for row in self.rows])
            self.ctx.wrote("进展报送", len(self.rows))
            self.rows = []
            self.waiting = {}


@register(20, "督察、方案、任务、调度和进展报送",
          large=["tasks.Task", "tasks.Measure", "tasks.Assignment", "dispatch.ProgressReport", "core.ChangeRecord"])
def fill_ledger(ctx: Context) -> None:
    today = timezone.localdate()
    periods = [month_back(today.replace(day=1), k) for k in range(ctx.reports_per_task, 0, -1)]
    if not periods:
        periods = []
    provinces: list[Region] = ctx.data["provinces"]
    ctx.data["report_reviewer"] = User.objects.create_user(
        username="gen_lead", password=None, last_name="牵", first_name="头单位审核人（生成数据）")  # no role: cannot log in
    ctx.wrote("账号", 1)
    share, extra = divmod(ctx.tasks, len(provinces))
    for index, province in enumerate(provinces):
        budget = share + (1 if index < extra else 0)
        builder = ProvinceBuilder(ctx, province, budget, periods or [today.replace(day=1)], today)
        if not periods:
            builder.periods = []
        builder.inspections()
        if budget:
            builder.trees()
            builder.plan_steps()
        events = builder.play()
        builder.write(events, Clock())
        ctx.chain.flush()
        if len(provinces) > 4:
            ctx.say(f"    {index + 1}/{len(provinces)} 省：已写 {sum(ctx.rows.values()) + ctx.chain.written:,} 行")
