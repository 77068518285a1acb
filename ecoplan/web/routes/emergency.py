"""重污染天气应急 / Heavy-pollution response page: the current state (a banner in the level's
colour), the measures in force per enterprise and site, the inspection entry of departments,
and the history of responses with their events.

Everything is read and written through :mod:`ecoplan.supervision.emergency` (the same calls as
``ecoplan emergency …``); warnings are issued, changed and lifted from the CLI by the bureau.
Who may do what: ``emergency.read`` (every signed-in role) and ``emergency.inspect`` (admin,
analyst, department) in :mod:`ecoplan.web.permissions`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from ecoplan.errors import Location
from ecoplan.web import flash, render
from ecoplan.web.deps import DbDep, Forbidden, LoggedIn, Principal, ctx_of
from ecoplan.web.inputs import NOTE_MAX, check_not_future

router = APIRouter()


def need(action: str) -> Any:
    """Dependency: the signed-in user's role must allow ``action``."""

    def _check(user: LoggedIn) -> Principal:
        if not user.can(action):
            raise Forbidden(action)
        return user

    return Depends(_check)


@router.get("/emergency", include_in_schema=False)
def emergency_page(request: Request, user: Annotated[Principal, need("emergency.read")]  # type: ignore[no-untyped-def]
                   ) -> Response:
    from ecoplan.supervision import emergency as em

    engine = ctx_of(request).engine
    now = em.now_local()
    in_force = em.measures_in_force(engine, now)
    history = [st.as_dict() for st in em.responses(engine)]
    current = in_force["response"]
    checks = em.inspections(engine, current["id"]) if current else []
    subjects = sorted({(m["credit_code"], m["subject_name"]) for m in in_force["measures"]},
                      key=lambda x: x[1])
    return render.page(request, "emergency.html", in_force=in_force, current=current,
                       history=history, inspections=checks, now=now, subjects=subjects,
                       can_inspect=user.can("emergency.inspect"), message=flash.read(request),
                       LEVEL_NAMES=em.LEVEL_NAMES, LEVEL_COLOURS=em.LEVEL_COLOURS,
                       EVENT_NAMES=em.EVENT_NAMES)


@router.post("/emergency/inspections", include_in_schema=False)
def add_inspection(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                   user: Annotated[Principal, need("emergency.inspect")],
                   credit_code: Annotated[str, Form()] = "",
                   complied: Annotated[str, Form()] = "",
                   inspected_at: Annotated[str | None, Form()] = None,
                   note: Annotated[str | None, Form(max_length=NOTE_MAX)] = None,
                   evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
    from ecoplan.supervision import emergency as em
    from ecoplan.web import audit
    from ecoplan.web import evidence as evidence_files

    ctx = ctx_of(request)
    try:
        at = (datetime.fromisoformat(inspected_at.strip().replace("T", " "))
              if inspected_at and inspected_at.strip() else em.now_local())
    except ValueError:
        raise em.EmergencyError(f"检查时间无法识别：{inspected_at!r}",
                                f"Unrecognised inspection time: {inspected_at!r}",
                                location=Location(field="inspected_at")) from None
    if complied not in ("yes", "no"):
        raise em.EmergencyError("请选择是否落实措施", "Choose whether the measures were carried out",
                                location=Location(field="complied"))
    st = em.active_response(ctx.engine, at)
    if st is None:
        raise em.EmergencyError(f"{at:%Y-%m-%d %H:%M} 没有执行中的应急响应",
                                f"No response in force at {at:%Y-%m-%d %H:%M}",
                                location=Location(field="inspected_at"))
    check_not_future(at, "inspected_at", ctx.future_tolerance_days)
    refs = [evidence_files.store(db, ctx.home, user.username, up.filename, up.file,
                                 ctx.max_evidence_bytes, "emergency_inspection",
                                 user.department_name)
            for up in evidence or [] if up is not None and up.filename]
    db.commit()  # release the request session's lock before the domain write (SQLite)
    department = user.department_name or user.username
    rid = em.record_inspection(ctx.engine, st.id, credit_code=credit_code, at=at,
                               complied=complied == "yes", department=department,
                               inspector=user.username, note=(note or "").strip() or None,
                               evidence=refs)
    audit.record(db, user.username, "create", "emergency_inspection", rid, None,
                 {"response_id": st.id, "credit_code": credit_code.strip(),
                  "complied": complied == "yes", "at": at.isoformat()})
    return flash.redirect(request, "/emergency", "inspection-recorded", "inspections", id=rid)
