"""Department progress reports and their approval workflow (填报 → 审核 → 批准 | 退回).

Three kinds of report (``kind``): ``"project"`` (key-project progress), ``"task"`` (task
status) and ``"indicator"`` (a department-reported indicator value for a year). Every report
is immutable; its state is the last of its append-only workflow events:

    submitted ──review──▶ reviewed ──approve──▶ approved
        │                     │
        └───────reject────────┴──────────────▶ rejected (reason required)

Approved and rejected are final; a correction is a new submission. The reporter may not
review or approve their own report, and the approver may not be the reviewer (four-eyes rule;
``ECOPLAN_DISTINCT_APPROVER=false`` allows one person to review and approve). Status words are
accepted as codes, Chinese or English (``进行中``, ``实施中``, ``in progress`` → ``in_progress``,
:func:`parse_status`). A project report whose money invested exceeds the plan's estimate, or
whose percentage is inconsistent, carries review flags (:func:`review_flags`) shown in the
review queue. Only approved reports feed assessments:
:func:`approved_project_progress`, :func:`approved_task_progress` and
:func:`approved_indicator_values` return, per subject, the approved report with the latest
``as_of`` (then the latest approval). Every function takes an open SQLAlchemy session and
leaves committing to the caller (``with workspace.session() as s: ...`` commits).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.errors import EcoplanError, ValidationError
from ecoplan.store.models import IndicatorRecord, KeyProjectRecord, PlanRecord, TaskRecord
from ecoplan.store.progress_models import (
    IndicatorReport,
    ProgressEvent,
    ProjectProgress,
    TaskProgress,
)

Kind = Literal["project", "task", "indicator"]
Report = ProjectProgress | TaskProgress | IndicatorReport

_MODELS: dict[str, type[ProjectProgress] | type[TaskProgress] | type[IndicatorReport]] = {
    "project": ProjectProgress,
    "task": TaskProgress,
    "indicator": IndicatorReport,
}

STATE_NAMES = {
    "submitted": ("已提交", "submitted"),
    "reviewed": ("已审核", "reviewed"),
    "approved": ("已批准", "approved"),
    "rejected": ("已退回", "rejected"),
}
PROJECT_STATUS_NAMES = {
    "not_started": ("未开工", "not started"),
    "in_progress": ("实施中", "in progress"),
    "completed": ("已完成", "completed"),
    "suspended": ("暂停", "suspended"),
    "cancelled": ("取消", "cancelled"),
}
#: further words users type for a status (Chinese office usage and English spellings)
_STATUS_ALIASES = {
    "未开始": "not_started", "未启动": "not_started", "尚未开工": "not_started",
    "进行中": "in_progress", "在建": "in_progress", "推进中": "in_progress", "实施": "in_progress",
    "正在实施": "in_progress", "完成": "completed", "已竣工": "completed", "竣工": "completed",
    "已暂停": "suspended", "停工": "suspended", "已取消": "cancelled", "撤销": "cancelled",
    "ongoing": "in_progress", "started": "in_progress",
    "complete": "completed", "finished": "completed", "paused": "suspended",
    "canceled": "cancelled",
}


def parse_status(value: Any, field_name: str = "status") -> str:
    """The status code for a status word: the code itself, its Chinese or English name, or a
    usual synonym (``进行中`` → ``in_progress``); ValidationError naming the accepted words."""
    raw = "" if value is None else str(value).strip()
    key = raw.lower().replace("-", " ").replace("_", " ")
    for code, (zh, en) in PROJECT_STATUS_NAMES.items():
        if key in (code.replace("_", " "), en) or raw == zh:
            return code
    alias = _STATUS_ALIASES.get(raw) or _STATUS_ALIASES.get(key)
    if alias:
        return alias
    zh_words = "、".join(z for z, _ in PROJECT_STATUS_NAMES.values())
    en_words = ", ".join(e for _, e in PROJECT_STATUS_NAMES.values())
    raise _field_error(field_name, f"状态“{raw}”无效，应为：{zh_words}",
                       f"invalid status “{raw}”; one of: {en_words}")


def parse_state(value: Any) -> str:
    """A workflow state from its code, Chinese or English word (``已批准`` → ``approved``)."""
    raw = "" if value is None else str(value).strip()
    for code, (zh, en) in STATE_NAMES.items():
        if raw.lower() in (code, en) or raw in (zh, zh.removeprefix("已")):
            return code
    raise _field_error("state", f"状态“{raw}”无效，应为：{'、'.join(z for z, _ in STATE_NAMES.values())}",
                       f"invalid state “{raw}”; one of: {', '.join(STATE_NAMES)}")


def status_name(code: str | None, lang: str = "zh") -> str:
    """The word for a status code in ``lang`` (the code itself when unknown)."""
    names = PROJECT_STATUS_NAMES.get(code or "")
    if names is None:
        return code or ""
    return names[0] if lang == "zh" else names[1]


class WorkflowError(EcoplanError):
    """A workflow step that the report's current state (or the actor) does not allow."""


class ReportNotFound(EcoplanError):
    """No report of that kind with that id."""


# ---------------------------------------------------------------- input checking
def _field_error(field_name: str, zh: str, en: str) -> ValidationError:
    from ecoplan.errors import Location

    return ValidationError(zh, en, location=Location(field=field_name))


def _decimal(value: Any, field_name: str, *, lo: Decimal | None = None,
             hi: Decimal | None = None) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _field_error(field_name, f"“{value}”不是数字", f"“{value}” is not a number") from None
    if not d.is_finite():
        raise _field_error(field_name, f"“{value}”不是有限数值", f"“{value}” is not a finite number")
    if lo is not None and d < lo:
        raise _field_error(field_name, f"{d} 小于允许的最小值 {lo}", f"{d} is below the minimum {lo}")
    if hi is not None and d > hi:
        raise _field_error(field_name, f"{d} 大于允许的最大值 {hi}", f"{d} is above the maximum {hi}")
    return d


def _text(value: Any, field_name: str, *, max_len: int = 128) -> str:
    s = "" if value is None else str(value).strip()
    if not s:
        raise _field_error(field_name, "不能为空", "must not be empty")
    if len(s) > max_len:
        raise _field_error(field_name, f"长度超过 {max_len} 个字符", f"longer than {max_len} characters")
    return s


def _date(value: Any, field_name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise _field_error(field_name, f"“{value}”不是日期（YYYY-MM-DD）",
                           f"“{value}” is not a date (YYYY-MM-DD)") from None


def _evidence(items: Iterable[Any] | None) -> list[dict[str, Any]]:
    """Evidence references: ``{"name": ..., "uri": ..., "sha256": ...}`` (a bare string = name)."""
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items or ()):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, Mapping) or not str(item.get("name", "")).strip():
            raise _field_error(f"evidence[{i}]", "佐证材料须有名称（name）",
                               "each evidence item needs a name")
        out.append({k: str(v) for k, v in item.items() if v is not None and k in
                    ("name", "uri", "sha256", "media_type", "uploaded_by")})
    return out


def _milestones(items: Iterable[Any] | None) -> list[dict[str, Any]]:
    """Milestones: ``{"name", "due" (YYYY-MM-DD, optional), "done_on" (optional)}``."""
    out: list[dict[str, Any]] = []
    for i, item in enumerate(items or ()):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, Mapping) or not str(item.get("name", "")).strip():
            raise _field_error(f"milestones[{i}]", "节点须有名称（name）", "each milestone needs a name")
        m: dict[str, Any] = {"name": str(item["name"]).strip()}
        for key in ("due", "done_on"):
            if item.get(key):
                m[key] = _date(item[key], f"milestones[{i}].{key}").isoformat()
        out.append(m)
    return out


def _check_subject(session: Session, plan_code: str, kind: Kind, subject: Any) -> None:
    """When the plan is loaded in the database, the project/task/indicator must exist in it."""
    plan = session.scalar(select(PlanRecord).where(PlanRecord.code == plan_code))
    if plan is None:
        return
    if kind == "project":
        q = select(KeyProjectRecord.id).where(KeyProjectRecord.plan_id == plan.id,
                                              KeyProjectRecord.number == subject)
        zh, en, fld = f"规划 {plan_code} 中没有第 {subject} 号重点工程", \
            f"Plan {plan_code} has no key project number {subject}", "project_number"
    elif kind == "task":
        q = select(TaskRecord.id).where(TaskRecord.plan_id == plan.id, TaskRecord.key == subject)
        zh, en, fld = f"规划 {plan_code} 中没有任务 {subject}", \
            f"Plan {plan_code} has no task {subject}", "task_key"
    else:
        q = select(IndicatorRecord.id).where(IndicatorRecord.plan_id == plan.id,
                                             IndicatorRecord.key == subject)
        zh, en, fld = f"规划 {plan_code} 中没有指标 {subject}", \
            f"Plan {plan_code} has no indicator {subject}", "indicator_key"
    if session.scalar(q) is None:
        raise _field_error(fld, zh, en)


def _start(session: Session, kind: Kind, record: Report, actor: str) -> Report:
    session.add(record)
    session.flush()
    session.add(ProgressEvent(record_kind=kind, record_id=record.id, state="submitted",
                              actor=actor, at=datetime.now().astimezone()))
    session.flush()
    return record


# ---------------------------------------------------------------- submissions
def submit_project_progress(
    session: Session, *, plan_code: str, project_number: int, as_of: date | str,
    percent_complete: Decimal | float | str, invested_wan_yuan: Decimal | float | str,
    status: str, reporter: str, department: str,
    milestones: Iterable[Any] | None = None, evidence: Iterable[Any] | None = None,
    note: str | None = None,
) -> ProjectProgress:
    """Submit a key project's progress as of a date (percent complete, money invested to date
    in 万元, status, milestones, evidence); returns the new report in state ``submitted``."""
    plan_code = _text(plan_code, "plan_code", max_len=64)
    try:
        number = int(project_number)
    except (TypeError, ValueError):
        raise _field_error("project_number", f"“{project_number}”不是工程序号",
                           f"“{project_number}” is not a project number") from None
    status = parse_status(status)
    pct = _decimal(percent_complete, "percent_complete", lo=Decimal(0), hi=Decimal(100))
    if status == "completed" and pct != 100:
        raise _field_error("percent_complete", "状态为已完成时完成比例应为 100",
                           "percent complete must be 100 when the status is completed")
    _check_subject(session, plan_code, "project", number)
    rec = ProjectProgress(
        plan_code=plan_code, project_number=number, as_of=_date(as_of, "as_of"),
        percent_complete=pct.quantize(Decimal("0.01")),
        invested_wan_yuan=_decimal(invested_wan_yuan, "invested_wan_yuan",
                                   lo=Decimal(0)).quantize(Decimal("0.01")),
        status=status, milestones=_milestones(milestones), evidence=_evidence(evidence),
        reporter=_text(reporter, "reporter", max_len=64),
        department=_text(department, "department"), note=note,
        submitted_at=datetime.now().astimezone(),
    )
    return _start(session, "project", rec, rec.reporter)  # type: ignore[return-value]


def submit_task_progress(
    session: Session, *, plan_code: str, task_key: str, as_of: date | str, status: str,
    reporter: str, department: str, percent_complete: Decimal | float | str | None = None,
    evidence: Iterable[Any] | None = None, note: str | None = None,
) -> TaskProgress:
    """Submit a task's status as of a date; returns the new report in state ``submitted``."""
    plan_code = _text(plan_code, "plan_code", max_len=64)
    key = _text(task_key, "task_key", max_len=32)
    status = parse_status(status)
    pct = None
    if percent_complete is not None and str(percent_complete).strip() != "":
        pct = _decimal(percent_complete, "percent_complete", lo=Decimal(0),
                       hi=Decimal(100)).quantize(Decimal("0.01"))
    _check_subject(session, plan_code, "task", key)
    rec = TaskProgress(
        plan_code=plan_code, task_key=key, as_of=_date(as_of, "as_of"), status=status,
        percent_complete=pct, evidence=_evidence(evidence),
        reporter=_text(reporter, "reporter", max_len=64),
        department=_text(department, "department"), note=note,
        submitted_at=datetime.now().astimezone(),
    )
    return _start(session, "task", rec, rec.reporter)  # type: ignore[return-value]


def submit_indicator_value(
    session: Session, *, plan_code: str, indicator_key: str, year: int,
    reporter: str, department: str, value: Decimal | float | str | None = None,
    value_text: str | None = None, unit: str | None = None,
    evidence: Iterable[Any] | None = None, note: str | None = None,
) -> IndicatorReport:
    """Submit a department's value of an indicator for a year (a number, or a qualitative
    ``value_text`` such as "完成"); returns the new report in state ``submitted``."""
    plan_code = _text(plan_code, "plan_code", max_len=64)
    key = _text(indicator_key, "indicator_key", max_len=32)
    try:
        yr = int(year)
    except (TypeError, ValueError):
        raise _field_error("year", f"“{year}”不是年份", f"“{year}” is not a year") from None
    if not 1990 <= yr <= 2100:
        raise _field_error("year", f"年份 {yr} 超出范围", f"year {yr} out of range")
    num = None
    if value is not None and str(value).strip() != "":
        num = _decimal(value, "value")
    txt = (value_text or "").strip() or None
    if num is None and txt is None:
        raise _field_error("value", "须填写数值或文字值", "a numeric value or a text value is required")
    _check_subject(session, plan_code, "indicator", key)
    rec = IndicatorReport(
        plan_code=plan_code, indicator_key=key, year=yr, value=num, value_text=txt, unit=unit,
        evidence=_evidence(evidence), reporter=_text(reporter, "reporter", max_len=64),
        department=_text(department, "department"), note=note,
        submitted_at=datetime.now().astimezone(),
    )
    return _start(session, "indicator", rec, rec.reporter)  # type: ignore[return-value]


# ---------------------------------------------------------------- workflow
def get_report(session: Session, kind: Kind, record_id: int) -> Report:
    """The report of ``kind`` with ``record_id`` (ReportNotFound if none)."""
    model = _MODELS.get(kind)
    if model is None:
        raise ValidationError(f"未知的填报类型 {kind}", f"Unknown report kind {kind}")
    rec = session.get(model, record_id)
    if rec is None:
        raise ReportNotFound(f"没有编号为 {record_id} 的{_kind_zh(kind)}填报",
                             f"No {kind} report with id {record_id}")
    return rec


def _kind_zh(kind: str) -> str:
    return {"project": "重点工程进展", "task": "任务进展", "indicator": "指标值"}.get(kind, kind)


def history(session: Session, kind: Kind, record_id: int) -> list[ProgressEvent]:
    """The workflow events of one report, oldest first."""
    return list(session.scalars(
        select(ProgressEvent).where(ProgressEvent.record_kind == kind,
                                    ProgressEvent.record_id == record_id)
        .order_by(ProgressEvent.id)))


def state_of(session: Session, kind: Kind, record_id: int) -> str:
    """The current state of a report: the state of its last workflow event."""
    events = history(session, kind, record_id)
    return events[-1].state if events else "submitted"


def _step(session: Session, kind: Kind, record_id: int, *, actor: str, to: str,
          allowed_from: Sequence[str], reason: str | None,
          distinct_approver: bool = True) -> ProgressEvent:
    rec = get_report(session, kind, record_id)
    actor = _text(actor, "actor", max_len=64)
    current = state_of(session, kind, record_id)
    if current not in allowed_from:
        cz, ce = STATE_NAMES[current]
        tz, te = STATE_NAMES[to]
        raise WorkflowError(
            f"{_kind_zh(kind)}填报 {record_id} 当前为“{cz}”，不能改为“{tz}”",
            f"{kind} report {record_id} is {ce}; it cannot become {te}",
        )
    if to in ("reviewed", "approved") and actor == rec.reporter:
        raise WorkflowError(
            f"填报人 {actor} 不能审核或批准自己的填报",
            f"The reporter {actor} may not review or approve their own report",
        )
    if to == "approved" and distinct_approver:
        reviewer = next((e.actor for e in reversed(history(session, kind, record_id))
                         if e.state == "reviewed"), None)
        if reviewer == actor:
            raise WorkflowError(
                f"审核人 {actor} 不能再批准同一份填报（填报、审核、批准须由三人分别完成）",
                f"The reviewer {actor} may not also approve the report (reporter, reviewer and "
                "approver must be three different people)",
            )
    ev = ProgressEvent(record_kind=kind, record_id=record_id, state=to, actor=actor,
                       reason=reason, at=datetime.now().astimezone())
    session.add(ev)
    session.flush()
    return ev


def review(session: Session, kind: Kind, record_id: int, *, actor: str,
           note: str | None = None) -> ProgressEvent:
    """Mark a submitted report as reviewed (审核通过) by ``actor``."""
    return _step(session, kind, record_id, actor=actor, to="reviewed",
                 allowed_from=("submitted",), reason=note)


def approve(session: Session, kind: Kind, record_id: int, *, actor: str,
            note: str | None = None, distinct_approver: bool = True) -> ProgressEvent:
    """Approve a reviewed report (批准); from now on it feeds assessments. The approver must not
    be the reporter nor (unless ``distinct_approver`` is False, setting
    ``ECOPLAN_DISTINCT_APPROVER``) the reviewer."""
    return _step(session, kind, record_id, actor=actor, to="approved",
                 allowed_from=("reviewed",), reason=note, distinct_approver=distinct_approver)


def reject(session: Session, kind: Kind, record_id: int, *, actor: str,
           reason: str) -> ProgressEvent:
    """Send a submitted or reviewed report back (退回), with the reason."""
    why = _text(reason, "reason", max_len=2000)
    return _step(session, kind, record_id, actor=actor, to="rejected",
                 allowed_from=("submitted", "reviewed"), reason=why)


# ---------------------------------------------------------------- review flags
@dataclass(frozen=True)
class ReviewFlag:
    """Something a reviewer must check before approving (the report is accepted, not refused)."""

    code: str
    zh: str
    en: str

    def text(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh, "en": self.en}


def review_flags(record: Any, estimate_wan_yuan: Decimal | None) -> list[ReviewFlag]:
    """Flags of a project report: money invested beyond the plan's estimate for the project
    (more than 100 % of it). Percentages above 100 are refused at submission."""
    out: list[ReviewFlag] = []
    invested = getattr(record, "invested_wan_yuan", None)
    if invested is not None and estimate_wan_yuan is not None and estimate_wan_yuan > 0 \
            and invested > estimate_wan_yuan:
        share = (Decimal(invested) * 100 / estimate_wan_yuan).quantize(Decimal("1"))
        out.append(ReviewFlag(
            "over_estimate",
            f"累计完成投资 {invested} 万元超出规划估算 {estimate_wan_yuan} 万元（{share}%），请核实",
            f"invested {invested} ×10⁴ CNY exceeds the plan's estimate {estimate_wan_yuan} "
            f"×10⁴ CNY ({share} %); check before approving"))
    return out


def project_estimates(session: Session, plan_code: str) -> dict[int, Decimal | None]:
    """The plan's investment estimate (万元) per key-project number, from the loaded plan."""
    plan = session.scalar(select(PlanRecord).where(PlanRecord.code == plan_code))
    if plan is None:
        return {}
    return {int(n): inv for n, inv in session.execute(
        select(KeyProjectRecord.number, KeyProjectRecord.investment_wan_yuan)
        .where(KeyProjectRecord.plan_id == plan.id))}


# ---------------------------------------------------------------- listing
@dataclass
class ReportView:
    """A report with its current state and workflow history (for lists, the UI and JSON)."""

    kind: str
    record: Any
    state: str
    events: list[ProgressEvent] = field(default_factory=list)
    #: review flags (:func:`review_flags`): what a reviewer must look at before approving
    flags: list[ReviewFlag] = field(default_factory=list)

    @property
    def approved_at(self) -> datetime | None:
        return next((e.at for e in reversed(self.events) if e.state == "approved"), None)

    def as_dict(self) -> dict[str, Any]:
        r = self.record
        cols = {c.name: getattr(r, c.key) for c in r.__table__.columns}
        return {
            "kind": self.kind, **cols, "state": self.state,
            "flags": [f.as_dict() for f in self.flags],
            "history": [{"state": e.state, "actor": e.actor, "reason": e.reason, "at": e.at}
                        for e in self.events],
        }


def list_reports(session: Session, kind: Kind, *, plan_code: str | None = None,
                 state: str | None = None, department: str | None = None) -> list[ReportView]:
    """Reports of one kind (newest first), optionally filtered by plan, state and department."""
    model = _MODELS[kind]
    q = select(model).order_by(model.id.desc())
    if plan_code:
        q = q.where(model.plan_code == plan_code)
    if department:
        q = q.where(model.department == department)
    records = list(session.scalars(q))
    if not records:
        return []
    ids = [r.id for r in records]
    events: dict[int, list[ProgressEvent]] = {i: [] for i in ids}
    for ev in session.scalars(select(ProgressEvent).where(
            ProgressEvent.record_kind == kind, ProgressEvent.record_id.in_(ids))
            .order_by(ProgressEvent.id)):
        events[ev.record_id].append(ev)
    views = [ReportView(kind, r, events[r.id][-1].state if events[r.id] else "submitted",
                        events[r.id]) for r in records]
    if kind == "project":
        estimates: dict[str, dict[int, Decimal | None]] = {}
        for v in views:
            code = v.record.plan_code
            if code not in estimates:
                estimates[code] = project_estimates(session, code)
            v.flags = review_flags(v.record, estimates[code].get(int(v.record.project_number)))
    if state:
        views = [v for v in views if v.state == state]
    return views


def _latest_approved(views: list[ReportView], subject: Any) -> dict[Any, ReportView]:
    def rank(v: ReportView) -> tuple[date, int, int]:
        approved_ev = max((e.id for e in v.events if e.state == "approved"), default=0)
        return (_as_of(v.record), approved_ev, v.record.id)

    best: dict[Any, ReportView] = {}
    for v in views:
        key = subject(v.record)
        if key not in best or rank(v) > rank(best[key]):
            best[key] = v
    return best


def _as_of(record: Any) -> date:
    return getattr(record, "as_of", None) or date(getattr(record, "year", 1900), 12, 31)


def approved_project_progress(session: Session, plan_code: str, *,
                              as_of: date | None = None) -> dict[int, ReportView]:
    """Per project number, the approved report with the latest ``as_of`` (≤ ``as_of`` if given)."""
    views = [v for v in list_reports(session, "project", plan_code=plan_code, state="approved")
             if as_of is None or v.record.as_of <= as_of]
    return _latest_approved(views, lambda r: r.project_number)


def approved_task_progress(session: Session, plan_code: str, *,
                           as_of: date | None = None) -> dict[str, ReportView]:
    """Per task key, the approved report with the latest ``as_of`` (≤ ``as_of`` if given)."""
    views = [v for v in list_reports(session, "task", plan_code=plan_code, state="approved")
             if as_of is None or v.record.as_of <= as_of]
    return _latest_approved(views, lambda r: r.task_key)


def approved_indicator_values(session: Session, plan_code: str, *,
                              year: int | None = None) -> dict[tuple[str, int], ReportView]:
    """Per (indicator key, year), the latest approved department value."""
    views = [v for v in list_reports(session, "indicator", plan_code=plan_code, state="approved")
             if year is None or v.record.year == year]
    return _latest_approved(views, lambda r: (r.indicator_key, r.year))


# ---------------------------------------------------------------- overdue detection
class ProjectLike(Protocol):
    number: int
    name: str
    end_year: int | None


class TaskLike(Protocol):
    key: str
    deadline: date | None


@dataclass(frozen=True)
class Overdue:
    """A project or task past its period/deadline without an approved completion."""

    kind: str
    subject: str
    due: date
    days_overdue: int
    last_status: str | None
    last_percent: Decimal | None
    department: str | None

    def describe(self, lang: str = "zh") -> str:
        st = PROJECT_STATUS_NAMES.get(self.last_status or "", ("无已批准填报", "no approved report"))
        if lang == "zh":
            return (f"{self.subject}：应于 {self.due.isoformat()} 前完成，已逾期 {self.days_overdue} 天，"
                    f"最新状态 {st[0]}")
        return (f"{self.subject}: due {self.due.isoformat()}, {self.days_overdue} days overdue, "
                f"latest status {st[1]}")


def overdue_projects(projects: Iterable[ProjectLike], approved: Mapping[int, ReportView], *,
                     as_of: date) -> list[Overdue]:
    """Projects whose period ended (31 Dec of ``end_year``) on or before ``as_of`` and whose latest
    approved report is not ``completed`` (or which have no approved report)."""
    out: list[Overdue] = []
    for p in projects:
        if p.end_year is None:
            continue
        due = date(int(p.end_year), 12, 31)
        view = approved.get(int(p.number))
        rec = view.record if view else None
        if as_of >= due and (rec is None or rec.status != "completed"):
            out.append(Overdue("project", f"{p.number} {p.name}", due, (as_of - due).days,
                               rec.status if rec else None,
                               rec.percent_complete if rec else None,
                               rec.department if rec else None))
    return sorted(out, key=lambda o: (-o.days_overdue, o.subject))


def overdue_tasks(tasks: Iterable[TaskLike], approved: Mapping[str, ReportView], *,
                  as_of: date) -> list[Overdue]:
    """Tasks whose deadline is on or before ``as_of`` and whose latest approved report is not
    ``completed`` (or which have no approved report)."""
    out: list[Overdue] = []
    for t in tasks:
        if t.deadline is None:
            continue
        view = approved.get(t.key)
        rec = view.record if view else None
        if as_of >= t.deadline and (rec is None or rec.status != "completed"):
            out.append(Overdue("task", t.key, t.deadline, (as_of - t.deadline).days,
                               rec.status if rec else None,
                               rec.percent_complete if rec else None,
                               rec.department if rec else getattr(t, "department", None)))
    return sorted(out, key=lambda o: (-o.days_overdue, o.subject))


__all__ = [
    "Overdue", "ReportNotFound", "ReportView", "ReviewFlag", "WorkflowError",
    "parse_state", "parse_status", "project_estimates", "review_flags", "status_name",
    "approve", "approved_indicator_values", "approved_project_progress", "approved_task_progress",
    "get_report", "history", "list_reports", "overdue_projects", "overdue_tasks", "reject",
    "review", "state_of", "submit_indicator_value", "submit_project_progress",
    "submit_task_progress",
]
