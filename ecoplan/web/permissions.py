"""Roles and what each may do. The single source the endpoints and the tests read.

- ``admin``: everything, including accounts, departments and API tokens of others.
- ``analyst`` (生态环境分局): reads everything, reviews and approves department reports,
  resolves quarantine, generates reports.
- ``department`` (责任部门): reads internal pages, submits progress and indicator values for
  ITS OWN projects, tasks and indicators only (checked per record, not here).
- ``leader`` (县领导): reads everything, changes nothing.
- anonymous: the public disclosure pages only.
"""

from __future__ import annotations

ROLES = ("admin", "analyst", "department", "leader")

PERMISSIONS: dict[str, frozenset[str]] = {
    "read.internal": frozenset(ROLES),
    "read.audit": frozenset({"admin", "leader"}),
    "progress.submit": frozenset({"admin", "analyst", "department"}),
    "progress.review": frozenset({"admin", "analyst"}),
    "progress.approve": frozenset({"admin", "analyst"}),
    "quarantine.resolve": frozenset({"admin", "analyst"}),
    "report.generate": frozenset({"admin", "analyst"}),
    # 环境质量公报: analysts approve (and so publish) the drafts; 数据审核: the audit of the
    # automatic monitoring data is done by the bureau's analysts (admin too)
    "bulletin.approve": frozenset({"admin", "analyst"}),
    "data.audit": frozenset({"admin", "analyst"}),
    "users.manage": frozenset({"admin"}),
    "departments.manage": frozenset({"admin"}),
    "tokens.own": frozenset(ROLES),
    # HJ 212 devices page: departments see their own devices only (checked per device).
    "devices.read": frozenset(ROLES),
    "devices.read_all": frozenset({"admin", "analyst", "leader"}),
    "devices.approve": frozenset({"admin"}),
    "devices.command": frozenset({"admin"}),
    # 污染源监管: every role reads; admin and analyst append grades and import the registry
    "sources.read": frozenset(ROLES),
    "sources.edit": frozenset({"admin", "analyst"}),
    # 重污染天气应急: every role reads; departments enter their inspections
    "emergency.read": frozenset(ROLES),
    "emergency.inspect": frozenset({"admin", "analyst", "department"}),
    # the bureau issues, upgrades, downgrades, extends and lifts warnings (as `ecoplan emergency`)
    "emergency.manage": frozenset({"admin", "analyst"}),
    # 环境风险、危险废物、放射源: every role reads (departments their own rows); the bureau imports
    "risk.read": frozenset(ROLES),
    "risk.edit": frozenset({"admin", "analyst"}),
    # 双随机抽查与现场检查: every role reads (departments their own department's records only,
    # checked per record); departments record; the bureau draws and publishes
    "inspections.read": frozenset(ROLES),
    "inspections.read_all": frozenset({"admin", "analyst", "leader"}),
    "inspections.record": frozenset({"admin", "analyst", "department"}),
    "inspections.draw": frozenset({"admin", "analyst"}),
    # 执法案件: every role reads (a department: the cases it leads or helps, checked per case);
    # departments handle their own cases and joint tasks, the bureau handles every case
    "cases.read": frozenset(ROLES),
    "cases.read_all": frozenset({"admin", "analyst", "leader"}),
    "cases.handle": frozenset({"admin", "analyst", "department"}),
    "cases.handle_all": frozenset({"admin", "analyst"}),
    # 信访投诉: the bureau takes in, dispatches and replies; a department records its handling
    "complaints.read": frozenset(ROLES),
    "complaints.read_all": frozenset({"admin", "analyst", "leader"}),
    "complaints.manage": frozenset({"admin", "analyst"}),
    "complaints.handle": frozenset({"admin", "analyst", "department"}),
    # 企业环境信用: every role reads; the bureau evaluates and exports the dishonest list
    "credit.read": frozenset(ROLES),
    "credit.manage": frozenset({"admin", "analyst"}),
}


def allowed(role: str | None, action: str) -> bool:
    """Whether ``role`` (None for anonymous) may perform ``action``."""
    return role is not None and role in PERMISSIONS.get(action, frozenset())
