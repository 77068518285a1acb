"""执法案件 / Cases: the list with stages and overdue periods per department, indicators of a
period, opening a case, a case page (steps, legal periods with their sources, joint tasks, the
next stage's form, decision documents).

Everything goes through :mod:`ecoplan.supervision.cases` (the same calls as ``ecoplan cases``).
Who may do what (:mod:`ecoplan.web.permissions`): ``cases.read`` every role — a department sees
the cases it leads or has a joint task on; ``cases.handle`` admin, analyst and the case's own
department (checked per case); a joint task is completed by its department (or admin/analyst).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response

from ecoplan.errors import Location
from ecoplan.store.case_models import Case
from ecoplan.store.models import Department
from ecoplan.supervision import cases as C
from ecoplan.supervision.case_documents import KINDS, write_decision
from ecoplan.supervision.sources import parse_date
from ecoplan.web import flash, render
from ecoplan.web.context import WebContext
from ecoplan.web.deps import DbDep, Forbidden, Principal, ctx_of, require
from ecoplan.web.inputs import NOTE_MAX, check_not_future

router = APIRouter(include_in_schema=False)
AUTHORITY = "吕梁市生态环境局交城分局"
PREFIX = "吕环交"



def day_of(raw: str | None, field: str, ctx: WebContext) -> date:
    """A form date (today when empty), never far in the future."""
    d = parse_date(raw.strip(), field) if raw and raw.strip() else date.today()
    check_not_future(d, field, ctx.future_tolerance_days)
    return d


def sees_all(user: Principal) -> bool:
    return user.can("cases.read_all")


def departments(db: DbDep) -> list[tuple[str, str]]:
    from sqlalchemy import select

    return [(d.code, d.name_zh) for d in db.execute(select(Department)
                                                    .order_by(Department.code)).scalars()]


def _case_for(db: DbDep, user: Principal, case_id: int, *, handle: bool = False) -> C.CaseView:
    case = db.get(Case, case_id)
    if case is None:
        raise C.CaseError(f"没有该案件：{case_id}", f"no such case: {case_id}")
    view = C.case_view(db, case)
    own = user.department_code is not None and case.department == user.department_code
    helper = any(t["department"] == user.department_code for t in view.tasks)
    if handle and not (user.can("cases.handle_all") or (user.can("cases.handle") and own)):
        raise Forbidden("cases.handle")
    if not (sees_all(user) or own or helper):
        raise Forbidden("cases.read")
    return view


@router.get("/cases")
def cases_page(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
               user: Annotated[Principal, require("cases.read")],
               date_from: str | None = None, date_to: str | None = None,
               source_kind: str = "", source_id: str = "", enterprise: str = "",
               party_name: str = "", title: str = "") -> Response:
    """The list; the query may prefill the 立案 form (e.g. from an exceedance episode of the
    source page: ``source_kind=exceedance&source_id=outlet|parameter|start``)."""
    today = date.today()
    dept = None if sees_all(user) else (user.department_code or "-")
    views = C.list_cases(db, department=dept)
    start = parse_date(date_from, "from") if date_from else date(today.year, 1, 1)
    end = parse_date(date_to, "to") if date_to else today
    rows = [v.as_dict(today) for v in views]
    return render.page(request, "cases.html", rows=rows, today=today,
                       overdue=C.overdue_by_department(views, today),
                       ind=C.indicators(views, start, end), start=start, end=end,
                       can_open=user.can("cases.handle"), departments=departments(db),
                       dept_names=dict(departments(db)),
                       basis=list(C.legal_basis_table().values()), stage_name=C.stage_name,
                       SOURCE_NAMES=C.SOURCE_NAMES, message=flash.read(request),
                       prefill={"source_kind": source_kind[:16], "source_id": source_id[:200],
                                "enterprise": enterprise[:18], "party_name": party_name[:200],
                                "title": title[:300]})


@router.post("/cases")
def open_case(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
              user: Annotated[Principal, require("cases.handle")],
              source_kind: Annotated[str, Form()] = "manual",
              source_id: Annotated[str, Form(max_length=200)] = "",
              title: Annotated[str, Form(max_length=300)] = "",
              party_name: Annotated[str, Form(max_length=200)] = "",
              department: Annotated[str, Form(max_length=64)] = "",
              enterprise: Annotated[str, Form(max_length=18)] = "",
              facts: Annotated[str, Form(max_length=NOTE_MAX)] = "",
              opened_on: Annotated[str, Form()] = "") -> Response:
    if not user.can("cases.handle_all") and department != user.department_code:
        raise Forbidden("cases.handle")
    case = C.open_case(db, source_kind=source_kind, source_id=source_id.strip() or None,
                       title=title, party_name=party_name, department=department,
                       actor=user.username, opened_on=day_of(opened_on, "opened_on",
                                                             ctx_of(request)),
                       enterprise=enterprise.strip() or None, facts=facts.strip() or None)
    return flash.redirect(request, f"/cases/{case.id}", "case-step",
                          zh=f"已立案：{case.number}", en=f"Case opened: {case.number}")


@router.get("/cases/{case_id}")
def case_page(request: Request, db: DbDep, case_id: int,  # type: ignore[no-untyped-def]
              user: Annotated[Principal, require("cases.read")]) -> Response:
    view = _case_for(db, user, case_id)
    today = date.today()
    order = C.stages()
    nxt = order[order.index(view.stage) + 1] if view.stage != "closed" else None
    own = view.case.department == user.department_code
    docs = [e for e in view.events if e.kind == "document"]
    return render.page(request, "case_detail.html", v=view, d=view.as_dict(today), next_stage=nxt,
                       can_handle=user.can("cases.handle_all") or (user.can("cases.handle")
                                                                   and own),
                       user_dept=user.department_code, handle_all=user.can("cases.handle_all"),
                       basis=list(C.legal_basis_table().values()), stage_name=C.stage_name,
                       departments=departments(db), docs=docs, KINDS=KINDS, today=today,
                       dept_names=dict(departments(db)),
                       SOURCE_NAMES=C.SOURCE_NAMES, message=flash.read(request))


@router.post("/cases/{case_id}/advance")
def advance(request: Request, db: DbDep, case_id: int,  # type: ignore[no-untyped-def]
            user: Annotated[Principal, require("cases.handle")],
            stage: Annotated[str, Form()] = "", on_date: Annotated[str, Form()] = "",
            note: Annotated[str, Form(max_length=NOTE_MAX)] = "",
            basis: Annotated[str, Form()] = "", fine: Annotated[str, Form(max_length=20)] = "",
            order: Annotated[str, Form(max_length=NOTE_MAX)] = "",
            waived: Annotated[str, Form()] = "") -> Response:
    view = _case_for(db, user, case_id, handle=True)
    C.advance(db, view.case, stage, actor=user.username,
              on_date=day_of(on_date, "on_date", ctx_of(request)), note=note.strip() or None,
              basis=basis or None, fine=fine or None, order=order.strip() or None,
              waived=waived == "yes")
    return flash.redirect(request, f"/cases/{case_id}", "case-step",
                          zh=f"案件 {view.case.number} 已进入“{C.stage_name(stage)}”",
                          en=f"Case {view.case.number}: {C.stage_name(stage, 'en')}")


@router.post("/cases/{case_id}/order")
def order(request: Request, db: DbDep, case_id: int,  # type: ignore[no-untyped-def]
          user: Annotated[Principal, require("cases.handle")],
          basis: Annotated[str, Form()] = "",
          order: Annotated[str, Form(max_length=NOTE_MAX)] = "",
          on_date: Annotated[str, Form()] = "") -> Response:
    """责令改正 (as ``ecoplan cases order``)."""
    view = _case_for(db, user, case_id, handle=True)
    C.order_correction(db, view.case, basis=basis, order=order, actor=user.username,
                       on_date=day_of(on_date, "on_date", ctx_of(request)))
    return flash.redirect(request, f"/cases/{case_id}", "case-step",
                          zh=f"案件 {view.case.number} 已责令改正",
                          en=f"Case {view.case.number}: correction ordered")


@router.post("/cases/{case_id}/tasks")
def add_task(request: Request, db: DbDep, case_id: int,  # type: ignore[no-untyped-def]
             user: Annotated[Principal, require("cases.handle")],
             department: Annotated[str, Form(max_length=64)] = "",
             task: Annotated[str, Form(max_length=NOTE_MAX)] = "",
             due: Annotated[str, Form()] = "") -> Response:
    view = _case_for(db, user, case_id, handle=True)
    if not due.strip():
        raise C.CaseError("请填写协办期限", "the task's due day is required",
                          location=Location(field="due"))
    C.add_task(db, view.case, department=department, task=task, due=parse_date(due, "due"),
               actor=user.username, on_date=date.today())
    return flash.redirect(request, f"/cases/{case_id}", "case-step",
                          zh=f"已向 {department} 分派协办任务", en=f"Joint task for {department}")


@router.post("/cases/{case_id}/tasks/{task_id}/done")
def task_done(request: Request, db: DbDep, case_id: int, task_id: int,  # type: ignore[no-untyped-def]
              user: Annotated[Principal, require("cases.read")],
              result: Annotated[str, Form(max_length=NOTE_MAX)] = "") -> Response:
    view = _case_for(db, user, case_id)
    task = next((t for t in view.tasks if t["id"] == task_id), None)
    if task is None:
        raise C.CaseError(f"没有协办任务 {task_id}", f"no joint task {task_id}")
    if not (user.can("cases.handle_all") or task["department"] == user.department_code):
        raise Forbidden("cases.task")
    C.complete_task(db, view.case, task_id, result=result.strip() or "已完成", actor=user.username,
                    on_date=date.today())
    return flash.redirect(request, f"/cases/{case_id}", "case-step",
                          zh="协办任务已完成", en="Joint task done")


@router.get("/cases/{case_id}/document/{kind}.docx")
def document(request: Request, db: DbDep, case_id: int, kind: str,  # type: ignore[no-untyped-def]
             user: Annotated[Principal, require("cases.read")]) -> Response:
    """行政处罚决定书 / 责令改正违法行为决定书 (Word); the file's SHA-256 goes to the case."""
    view = _case_for(db, user, case_id)
    folder = ctx_of(request).settings.reports_dir / "cases"
    issued = (view.stage_dates.get("decision", date.today()) if kind == "penalty" else
              date.fromisoformat(view.correction["on"]) if view.correction else
              view.stage_dates.get("decision", date.today()))
    out, sha = write_decision(view, kind, folder / f"{KINDS.get(kind, (kind,))[0]}-"
                              f"{view.case.number}.docx", authority=AUTHORITY, prefix=PREFIX,
                              issued_on=issued)
    C.record_document(db, view.case, kind=kind, path=out.name, sha256=sha, actor=user.username,
                      on_date=date.today())
    return FileResponse(out, filename=out.name,
                        media_type="application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document")
