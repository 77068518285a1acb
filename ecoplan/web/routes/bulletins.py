"""Bulletins (环境质量公报) and the daily data audit (数据审核) on the web.

* ``/reports`` lists the bulletins (drafts and published); an analyst (``bulletin.approve``)
  approves a draft, which publishes it; ``/public/bulletins`` lists the published ones for
  everybody, with the Word file to download.
* ``/audit/day`` is the auditor's day view of one air station (``data.audit``): raw hours,
  automatic suggestions, decisions with reason codes, lock and re-open — the same calls as
  ``ecoplan audit-day`` (:mod:`ecoplan.store.data_audit`, all appended).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response

from ecoplan.assess.data_audit import DATASET, day_view
from ecoplan.assess.indicators import county_town_stations
from ecoplan.errors import Location
from ecoplan.nomenclature import AIR_POLLUTANTS, DISPLAY, UNITS
from ecoplan.standards.audit_reasons import audit_reasons
from ecoplan.store import bulletins, data_audit
from ecoplan.store.db import session_scope
from ecoplan.web import flash, render
from ecoplan.web.deps import DbDep, Principal, ctx_of, require

router = APIRouter(include_in_schema=False)


def bulletin_rows(request: Request, *, published_only: bool) -> list[bulletins.BulletinRow]:
    with session_scope(ctx_of(request).engine) as s:
        return bulletins.listing(s, published_only=published_only)


@router.get("/reports/bulletins")
def bulletins_page(request: Request, user: Annotated[Principal, require("read.internal")]  # type: ignore[no-untyped-def]
                   ) -> Response:
    return render.page(request, "bulletins.html", rows=bulletin_rows(request, published_only=False),
                       can_approve=user.can("bulletin.approve"), message=flash.read(request),
                       public=False)


@router.post("/reports/bulletins/{bulletin_id}/approve")
def approve(request: Request, db: DbDep, bulletin_id: int,  # type: ignore[no-untyped-def]
            user: Annotated[Principal, require("bulletin.approve")],
            note: Annotated[str | None, Form(max_length=500)] = None) -> Response:
    db.commit()  # release the request session's lock before the domain write (SQLite)
    with session_scope(ctx_of(request).engine) as s:
        row = bulletins.approve(s, bulletin_id, user.username, (note or "").strip() or None)
    return flash.redirect(request, "/reports/bulletins", "step-done",
                          zh=f"公报 {row.id}（{row.period}）已审核发布",
                          en=f"Bulletin {row.id} ({row.period}) approved and published")


def _file(request: Request, bulletin_id: int, *, published_only: bool) -> Response:
    try:
        with session_scope(ctx_of(request).engine) as s:
            row = bulletins.get(s, bulletin_id)
    except bulletins.BulletinStateError:
        return Response(status_code=404)
    path = Path(row.file)
    if (published_only and row.state != "published") or not path.is_file():
        return Response(status_code=404)
    return FileResponse(path, filename=path.name, media_type=(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))


@router.get("/reports/bulletins/{bulletin_id}/file")
def internal_file(request: Request, bulletin_id: int,  # type: ignore[no-untyped-def]
                  user: Annotated[Principal, require("read.internal")]) -> Response:
    return _file(request, bulletin_id, published_only=False)


@router.get("/public/bulletins")
def public_bulletins(request: Request) -> Response:
    return render.page(request, "bulletins.html", rows=bulletin_rows(request, published_only=True),
                       can_approve=False, message=None, public=True)


@router.get("/public/bulletins/{bulletin_id}/file")
def public_file(request: Request, bulletin_id: int) -> Response:
    return _file(request, bulletin_id, published_only=True)


# ------------------------------------------------------------------ the daily data audit
def audit_note(ctx: Any, year: int | None) -> dict[str, int] | None:
    """How many county-town station-days of ``year`` are audited (locked): the public air page
    says the rest are 未审核 (unaudited real-time data)."""
    ws = ctx.workspace
    if ws is None or year is None:
        return None
    stations = county_town_stations(ws)
    if not stations:
        return None
    last = min(date(year, 12, 31), date.today())
    if last < date(year, 1, 1):
        return None
    audited, total = data_audit.audit_coverage(ctx.engine, DATASET, stations, date(year, 1, 1),
                                               last)
    return {"year": year, "audited": audited, "total": total}


def _day(raw: str | None) -> date:
    if not raw:
        return date.today() - timedelta(days=1)  # the audit is of yesterday's data
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise data_audit.DataAuditError(f"日期无效：{raw}", f"Invalid date: {raw}",
                                        location=Location(field="date")) from None


@router.get("/audit/day")
def audit_day(request: Request, user: Annotated[Principal, require("data.audit")],  # type: ignore[no-untyped-def]
              site: str | None = None, date: str | None = None) -> Response:  # noqa: A002
    ctx = ctx_of(request)
    ws = ctx.workspace
    sites = county_town_stations(ws) if ws is not None else []
    site = site or (sites[0] if sites else "")
    if site and site not in sites:
        sites = [site, *sites]
    day = _day(date)
    view = day_view(ws, site, day) if ws is not None and site else None
    hours = []
    if view is not None:
        for r in view.hours.to_dict("records"):
            label = r["timestamp"].strftime("%Y-%m-%d %H:%M")
            cells = []
            for p in AIR_POLLUTANTS:
                v, flag = r.get(p), r.get(f"{p}_flag")
                cells.append((p, None if v is None or v != v else v,
                              flag if isinstance(flag, str) and flag else None,
                              view.in_force.get((label, p))))
            hours.append({"label": label, "hour": r["timestamp"].strftime("%H:%M"),
                          "cells": cells})
    medium_reasons = [r for r in audit_reasons().values() if r.fits("air")]
    return render.page(request, "audit_day.html", sites=sites, site=site, day=day, view=view,
                       hours=hours, pollutants=AIR_POLLUTANTS, reasons=medium_reasons,
                       display=DISPLAY, units=UNITS,
                       message=flash.read(request))


def _back(request: Request, site: str, day: date, zh: str, en: str) -> Response:
    ctx = ctx_of(request)
    if ctx.workspace is not None:
        ctx.workspace.forget_results()
    ctx.invalidate()
    resp = flash.redirect(request, "/audit/day", "step-done", zh=zh, en=en)
    resp.headers["location"] += f"&site={site}&date={day}"
    return resp


@router.post("/audit/day/decide")
def audit_decide(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                 user: Annotated[Principal, require("data.audit")],
                 site: Annotated[str, Form(max_length=32)], day: Annotated[str, Form()],
                 hour: Annotated[int, Form(ge=1, le=24)], parameter: Annotated[str, Form()],
                 reason: Annotated[str, Form(max_length=8)],
                 note: Annotated[str | None, Form(max_length=500)] = None) -> Response:
    d = _day(day)
    if parameter not in AIR_POLLUTANTS:
        raise data_audit.DataAuditError(f"未知的项目：{parameter}", f"Unknown parameter: {parameter}",
                                        location=Location(field="parameter"))
    db.commit()
    with session_scope(ctx_of(request).engine) as s:
        data_audit.decide(s, dataset=DATASET, site=site, parameter=parameter, code=reason,
                          timestamp=datetime(d.year, d.month, d.day) + timedelta(hours=hour),
                          actor=user.username, note=(note or "").strip() or None)
    return _back(request, site, d, f"已记录 {site} {d} {hour:02d}:00 {parameter} 的审核结论（{reason}）",
                 f"Decision recorded for {site} {d} {hour:02d}:00 {parameter} ({reason})")


@router.post("/audit/day/lock")
def audit_lock(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
               user: Annotated[Principal, require("data.audit")],
               site: Annotated[str, Form(max_length=32)], day: Annotated[str, Form()]) -> Response:
    d = _day(day)
    db.commit()
    with session_scope(ctx_of(request).engine) as s:
        data_audit.lock(s, dataset=DATASET, site=site, day=d, actor=user.username)
    return _back(request, site, d, f"{site} {d} 已审核锁定", f"{site} {d} locked")


@router.post("/audit/day/reopen")
def audit_reopen(request: Request, db: DbDep,  # type: ignore[no-untyped-def]
                 user: Annotated[Principal, require("data.audit")],
                 site: Annotated[str, Form(max_length=32)], day: Annotated[str, Form()],
                 reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    d = _day(day)
    db.commit()
    with session_scope(ctx_of(request).engine) as s:
        data_audit.reopen(s, dataset=DATASET, site=site, day=d, actor=user.username, reason=reason)
    return _back(request, site, d, f"{site} {d} 已重新打开", f"{site} {d} re-opened")
