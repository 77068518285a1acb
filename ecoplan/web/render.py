"""Rendering helpers: one ``page()`` that gives every template the language, the user, the
CSRF token and the navigation; ``chart()`` packs an ECharts option with its data table and rule."""

from __future__ import annotations

import json
import math
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import select as _select
from starlette.responses import Response

from ecoplan.assess.progress import status_name
from ecoplan.store.models import IngestBatch
from ecoplan.web.assets import content_hash
from ecoplan.web.context import fresh
from ecoplan.web.deps import resolve_principal
from ecoplan.web.inputs import BEIJING

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATUS_COLOURS = {
    "achieved": "#2e7d32",
    "on_track": "#66bb6a",
    "at_risk": "#f9a825",
    "off_track": "#c62828",
    "no_data": "#9e9e9e",
}
STATUS_LABELS = {
    "achieved": ("达标", "achieved"),
    "on_track": ("进展顺利", "on track"),
    "at_risk": ("存在风险", "at risk"),
    "off_track": ("滞后", "off track"),
    "no_data": ("无数据", "no data"),
}
STATE_LABELS = {
    "submitted": ("已提交", "submitted"),
    "reviewed": ("已审核", "reviewed"),
    "approved": ("已批准", "approved"),
    "rejected": ("已退回", "rejected"),
}

NAV = (
    ("/", "总览", "Overview", "read.internal"),
    ("/map", "地图", "Map", "read.internal"),
    ("/air", "大气", "Air", "read.internal"),
    ("/water", "水环境", "Water", "read.internal"),
    ("/projects", "工程与任务", "Projects & tasks", "read.internal"),
    ("/entry", "填报与审核", "Reporting", "read.internal"),
    ("/data", "数据", "Data", "read.internal"),
    ("/audit/day", "数据审核", "Data audit", "data.audit"),
    ("/devices", "设备", "Devices", "read.internal"),
    ("/sources", "污染源", "Sources", "sources.read"),
    ("/emergency", "重污染应急", "Emergency", "emergency.read"),
    ("/inspections", "执法检查", "Inspections", "inspections.read"),
    ("/risk", "风险源与应急", "Risk sources", "risk.read"),
    ("/risk/hazwaste", "危险废物", "Hazardous waste", "risk.read"),
    ("/risk/radiation", "放射源", "Radiation sources", "risk.read"),
    ("/cases", "执法案件", "Cases", "cases.read"),
    ("/complaints", "信访投诉", "Complaints", "complaints.read"),
    ("/credit", "环境信用", "Credit", "credit.read"),
    ("/plans", "规划", "Plans", "read.internal"),
    ("/reports", "报告", "Reports", "read.internal"),
    ("/admin", "管理", "Administration", "read.audit"),
    ("/public", "信息公开", "Public", None),
)
#: the navigation's menus (key, zh, en), in the order they appear where their first page is
NAV_MENUS: tuple[tuple[str, str, str], ...] = (
    ("quality", "环境质量", "Environment"),
    ("plan", "规划实施", "Plan"),
    ("supervision", "监管执法", "Supervision"),
    ("risk", "风险与固废", "Risk & waste"),
)
#: the menu each page sits in; a page not listed stands alone in the bar (a menu the user may
#: open only one page of shows as that page's link)
NAV_MENU_OF: dict[str, str] = {
    "/air": "quality", "/water": "quality", "/audit/day": "quality",
    "/data": "quality", "/devices": "quality",
    "/projects": "plan", "/entry": "plan", "/plans": "plan", "/bulletins": "plan",
    "/sources": "supervision", "/emergency": "supervision", "/inspections": "supervision",
    "/cases": "supervision", "/complaints": "supervision", "/credit": "supervision",
    "/risk": "risk", "/hazwaste": "risk", "/radiation": "risk", "/risk/hazwaste": "risk",
    "/risk/radiation": "risk",
}


def _is_active(path: str, href: str) -> bool:
    return path == href or (href != "/" and path.startswith(href.rstrip("/") + "/")) \
        or (href != "/" and path == href.rstrip("/"))


def navigation(links: list[tuple[str, str]], path: str, t: Any) -> list[dict[str, Any]]:
    """The bar's entries: a link ``{"href", "label", "active"}`` or a menu ``{"key", "label",
    "active", "children": [links]}`` placed where its first page would stand."""
    menus = {key: (zh, en) for key, zh, en in NAV_MENUS}
    grouped: dict[str, list[dict[str, Any]]] = {}
    for href, label in links:
        key = NAV_MENU_OF.get(href)
        if key in menus:
            grouped.setdefault(key, []).append(
                {"href": href, "label": label, "active": _is_active(path, href)})
    out: list[dict[str, Any]] = []
    placed: set[str] = set()
    for href, label in links:
        key = NAV_MENU_OF.get(href)
        if key not in menus or len(grouped.get(key, [])) < 2:
            out.append({"href": href, "label": label, "active": _is_active(path, href)})
        elif key not in placed:
            placed.add(key)
            items = grouped[key]
            out.append({"key": key, "label": t(*menus[key]), "children": items,
                        "active": any(i["active"] for i in items)})
    return out


def _default(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return float(obj) if obj.is_finite() and abs(obj) < 10**15 else None
    if isinstance(obj, (datetime, date)):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)


def to_json(obj: Any) -> str:
    """JSON safe to embed in <script type="application/json"> (no '</' sequences)."""
    return json.dumps(obj, ensure_ascii=False, default=_default).replace("</", "<\\/")


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, datetime):
        return beijing(value)
    if isinstance(value, Decimal):
        value = float(value) if value.is_finite() else float("nan")
    if isinstance(value, float):
        if not math.isfinite(value) or abs(value) >= 1e15:  # never seen in a real value
            return "—"
        return f"{value:,.{digits}f}"
    return str(value)


def beijing(value: datetime | str | None) -> str:
    """A time as Beijing time to the second: database times (UTC; naive from SQLite) converted,
    ISO strings without a zone (the gateway snapshot's local times) shown as they are, anything
    unreadable as it is, nothing as "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if parsed.tzinfo is None:
            return parsed.strftime("%Y-%m-%d %H:%M:%S")
        value = parsed
    if not isinstance(value, datetime):
        return str(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _status_word(code: Any, lang: str = "zh") -> str:
    """A project/task status code in words (``in_progress`` → 实施中); empty when none."""

    return status_name(str(code), lang) if code else ""


#: words for the audit log's actions and entities (the before/after records stay verbatim)
AUDIT_WORDS = {
    "create": ("新建", "create"), "update": ("修改", "update"), "submit": ("提交", "submit"),
    "review": ("审核", "review"), "approve": ("批准", "approve"), "reject": ("退回", "reject"),
    "login": ("登录", "login"), "logout": ("退出", "logout"), "append": ("追加", "append"),
    "assign": ("调整责任部门", "assign"), "generate": ("生成", "generate"),
    "import": ("导入", "import"), "issue": ("发布", "issue"), "lift": ("解除", "lift"),
    "upgraded": ("升级", "upgrade"), "downgraded": ("降级", "downgrade"),
    "extended": ("延长", "extend"), "resolve": ("处理", "resolve"), "revoke": ("吊销", "revoke"),
    "set_password": ("重设密码", "set password"), "upload": ("上传", "upload"),
    "enable": ("启用", "enable"), "disable": ("停用", "disable"),
    "login_failed": ("登录失败", "sign-in failed"), "lockout": ("账号锁定", "account locked"),
    "login_locked": ("锁定期间尝试登录", "sign-in while locked"),
    "totp_enable": ("启用动态口令", "TOTP on"), "totp_disable": ("关闭动态口令", "TOTP off"),
    "unlock": ("解除锁定", "unlock"),
    "api_token": ("API 令牌", "API token"), "department": ("部门", "department"),
    "emergency_inspection": ("应急检查", "emergency inspection"),
    "emergency_response": ("应急响应", "emergency response"), "user": ("用户", "user"),
    "report": ("报告", "report"), "session": ("会话", "session"),
    "quarantine": ("暂存数据", "quarantine"), "evidence": ("证明材料", "evidence"),
    "performance_grade": ("绩效分级", "performance grade"),
    "sources_workbook": ("污染源登记工作簿", "sources workbook"),
    "risk_workbook": ("环境风险登记工作簿", "risk workbook"),
    "hazwaste_workbook": ("危险废物登记工作簿", "hazardous-waste workbook"),
    "radiation_workbook": ("放射源登记工作簿", "radiation workbook"),
    "hj212_device": ("HJ 212 设备", "HJ 212 device"),
    "project_report": ("重点工程填报", "project report"), "task_report": ("任务填报", "task report"),
    "indicator_report": ("指标填报", "indicator report"),
    "project_owner": ("工程责任部门", "project owner"), "task_owner": ("任务责任部门", "task owner"),
    "indicator_owner": ("指标责任部门", "indicator owner"),
}


def _audit_word(code: Any, lang: str = "zh") -> str:
    words = AUDIT_WORDS.get(str(code))
    return (words[0] if lang == "zh" else words[1]) if words else str(code)


def install_filters(templates: Jinja2Templates) -> None:
    env = templates.env
    env.filters["fmt"] = _fmt
    env.filters["beijing"] = beijing
    env.globals["static_url"] = static_url
    env.filters["status_word"] = _status_word
    env.filters["audit_word"] = _audit_word
    env.filters["tojson_safe"] = to_json
    env.globals["STATUS_COLOURS"] = STATUS_COLOURS
    env.globals["STATUS_LABELS"] = STATUS_LABELS
    env.globals["STATE_LABELS"] = STATE_LABELS



def static_url(rel: str) -> str:
    """``/static/<rel>?v=<content hash>`` (cached for a year; a new file gets a new URL)."""

    return f"/static/{rel}?v={content_hash(STATIC_DIR, rel)}"


def _has_demo_data(ctx: Any) -> bool:
    """Whether the workspace holds generated example data (ingest batches so labelled): every
    page then says so in a banner, as the figures are not real measurements."""
    cached = ctx.cache.get("demo_data")
    if cached is not None:
        return bool(cached)

    session = ctx.sessionmaker()
    try:
        found = session.execute(
            _select(IngestBatch.id).where(IngestBatch.source_file.contains("生成的示例数据")).limit(1)
        ).first() is not None
    except Exception:  # noqa: BLE001 - a page never fails because of its banner
        found = False
    finally:
        session.close()
    ctx.cache["demo_data"] = found
    return found


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """Render ``template`` with the shared context."""
    ctx = request.app.state.ctx
    lang = getattr(request.state, "lang", "zh")
    user = getattr(request.state, "principal", None)
    if user is None and not hasattr(request.state, "principal") and request.cookies:
        session = ctx.sessionmaker()
        try:
            user = resolve_principal(request, session)
            session.commit()
        except Exception:  # noqa: BLE001 - a page never fails because of its header
            user = None
        finally:
            session.close()

    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    nav = [(href, t(zh, en)) for href, zh, en, need in NAV
           if need is None or (user is not None and user.can(need))]
    if user is None:
        nav = [(href, label) for href, label in nav if href == "/public"]
    base = {
        "request": request,
        "demo_data": _has_demo_data(ctx),
        "lang": lang,
        "t": t,
        "user": user,
        "csrf_token": getattr(request.state, "csrf_token", ""),
        "nav": navigation(nav, request.url.path, t),
        "path": request.url.path,
        "distinct_approver": ctx.settings.distinct_approver,
    }
    base.update(context)
    return ctx.templates.TemplateResponse(request, template, base, status_code=status_code)


def chart(chart_id: str, title: str, option: dict[str, Any], columns: list[str],
          rows: list[list[Any]], rule: str) -> dict[str, Any]:
    """One chart block: the ECharts option, its data table and the rule it follows."""
    return {"id": chart_id, "title": title, "option": option, "columns": columns,
            "rows": rows, "rule": rule}


def fragment(request: Request, key: str, template: str, build: Any) -> str:
    """A page body that is the same for every reader, rendered once and kept in the read-model
    cache (``key`` must start with ``indicators`` so that an approval drops it; it also expires
    with the lake results). ``build()`` returns the template's context."""
    ctx = request.app.state.ctx
    hit = ctx.cache.get(key)
    if fresh(hit):
        return hit[1]  # type: ignore[no-any-return]
    lang = getattr(request.state, "lang", "zh")
    return store_fragment(ctx, key, template, lang, build())


def store_fragment(ctx: Any, key: str, template: str, lang: str,
                   context: dict[str, Any]) -> str:
    """Render a shared page body and keep it in the read-model cache under ``key``."""

    def t(zh: str, en: str) -> str:
        return zh if lang == "zh" else en

    html = ctx.templates.env.get_template(template).render(lang=lang, t=t, **context)
    ctx.cache[key] = (time.monotonic(), html)
    return html
