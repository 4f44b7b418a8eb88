#!/usr/bin/env python
"""The load test's two ends (``make load``; docs/operations.md): ``prepare`` before locust, ``check`` after it.

    DATABASE_URL=postgres://…/db python benchmarks/load_check.py prepare PLAN.json
    … locust -f benchmarks/locustfile.py --headless -u 100 -r 20 -t 5m --csv PREFIX …
    DATABASE_URL=postgres://…/db python benchmarks/load_check.py check PLAN.json PREFIX

``prepare`` works on a database filled by ``rectify generate``: it gives load-test logins to units that
have tasks in an open reporting round (responsible units submit, lead units review), each with its own
work (the assignments it reports on, the reports it reviews, never shared with another login, so no edit
conflicts are expected), and notes where the history stood.

``check`` reads what locust says succeeded (the locustfile writes every accepted write, with the unique
token in its text, to PREFIX_writes.json) and compares it with the database: every successful submission
is in the change history exactly once (its token in the row's text) and no other submission is; every
successful review is one history row and the report's stored status; the report's stored text is the
last one submitted; the whole history chain verifies (``rectify audit verify``). Then throughput and p95
from locust's statistics. Exit status 1 on any error, lost or duplicated write.
"""
from __future__ import annotations

import csv
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Rectify-Load-2026"


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    import django

    django.setup()


def prepare(plan_path: Path, submitters: int = 30, reviewers: int = 20) -> None:
    setup()
    from django.db.models import Max

    from rectify.accounts.models import RoleGrant, User
    from rectify.accounts.roles import Role
    from rectify.core.models import ChangeRecord
    from rectify.dispatch import services
    from rectify.dispatch.models import ProgressReport, ReportingRound
    from rectify.tasks.models import Assignment

    rounds = list(ReportingRound.objects.filter(status=ReportingRound.Status.OPEN).order_by("id"))
    if not rounds:
        sys.exit("没有进行中的调度轮次：请先用 rectify generate 生成数据（--reports-per-task 至少 1）")
    by_unit: dict[int, list[tuple[str, str]]] = {}
    for round_ in rounds:
        for item in services.expected_assignments(round_).filter(role=Assignment.Role.RESPONSIBLE).order_by("id"):
            by_unit.setdefault(item.unit_id, []).append((str(round_.uuid), str(item.uuid)))
    submitting_units = sorted(by_unit, key=lambda u: -len(by_unit[u]))[:submitters]
    taken_tasks = set(Assignment.objects.filter(unit_id__in=submitting_units).values_list("task_id", flat=True))

    # Reports waiting for a lead unit's review, on tasks no load-test login submits on.
    waiting = (ProgressReport.objects.filter(round__in=rounds, status=ProgressReport.Status.SUBMITTED)
               .exclude(task_id__in=taken_tasks).order_by("id"))
    leads: dict[int, list[str]] = {}
    lead_of: dict[int, int] = {}
    for task_id, unit_id in Assignment.objects.filter(role=Assignment.Role.LEAD, task__in=waiting.values("task_id")).values_list("task_id", "unit_id"):
        lead_of.setdefault(task_id, unit_id)
    for report in waiting.only("uuid", "task_id", "unit_id"):
        lead = lead_of.get(report.task_id)
        if lead is not None and lead != report.unit_id and lead not in submitting_units:
            leads.setdefault(lead, []).append(str(report.uuid))
    reviewing_units = sorted(leads, key=lambda u: -len(leads[u]))[:reviewers]

    plan: dict[str, Any] = {"password": PASSWORD, "submitters": [], "reviewers": [],
                            "history_after": ChangeRecord.objects.aggregate(m=Max("id"))["m"] or 0,
                            "readers": ["sheng_zgb", "shi_zgb", "xian_zgb", "lingdao", "zeren", "qiantou"]}
    for kind, units, role in (("submitters", submitting_units, Role.RESPONSIBLE_UNIT), ("reviewers", reviewing_units, Role.LEAD_UNIT)):
        for number, unit_id in enumerate(units, 1):
            username = f"load_{kind[:3]}_{number:02d}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password=PASSWORD, last_name="压", first_name=f"测{number}", unit_id=unit_id)
                RoleGrant.objects.create(user=user, role=role, unit_id=unit_id)
            work = by_unit[unit_id] if kind == "submitters" else leads[unit_id]
            plan[kind].append({"username": username, "work": work})
    plan_path.write_text(json.dumps(plan, ensure_ascii=False, indent=1))
    print(f"已准备：{len(plan['submitters'])} 个报送账号（{sum(len(s['work']) for s in plan['submitters'])} 项分工），"
          f"{len(plan['reviewers'])} 个审核账号（{sum(len(r['work']) for r in plan['reviewers'])} 份待审报送）→ {plan_path}")


def check_submissions(rows: Any, writes: dict[str, Any], problems: list[str]) -> Counter[str]:
    """Each accepted token in exactly one history row, no history row with a token nobody got back, and
    each report's stored text the last accepted submission. Returns the tokens found in the history."""
    from rectify.core.models import ChangeRecord
    from rectify.dispatch.models import ProgressReport

    submitted = writes["submitted"]  # token → [report uuid or "", assignment uuid]
    tokens: Counter[str] = Counter()
    for after in rows.filter(action__in=[ChangeRecord.Action.CREATE, ChangeRecord.Action.UPDATE]).values_list("after", flat=True):
        text = (after or {}).get("text", "")
        if "〔压测" in text:
            tokens[text.split("〔压测", 1)[1].split("〕", 1)[0]] += 1
    for token in submitted:
        if tokens[token] != 1:
            problems.append(f"报送 {token}：历史中出现 {tokens[token]} 次（应为 1 次）")
    for token in tokens:
        if token not in submitted:
            problems.append(f"报送 {token}：已写入但压测端未得到成功响应")
    last: dict[str, str] = writes["last_text"]  # assignment uuid → token of its last accepted submission
    stored = dict(ProgressReport.objects.filter(assignment__uuid__in=list(last), round__status="open")
                  .values_list("assignment__uuid", "text"))
    for assignment, token in last.items():
        text = next((t for a, t in stored.items() if str(a) == assignment), "")
        if f"〔压测{token}〕" not in text:
            problems.append(f"分工 {assignment}：库中进展情况不是最后一次报送（{token}）")
    return tokens


def check_reviews(rows: Any, writes: dict[str, Any], problems: list[str]) -> Counter[str]:
    """One history row per accepted review, and the report's status is the decision. Returns the rows per report."""
    from rectify.core.models import ChangeRecord
    from rectify.dispatch.models import ProgressReport

    reviewed: dict[str, str] = writes["reviewed"]  # report uuid → accepted / returned
    review_rows = Counter(str(u) for u in rows.filter(action=ChangeRecord.Action.TRANSITION).values_list("object_uuid", flat=True))
    statuses = {str(u): s for u, s in ProgressReport.objects.filter(uuid__in=list(reviewed)).values_list("uuid", "status")}
    for report, decision in reviewed.items():
        if review_rows[report] != 1:
            problems.append(f"审核 {report}：历史中 {review_rows[report]} 条（应为 1 条）")
        if statuses.get(report) != decision:
            problems.append(f"审核 {report}：库中状态 {statuses.get(report)}，应为 {decision}")
    for report in review_rows:
        if report not in reviewed:
            problems.append(f"审核 {report}：已写入但压测端未得到成功响应")
    return review_rows


def print_locust_stats(prefix: str, problems: list[str]) -> None:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        stats = list(csv.DictReader(handle))
    total = next(r for r in stats if r["Name"] == "Aggregated")
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    if failures:
        problems.append(f"locust 记录 {failures} 个失败请求（见 {prefix}_failures.csv）")
    print(f"请求 {requests:,}，失败 {failures}，吞吐 {float(total['Requests/s']):.1f} 请求/秒，"
          f"中位 {total['50%']} ms，p95 {total['95%']} ms，p99 {total['99%']} ms")
    for row in stats:
        if row["Name"] != "Aggregated":
            print(f"  {row['Type']:<5}{row['Name']:<28}{int(row['Request Count']):>7}  失败 {row['Failure Count']:>3}  "
                  f"中位 {row['50%']:>5} ms  p95 {row['95%']:>5} ms")


def check(plan_path: Path, prefix: str) -> int:
    setup()
    from rectify.core.history import verify_chain
    from rectify.core.models import ChangeRecord

    plan = json.loads(plan_path.read_text())
    writes = json.loads(Path(f"{prefix}_writes.json").read_text())
    problems: list[str] = []
    rows = ChangeRecord.objects.filter(pk__gt=plan["history_after"], object_type="dispatch.progressreport")
    tokens = check_submissions(rows, writes, problems)
    review_rows = check_reviews(rows, writes, problems)
    count, chain_problems = verify_chain()
    problems += [f"审计链：{p}" for p in chain_problems[:20]]
    print_locust_stats(prefix, problems)
    print(f"报送成功 {len(writes['submitted'])} 次，历史中 {sum(tokens.values())} 条；审核成功 {len(writes['reviewed'])} 次，历史中 "
          f"{sum(review_rows.values())} 条；审计链 {count:,} 条记录{'完整' if not chain_problems else '有问题'}")
    for problem in problems[:50]:
        print("问题：" + problem)
    print("压测检查通过：无错误、无丢失或重复的写入" if not problems else f"压测检查未通过：{len(problems)} 个问题")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "prepare":
        prepare(Path(sys.argv[2]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "check":
        sys.exit(check(Path(sys.argv[2]), sys.argv[3]))
    else:
        sys.exit(__doc__)
