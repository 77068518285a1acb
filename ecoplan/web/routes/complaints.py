"""信访投诉 / Complaints: the public form and statistics (no sign-in, CSRF-checked, limited per
client), and the internal pages: the list with due days, manual entry of letters/visits/phone
calls, the 12345 import, indicators, and a complaint's page (dispatch, handling, reply,
satisfaction, a case opened from it).

Everything goes through :mod:`ecoplan.supervision.complaints` (the same calls as
``ecoplan complaints``). Permissions: ``complaints.read`` every role (a department sees what was
dispatched to it), ``complaints.manage`` admin/analyst, ``complaints.handle`` the department the
complaint was dispatched to (checked per complaint).
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from ecoplan.store.case_models import Complaint
from ecoplan.supervision import complaints as Q
from ecoplan.web import flash, render
from ecoplan.web.deps import DbDep, Forbidden, Principal, ctx_of, lang_of, require
from ecoplan.web.inputs import NOTE_MAX
from ecoplan.web.routes.cases import day_of, departments

router = APIRouter(include_in_schema=False)



def _names(lang: str) -> dict[str, Any]:
    s = Q.settings()
    return {"channels": {k: v[lang] for k, v in s["channels"].items()},
            "categories": {k: v[lang] for k, v in s["categories"].items()},
            "satisfaction": {k: v[lang] for k, v in s["satisfaction"].items()},
            "status": {k: v[0 if lang == "zh" else 1] for k, v in Q.STATUS_NAMES.items()},
            "events": {k: v[0 if lang == "zh" else 1] for k, v in Q.EVENT_NAMES.items()}}


# ------------------------------------------------------------------ public
@router.get("/public/complaint")
def public_form(request: Request, db: DbDep) -> Response:
    lang = lang_of(request)
    return render.page(request, "complaint_public.html", names=_names(lang),
                       stats=Q.public_statistics(db), number=request.query_params.get("n"),
                       message=flash.read(request))


@router.post("/public/complaint")
def public_submit(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                  content: Annotated[str, Form(max_length=4000)] = "",
                  category: Annotated[str, Form(max_length=16)] = "other",
                  town: Annotated[str, Form(max_length=64)] = "",
                  place: Annotated[str, Form(max_length=300)] = "",
                  complainant: Annotated[str, Form(max_length=100)] = "",
                  contact: Annotated[str, Form(max_length=100)] = "") -> Response:
    """An anonymous complaint from the public site (CSRF-checked like every form; at most
    ``web_per_hour`` per client address, kept only as a hash)."""
    address = request.client.host if request.client else "?"
    c = Q.intake(db, channel="web", content=content, actor="public", received_on=date.today(),
                 category=category if category in Q.settings()["categories"] else "other",
                 town=town.strip() or None, place=place.strip() or None,
                 complainant=complainant.strip() or None, contact=contact.strip() or None,
                 client=Q.client_key(address))
    return flash.redirect(request, "/public/complaint", "case-step",
                          zh=f"已受理，编号 {c.number}。我们将在办理期限内答复。",
                          en=f"Received as {c.number}; we will reply within the handling period.")


# ------------------------------------------------------------------ internal
def _complaint_for(db: DbDep, user: Principal, cid: int) -> Q.ComplaintView:
    c = db.get(Complaint, cid)
    if c is None:
        raise Q.ComplaintError(f"没有该投诉：{cid}", f"no such complaint: {cid}")
    v = Q.complaint_view(db, c)
    if not (user.can("complaints.read_all") or (user.department_code
                                                 and v.department == user.department_code)):
        raise Forbidden("complaints.read")
    return v


@router.get("/complaints")
def complaints_page(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                    user: Annotated[Principal, require("complaints.read")]) -> Response:
    lang = lang_of(request)
    dept = None if user.can("complaints.read_all") else (user.department_code or "-")
    views = Q.list_complaints(db, department=dept)
    today = date.today()
    return render.page(request, "complaints.html", rows=[v.as_dict() for v in views],
                       names=_names(lang), can_manage=user.can("complaints.manage"),
                       ind=Q.indicators(views, date(today.year, 1, 1), today),
                       departments=departments(db), dept_names=dict(departments(db)),
                       message=flash.read(request))


@router.post("/complaints")
def add_complaint(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                  user: Annotated[Principal, require("complaints.manage")],
                  channel: Annotated[str, Form(max_length=16)] = "phone",
                  content: Annotated[str, Form(max_length=4000)] = "",
                  category: Annotated[str, Form(max_length=16)] = "other",
                  town: Annotated[str, Form(max_length=64)] = "",
                  place: Annotated[str, Form(max_length=300)] = "",
                  enterprise: Annotated[str, Form(max_length=18)] = "",
                  complainant: Annotated[str, Form(max_length=100)] = "",
                  contact: Annotated[str, Form(max_length=100)] = "",
                  received_on: Annotated[str, Form()] = "") -> Response:
    c = Q.intake(db, channel=channel, content=content, actor=user.username,
                 received_on=day_of(received_on, "received_on", ctx_of(request)),
                 category=category, town=town.strip() or None, place=place.strip() or None,
                 enterprise=enterprise.strip() or None, complainant=complainant.strip() or None,
                 contact=contact.strip() or None)
    return flash.redirect(request, f"/complaints/{c.id}", "case-step",
                          zh=f"已受理：{c.number}", en=f"Received: {c.number}")


@router.post("/complaints/import")
def import_12345(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                 user: Annotated[Principal, require("complaints.manage")],
                 file: Annotated[UploadFile, File()]) -> Response:
    lang = lang_of(request)
    name = Path(file.filename or "12345.xlsx").name
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(file.file.read())
        res = Q.import_12345(db, path, actor=user.username, lang=lang)
    details = ("；" if lang == "zh" else "; ").join(res.errors[:5])
    return flash.redirect(request, "/complaints", "case-step",
                          zh=f"导入 {name}：新增 {len(res.added)}，已导入过 {len(res.skipped)}，"
                             f"错误 {len(res.errors)}" + (f"（{details}）" if details else ""),
                          en=f"Imported {name}: {len(res.added)} added, {len(res.skipped)} "
                             f"already there, {len(res.errors)} errors"
                             + (f" ({details})" if details else ""))


@router.get("/complaints/{cid}")
def complaint_page(request: Request, db: DbDep, cid: int,  # type: ignore[no-untyped-def]
                   user: Annotated[Principal, require("complaints.read")]) -> Response:
    lang = lang_of(request)
    v = _complaint_for(db, user, cid)
    can_handle = user.can("complaints.manage") or (user.can("complaints.handle")
                                                   and v.department == user.department_code)
    return render.page(request, "complaint_detail.html", v=v, d=v.as_dict(), names=_names(lang),
                       can_manage=user.can("complaints.manage"), can_handle=can_handle,
                       can_open_case=user.can("cases.handle_all"),
                       departments=departments(db), dept_names=dict(departments(db)),
                       case_ids=_case_ids(db, v.cases), message=flash.read(request))


def _case_ids(db: DbDep, numbers: list[str]) -> dict[str, int]:
    from sqlalchemy import select

    from ecoplan.store.case_models import Case

    return dict(db.execute(select(Case.number, Case.id).where(Case.number.in_(numbers))).all())


def _done(request: Request, cid: int, zh: str, en: str) -> Response:
    return flash.redirect(request, f"/complaints/{cid}", "case-step", zh=zh, en=en)


@router.post("/complaints/{cid}/dispatch")
def dispatch(request: Request, db: DbDep, cid: int,  # type: ignore[no-untyped-def]
             user: Annotated[Principal, require("complaints.manage")],
             department: Annotated[str, Form(max_length=64)] = "",
             days: Annotated[str, Form(max_length=4)] = "",
             on_date: Annotated[str, Form()] = "") -> Response:
    v = _complaint_for(db, user, cid)
    ev = Q.dispatch(db, v.complaint, department=department, actor=user.username,
                    on_date=day_of(on_date, "on_date", ctx_of(request)),
                    days=int(days) if days.strip().isdigit() else None)
    return _done(request, cid, f"已交办 {department}，办理期限 {ev.due}",
                 f"Dispatched to {department}, due {ev.due}")


@router.post("/complaints/{cid}/handle")
def handle(request: Request, db: DbDep, cid: int,  # type: ignore[no-untyped-def]
           user: Annotated[Principal, require("complaints.handle")],
           note: Annotated[str, Form(max_length=NOTE_MAX)] = "",
           on_date: Annotated[str, Form()] = "") -> Response:
    v = _complaint_for(db, user, cid)
    if not (user.can("complaints.manage") or v.department == user.department_code):
        raise Forbidden("complaints.handle")
    Q.handle(db, v.complaint, note=note, actor=user.username,
             on_date=day_of(on_date, "on_date", ctx_of(request)))
    return _done(request, cid, "已登记办理情况", "Handling recorded")


@router.post("/complaints/{cid}/reply")
def reply(request: Request, db: DbDep, cid: int,  # type: ignore[no-untyped-def]
          user: Annotated[Principal, require("complaints.manage")],
          text: Annotated[str, Form(max_length=NOTE_MAX)] = "",
          on_date: Annotated[str, Form()] = "") -> Response:
    v = _complaint_for(db, user, cid)
    Q.reply(db, v.complaint, text=text, actor=user.username,
            on_date=day_of(on_date, "on_date", ctx_of(request)))
    return _done(request, cid, "已答复投诉人", "Replied")


@router.post("/complaints/{cid}/rate")
def rate(request: Request, db: DbDep, cid: int,  # type: ignore[no-untyped-def]
         user: Annotated[Principal, require("complaints.manage")],
         level: Annotated[str, Form(max_length=16)] = "") -> Response:
    v = _complaint_for(db, user, cid)
    Q.rate(db, v.complaint, level=level, actor=user.username, on_date=date.today())
    return _done(request, cid, "已登记满意度", "Satisfaction recorded")


@router.post("/complaints/{cid}/case")
def open_case(request: Request, db: DbDep, cid: int,  # type: ignore[no-untyped-def]
              user: Annotated[Principal, require("cases.handle_all")],
              title: Annotated[str, Form(max_length=300)] = "",
              party_name: Annotated[str, Form(max_length=200)] = "",
              department: Annotated[str, Form(max_length=64)] = "",
              enterprise: Annotated[str, Form(max_length=18)] = "") -> Response:
    v = _complaint_for(db, user, cid)
    case = Q.open_case_from(db, v.complaint, title=title, party_name=party_name,
                            department=department, actor=user.username, on_date=date.today(),
                            enterprise=enterprise.strip() or None)
    return flash.redirect(request, f"/cases/{case.id}", "case-step",
                          zh=f"已由投诉 {v.complaint.number} 立案：{case.number}",
                          en=f"Case {case.number} opened from {v.complaint.number}")
