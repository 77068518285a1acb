"""Enforcement cases (行政处罚案件): 立案 → 调查 → 告知/听证 → 处罚决定 → 执行 → 整改复查 → 结案.

* A case is opened from a source ``(kind, id)``: ``finding`` (an inspection finding),
  ``exceedance`` (an exceedance episode of :mod:`ecoplan.supervision.exceedance`, id
  ``outlet|parameter|start``), ``complaint`` (:mod:`ecoplan.supervision.complaints`),
  ``dust`` or ``emergency`` (an inspection of those), or ``manual``.
* Every step is an append-only :class:`~ecoplan.store.case_models.CaseEvent` plus an audit
  entry (:mod:`ecoplan.store.audit`); a stage is entered only from the stage before it.
* Legal periods (``data/case_procedure.yaml``, each with its source) are counted on the
  working-day calendar :mod:`ecoplan.standards.workdays`; a period of kind ``must_reach`` makes
  a case overdue, ``not_before`` refuses an early step (the party's hearing window).
* The legal basis of a decision comes from the configurable table ``data/legal_basis.yaml``;
  the fine must lie within the article's range.
* Joint enforcement: another department gets a task with its own due day on the same case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecoplan.errors import ValidationError
from ecoplan.standards.workdays import Calendar, years_in
from ecoplan.store import audit
from ecoplan.store.case_models import Case, CaseEvent
from ecoplan.store.inspection_models import InspectionFinding

DATA_DIR = Path(__file__).parent / "data"
SOURCE_KINDS = ("finding", "exceedance", "complaint", "dust", "emergency", "manual")
SOURCE_NAMES = {"finding": ("检查发现问题", "inspection finding"),
                "exceedance": ("超标排放", "exceedance episode"),
                "complaint": ("信访投诉", "complaint"),
                "dust": ("扬尘检查", "dust inspection"),
                "emergency": ("应急检查", "emergency inspection"),
                "manual": ("其他线索", "other lead")}


class CaseError(ValidationError):
    """A case operation that the procedure does not allow (message zh + en)."""


def procedure_calendar(extra_dir: Path | None = None) -> Calendar:
    """The calendar legal periods are counted on: the bundled years (plus a directory of the
    county's own year files); a period reaching a year without holiday data is counted on
    weekends only and marked *provisional* (暂按周末计算) — shown wherever the due day is shown,
    never silent. Add the year's file when the State Council notice is published."""
    extra = years_in(extra_dir) if extra_dir is not None and extra_dir.is_dir() else {}
    return Calendar(extra=extra, weekends_only_years=True)


def provisional(cal: Calendar, start: date, due: date) -> bool:
    """Whether a period from ``start`` to ``due`` touches a year the calendar has no data for."""
    known = set(cal.known_years())
    return any(y not in known for y in range(start.year, due.year + 1))


@cache
def procedure() -> dict[str, Any]:
    """Stages and legal periods (``data/case_procedure.yaml``)."""
    return yaml.safe_load((DATA_DIR / "case_procedure.yaml").read_text(encoding="utf-8"))


@cache
def legal_basis_table() -> dict[str, dict[str, Any]]:
    """The configurable table of articles and penalty ranges (``data/legal_basis.yaml``)."""
    raw = yaml.safe_load((DATA_DIR / "legal_basis.yaml").read_text(encoding="utf-8"))
    return {a["code"]: a for a in raw["articles"]}


def stages() -> list[str]:
    return [s["code"] for s in procedure()["stages"]]


def stage_name(code: str, lang: str = "zh") -> str:
    for s in procedure()["stages"]:
        if s["code"] == code:
            return str(s["zh"] if lang == "zh" else s["en"])
    return code


@dataclass
class Deadline:
    """A legal period of a case: its due day and whether it is met, open or overdue."""

    id: str
    kind: str
    target: str
    due: date
    text_zh: str
    text_en: str
    source: str
    verified: bool
    met_on: date | None = None
    provisional: bool = False

    def overdue(self, today: date) -> bool:
        return self.kind == "must_reach" and self.met_on is None and today > self.due


@dataclass
class CaseView:
    """A case with its events, current stage, deadlines and joint tasks (for pages and CLI)."""

    case: Case
    events: list[CaseEvent]
    stage: str
    stage_dates: dict[str, date]
    deadlines: list[Deadline] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    decision: dict[str, Any] | None = None
    correction: dict[str, Any] | None = None

    def overdue(self, today: date) -> list[Deadline]:
        out = [d for d in self.deadlines if d.overdue(today)]
        out += [Deadline(f"task:{t['id']}", "must_reach", "task", t["due"], f"协办任务：{t['task']}",
                         f"joint task: {t['task']}", "", True)
                for t in self.tasks if t["done_on"] is None and t["due"] and today > t["due"]]
        return out

    def as_dict(self, today: date) -> dict[str, Any]:
        c = self.case
        return {
            "id": c.id, "number": c.number, "title": c.title, "source_kind": c.source_kind,
            "source_id": c.source_id, "enterprise": c.enterprise, "party_name": c.party_name,
            "department": c.department, "opened_on": c.opened_on.isoformat(),
            "stage": self.stage, "stage_zh": stage_name(self.stage),
            "deadlines": [{"id": d.id, "kind": d.kind, "due": d.due.isoformat(),
                           "zh": d.text_zh, "en": d.text_en,
                           "met_on": d.met_on.isoformat() if d.met_on else None,
                           "overdue": d.overdue(today), "source": d.source,
                           "verified": d.verified, "provisional": d.provisional}
                          for d in self.deadlines],
            "tasks": [{**t, "due": t["due"].isoformat() if t["due"] else None,
                       "done_on": t["done_on"].isoformat() if t["done_on"] else None}
                      for t in self.tasks],
            "decision": self.decision, "correction": self.correction,
            "overdue": [d.id for d in self.overdue(today)],
        }


def _next_number(session: Session, year: int) -> str:
    n = session.execute(select(func.count()).select_from(Case)
                        .where(Case.number.like(f"{year}-%"))).scalar_one()
    return f"{year}-{n + 1:04d}"


def open_case(session: Session, *, source_kind: str, source_id: str | None, title: str,
              party_name: str, department: str, actor: str, opened_on: date,
              enterprise: str | None = None, facts: str | None = None) -> Case:
    """立案: open a case from a source ``(kind, id)``; audited."""
    if source_kind not in SOURCE_KINDS:
        raise CaseError(f"案件来源类型无效：{source_kind}（应为 {'、'.join(SOURCE_KINDS)}）",
                        f"unknown case source kind {source_kind} "
                        f"(expected {', '.join(SOURCE_KINDS)})")
    if source_kind != "manual" and not source_id:
        raise CaseError("请填写案件来源编号", "the source id of the case is missing")
    if not title.strip() or not party_name.strip() or not department.strip():
        raise CaseError("案件名称、当事人和承办部门不能为空",
                        "title, party and department are required")
    if source_kind == "finding" and source_id and (
            not source_id.isdigit() or session.get(InspectionFinding, int(source_id)) is None):
        raise CaseError(f"检查记录中没有编号为 {source_id} 的发现问题",
                        f"no inspection finding with id {source_id}")
    if source_id and source_kind != "manual":
        dup = session.execute(select(Case).where(Case.source_kind == source_kind,
                                                 Case.source_id == source_id)).scalar()
        if dup is not None:
            raise CaseError(f"该线索已立案：{dup.number}",
                            f"a case was already opened from this source: {dup.number}")
    case = Case(number=_next_number(session, opened_on.year), title=title.strip(),
                source_kind=source_kind, source_id=source_id, enterprise=enterprise or None,
                party_name=party_name.strip(), department=department.strip(),
                facts=facts, opened_on=opened_on, opened_by=actor)
    session.add(case)
    session.flush()
    session.add(CaseEvent(case_id=case.id, kind="stage", stage="filed", on_date=opened_on,
                          department=case.department, actor=actor, data={}))
    audit.record(session, actor, "case_open", "case", case.number, None,
                 {"source": [source_kind, source_id], "party": case.party_name,
                  "department": case.department, "opened_on": opened_on})
    return case


def get_case(session: Session, key: str | int) -> Case:
    q = select(Case).where(Case.id == int(key)) if str(key).isdigit() else \
        select(Case).where(Case.number == str(key))
    case = session.execute(q).scalar()
    if case is None:
        raise CaseError(f"没有该案件：{key}", f"no such case: {key}")
    return case


def case_view(session: Session, case: Case, calendar: Calendar | None = None) -> CaseView:
    cal = calendar or procedure_calendar()
    events = list(session.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                  .order_by(CaseEvent.id)).scalars())
    stage_dates: dict[str, date] = {}
    stage = "filed"
    decision: dict[str, Any] | None = None
    correction: dict[str, Any] | None = None
    tasks: dict[int, dict[str, Any]] = {}
    for e in events:
        if e.kind == "stage" and e.stage:
            stage_dates.setdefault(e.stage, e.on_date)
            stage = e.stage
            if e.stage == "decision":
                decision = dict(e.data or {})
        elif e.kind == "task":
            tasks[e.id] = {"id": e.id, "department": e.department, "task": e.note or "",
                           "due": e.due, "done_on": None, "result": None}
        elif e.kind == "order":
            correction = dict(e.data or {}) | {"on": e.on_date.isoformat()}
        elif e.kind == "task_done":
            t = tasks.get(int((e.data or {}).get("task_id", 0)))
            if t is not None and t["done_on"] is None:
                t["done_on"], t["result"] = e.on_date, e.note
    view = CaseView(case, events, stage, stage_dates, tasks=list(tasks.values()),
                    decision=decision, correction=correction)
    for p in procedure()["periods"]:
        anchor = stage_dates.get(p["anchor"])
        if anchor is None:
            continue
        due = cal.deadline(anchor, int(p["n"]), p["unit"])
        view.deadlines.append(Deadline(p["id"], p["kind"], p["target"], due, p["zh"], p["en"],
                                       p["source"], bool(p["verified"]),
                                       stage_dates.get(p["target"]),
                                       provisional(cal, anchor, due)))
    return view


def _parse_fine(value: object) -> Decimal:
    try:
        fine = Decimal(str(value).replace(",", "").strip() or "0")
    except InvalidOperation:
        raise CaseError(f"罚款金额无效：{value}", f"not an amount: {value}") from None
    if not fine.is_finite() or fine < 0 or fine > Decimal("1e12"):
        raise CaseError(f"罚款金额无效：{value}", f"not a usable amount: {value}")
    return fine + Decimal(0)  # -0 → 0


def advance(session: Session, case: Case, stage: str, *, actor: str, on_date: date,
            note: str | None = None, basis: str | None = None, fine: object = None,
            order: str | None = None, waived: bool = False,
            calendar: Calendar | None = None) -> CaseEvent:
    """Move a case to ``stage`` (only the next stage); the decision names its legal basis
    (a code of ``legal_basis.yaml``) and the fine within that article's range."""
    order_ = stages()
    if stage not in order_:
        raise CaseError(f"案件阶段无效：{stage}", f"unknown case stage {stage}")
    view = case_view(session, case, calendar)
    if view.stage == "closed":
        raise CaseError(f"案件 {case.number} 已结案", f"case {case.number} is closed")
    expected = order_[order_.index(view.stage) + 1]
    if stage != expected:
        raise CaseError(
            f"案件 {case.number} 当前阶段为“{stage_name(view.stage)}”，下一阶段应为“"
            f"{stage_name(expected)}”，不能进入“{stage_name(stage)}”",
            f"case {case.number} is at {stage_name(view.stage, 'en')}; the next stage is "
            f"{stage_name(expected, 'en')}, not {stage_name(stage, 'en')}")
    last = max(view.stage_dates.values())
    if on_date < last:
        raise CaseError(f"日期 {on_date} 早于上一阶段的日期 {last}",
                        f"date {on_date} is before the previous stage's date {last}")
    for d in view.deadlines:
        if d.kind == "not_before" and d.target == stage and on_date <= d.due and not waived:
            raise CaseError(
                f"{d.text_zh}：期满日为 {d.due}，{on_date} 尚不能进入“{stage_name(stage)}”"
                f"（依据：{d.source}）。当事人书面放弃的，请注明“当事人放弃”（--waived）。",
                f"{d.text_en}: the period ends on {d.due}; {stage_name(stage, 'en')} is not "
                f"possible on {on_date} (source: {d.source}) unless the party waived it in writing (--waived).")
    data: dict[str, Any] = {}
    if stage == "decision":
        table = legal_basis_table()
        if not basis or basis not in table:
            raise CaseError(f"请从法律依据表中选择处罚依据（{'、'.join(table)}）",
                            f"choose the legal basis from the table ({', '.join(table)})")
        art = table[basis]
        amount = _parse_fine(fine)
        lo, hi = Decimal(str(art["fine_min"])), Decimal(str(art["fine_max"]))
        if hi > 0 and not lo <= amount <= hi:
            raise CaseError(
                f"罚款 {amount} 元超出《{art['law']}》{art['article']}规定的幅度"
                f"（{lo}—{hi} 元）",
                f"fine {amount} yuan is outside the range of {art['law']} {art['article']} "
                f"({lo}–{hi} yuan)")
        data = {"basis": basis, "law": art["law"], "article": art["article"],
                "fine": str(amount), "order": order or "", "waived": waived}
    elif waived:
        data = {"waived": True}
    ev = CaseEvent(case_id=case.id, kind="stage", stage=stage, on_date=on_date,
                   department=case.department, note=note, data=data, actor=actor)
    session.add(ev)
    audit.record(session, actor, f"case_{stage}", "case", case.number,
                 {"stage": view.stage}, {"stage": stage, "on": on_date, "note": note, **data})
    return ev


def order_correction(session: Session, case: Case, *, basis: str, order: str, actor: str,
                     on_date: date) -> CaseEvent:
    """责令改正: order the party to correct the illegal act (at any stage before closing, e.g.
    on the spot during the investigation); the basis is a code of ``legal_basis.yaml``. The
    order is what the 责令改正违法行为决定书 states; a later order is a new event."""
    table = legal_basis_table()
    if basis not in table:
        raise CaseError(f"请从法律依据表中选择依据（{'、'.join(table)}）",
                        f"choose the legal basis from the table ({', '.join(table)})")
    if not order.strip():
        raise CaseError("请填写责令改正的内容和期限", "state what is to be corrected, by when")
    view = case_view(session, case)
    if view.stage == "closed":
        raise CaseError(f"案件 {case.number} 已结案", f"case {case.number} is closed")
    art = table[basis]
    data = {"basis": basis, "law": art["law"], "article": art["article"], "order": order.strip()}
    ev = CaseEvent(case_id=case.id, kind="order", on_date=on_date, department=case.department,
                   note=order.strip(), data=data, actor=actor)
    session.add(ev)
    audit.record(session, actor, "case_order", "case", case.number, None,
                 {**data, "on": on_date})
    return ev


def add_task(session: Session, case: Case, *, department: str, task: str, due: date,
             actor: str, on_date: date) -> CaseEvent:
    """Joint enforcement: give another department a task on this case with its own due day."""
    if not department.strip() or not task.strip():
        raise CaseError("协办部门和任务内容不能为空", "department and task are required")
    if case_view(session, case).stage == "closed":
        raise CaseError(f"案件 {case.number} 已结案", f"case {case.number} is closed")
    ev = CaseEvent(case_id=case.id, kind="task", on_date=on_date, department=department.strip(),
                   due=due, note=task.strip(), data={}, actor=actor)
    session.add(ev)
    session.flush()
    audit.record(session, actor, "case_task", "case", case.number, None,
                 {"task_id": ev.id, "department": department, "task": task, "due": due})
    return ev


def complete_task(session: Session, case: Case, task_id: int, *, result: str, actor: str,
                  on_date: date) -> CaseEvent:
    view = case_view(session, case)
    task = next((t for t in view.tasks if t["id"] == task_id), None)
    if task is None:
        raise CaseError(f"案件 {case.number} 没有协办任务 {task_id}",
                        f"case {case.number} has no joint task {task_id}")
    if task["done_on"] is not None:
        raise CaseError("该协办任务已完成", "the joint task is already done")
    ev = CaseEvent(case_id=case.id, kind="task_done", on_date=on_date,
                   department=task["department"], note=result, data={"task_id": task_id},
                   actor=actor)
    session.add(ev)
    audit.record(session, actor, "case_task_done", "case", case.number, None,
                 {"task_id": task_id, "result": result, "on": on_date})
    return ev


def record_document(session: Session, case: Case, *, kind: str, path: str, sha256: str,
                    actor: str, on_date: date) -> None:
    """Record that a decision document was written (its file and SHA-256); audited."""
    session.add(CaseEvent(case_id=case.id, kind="document", on_date=on_date,
                          department=case.department, note=kind,
                          data={"path": path, "sha256": sha256}, actor=actor))
    audit.record(session, actor, "case_document", "case", case.number, None,
                 {"kind": kind, "sha256": sha256})


def list_cases(session: Session, *, department: str | None = None,
               calendar: Calendar | None = None) -> list[CaseView]:
    """Cases (newest first) with their views; ``department`` keeps those it leads or helps."""
    cases = list(session.execute(select(Case).order_by(Case.id.desc())).scalars())
    views = [case_view(session, c, calendar) for c in cases]
    if department:
        views = [v for v in views if v.case.department == department
                 or any(t["department"] == department for t in v.tasks)]
    return views


def overdue_by_department(views: list[CaseView], today: date) -> dict[str, list[dict[str, Any]]]:
    """Overdue periods per responsible department (a joint task counts for its department)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for v in views:
        for d in v.overdue(today):
            dept = v.case.department
            if d.id.startswith("task:"):
                tid = int(d.id.split(":")[1])
                dept = next(t["department"] for t in v.tasks if t["id"] == tid)
            out.setdefault(dept, []).append({
                "case": v.case.number, "title": v.case.title, "period": d.id,
                "text": d.text_zh, "due": d.due.isoformat(),
                "days_over": (today - d.due).days, "source": d.source})
    return dict(sorted(out.items()))


def indicators(views: list[CaseView], start: date, end: date) -> dict[str, Any]:
    """Cases opened / closed / overdue in a period and the fines decided in it."""
    opened = [v for v in views if start <= v.case.opened_on <= end]
    closed = [v for v in views if "closed" in v.stage_dates
              and start <= v.stage_dates["closed"] <= end]
    decided = [v for v in views if v.decision and start <= v.stage_dates["decision"] <= end]
    fines = sum((Decimal(v.decision["fine"]) for v in decided if v.decision), Decimal(0))
    overdue = [v for v in views if v.overdue(min(end, date.today()))]
    return {"from": start.isoformat(), "to": end.isoformat(), "opened": len(opened),
            "closed": len(closed), "decided": len(decided), "overdue": len(overdue),
            "fines_yuan": str(fines)}
