"""执法检查 / Inspections: indicators of the period (done vs planned, share of enterprises
inspected), the draws (双随机) with their verification, the inspection records, a phone-width
record form that keeps drafts on the phone while offline, and the public draw results.

Everything is read and written through :mod:`ecoplan.supervision.inspection_draw` and
:mod:`ecoplan.supervision.inspections` (the same calls as ``ecoplan inspect …``). Who may do what
(:mod:`ecoplan.web.permissions`): ``inspections.read`` (every role; a department user sees the
records of its own department only), ``inspections.read_all``, ``inspections.record`` (admin,
analyst, department) and ``inspections.draw`` (admin, analyst).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from ecoplan.errors import EcoplanError, Location
from ecoplan.store.inspection_models import Inspection
from ecoplan.supervision import inspection_draw as D
from ecoplan.supervision import inspections as I
from ecoplan.supervision import sources as S
from ecoplan.web import evidence as evidence_files
from ecoplan.web import flash, render
from ecoplan.web.deps import DbDep, Forbidden, Principal, ctx_of, require
from ecoplan.web.inputs import BEIJING, NOTE_MAX

router = APIRouter()


class NotFound(EcoplanError):
    http_status = 404


def _scope(user: Principal) -> str | None:
    """The department whose records a user may see (None: all)."""
    if user.can("inspections.read_all"):
        return None
    return user.department_name or f"user:{user.username}"


def _period(raw: str | None) -> str:
    return D.parse_period(raw)[0] if raw else str(date.today().year)


@router.get("/inspections", include_in_schema=False)
def inspections_page(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                     user: Annotated[Principal, require("inspections.read")]) -> Response:
    period = _period(request.query_params.get("period"))
    label, start, end = D.parse_period(period)
    scope = _scope(user)
    records = I.list_inspections(db, start, end, department=scope)
    draws = [d for d in D.list_draws(db) if d.period_start <= end and d.period_end >= start]
    if not user.can("inspections.read_all"):  # before publication only the bureau sees a draw
        draws = [d for d in draws if D.published_on(db, d) <= date.today()]
    return render.page(request, "inspections.html", period=label, stats=I.stats(db, label),
                       records=records, draws=draws, scope=scope, message=flash.read(request),
                       published_on={d.id: D.published_on(db, d) for d in draws},
                       can_record=user.can("inspections.record"),
                       can_draw=user.can("inspections.draw"), KINDS=I.KINDS, today=date.today(),
                       default_period=D.period_of(date.today(), D.load_config(
                           None, ctx_of(request).home)["period"]))


@router.get("/inspections/new", include_in_schema=False)
def new_form(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
             user: Annotated[Principal, require("inspections.record")]) -> Response:
    home = ctx_of(request).home
    lists = I.load_checklists(home)
    ents = [{"code": e.credit_code, "name": e.name,
             "checklist": I.checklist_for_industry(e.industry, home)}
            for e in S.list_enterprises(db)]
    return render.page(request, "inspection_form.html", enterprises=ents, checklists=lists,
                       inspectors=D.list_inspectors(db, active_only=True),
                       draws=D.list_draws(db)[:10], ANSWER_NAMES=I.ANSWER_NAMES, KINDS=I.KINDS,
                       now=datetime.now(BEIJING).strftime("%Y-%m-%dT%H:%M"))


def _float(raw: str | None, field: str) -> float | None:
    if raw is None or not raw.strip():
        return None
    try:
        return float(raw)
    except ValueError:
        raise I.InspectionError(f"{field} 不是数字：{raw}", f"{field} is not a number: {raw}",
                                location=Location(field=field)) from None


@router.post("/inspections/records", include_in_schema=False)
async def create_record(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                        user: Annotated[Principal, require("inspections.record")],
                        enterprise: Annotated[str, Form()] = "",
                        inspected_at: Annotated[str, Form()] = "",
                        inspectors: Annotated[list[str] | None, Form()] = None,
                        place: Annotated[str | None, Form(max_length=NOTE_MAX)] = None,
                        latitude: Annotated[str | None, Form()] = None,
                        longitude: Annotated[str | None, Form()] = None,
                        checklist: Annotated[str | None, Form()] = None,
                        findings: Annotated[str | None, Form(max_length=NOTE_MAX)] = None,
                        representative: Annotated[str | None, Form()] = None,
                        confirmed: Annotated[str | None, Form()] = None,
                        confirmation_note: Annotated[str | None, Form()] = None,
                        note: Annotated[str | None, Form(max_length=NOTE_MAX)] = None,
                        draw_id: Annotated[str | None, Form()] = None,
                        kind: Annotated[str, Form()] = "random",
                        client_uuid: Annotated[str | None, Form()] = None,
                        evidence: Annotated[list[UploadFile] | None, File()] = None
                        ) -> Response:
    """Record an inspection (the form, or a draft sent from a phone when it is online)."""
    ctx = ctx_of(request)
    form = await request.form()
    items = {str(k)[5:]: str(v) for k, v in form.multi_items()
             if str(k).startswith("item:") and str(v)}
    try:
        at = datetime.fromisoformat(inspected_at.strip().replace("T", " "))
    except ValueError:
        raise I.InspectionError(f"检查时间无法识别：{inspected_at!r}",
                                f"Unrecognised inspection time: {inspected_at!r}",
                                location=Location(field="inspected_at")) from None
    refs = [evidence_files.store(db, ctx.home, user.username, up.filename, up.file,
                                 ctx.max_evidence_bytes, "inspection", user.department_name)
            for up in evidence or [] if up is not None and up.filename]
    head = I.record_inspection(
        db, enterprise, inspected_at=at, inspectors=inspectors or [], actor=user.username,
        place=place, latitude=_float(latitude, "latitude"),
        longitude=_float(longitude, "longitude"), checklist=checklist or None, items=items,
        findings=[line for line in (findings or "").splitlines() if line.strip()],
        evidence=refs, representative=representative, confirmed=confirmed in ("on", "yes", "1"),
        confirmation_note=confirmation_note, note=note,
        department=None if user.can("inspections.read_all") else _scope(user),
        draw_id=int(draw_id) if draw_id and draw_id.strip() else None, kind=kind,
        client_uuid=(client_uuid or "").strip() or None, home=ctx.home)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"id": head.id, "client_uuid": head.client_uuid})
    return flash.redirect(request, f"/inspections/{head.id}", "inspection-recorded", id=head.id)


def _readable(db: Any, user: Principal, inspection_id: int) -> Inspection:
    try:
        head = I.get_inspection(db, inspection_id)
    except I.InspectionError:
        raise NotFound(f"没有检查记录 {inspection_id}", f"No inspection {inspection_id}") from None
    scope = _scope(user)
    if scope is not None and head.department != scope:
        raise Forbidden("inspections.read_all")
    return head


@router.get("/inspections/{inspection_id:int}", include_in_schema=False)
def record_page(request: Request, db: DbDep, inspection_id: int,  # type: ignore[no-untyped-def]
                user: Annotated[Principal, require("inspections.read")]) -> Response:
    head = _readable(db, user, inspection_id)
    d = I.inspection_dict(db, head, history=True)
    lists = I.load_checklists(ctx_of(request).home)
    return render.page(request, "inspection_detail.html", r=d, checklists=lists,
                       ANSWER_NAMES=I.ANSWER_NAMES, KINDS=I.KINDS, message=flash.read(request),
                       can_correct=user.can("inspections.record"))


@router.post("/inspections/{inspection_id:int}/correct", include_in_schema=False)
def correct_record(request: Request, db: DbDep, inspection_id: int,  # type: ignore[no-untyped-def]
                   user: Annotated[Principal, require("inspections.record")],
                   reason: Annotated[str, Form(max_length=NOTE_MAX)] = "",
                   findings: Annotated[str | None, Form(max_length=NOTE_MAX)] = None,
                   representative: Annotated[str | None, Form()] = None,
                   confirmed: Annotated[str | None, Form()] = None,
                   note: Annotated[str | None, Form(max_length=NOTE_MAX)] = None) -> Response:
    """A correction (new version) of the findings, the confirmation or the note."""
    _readable(db, user, inspection_id)
    v = I.correct_inspection(
        db, inspection_id, reason=reason, actor=user.username, home=ctx_of(request).home,
        findings=([line for line in findings.splitlines() if line.strip()]
                  if findings is not None else None),
        representative=representative or None,
        confirmed=(confirmed in ("on", "yes", "1")) if confirmed is not None else None,
        note=note or None)
    return flash.redirect(request, f"/inspections/{inspection_id}", "inspection-corrected",
                          id=inspection_id, version=v.version)


# ---------------------------------------------------------------- draws
@router.post("/inspections/draws", include_in_schema=False)
def make_draw(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
              user: Annotated[Principal, require("inspections.draw")],
              period: Annotated[str, Form()] = "") -> Response:
    """A draw with the workspace's configuration (同 ecoplan inspect draw)."""
    cfg = D.load_config(None, ctx_of(request).home)
    row = D.run_draw(db, period or D.period_of(date.today(), cfg["period"]),
                     actor=user.username, config=cfg)
    return flash.redirect(request, "/inspections", "draw-made", id=row.id, period=row.period,
                          n=len(row.result))


@router.post("/inspections/draws/{draw_id:int}/publish", include_in_schema=False)
def publish_draw(request: Request, db: DbDep, draw_id: int,  # type: ignore[no-untyped-def]
                 user: Annotated[Principal, require("inspections.draw")]) -> Response:
    row = D.get_draw(db, draw_id)
    D.publish(db, draw_id, actor=user.username)
    return flash.redirect(request, "/inspections", "draw-published", id=draw_id,
                          period=row.period)


@router.get("/inspections/draws/{draw_id:int}", include_in_schema=False)
def draw_page(request: Request, db: DbDep, draw_id: int,  # type: ignore[no-untyped-def]
              user: Annotated[Principal, require("inspections.read")]) -> Response:
    row = D.get_draw(db, draw_id)
    if not user.can("inspections.read_all") and D.published_on(db, row) > date.today():
        raise Forbidden("inspections.read_all")
    return render.page(request, "inspection_draw.html", d=D.draw_document(row),
                       check=D.verify_draw(db, draw_id), public_from=D.published_on(db, row),
                       public=False)


def _public_draw(db: Any, draw_id: int) -> Any:
    try:
        row = D.get_draw(db, draw_id)
    except D.DrawError:
        row = None
    if row is None or D.published_on(db, row) > date.today():
        raise NotFound(f"抽查 {draw_id} 尚未公开", f"Draw {draw_id} is not public")
    return row


@router.get("/public/inspections", include_in_schema=False)
def public_draws(request: Request, db: DbDep) -> Response:  # type: ignore[no-untyped-def]
    today = date.today()
    return render.page(request, "public_inspections.html",
                       draws=[D.draw_document(d) for d in D.public_draws(db, today)])


@router.get("/public/inspections/{draw_id:int}.json", include_in_schema=False)
def public_draw_json(request: Request, db: DbDep, draw_id: int) -> Response:
    """The published draw (seed, pools, hashes, result): ``ecoplan inspect draw --verify-file``."""
    row = _public_draw(db, draw_id)
    body = json.dumps(D.draw_document(row), ensure_ascii=False, indent=1)
    return Response(body, media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="draw-{draw_id}.json"'})
