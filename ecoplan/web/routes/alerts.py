"""告警 / Notification centre: the alerts sent to the signed-in user (admins: all), unread
counts in the header, acknowledgement and comments (append-only events through
:mod:`ecoplan.supervision.alerts`, the same calls as ``ecoplan alerts ack``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from ecoplan.supervision import alerts as al
from ecoplan.web import flash, render
from ecoplan.web.deps import ctx_of, require
from ecoplan.web.inputs import NOTE_MAX

router = APIRouter(include_in_schema=False)
Reader = require("read.internal")


@router.get("/alerts")
def alerts_page(request: Request, user=Reader, show: str = "open") -> Response:  # type: ignore[no-untyped-def]
    engine = ctx_of(request).engine
    views = al.list_alerts(engine, username=user.username, role=user.role,
                           open_only=show == "open")
    unread = al.unread_count(engine, user.username, user.role)
    al.mark_read(engine, [v.alert.id for v in views], user.username)
    return render.page(request, "alerts.html", alerts=views, show=show, unread=unread,
                       message=flash.read(request), SEVERITY_NAMES=al.SEVERITY_NAMES)


@router.get("/alerts/badge")
def alerts_badge(request: Request, user=Reader) -> Response:  # type: ignore[no-untyped-def]
    n = al.unread_count(ctx_of(request).engine, user.username, user.role)
    label = f"{n}" if n else ""
    return HTMLResponse(f'<span id="alert-count" class="badge" data-count="{n}">{label}</span>')


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, alert_id: int, user=Reader) -> Response:  # type: ignore[no-untyped-def]
    engine = ctx_of(request).engine
    view = al.get_alert(engine, alert_id, username=user.username, role=user.role)
    al.mark_read(engine, [alert_id], user.username)
    return render.page(request, "alerts.html", alerts=[view], show="one", unread=0,
                       deliveries=al.deliveries(engine, alert_id),
                       message=flash.read(request), SEVERITY_NAMES=al.SEVERITY_NAMES)


@router.post("/alerts/{alert_id}/ack")
def alert_ack(request: Request, alert_id: int, user=Reader,  # type: ignore[no-untyped-def]
              text: Annotated[str | None, Form(max_length=NOTE_MAX)] = None) -> Response:
    al.acknowledge(ctx_of(request).engine, alert_id, user.username, role=user.role, text=text)
    return flash.redirect(request, f"/alerts/{alert_id}", "alert-acknowledged", id=alert_id)


@router.post("/alerts/{alert_id}/comment")
def alert_comment(request: Request, alert_id: int, user=Reader,  # type: ignore[no-untyped-def]
                  text: Annotated[str, Form(max_length=NOTE_MAX)] = "") -> Response:
    al.comment(ctx_of(request).engine, alert_id, user.username, text, role=user.role)
    return flash.redirect(request, f"/alerts/{alert_id}", "alert-commented", id=alert_id)
