"""Department reporting through the assessment layer's workflow, with the web's own rules:
a department reports only on its own projects, tasks and indicators; every step is audited."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, BinaryIO

from sqlalchemy.orm import Session

from ecoplan.assess import progress
from ecoplan.assess.owners import owners_of, plan_owners
from ecoplan.errors import EcoplanError, ValidationError
from ecoplan.store import audit
from ecoplan.web import evidence
from ecoplan.web.deps import Forbidden, Principal
from ecoplan.web.inputs import check_indicator_value, finite_decimal
from ecoplan.web.views import current_plan, department_matches

KINDS = ("project", "task", "indicator")
DEFAULT_DEPARTMENT = "生态环境分局"


class OutOfScope(EcoplanError):
    """A department user tried to report on a subject of another department."""

    http_status = 403


def owners(plan: Any, kind: str, subject: str, session: Session | None = None) -> list[str]:
    """The department names responsible for a project, task or indicator: those recorded in the
    workspace (created from the plan on ``plan load``, editable), else the plan's own."""
    if session is not None:
        recorded = owners_of(session, plan.code, kind, str(subject))
        if recorded is not None:
            return recorded

    derived = plan_owners(plan).get((kind, str(subject)))  # a task of a project → its owners
    if derived:
        return derived
    if kind == "project":
        for p in plan.key_projects:
            if str(p.number) == str(subject):
                return list(p.lead_departments)
    elif kind == "task":
        for t in plan.tasks:
            if t.key == subject:
                return [t.department] if t.department else []
    else:
        for ind in plan.indicators:
            if ind.key == subject:
                dept = getattr(ind.measurement, "department", None) if ind.measurement else None
                return [dept] if dept else []
    raise ValidationError(f"规划中没有此{ {'project': '重点工程', 'task': '任务'}.get(kind, '指标') }：{subject}",
                          f"The plan has no {kind} {subject}.")


def may_report(user: Principal, plan: Any, kind: str, subject: str,
               session: Session | None = None) -> bool:
    if not user.can("progress.submit"):
        return False
    if user.role != "department":
        owners(plan, kind, subject)  # the subject must exist
        return True
    return department_matches(user.department_name, owners(plan, kind, subject, session))


def own_subjects(user: Principal, plan: Any, session: Session | None = None) -> dict[str, list[Any]]:
    """What this user may report on (departments: their own; bureau: everything)."""
    def mine(kind: str, subject: str) -> bool:
        try:
            return may_report(user, plan, kind, subject, session)
        except EcoplanError:
            return False

    return {
        "indicator": [i for i in plan.indicators if mine("indicator", i.key)],
        "project": [p for p in plan.key_projects if mine("project", str(p.number))],
        "task": [t for t in plan.tasks if mine("task", t.key)],
    }


def submit(session: Session, ctx: Any, user: Principal, kind: str, data: dict[str, Any],
           files: Sequence[tuple[str, bytes | BinaryIO]] = ()) -> Any:
    """Submit a report of ``kind`` (fields as in :mod:`ecoplan.assess.progress`)."""
    if kind not in KINDS:
        raise ValidationError(f"未知的填报类型 {kind}", f"Unknown report kind {kind}")
    plan = current_plan(ctx, session)
    subject_field = {"project": "project_number", "task": "task_key",
                     "indicator": "indicator_key"}[kind]
    subject = str(data.get(subject_field, "")).strip()
    if not user.can("progress.submit"):
        raise Forbidden("progress.submit")
    if not may_report(user, plan, kind, subject, session):
        raise OutOfScope(
            f"{user.department_name or user.username} 不是该事项的责任部门，不能填报。",
            f"{user.department_name or user.username} is not responsible for this item and "
            "cannot report on it.",
        )
    if kind == "indicator":
        ind = next((i for i in plan.indicators if i.key == subject), None)
        raw = data.get("value")
        num = None if raw is None or str(raw).strip() == "" else finite_decimal(raw)
        check_indicator_value(ind, num, data.get("unit"))
        data["value"] = num
        data["unit"] = data.get("unit") or getattr(ind, "unit", None)
    refs = [evidence.store(session, ctx.home, user.username, name, content,
                           ctx.max_evidence_bytes, f"{kind}_report",
                           user.department_name or DEFAULT_DEPARTMENT)
            for name, content in files if name]
    refs += list(data.pop("evidence", None) or [])
    department = user.department_name or DEFAULT_DEPARTMENT
    args = {k: v for k, v in data.items() if v is not None and v != ""}
    args.update(plan_code=plan.code, reporter=user.username, department=department,
                evidence=refs)
    if kind == "project":
        rec = progress.submit_project_progress(session, **args)
    elif kind == "task":
        rec = progress.submit_task_progress(session, **args)
    else:
        rec = progress.submit_indicator_value(session, **args)
    view = progress.list_reports(session, kind, plan_code=plan.code)
    after = next((v.as_dict() for v in view if v.record.id == rec.id), {"id": rec.id})
    after.pop("history", None)
    audit.record(session, user.username, "submit", f"{kind}_report", rec.id, None, after)
    ctx.invalidate()
    return rec


ACTIONS = {"review": "progress.review", "approve": "progress.approve", "reject": "progress.review"}


def transition(session: Session, ctx: Any, user: Principal, kind: str, record_id: int,
               action: str, reason: str | None = None) -> str:
    """Review, approve or reject a report; returns the new state."""
    if kind not in KINDS or action not in ACTIONS:
        raise ValidationError(f"未知的操作 {kind}/{action}", f"Unknown action {kind}/{action}")
    if not user.can(ACTIONS[action]):
        raise Forbidden(ACTIONS[action])
    before = progress.state_of(session, kind, record_id)  # type: ignore[arg-type]
    progress.get_report(session, kind, record_id)  # type: ignore[arg-type]
    if action == "review":
        ev = progress.review(session, kind, record_id, actor=user.username, note=reason)  # type: ignore[arg-type]
    elif action == "approve":
        ev = progress.approve(session, kind, record_id, actor=user.username, note=reason,  # type: ignore[arg-type]
                              distinct_approver=ctx.settings.distinct_approver)
    else:
        if not (reason or "").strip():
            raise ValidationError("退回时必须填写原因。", "A reason is required to reject.")
        ev = progress.reject(session, kind, record_id, actor=user.username, reason=reason or "")  # type: ignore[arg-type]
    audit.record(session, user.username, action, f"{kind}_report", record_id,
                 {"state": before}, {"state": ev.state, "reason": ev.reason})
    ctx.invalidate()
    return ev.state
