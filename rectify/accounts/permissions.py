"""Who may do what: the one table of actions × roles, and the one question ``can(user, action, obj)``.

Every "may this person do this step to this record" in views, API, services and templates asks
``can``; nothing else checks roles. Each action names its predicate, composed with ``rules`` from
the role predicates (``rectify/accounts/roles.py``) and the object predicates
(``rectify/accounts/predicates.py``), and the kind of record it is asked about. ``docs/permissions.md``
is generated from this table (``rectify manage docs_permissions``) and the authorization matrix
(``rectify/tests_security/test_matrix.py``) derives its expectations from it.

Anonymous visitors may do none of these actions (the public pages need no permission).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rules.predicates import Predicate

from rectify.core.types import AnyUser, signed_in

from . import predicates as p
from .roles import has_office_role, is_admin, is_editor, is_staff, is_superuser


@dataclass(frozen=True)
class Action:
    predicate: Predicate
    obj: str  # the record the question is asked about ("" for none)
    label: str  # what the action is, in Chinese (the doc and refusals)


ACTIONS: dict[str, Action] = {
    # the ledger
    "ledger.edit": Action(is_editor, "", "新建任务、督察、方案和单位，导入方案（对象仍须在本人整改办管辖范围内）"),
    "region.write": Action(p.office_of_region, "Region", "在该区划新建或修改任务"),
    "milestone.set": Action(p.office_of_task, "Task", "标记或调整时间节点"),
    # acceptance and closure
    "acceptance.apply": Action(p.office_of_task | p.applicant_unit_of_task, "Task", "申请验收"),
    "acceptance.review": Action(p.reviewer_of_task, "Task", "验收"),
    "acceptance.announce": Action(p.office_of_task, "Task", "发布销号公示"),
    "acceptance.object": Action(p.office_of_task, "Task", "登记公示异议"),
    "acceptance.resolve": Action(p.office_of_task, "Task", "处理公示异议"),
    "acceptance.close": Action(p.office_of_task, "Task", "销号"),
    "acceptance.schedule_look_backs": Action(is_editor, "", "安排回头看（每个任务仍须在本人管辖范围内）"),
    "acceptance.schedule_look_back": Action(p.office_of_task, "Task", "安排该任务的回头看"),
    "acceptance.record_look_back": Action(p.reviewer_of_task, "Task", "记录回头看结论"),
    "acceptance.file": Action(p.office_of_task, "Task", "报送销号备案"),
    "acceptance.receive_filings": Action(is_editor, "", "查看报送给本级的销号备案"),
    "acceptance.acknowledge": Action(p.office_filed_to, "Filing", "确认销号备案"),
    # Separation of duties: an administrator may acknowledge a filing they filed themselves; nobody else.
    "acceptance.acknowledge_own": Action(is_admin, "", "确认本人报送的销号备案"),
    # dispatch
    "dispatch.open_round": Action(p.office_of_region, "Region", "发起调度"),
    "dispatch.read_round": Action(p.reader_of_region, "ReportingRound", "查看整轮调度的报送、核查和导出"),
    "dispatch.manage_round": Action(p.office_of_region, "ReportingRound", "催报、结束调度、抽查核查"),
    "dispatch.review": Action(p.report_needs_lead_review & p.lead_unit_of_report_task & ~p.submitted_report & ~p.speaks_for_report_unit,
                              "ProgressReport", "审核配合单位、责任单位的报送"),
    # supervision
    "supervision.issue": Action(p.office_of_task, "Task", "下达督办单"),
    "supervision.act": Action(p.unit_of_notice, "SupervisionNotice", "办理督办单、申请延期"),
    "supervision.review": Action(p.reviewer_of_notice, "SupervisionNotice", "审核、退回办结的督办单"),
    "supervision.decide": Action(p.decider_of_extension, "ExtensionRequest", "审批延期"),
    "supervision.rules": Action(is_editor, "", "查看督办和预警规则"),
    "supervision.set_rules": Action(p.office_of_region, "Region", "设置该区划的督办和预警规则"),
    # the system
    "system.admin_site": Action(is_staff, "", "进入系统管理（Django 管理后台）"),
    "system.jobs": Action(is_staff | is_superuser, "", "查看后台任务"),
    "system.run_checks": Action(is_admin, "", "立即运行定时检查"),
    "system.holidays": Action(is_admin, "", "维护节假日日历"),
    "system.audit_log": Action(is_admin, "", "查看登录日志和个人信息访问记录"),
    "accounts.reset_second_factor": Action(is_admin, "", "重置他人的动态口令和恢复码（手机丢失时）"),
}

def can(user: AnyUser | None, action: str, obj: Any = None) -> bool:
    """Whether ``user`` may do ``action`` (a key of ``ACTIONS``) to ``obj``. An unknown action is an error."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}: add it to rectify/accounts/permissions.py ACTIONS")
    if not signed_in(user):
        return False
    return ACTIONS[action].predicate.test(user, obj)


__all__ = ["ACTIONS", "Action", "can", "has_office_role"]
