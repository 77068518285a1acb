"""HJ 212 devices and live data: the device list (registry + the gateway's live snapshot), held
(unknown or unapproved) devices an admin approves, a device page with its latest values, events
and reverse commands, and the read-only API ``/api/v1/devices``.

The web layer decodes nothing, stores nothing and runs no SQL itself: the registry, the held
packets, the approval with the release into the lake, the command queue and the live values come
from :mod:`ecoplan.devices.service` (the interface the CLI and supervision use too); the live
values are what the running gateway workers write (:func:`~ecoplan.devices.service.live_snapshot`).

Who sees what: admin, analyst and leader see every device; a department user sees only the
registered devices whose ``enterprise`` names their department (e.g. the construction-site dust
monitors a 县住建局 operates) and no held devices. Only an admin approves devices and sends
reverse commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

import ibis
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ecoplan.devices import service
from ecoplan.errors import EcoplanError
from ecoplan.ingest.flags import flag_text
from ecoplan.nomenclature import AIR_POLLUTANTS, DISPLAY
from ecoplan.standards.hj212_factors import device_types, factor_table, unit_for
from ecoplan.standards.hj212_flags import source_flag
from ecoplan.store import audit
from ecoplan.store.lake import Lake
from ecoplan.web import flash, render
from ecoplan.web.deps import DbDep, Forbidden, Principal, ctx_of, require, translator
from ecoplan.web.inputs import RowId
from ecoplan.web.views import department_matches

router = APIRouter()

# The gateway rewrites its snapshot every 5 s (GatewayConfig.live_snapshot_interval); older than
# this, the gateway is taken as not running.
STALE_AFTER = timedelta(seconds=30)
STATES = ("approved", "unapproved", "unknown")
STATE_TEXT = {
    "approved": ("已批准", "approved"),
    "unapproved": ("已登记未批准", "registered, not approved"),
    "unknown": ("未登记", "unknown"),
}
CN_TEXT = {
    "2011": ("实时数据", "real-time data"), "2051": ("分钟数据", "minute data"),
    "2061": ("小时数据", "hourly data"), "2031": ("日数据", "daily data"),
    "2041": ("设备运行时间日历史数据", "device running-time daily data"),
    "2021": ("设备运行状态", "device running state"), "2081": ("数采仪开机时间", "logger start time"),
    "1013": ("请求校时", "time-calibration request"), "9011": ("命令应答", "request answer"),
    "9012": ("执行结果", "execution result"), "9013": ("通知应答", "notification answer"),
    "9014": ("数据应答", "data answer"), "9015": ("心跳", "heartbeat"),
    "9021": ("心跳", "heartbeat"), "3020": ("现场端信息", "on-site information"),
    "1012": ("设置现场机时间", "set the logger clock"),
    "1062": ("设置实时数据间隔", "set the real-time interval"),
    "1064": ("设置分钟数据间隔", "set the minute-data interval"),
}
VALUE_KIND_TEXT = {
    "Rtd": ("实时值", "real-time"), "Avg": ("平均值", "average"), "Min": ("最小值", "minimum"),
    "Max": ("最大值", "maximum"), "Cou": ("累计值", "total"),
    "ZsRtd": ("折算实时值", "converted real-time"), "ZsAvg": ("折算平均值", "converted average"),
}
EVENT_TEXT = {
    "registered": ("登记", "registered"), "edited": ("修改", "edited"),
    "approved": ("批准", "approved"), "unknown-device": ("未登记设备接入", "unknown device"),
    "unapproved-device": ("未批准设备接入", "unapproved device"),
    "wrong-password": ("密码错误被拒", "refused: wrong password"),
    "rejected": ("拒收报文", "packet rejected"), "reconnected": ("重新连接", "reconnected"),
    "connected": ("连接", "connected"), "disconnected": ("断开", "disconnected"),
    "split-complete": ("分包已齐", "split message complete"),
    "split-incomplete": ("分包不完整", "split message incomplete"),
    # HJ 212-2025 keys and identity (ecoplan/devices/keys.py, dialect2025.py)
    "key-created": ("生成密钥", "key created"), "key-rotated": ("轮换密钥", "key rotated"),
    "key-sent": ("下发密钥（1014）", "key sent (1014)"),
    "key-delivered": ("密钥已生效", "key delivered"), "key-revoked": ("吊销密钥", "key revoked"),
    "decrypt-failed": ("无法解密", "cannot decrypt"),
    "key-request-refused": ("拒绝密钥请求", "key request refused"),
    "security-edited": ("修改加密设置", "encryption settings edited"),
    "identity": ("数采仪身份（1001）", "logger identity (1001)"), "resend": ("补传", "re-send"),
}


Reader = require("devices.read")


class DeviceNotFound(EcoplanError):
    """No registered, held or live device has this MN (or the user may not see it)."""

    http_status = 404


def _not_found(mn: str) -> DeviceNotFound:
    return DeviceNotFound(f"设备 {mn} 不存在（未登记、无暂存报文、也不在实时数据中）。",
                          f"Device {mn} does not exist (not registered, nothing held, not live).")


# ---------------------------------------------------------------- read model
@dataclass
class LiveState:
    """The gateway's live snapshot and whether it is current."""

    snapshot: dict[str, Any] | None
    written_at: datetime | None
    stale: bool

    @property
    def devices(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for d in (self.snapshot or {}).get("devices", []):
            mn = d.get("mn")
            old = out.get(mn) if mn else None
            # with several gateway workers a device that reconnected is in more than one
            # snapshot: the most recent sighting is the current one
            if mn and (old is None or str(d.get("last_seen") or "") >= str(old.get("last_seen") or "")):
                out[mn] = d
        return out

    def values(self, mn: str) -> dict[str, dict[str, Any]]:
        return dict(((self.snapshot or {}).get("values") or {}).get(mn) or {})

    def message(self, t: Any) -> str | None:
        if self.snapshot is None:
            return t("没有实时数据：本工作区的 HJ 212 网关服务尚未运行过，请系统管理员启动网关服务。",
                     "No live data: the HJ 212 gateway service has never run in this workspace; "
                     "ask the system administrator to start it.")
        if self.stale:
            when = self.written_at.strftime("%Y-%m-%d %H:%M:%S") if self.written_at else "?"
            return t(f"实时数据已过期：网关最近一次更新于 {when}，网关可能未在运行；"
                     "连接状态未知，数值为当时的最新值。",
                     f"Live data is stale: the gateway last updated it at {when} and may not be "
                     "running; connection state unknown, values are the latest as of then.")
        return None


def live_state(home: Any, now: datetime | None = None) -> LiveState:
    """Read the live snapshot of workspace ``home`` (merged over gateway workers)."""

    try:
        snap = service.live_snapshot(home)
    except (OSError, ValueError):  # a half-written or unreadable file: treat as no live data
        snap = None
    written = None
    if snap and snap.get("written_at"):
        try:
            written = datetime.fromisoformat(str(snap["written_at"]))
        except ValueError:
            written = None
    if written is not None and written.tzinfo is not None:
        written = written.astimezone().replace(tzinfo=None)  # the gateway writes local time
    now = now or datetime.now()
    stale = snap is None or written is None or now - written > STALE_AFTER
    return LiveState(snap, written, stale)


def type_names() -> dict[str, tuple[str, str]]:
    return {k: (v.name_zh, v.name_en) for k, v in device_types().items()}






def _visible(user: Principal | None, row: dict[str, Any]) -> bool:
    if user is not None and user.can("devices.read_all"):
        return True
    if user is None or user.role != "department" or not row["registered"]:
        return False

    ent = row.get("enterprise")
    return bool(ent) and (ent == user.department_code
                          or department_matches(user.department_name, ent))


def device_rows(ctx: Any, user: Principal | None, live: LiveState | None = None,
                lang: str = "zh") -> list[dict[str, Any]]:
    """Every device the user may see (all when ``user`` is None): registered, held or seen
    live, with its counts."""

    engine = ctx.engine
    live = live or live_state(ctx.home)
    devs = service.list_devices(engine)
    held = service.held_summary(engine)
    rejected = service.rejection_counts(engine)
    seen = live.devices
    names = type_names()
    out = []
    for mn in sorted(set(devs) | set(held) | set(seen)):
        d = devs.get(mn)
        lv = seen.get(mn, {})
        h = held.get(mn, {})
        dtype = d.device_type if d else None
        state = "unknown" if d is None else ("approved" if d.approved else "unapproved")
        connected = None if live.stale else bool(lv.get("connected"))
        tn = names.get(dtype or "", None)
        row = {
            "mn": mn, "registered": d is not None, "approved": bool(d and d.approved),
            "state": state, "name": d.name if d else None, "device_type": dtype,
            "device_type_name": (tn[0] if lang == "zh" else tn[1]) if tn else None,
            "station_code": d.station_code if d else None,
            "enterprise": d.enterprise if d else None,
            "dialect": d.dialect if d else None, "dialect_seen": lv.get("dialect"),
            "crc_policy": "+".join(d.crc_policy) if d else None,
            "connected": connected if lv else (None if live.stale else False),
            "peer": lv.get("peer"), "last_seen": lv.get("last_seen"), "last_cn": lv.get("last_cn"),
            "packets": int(lv.get("packets") or 0), "held": int(h.get("held") or 0),
            "held_first": h.get("held_first"), "held_last": h.get("held_last"),
            "rejected": rejected.get(mn, 0),
        }
        if user is None or _visible(user, row):
            out.append(row)
    return out


def filter_rows(rows: list[dict[str, Any]], device_type: str | None,
                state: str | None) -> list[dict[str, Any]]:
    if device_type:
        rows = [r for r in rows if r["device_type"] == device_type]
    if state in STATES:
        rows = [r for r in rows if r["state"] == state]
    elif state == "connected":
        rows = [r for r in rows if r["connected"]]
    elif state == "disconnected":
        rows = [r for r in rows if r["connected"] is False]
    elif state == "held":
        rows = [r for r in rows if r["held"]]
    return rows


def flag_words(flag: str | None, dialect: str | None, lang: str) -> str:
    """A value's HJ 212 data flag in words (HJ 212-2017 table 8; 2005 codes by dialect)."""
    if flag is None or flag == "":
        return "—"
    code = source_flag(flag, dialect or "2017")
    if code is None:
        return f"{flag} " + ("正常" if lang == "zh" else "normal")
    zh, en = flag_text(code)
    text = zh if lang == "zh" else en
    return f"{flag} " + (text.split("：", 1)[-1] if lang == "zh" else text.split(": ", 1)[-1])


def live_values(live: LiveState, mn: str, device: Any, lang: str) -> list[dict[str, Any]]:
    """The latest value per factor with its name, unit and flag in words."""
    table = factor_table()
    dialect = live.devices.get(mn, {}).get("dialect")
    out = []
    for code, v in sorted(live.values(mn).items()):
        info = table.get(code)
        code_map = dict(device.code_map) if device is not None else {}
        cur = code_map.get(code, code)
        info = table.get(cur) or info
        name = (info.name_zh if lang == "zh" else info.name_en) if info else code
        kind = v.get("kind") or ""
        unit = unit_for(cur, device.device_type if device else None,
                        dict(device.units) if device else None, cou=kind == "Cou")
        kt = VALUE_KIND_TEXT.get(kind)
        out.append({"code": code, "name": name, "pollutant": v.get("pollutant"),
                    "value": v.get("value"), "unit": unit or "",
                    "kind": kind, "kind_text": (kt[0] if lang == "zh" else kt[1]) if kt else kind,
                    "flag": v.get("flag"), "flag_text": flag_words(v.get("flag"), dialect, lang),
                    "cn": v.get("cn"), "data_time": v.get("data_time"),
                    "received_at": v.get("received_at")})
    return out


def cn_words(cn: str | None, lang: str) -> str:
    if not cn:
        return "—"
    text = CN_TEXT.get(cn)
    return f"{cn} {text[0] if lang == 'zh' else text[1]}" if text else cn


#: the words for device fields and event details (never the internal key)
FIELD_WORDS = {
    "device_type": ("设备类型", "device type"), "crc_policy": ("CRC 算法", "CRC policy"),
    "station_code": ("站点/排放口编码", "station/outlet code"), "enterprise": ("企业", "enterprise"),
    "name": ("名称", "name"), "dialect": ("协议版本", "dialect"), "password": ("密码", "password"),
    "approved": ("已批准", "approved"), "code_map": ("编码映射", "code map"),
    "units": ("单位", "units"), "previous": ("原连接", "previous connection"),
    "skew_s": ("时钟偏差（秒）", "clock skew (s)"), "qn": ("请求编码 QN", "QN"),
    "error": ("错误", "error"), "reason": ("原因", "reason"), "code": ("代码", "code"),
    "parts": ("分包数", "parts"), "received": ("已收到", "received"), "cn": ("命令", "CN"),
    "released": ("释放报文", "released"), "rows": ("行数", "rows"),
    "stored": ("入库行数", "rows stored"), "quarantined": ("暂存待审行数", "rows quarantined"),
    "still_held": ("仍暂存", "still held"), "mn": ("设备编号", "MN"),
}


def _field_word(key: str, lang: str) -> str:
    words = FIELD_WORDS.get(key)
    return (words[0] if lang == "zh" else words[1]) if words else key


def _value_word(value: Any, lang: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else ("yes" if value else "no")
    if isinstance(value, dict):
        return "、".join(f"{k}={v}" for k, v in value.items()) or "—"
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value)) or "—"
    return str(value)


def event_rows(engine: Any, mn: str, lang: str, limit: int = 50) -> list[dict[str, Any]]:

    out = []
    for e in service.device_events(engine, mn, limit):
        kt = EVENT_TEXT.get(e.kind)
        if kt is None and e.kind.startswith("command-"):
            st = service.STATUS_TEXT.get(e.kind[8:], (e.kind[8:], e.kind[8:]))
            kt = (f"命令：{st[0]}", f"command: {st[1]}")
        detail = dict(e.detail or {})
        why = detail.get("zh" if lang == "zh" else "en")
        if not why and e.kind == "edited":
            before, after = detail.get("before") or {}, detail.get("after") or {}
            why = "；".join(f"{_field_word(k, lang)}：{_value_word(before.get(k), lang)} → "
                           f"{_value_word(after.get(k), lang)}" for k in sorted(after)
                           if before.get(k) != after.get(k))
        if not why:
            why = "；".join(f"{_field_word(k, lang)}：{_value_word(v, lang)}"
                           for k, v in detail.items() if v not in (None, "", {}, []))
        out.append({"at": e.at, "kind": e.kind,
                    "kind_text": (kt[0] if lang == "zh" else kt[1]) if kt else e.kind,
                    "actor": e.actor, "peer": e.peer, "detail": why})
    return out




#: the gateway's reasons for holding a packet, in words
def held_reason(reason: str | None, lang: str = "zh") -> str:
    """A held packet's reason in ``lang`` (the gateway stores it in English)."""
    text = reason or ""
    return service.target_reason_zh(text) if lang == "zh" else text


def held_rows(engine: Any, mn: str, limit: int = 20, lang: str = "zh") -> list[dict[str, Any]]:
    return [{"id": h.id, "received_at": h.received_at, "cn": h.cn, "qn": h.qn, "peer": h.peer,
             "reason": held_reason(h.reason, lang)} for h in service.latest_held(engine, mn, limit)]






# Long-format lake datasets the gateway feeds for the other device types: (dataset, the column
# that identifies the device's rows, the registry field it is compared with).
LONG_SERIES = {
    "water": ("water_samples", "site", "station_code"),
    "cems": ("online_monitoring", "mn", "mn"),
    "wastewater": ("online_monitoring", "mn", "mn"),
}


def recent_long_series(ctx: Any, device: Any, t: Any, points: int = 48,
                       max_series: int = 6) -> dict[str, Any] | None:
    """An ECharts line of a water or outlet device's latest values in its long-format lake
    dataset (one row per time and parameter), one line per parameter with its unit."""
    spec = LONG_SERIES.get(device.device_type) if device is not None else None
    key = getattr(device, spec[2]) if spec else None
    if spec is None or not key:
        return None

    dataset, column, _ = spec
    if dataset not in Lake(ctx.settings.lake_dir).datasets():
        return None
    with ctx.lake_lock:
        an = ctx.lake_analytics()
        tab = an.table(dataset)
        if not {column, "time", "parameter", "value"} <= set(tab.columns):
            return None
        unit = tab.unit if "unit" in tab.columns else None
        sel = tab.filter(tab[column] == key)
        latest = sel.select("time").distinct().order_by(ibis.desc("time")).limit(points)
        expr = sel.filter(sel.time.isin(latest.time)).select(
            "time", "parameter", "value", **({"unit": unit} if unit is not None else {}))
        df = an.execute(expr)
    if df is None or len(df) == 0:
        return None
    units = (df.dropna(subset=["unit"]).groupby("parameter")["unit"].first().to_dict()
             if "unit" in df.columns else {})
    wide = df.pivot_table(index="time", columns="parameter", values="value", aggfunc="last")
    wide = wide.sort_index()
    keep = list(wide.notna().sum().sort_values(ascending=False).index[:max_series])
    times = [str(x)[:16] for x in wide.index]
    names = _factor_names(t)
    series = [{"name": f"{names.get(p, p)} ({units.get(p, '')})".replace(" ()", ""),
               "type": "line", "showSymbol": len(times) < 3, "connectNulls": False,
               "data": [None if v != v else round(float(v), 4) for v in wide[p]]} for p in keep]
    option = {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
              "grid": {"left": 50, "right": 30, "top": 40, "bottom": 30},
              "xAxis": {"type": "category", "data": times}, "yAxis": {"type": "value"},
              "series": series}
    rows = [[times[i], *[wide[p].iloc[i] for p in keep]] for i in range(len(times))]
    return render.chart(
        "device-recent", t(f"最近 {len(times)} 个时刻（数据湖 {dataset}）",
                           f"Latest {len(times)} times (lake dataset {dataset})"),
        option, [t("时间", "Time"), *[names.get(p, p) for p in keep]], rows,
        t(f"数据湖 {dataset} 中该设备的最近数值（网关写入的分钟/小时/日数据），按数据时间排序，"
          "未作任何计算；单位为设备类型发送的单位；带数据标记的值照原样显示。",
          f"The device's latest values in the lake dataset {dataset} (minute/hour/day data "
          "stored by the gateway), by data time, uncomputed; units as the device type sends "
          "them; flagged values are shown as stored."))


def _factor_names(t: Any) -> dict[str, str]:
    """Canonical parameter name → the factor's name (zh or en) from the factor table."""
    out: dict[str, str] = {}
    for f in factor_table().values():
        if f.canonical and f.canonical not in out:
            out[f.canonical] = t(f.name_zh, f.name_en)
    return out


def recent_series(ctx: Any, device: Any, t: Any) -> dict[str, Any] | None:
    """An ECharts line of the device's latest values in the lake: the station's hourly air
    values for air and dust loggers, the long-format dataset for water and outlet devices."""
    if device is not None and device.device_type in LONG_SERIES:
        return recent_long_series(ctx, device, t)
    if device is None or not device.station_code or device.device_type not in ("air", "dust"):
        return None

    lake = Lake(ctx.settings.lake_dir)
    if "air_hourly" not in lake.datasets():
        return None

    with ctx.lake_lock:
        an = ctx.lake_analytics()
        tab = an.table("air_hourly")
        cols = [c for c in AIR_POLLUTANTS if c in tab.columns]
        if not cols or "station_code" not in tab.columns or "timestamp" not in tab.columns:
            return None
        expr = (tab.filter(tab.station_code == device.station_code)
                .select("timestamp", *cols).order_by(tab.timestamp.desc()).limit(48))
        df = an.execute(expr)
    if df is None or len(df) == 0:
        return None
    df = df.sort_values("timestamp")
    times = [str(x)[:16] for x in df["timestamp"]]
    labels = DISPLAY
    series, shown = [], []
    for c in cols:
        vals = [None if v != v else round(float(v), 3) for v in df[c]]
        if all(v is None for v in vals):
            continue
        shown.append(c)
        series.append({"name": labels[c] + (" (mg/m³)" if c == "co" else " (μg/m³)"),
                       "type": "line", "showSymbol": False, "data": vals,
                       "yAxisIndex": 1 if c == "co" else 0, "connectNulls": False})
    if not series:
        return None
    option = {"tooltip": {"trigger": "axis"}, "legend": {"top": 0},
              "grid": {"left": 50, "right": 50, "top": 40, "bottom": 30},
              "xAxis": {"type": "category", "data": times},
              "yAxis": [{"type": "value", "name": "μg/m³"},
                        {"type": "value", "name": "mg/m³", "splitLine": {"show": False}}],
              "series": series}
    rows = [[times[i], *[df[c].iloc[i] for c in shown]] for i in range(len(times))]
    return render.chart(
        "device-recent", t(f"站点 {device.station_code} 最近 {len(times)} 小时（数据湖）",
                           f"Station {device.station_code}: latest {len(times)} hours (lake)"),
        option, [t("时间", "Time"), *[labels[c] for c in shown]], rows,
        t("数据湖 air_hourly 中该设备所属站点的最近小时值（网关写入的 2061 小时数据及其他来源），"
          "按时间排序，未作任何计算；时间为小时结束时刻（= 报文 DataTime + 1 小时）；"
          "带数据标记的值照原样显示。",
          "The latest hourly values of the device's station in the lake dataset air_hourly "
          "(2061 uploads stored by the gateway and other sources), by time, uncomputed; times "
          "are hour-ending (= the packet's DataTime + 1 h); flagged values are shown as stored."))


def device_or_404(ctx: Any, user: Principal, mn: str, lang: str,
                  live: LiveState | None = None) -> dict[str, Any]:
    """The device row of ``mn`` as ``user`` may see it (404 when unknown, 403 when not visible);
    shared by the device routes and the HJ 212-2025 key card (routes/devkeys.py)."""
    rows = [r for r in device_rows(ctx, None, live, lang) if r["mn"] == mn]
    if not rows:
        raise _not_found(mn)
    if not _visible(user, rows[0]):
        raise Forbidden("devices.read")
    return rows[0]


# ---------------------------------------------------------------- pages
@router.get("/devices", include_in_schema=False)
def devices_page(request: Request, user: Annotated[Principal, Reader],  # type: ignore[no-untyped-def]
                 type: str | None = None, state: str | None = None) -> Response:
    ctx, t = ctx_of(request), translator(request)
    lang = getattr(request.state, "lang", "zh")
    live = live_state(ctx.home)
    rows = device_rows(ctx, user, live, lang)
    shown = filter_rows(rows, type or None, state or None)
    held = [r for r in rows if r["held"] and not r["approved"]]
    if user.can("devices.approve"):
        for r in held:
            r["suggested_type"] = r["device_type"] or service.held_hint(ctx.engine, r["mn"])["device_type"]
    return render.page(request, "devices.html", rows=shown, total=len(rows), held=held,
                       live=live, live_message=live.message(t), types=type_names(),
                       type_filter=type or "", state_filter=state or "", STATE_TEXT=STATE_TEXT,
                       can_approve=user.can("devices.approve"), message=flash.read(request),
                       cn_words=lambda cn: cn_words(cn, lang), when=render.beijing, stats=(live.snapshot or {}).get("stats") or {})


@router.get("/devices/{mn}", include_in_schema=False)
def device_page(request: Request, mn: str, user: Annotated[Principal, Reader]) -> Response:  # type: ignore[no-untyped-def]

    ctx, t = ctx_of(request), translator(request)
    lang = getattr(request.state, "lang", "zh")
    live = live_state(ctx.home)
    row = device_or_404(ctx, user, mn, lang, live)
    device = service.list_devices(ctx.engine).get(mn)
    hint = service.held_hint(ctx.engine, mn) if row["held"] else {"password": None, "device_type": None}
    row = dict(row, suggested_type=row["device_type"] or hint["device_type"])
    try:
        chart = recent_series(ctx, device, t)
    except Exception:  # noqa: BLE001 - the page shows without its chart when the lake cannot be read
        chart = None
    commands = command_rows(ctx, mn, lang)
    return render.page(
        request, "devices_detail.html", d=row, device=device,
        values=live_values(live, mn, device, lang), events=event_rows(ctx.engine, mn, lang),
        held_packets=held_rows(ctx.engine, mn, lang=lang), chart=chart, live=live,
        live_message=live.message(t), types=type_names(), STATE_TEXT=STATE_TEXT,
        can_approve=user.can("devices.approve"), can_command=user.can("devices.command"),
        default_password=hint["password"] if not row["registered"] else None,
        commands=commands, command_forms=COMMAND_FORMS, message=flash.read(request),
        cn_words=lambda cn: cn_words(cn, lang), when=render.beijing)




def _opt(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


@router.post("/devices/{mn}/approve", include_in_schema=False)
def approve(request: Request, mn: str, db: DbDep,  # type: ignore[no-untyped-def]
            user: Annotated[Principal, require("devices.approve")],
            device_type: Annotated[str | None, Form()] = None,
            station_code: Annotated[str | None, Form()] = None,
            enterprise: Annotated[str | None, Form()] = None,
            name: Annotated[str | None, Form()] = None,
            password: Annotated[str | None, Form()] = None) -> Response:
    ctx = ctx_of(request)
    db.commit()  # release the request session's lock before the registry writes (SQLite)
    with ctx.lake_lock:
        result = service.approve_device(ctx.workspace, mn, device_type=_opt(device_type),
                                station_code=_opt(station_code), enterprise=_opt(enterprise),
                                name=_opt(name), password=_opt(password), actor=user.username)
    rel = result["released"]
    after = {k: v for k, v in result["device"].items() if k not in ("code_map", "units")}
    after.update(released=rel["released"], rows=rel["rows"], stored=rel.get("stored", 0),
                 quarantined=rel.get("quarantined", 0), still_held=rel["kept"])
    before = result["before"]
    if before is not None:
        before = {k: v for k, v in before.items() if k not in ("code_map", "units")}
    audit.record(db, user.username, "approve", "hj212_device", mn, before, after)
    ctx.invalidate()
    for key in [k for k in ctx.cache if isinstance(k, tuple) and k and k[0] == "measurements"]:
        ctx.cache.pop(key, None)
    lang = getattr(request.state, "lang", "zh")
    kept = ""
    if rel["kept"]:
        kept = (f"；仍暂存 {rel['kept']} 包：{'；'.join(rel.get('reasons_zh', rel['reasons'])[:3])}"
                if lang == "zh"
                else f"; {rel['kept']} still held: {'; '.join(rel['reasons'][:3])}")
    return flash.redirect(request, f"/devices/{quote(mn)}", "device-approved", mn=mn,
                          released=rel["released"], stored=rel.get("stored", 0),
                          quarantined=rel.get("quarantined", 0), kept=kept)


# ---------------------------------------------------------------- reverse commands
# The buttons of the device page: CN → the form fields it needs (the queue validates the values
# against HJ 212-2017 table 4; times are the device's clock, Beijing time).
COMMAND_FORMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1012", ()),
    ("1062", ("RtdInterval",)),
    ("1064", ("MinInterval",)),
    ("2061", ("BeginTime", "EndTime")),
    ("2031", ("BeginTime", "EndTime")),
)


def _wire_time(value: str) -> str:
    """``2026-11-28T10:00`` (an HTML datetime-local field) → ``20261128100000``; other text is
    passed on for the queue to check."""
    text = value.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if "-" in text and len(digits) in (12, 14):
        return digits.ljust(14, "0")
    return text


def command_rows(ctx: Any, mn: str, lang: str, limit: int = 20) -> list[dict[str, Any]]:
    """The device's recent commands, newest first, with status and answer codes in words."""

    out = []
    for c in service.list_commands(ctx.engine, mn=mn, limit=limit):
        d = c.as_dict()
        sfx = "zh" if lang == "zh" else "en"
        answer = "; ".join(x for x in (
            f"QnRtn={c.qn_rtn} {d['qn_rtn_' + sfx]}" if c.qn_rtn is not None else "",
            f"ExeRtn={c.exe_rtn} {d['exe_rtn_' + sfx]}" if c.exe_rtn is not None else "") if x)
        out.append({"id": c.id, "cn": c.cn, "name": d["name_" + sfx], "params": c.params,
                    "status": c.status, "status_text": d["status_" + sfx],
                    "finished": c.finished, "requested_by": c.requested_by,
                    "requested_at": c.requested_at, "sent_at": c.sent_at,
                    "finished_at": c.finished_at, "answer": answer, "reason": c.reason,
                    "responses": len(c.responses)})
    return out


@router.get("/devices/{mn}/commands", include_in_schema=False)
def commands_fragment(request: Request, mn: str,  # type: ignore[no-untyped-def]
                      user: Annotated[Principal, Reader]) -> Response:
    """The command list alone (the device page refreshes it with htmx)."""
    ctx = ctx_of(request)
    lang = getattr(request.state, "lang", "zh")
    d = device_or_404(ctx, user, mn, lang)
    return render.page(request, "devices_commands.html", d=d,
                       commands=command_rows(ctx, mn, lang), when=render.beijing,
                       can_command=user.can("devices.command"))


@router.post("/devices/{mn}/commands", include_in_schema=False)
async def send_command(request: Request, mn: str, db: DbDep,  # type: ignore[no-untyped-def]
                       user: Annotated[Principal, require("devices.command")]) -> Response:
    """Queue a reverse command for the device (the gateway that has it connected sends it)."""
    form = await request.form()
    cn = str(form.get("cn") or "").strip()
    fields = dict(COMMAND_FORMS).get(cn, ())
    params: dict[str, object] = {}
    for key in fields:
        value = str(form.get(key) or "").strip()
        if value:
            params[key] = _wire_time(value) if key.endswith("Time") else value
    db.commit()  # release the request session's lock before the queue writes (SQLite)
    cid = await run_in_threadpool(service.queue_command, ctx_of(request).engine, mn, cn, params,
                                  requested_by=user.username)
    audit.record(db, user.username, "command", "hj212_device", mn, None,
                 {"command_id": cid, "cn": cn, "params": params})
    return flash.redirect(request, f"/devices/{quote(mn)}", "command-queued", "commands-card",
                          cn=cn, id=cid)


@router.post("/devices/{mn}/commands/{command_id}/cancel", include_in_schema=False)
def cancel_command(request: Request, mn: str, command_id: RowId, db: DbDep,  # type: ignore[no-untyped-def]
                   user: Annotated[Principal, require("devices.command")]) -> Response:
    """Withdraw a command that is still queued."""
    engine = ctx_of(request).engine
    db.commit()
    if service.get_command(engine, command_id).mn != mn:
        raise _not_found(mn)
    cmd = service.cancel_command(engine, command_id, by=user.username)
    audit.record(db, user.username, "cancel", "hj212_command", command_id,
                 {"status": "queued"}, {"status": cmd.status, "mn": mn, "cn": cmd.cn})
    return RedirectResponse(f"/devices/{quote(mn)}#commands-card", status_code=303)


# ---------------------------------------------------------------- API
class DeviceOut(BaseModel):
    mn: str
    registered: bool
    approved: bool
    state: str
    name: str | None
    device_type: str | None
    device_type_name: str | None
    station_code: str | None
    enterprise: str | None
    dialect: str | None
    dialect_seen: str | None
    crc_policy: str | None
    connected: bool | None
    peer: str | None
    last_seen: str | None
    last_cn: str | None
    packets: int
    held: int
    held_first: datetime | None
    held_last: datetime | None
    rejected: int


class LiveValueOut(BaseModel):
    code: str
    name: str
    pollutant: str | None
    value: float | None
    unit: str
    kind: str
    kind_text: str
    flag: str | None
    flag_text: str
    cn: str | None
    data_time: str | None
    received_at: str | None


class DeviceLiveOut(BaseModel):
    mn: str
    live: bool
    stale: bool
    snapshot_written_at: datetime | None
    connected: bool | None
    last_seen: str | None
    values: list[LiveValueOut]


@router.get("/api/v1/devices", response_model=list[DeviceOut], tags=["devices"],
            summary="HJ 212 设备列表 / HJ 212 devices")
def api_devices(request: Request, user: Annotated[Principal, Reader],
                type: Annotated[str | None, Query(description="设备类型 / device type")] = None,
                state: Annotated[str | None, Query(
                    description="approved|unapproved|unknown|connected|disconnected|held")] = None,
                ) -> list[dict[str, Any]]:
    lang = getattr(request.state, "lang", "zh")
    rows = device_rows(ctx_of(request), user, lang=lang)
    return filter_rows(rows, type, state)


@router.get("/api/v1/devices/{mn}", response_model=DeviceOut, tags=["devices"],
            summary="一台设备 / one device")
def api_device(request: Request, mn: str, user: Annotated[Principal, Reader]) -> dict[str, Any]:
    return device_or_404(ctx_of(request), user, mn, getattr(request.state, "lang", "zh"))


@router.get("/api/v1/devices/{mn}/live", response_model=DeviceLiveOut, tags=["devices"],
            summary="设备最新实时值 / a device's latest live values")
def api_device_live(request: Request, mn: str,
                    user: Annotated[Principal, Reader]) -> dict[str, Any]:

    ctx = ctx_of(request)
    lang = getattr(request.state, "lang", "zh")
    live = live_state(ctx.home)
    row = device_or_404(ctx, user, mn, lang, live)
    device = service.list_devices(ctx.engine).get(mn)
    return {"mn": mn, "live": live.snapshot is not None and mn in live.devices,
            "stale": live.stale, "snapshot_written_at": live.written_at,
            "connected": None if live.stale else row["connected"],
            "last_seen": row["last_seen"], "values": live_values(live, mn, device, lang)}


class CommandOut(BaseModel):
    id: int
    cn: str
    name: str
    params: dict[str, str]
    status: str
    status_text: str
    finished: bool
    requested_by: str
    requested_at: datetime
    sent_at: datetime | None
    finished_at: datetime | None
    answer: str
    reason: str | None
    responses: int


@router.get("/api/v1/devices/{mn}/commands", response_model=list[CommandOut], tags=["devices"],
            summary="设备的反控命令及状态 / a device's reverse commands and their status")
def api_device_commands(request: Request, mn: str,
                        user: Annotated[Principal, Reader]) -> list[dict[str, Any]]:
    ctx = ctx_of(request)
    lang = getattr(request.state, "lang", "zh")
    device_or_404(ctx, user, mn, lang)
    return command_rows(ctx, mn, lang, limit=100)
