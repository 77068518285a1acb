"""Device page card for HJ 212-2025 keys: key age and state for readers; rotate and revoke for
admins (the same calls as ``ecoplan devices key rotate|revoke``). Never shows a key."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ecoplan.devices.keys import get_profile, issue_key, key_report, revoke, vault_for
from ecoplan.store import audit
from ecoplan.web import render
from ecoplan.web.deps import DbDep, Principal, ctx_of, require
from ecoplan.web.routes.devices import Reader, device_or_404

router = APIRouter()

STATES = {"active": ("有效", "active"), "pending-delivery": ("待下发", "pending delivery"),
          "grace": ("宽限期内", "in grace window"), "retired": ("已停用", "retired"),
          "expired": ("已到期", "expired"), "revoked": ("已吊销", "revoked")}


@router.get("/devices/{mn}/keys", include_in_schema=False)
def keys_fragment(request: Request, mn: str,  # type: ignore[no-untyped-def]
                  user: Annotated[Principal, Reader]) -> Response:
    """The key card of the device page (loaded with htmx)."""
    ctx = ctx_of(request)
    lang = getattr(request.state, "lang", "zh")
    d = device_or_404(ctx, user, mn, lang)
    keys = key_report(ctx.engine, mn)
    for k in keys:
        k["state_text"] = STATES.get(k["state"], (k["state"], k["state"]))[0 if lang == "zh" else 1]
    return render.page(request, "devices_keys.html", d=d, keys=keys,
                       profile=get_profile(ctx.engine, mn), when=render.beijing,
                       can_manage=user.can("devices.approve"))


def _back(mn: str, msg: str) -> Response:
    return RedirectResponse(f"/devices/{quote(mn)}?message={quote(msg)}#keys-card",
                            status_code=303)


@router.post("/devices/{mn}/keys/rotate", include_in_schema=False)
def rotate_key(request: Request, mn: str, db: DbDep,  # type: ignore[no-untyped-def]
               user: Annotated[Principal, require("devices.approve")]) -> Response:
    """Rotate now: the new key is delivered by the gateway with CN 1014, never shown."""
    ctx = ctx_of(request)
    lang = getattr(request.state, "lang", "zh")
    device_or_404(ctx, user, mn, lang)
    db.commit()
    key, _text = issue_key(ctx.engine, vault_for(ctx.workspace), mn, origin="rotation",
                           actor=user.username)
    audit.record(db, user.username, "rotate-key", "hj212_device", mn, None,
                 {"key_id": key.id, "fingerprint": key.fingerprint})
    return _back(mn, f"已轮换密钥（指纹 {key.fingerprint}），网关将以 CN 1014 下发" if lang == "zh"
                 else f"Key rotated (fingerprint {key.fingerprint}); the gateway delivers it "
                 "with CN 1014")


@router.post("/devices/{mn}/keys/revoke", include_in_schema=False)
def revoke_keys(request: Request, mn: str, db: DbDep,  # type: ignore[no-untyped-def]
                user: Annotated[Principal, require("devices.approve")]) -> Response:
    """Revoke every key of the device: its encrypted packets are refused at once."""
    ctx = ctx_of(request)
    lang = getattr(request.state, "lang", "zh")
    device_or_404(ctx, user, mn, lang)
    db.commit()
    ids = revoke(ctx.engine, mn, actor=user.username)
    audit.record(db, user.username, "revoke-key", "hj212_device", mn, None, {"key_ids": ids})
    return _back(mn, f"已吊销密钥 {ids}" if lang == "zh" else f"Revoked keys {ids}")
