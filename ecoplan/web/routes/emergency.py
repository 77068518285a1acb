"""重污染天气应急 / Heavy-pollution response page: the current state (a banner in the level's
colour), the measures in force per enterprise and site, the inspection entry of departments,
and the history of responses with their events.

Everything is read and written through :mod:`ecoplan.supervision.emergency` (the same calls as
``ecoplan emergency …``, the same append-only events): the bureau issues, upgrades, downgrades,
extends and lifts a warning here and downloads the 应急响应通知 (Word) as the CLI writes it.
Who may do what: ``emergency.read`` (every signed-in role), ``emergency.inspect`` (admin,
analyst, department) and ``emergency.manage`` (admin, analyst) in :mod:`ecoplan.web.permissions`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, Response

from ecoplan.errors import Location
from ecoplan.store import audit
from ecoplan.supervision import emergency as em
from ecoplan.supervision.emergency_notice import write_notice
from ecoplan.web import evidence as evidence_files
from ecoplan.web import flash, render
from ecoplan.web.deps import DbDep, Principal, ctx_of, require
from ecoplan.web.inputs import NOTE_MAX, check_not_future

router = APIRouter()


@router.get("/emergency", include_in_schema=False)
def emergency_page(request: Request, user: Annotated[Principal, require("emergency.read")]  # type: ignore[no-untyped-def]
                   ) -> Response:
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
                       can_manage=user.can("emergency.manage"), LEVELS=em.LEVELS,
                       LEVEL_NAMES=em.LEVEL_NAMES, LEVEL_COLOURS=em.LEVEL_COLOURS,
                       EVENT_NAMES=em.EVENT_NAMES)


@router.post("/emergency/inspections", include_in_schema=False)
def add_inspection(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                   user: Annotated[Principal, require("emergency.inspect")],
                   credit_code: Annotated[str, Form()] = "",
                   complied: Annotated[str, Form()] = "",
                   inspected_at: Annotated[str | None, Form()] = None,
                   note: Annotated[str | None, Form(max_length=NOTE_MAX)] = None,
                   evidence: Annotated[list[UploadFile] | None, File()] = None) -> Response:
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


# ------------------------------------------------------------------ the warning's lifecycle
def _when(raw: str | None, field: str, *, required: bool = True) -> datetime | None:
    text = (raw or "").strip()
    if not text:
        if required:
            return em.now_local()
        return None
    try:
        return datetime.fromisoformat(text.replace("T", " "))
    except ValueError:
        raise em.EmergencyError(f"时间无法识别：{text!r}", f"Unrecognised time: {text!r}",
                                location=Location(field=field)) from None


def _done(request: Request, zh: str, en: str) -> Response:
    return flash.redirect(request, "/emergency", "emergency-step", zh=zh, en=en)


@router.post("/emergency/issue", include_in_schema=False)
def issue_warning(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                  user: Annotated[Principal, require("emergency.manage")],
                  level: Annotated[str, Form()] = "", doc_no: Annotated[str, Form()] = "",
                  start: Annotated[str | None, Form()] = None,
                  planned_end: Annotated[str | None, Form()] = None,
                  area: Annotated[str, Form()] = "交城县",
                  note: Annotated[str | None, Form()] = None) -> Response:
    """发布预警、启动应急响应（同 ecoplan emergency issue）。"""

    db.commit()  # release the request session's lock before the domain write (SQLite)
    st = em.issue(ctx_of(request).engine, level=level or None, start=_when(start, "start"),  # type: ignore[arg-type]
                  planned_end=_when(planned_end, "planned_end", required=False), doc_no=doc_no,
                  area=area.strip() or "交城县", actor=user.username,
                  note=(note or "").strip() or None)
    audit.record(db, user.username, "issue", "emergency_response", st.id, None,
                 {"level": st.level, "doc_no": doc_no.strip()})
    zh, en = em.LEVEL_NAMES[st.level or "yellow"]
    return _done(request, f"已发布{zh}，启动应急响应 {st.id}（{doc_no.strip()}）",
                 f"Issued {en}: response {st.id} ({doc_no.strip()})")


@router.post("/emergency/{response_id}/change", include_in_schema=False)
def change_warning(request: Request, db: DbDep, response_id: int,  # type: ignore[no-untyped-def]
                   user: Annotated[Principal, require("emergency.manage")],
                   doc_no: Annotated[str, Form()] = "", level: Annotated[str, Form()] = "",
                   at: Annotated[str | None, Form()] = None,
                   planned_end: Annotated[str | None, Form()] = None,
                   note: Annotated[str | None, Form()] = None) -> Response:
    """升级、降级或延长（同 ecoplan emergency change）。"""

    engine = ctx_of(request).engine
    before = em.response_state(engine, response_id)
    db.commit()
    st = em.change(engine, response_id, at=_when(at, "at"), doc_no=doc_no,  # type: ignore[arg-type]
                   level=level or None,
                   planned_end=_when(planned_end, "planned_end", required=False),
                   actor=user.username, note=(note or "").strip() or None)
    kind = st.events[-1]["kind"] if st.events else "changed"
    audit.record(db, user.username, kind, "emergency_response", response_id,
                 {"level": before.level if before else None}, {"level": st.level})
    zh, en = em.EVENT_NAMES.get(kind, (kind, kind))
    lz, le = em.LEVEL_NAMES[st.level or "yellow"]
    return _done(request, f"应急响应 {response_id} 已{zh}：{lz}", f"Response {response_id} {en}: {le}")


@router.post("/emergency/{response_id}/lift", include_in_schema=False)
def lift_warning(request: Request, db: DbDep, response_id: int,  # type: ignore[no-untyped-def]
                 user: Annotated[Principal, require("emergency.manage")],
                 doc_no: Annotated[str, Form()] = "", at: Annotated[str | None, Form()] = None,
                 note: Annotated[str | None, Form()] = None) -> Response:
    """解除应急响应（同 ecoplan emergency lift）。"""

    db.commit()
    em.lift(ctx_of(request).engine, response_id, at=_when(at, "at"), doc_no=doc_no,  # type: ignore[arg-type]
            actor=user.username, note=(note or "").strip() or None)
    audit.record(db, user.username, "lift", "emergency_response", response_id, None,
                 {"doc_no": doc_no.strip()})
    return _done(request, f"应急响应 {response_id} 已解除", f"Response {response_id} lifted")


@router.get("/emergency/notice.docx", include_in_schema=False)
def notice(request: Request, user: Annotated[Principal, require("emergency.read")],  # type: ignore[no-untyped-def]
           at: str | None = None) -> Response:
    """应急响应通知（Word，含减排措施清单），与 ecoplan emergency notice 相同；副本存入报告目录。"""

    ctx = ctx_of(request)
    in_force = em.measures_in_force(ctx.engine, _when(at, "at"))
    resp = in_force.get("response")
    folder = ctx.settings.reports_dir / "emergency"
    folder.mkdir(parents=True, exist_ok=True)
    rid = resp["id"] if resp else 0
    out = write_notice(in_force, folder / f"应急响应通知-{rid}-{em.now_local():%Y%m%d%H%M}.docx")
    return FileResponse(out, filename=out.name,
                        media_type="application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document")
