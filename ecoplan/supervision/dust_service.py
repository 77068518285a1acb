"""Dust spraying: sites in the database, the live controller loop and the history replay.

Data source of the live loop: the live snapshot files the HJ 212 gateway workers rewrite every
few seconds (:func:`ecoplan.devices.service.live_snapshot`). They hold the newest value per
device and factor within seconds of its arrival (2011 real-time and 2051 minute uploads alike)
with its data flag; the lake's ``air_minute`` is written in batches, only from minute data, and
lags by the sink interval — right for :func:`replay`, too late to switch a pump. A stopped
gateway stops rewriting the snapshot: no new reading arrives and the rule's data-gap alarm fires.

Times of the live loop are the platform's receive times (``received_at``, one clock with ``now``,
so a device with a wrong clock cannot fake or hide a gap); the device's ``DataTime`` is kept in
the log. Run ONE controller per database: the state is per site, not locked between processes.

Switching a sprayer: HJ 212 has no standard spray command. Each controller of a site names the
command for ``on``, ``off`` and (optionally) ``alarm`` — a CN and its CP parameters — as its
vendor documents it; the default is CN 3021 (设置现场机参数, HJ 212-2017 table 9) with the example
parameters of :data:`EXAMPLE_ACTUATION`, which must be replaced per vendor.
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from ecoplan.devices import service as device_service
from ecoplan.errors import ValidationError
from ecoplan.store.db import session_scope
from ecoplan.store.supervision_dust_models import DustAction, DustControlState, DustSite
from ecoplan.store.workspace import Workspace
from ecoplan.supervision import dust_control as dc

ACTOR = "dust-control"
DEFAULT_CN = "3021"
EXAMPLE_ACTUATION: dict[str, dict[str, Any]] = {
    "on": {"cn": DEFAULT_CN, "params": {"SprayCtrl": "1"}},
    "off": {"cn": DEFAULT_CN, "params": {"SprayCtrl": "0"}},
    "alarm": None,  # type: ignore[dict-item]
}
"""An example only (no standard exists): replace with the vendor's parameter names/values."""

THRESHOLD_FIELDS = ("upper", "lower", "start_after", "min_run_s", "min_pause_s", "max_run_s",
                    "gap_s", "alarm_on_start")
SITE_FIELDS = ("name", "enterprise", "monitor_mn", "parameter", "enabled", "controllers",
               *THRESHOLD_FIELDS)


class DustSiteError(ValidationError):
    """A dust site request is invalid (unknown code, bad controller, bad thresholds …)."""


# ---------------------------------------------------------------------------- actuation
def controller_config(mn: str, *, cn: str = DEFAULT_CN, on: Mapping[str, str] | None = None,
                      off: Mapping[str, str] | None = None,
                      alarm: Mapping[str, str] | None = None,
                      alarm_cn: str | None = None) -> dict[str, Any]:
    """One spray controller of a site: its MN and the commands for on / off / alarm."""
    if not mn or len(mn) > 64:
        raise DustSiteError("喷淋控制器 MN 为空或超过 64 个字符",
                            "spray controller MN is empty or longer than 64 characters")
    return {"mn": mn,
            "on": {"cn": cn, "params": dict(on if on is not None else EXAMPLE_ACTUATION["on"]["params"])},
            "off": {"cn": cn, "params": dict(off if off is not None
                                             else EXAMPLE_ACTUATION["off"]["params"])},
            "alarm": ({"cn": alarm_cn or cn, "params": dict(alarm)} if alarm else None)}


def _check_controllers(controllers: Any) -> list[dict[str, Any]]:
    if not isinstance(controllers, list):
        raise DustSiteError("controllers 应为列表", "controllers must be a list")
    out = []
    for i, c in enumerate(controllers):
        if not isinstance(c, Mapping) or not c.get("mn"):
            raise DustSiteError(f"第 {i + 1} 个喷淋控制器缺少 mn", f"spray controller {i + 1} has no mn")
        for what in ("on", "off", "alarm"):
            cmd = c.get(what)
            if cmd is None and what == "alarm":
                continue
            if not isinstance(cmd, Mapping) or not cmd.get("cn"):
                raise DustSiteError(f"控制器 {c['mn']} 的 {what} 命令缺少 cn",
                                    f"controller {c['mn']}: the {what} command has no cn")
            params = {str(k): str(v) for k, v in (cmd.get("params") or {}).items()}
            try:
                device_service.validate_command(str(cmd["cn"]), params)
            except device_service.CommandError as exc:
                raise DustSiteError(f"控制器 {c['mn']} 的 {what} 命令：{exc.zh}",
                                    f"controller {c['mn']}, {what} command: {exc.en}") from exc
        out.append(dict(c))
    return out


def _actuate(engine: Engine, site: DustSite, action: dc.Action,
             actor: str) -> tuple[list[int], list[dict[str, str]]]:
    """Queue the command of ``action`` for every controller of the site that has one."""
    ids: list[int] = []
    errors: list[dict[str, str]] = []
    for c in site.controllers or []:
        cmd = c.get(action.action)
        if not cmd:
            continue
        params = {str(k): str(v) for k, v in (cmd.get("params") or {}).items()}
        try:
            ids.append(device_service.queue_command(engine, c["mn"], str(cmd["cn"]), params,
                                  requested_by=f"{actor}:{site.code}"[:64]))
        except device_service.CommandError as exc:  # the log keeps it; the other controllers still run
            errors.append({"mn": c["mn"], "zh": exc.zh, "en": exc.en})
    return ids, errors


# ---------------------------------------------------------------------------- sites
def _thresholds(site: DustSite) -> dc.Thresholds:
    return dc.Thresholds(upper=site.upper, lower=site.lower, start_after=site.start_after,
                         min_run_s=site.min_run_s, min_pause_s=site.min_pause_s,
                         max_run_s=site.max_run_s, gap_s=site.gap_s,
                         alarm_on_start=site.alarm_on_start)


def site_dict(site: DustSite, state: Mapping[str, Any] | None = None) -> dict[str, Any]:
    d = {"code": site.code, "name": site.name, "enterprise": site.enterprise,
         "monitor_mn": site.monitor_mn, "parameter": site.parameter,
         "unit": "μg/m³", "enabled": site.enabled, "controllers": list(site.controllers or [])}
    d.update({k: getattr(site, k) for k in THRESHOLD_FIELDS})
    if state is not None:
        d["spraying"] = bool(state.get("spraying"))
        d["last_seen"] = state.get("last_seen")
    return d


def _apply(site: DustSite, values: Mapping[str, Any]) -> None:
    for k, v in values.items():
        if k not in SITE_FIELDS:
            raise DustSiteError(f"未知的站点字段 {k}", f"unknown site field {k}")
        if k == "controllers":
            v = _check_controllers(v)
        if k == "parameter":
            dc.factor_code(v)  # refuses an unsupported parameter
        setattr(site, k, v)
    try:
        _thresholds(site)
    except dc.DustRuleError as exc:
        raise DustSiteError(f"站点 {site.code}：{exc.zh}", f"site {site.code}: {exc.en}") from exc
    if not site.monitor_mn or len(site.monitor_mn) > 64:
        raise DustSiteError("扬尘监测仪 MN 为空或超过 64 个字符",
                            "dust monitor MN is empty or longer than 64 characters")


def add_site(engine: Engine, code: str, monitor_mn: str, controllers: Sequence[Mapping[str, Any]],
             *, parameter: str = "pm10", **fields: Any) -> dict[str, Any]:
    """Register a site; thresholds not given take the defaults of ``parameter``."""
    if not code or len(code) > 32:
        raise DustSiteError("站点编码为空或超过 32 个字符", "site code is empty or longer than 32 characters")
    defaults = dc.default_thresholds(parameter)
    values: dict[str, Any] = {k: getattr(defaults, k) for k in THRESHOLD_FIELDS}
    values.update({k: v for k, v in fields.items() if v is not None})
    values.update(monitor_mn=monitor_mn, parameter=parameter, controllers=list(controllers))
    now = datetime.now(UTC)
    with session_scope(engine) as s:
        if s.scalar(select(DustSite.id).where(DustSite.code == code)) is not None:
            raise DustSiteError(f"站点 {code} 已存在，请用 dust sites edit 修改",
                                f"site {code} already exists; use `dust sites edit`")
        site = DustSite(code=code, enabled=True, created_at=now, updated_at=now)
        _apply(site, values)
        s.add(site)
        s.flush()
        return site_dict(site)


def edit_site(engine: Engine, code: str, **changes: Any) -> dict[str, Any]:
    """Change fields of a site (None = unchanged); the controller state is kept."""
    with session_scope(engine) as s:
        site = _get(s, code)
        _apply(site, {k: v for k, v in changes.items() if v is not None})
        site.updated_at = datetime.now(UTC)
        s.flush()
        return site_dict(site)


def _get(s: Any, code: str) -> DustSite:
    site = s.scalar(select(DustSite).where(DustSite.code == code))
    if site is None:
        raise DustSiteError(f"没有编码为 {code} 的扬尘站点", f"no dust site with code {code}")
    return site


def list_sites(engine: Engine) -> list[dict[str, Any]]:
    with session_scope(engine) as s:
        states = {st.site_id: st.state for st in s.scalars(select(DustControlState))}
        return [site_dict(x, states.get(x.id, {}))
                for x in s.scalars(select(DustSite).order_by(DustSite.code))]


# ---------------------------------------------------------------------------- live loop
def _parse(t: Any) -> datetime | None:
    if not t:
        return None
    v = datetime.fromisoformat(str(t))
    return v.replace(tzinfo=None) if v.tzinfo is not None else v


def newest_reading(snapshot: Mapping[str, Any] | None, mn: str,
                   parameter: str) -> tuple[dc.Reading, dict[str, Any]] | None:
    """The newest value of ``parameter`` of device ``mn`` in a gateway live snapshot."""
    if not snapshot:
        return None
    entry = (snapshot.get("values") or {}).get(mn, {}).get(dc.factor_code(parameter))
    if not entry:
        return None
    at = _parse(entry.get("received_at"))
    if at is None:
        return None
    return dc.Reading(at, entry.get("value"), entry.get("flag")), dict(entry)


def control_pass(engine: Engine, home: Path | None, *, now: datetime | None = None,
                 snapshot: Mapping[str, Any] | None = None,
                 actor: str = ACTOR) -> list[dict[str, Any]]:
    """One pass over the enabled sites: newest reading → rule → commands queued → log + state.

    ``snapshot`` defaults to the gateway's live snapshot in ``home``; ``now`` (naive, the
    platform's local clock like the snapshot's receive times) to the current time."""
    if snapshot is None and home is not None:
        snapshot = device_service.live_snapshot(Path(home))
    now = now or datetime.now()
    done: list[dict[str, Any]] = []
    with session_scope(engine) as s:
        sites = list(s.scalars(select(DustSite).where(DustSite.enabled.is_(True))
                               .order_by(DustSite.code)))
        s.expunge_all()
    for site in sites:
        with session_scope(engine) as s:
            row = s.get(DustControlState, site.id)
            saved = dict(row.state) if row else {}
        state = dc.ControlState.from_dict(saved)
        th = _thresholds(site)
        actions = _command_outcome(engine, site, saved, now)
        got = newest_reading(snapshot, site.monitor_mn, site.parameter)
        entry: dict[str, Any] = {}
        if got is not None and (state.last_seen is None or got[0].time > state.last_seen):
            state, acts = dc.step(state, got[0], th)
            actions += acts
            entry = got[1]
        state, more = dc.tick(state, max(now, state.last_seen or now), th)
        actions += more
        logged = []
        pending = saved.get("pending_commands") or []
        pending_action = saved.get("pending_action")
        for a in actions:
            ids, errors = _actuate(engine, site, a, actor)
            if a.action in ("on", "off"):
                pending, pending_action = ids, a.action
            detail: dict[str, Any] = {"thresholds": {k: getattr(th, k) for k in THRESHOLD_FIELDS},
                                      "monitor_mn": site.monitor_mn}
            if entry and a.value is not None:
                detail["reading"] = {k: entry.get(k) for k in ("value", "kind", "flag", "cn",
                                                               "data_time", "received_at")}
            if a.reason == "command":
                detail["failed_commands"] = saved.get("failed_commands", [])
            if errors:
                detail["errors"] = errors
            logged.append(DustAction(site_code=site.code, at=a.time, logged_at=datetime.now(UTC),
                                     action=a.action, reason=a.reason, reason_zh=a.reason_zh,
                                     reason_en=a.reason_en, parameter=site.parameter,
                                     value=a.value, detail=detail, command_ids=ids, actor=actor))
        if saved.get("commands_checked"):
            pending = [] if pending == saved.get("pending_commands") else pending
        new_state = dict(state.as_dict(), pending_commands=pending, pending_action=pending_action)
        with session_scope(engine) as s:
            row = s.get(DustControlState, site.id)
            if row is None:
                s.add(DustControlState(site_id=site.id, state=new_state,
                                       updated_at=datetime.now(UTC)))
            else:
                row.state = new_state
                row.updated_at = datetime.now(UTC)
            s.add_all(logged)
            s.flush()
            done += [_action_dict(x) for x in logged]
    return done


def _command_outcome(engine: Engine, site: DustSite, saved: dict[str, Any],
                     now: datetime) -> list[dc.Action]:
    """An alarm when the last on/off commands all finished and one of them was not executed
    (not connected, rejected, failed …): the sprayer may not be in the state the rule thinks.
    Marks ``saved`` so that the finished commands are not checked again."""
    ids = saved.get("pending_commands") or []
    if not ids:
        return []
    rows = []
    for cid in ids:
        try:
            rows.append(device_service.get_command(engine, cid))
        except device_service.CommandError:
            continue
    if any(not r.finished for r in rows):
        return []
    saved["commands_checked"] = True
    bad = [r for r in rows if r.status != "ok"]
    if not bad:
        return []
    saved["failed_commands"] = [{"id": r.id, "mn": r.mn, "status": r.status, "reason": r.reason}
                                for r in bad]
    what_zh = "启动" if saved.get("pending_action") == "on" else "停止"
    what_en = "start" if saved.get("pending_action") == "on" else "stop"
    mns = "、".join(f"{r.mn}（{r.status}）" for r in bad)
    mns_en = ", ".join(f"{r.mn} ({r.status})" for r in bad)
    return [dc.Action(now, "alarm", "command", f"喷淋控制器未执行{what_zh}命令：{mns}",
                      f"spray controller did not execute the {what_en} command: {mns_en}")]


def run_loop(engine: Engine, home: Path, *, interval: float = 10.0, passes: int | None = None,
             on_pass: Callable[[list[dict[str, Any]]], None] | None = None) -> int:
    """Run :func:`control_pass` every ``interval`` seconds (``passes`` times, or until
    interrupted); returns the number of actions taken."""
    n = 0
    i = 0
    while passes is None or i < passes:
        started = _time.monotonic()
        acts = control_pass(engine, home)
        n += len(acts)
        if on_pass is not None:
            on_pass(acts)
        i += 1
        if passes is not None and i >= passes:
            break
        _time.sleep(max(0.0, interval - (_time.monotonic() - started)))
    return n


# ---------------------------------------------------------------------------- log
def _action_dict(a: DustAction) -> dict[str, Any]:
    return {"id": a.id, "site": a.site_code, "at": a.at.isoformat(), "action": a.action,
            "reason": a.reason, "reason_zh": a.reason_zh, "reason_en": a.reason_en,
            "parameter": a.parameter, "value": a.value, "command_ids": list(a.command_ids or []),
            "detail": dict(a.detail or {}), "actor": a.actor}


def action_log(engine: Engine, *, site: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """Logged actions, newest first."""
    with session_scope(engine) as s:
        q = select(DustAction)
        if site:
            q = q.where(DustAction.site_code == site)
        return [_action_dict(a) for a in s.scalars(q.order_by(DustAction.id.desc()).limit(limit))]


# ---------------------------------------------------------------------------- replay
def history_readings(ws: Workspace, monitor_mn: str, parameter: str, start: datetime,
                     end: datetime) -> list[dc.Reading]:
    """The site's stored ``air_minute`` values (the device's DataTime; lake flag None = normal,
    any other flag — HJ 212 flags other than N, quality flags — makes the value flagged)."""
    t = ws.analytics.table("air_minute")
    expr = (t.filter((t.mn == monitor_mn) & (t.parameter == parameter) & (t.time >= start)
                     & (t.time <= end)).select("time", "value", "flag").order_by("time"))
    df = ws.analytics.execute(expr)
    out = []
    for tm, v, f in zip(df["time"], df["value"], df["flag"], strict=True):
        value = None if v is None or v != v else float(v)
        flag = None if f is None or f != f else str(f)
        out.append(dc.Reading(tm.to_pydatetime(), value, flag))
    return out


def replay(ws: Workspace, code: str, start: datetime, end: datetime) -> dict[str, Any]:
    """What the rule would have done over the stored history (nothing is queued or logged)."""
    with session_scope(ws.engine) as s:
        site = _get(s, code)
        s.expunge(site)
    readings = history_readings(ws, site.monitor_mn, site.parameter, start, end)
    actions, _ = dc.run(readings, _thresholds(site), until=end if readings else None)
    runs = sum(1 for a in actions if a.action == "on")
    return {"site": code, "parameter": site.parameter, "from": start.isoformat(),
            "to": end.isoformat(), "readings": len(readings),
            "flagged": sum(1 for r in readings if not r.valid), "starts": runs,
            "alarms": sum(1 for a in actions if a.action == "alarm"),
            "actions": [a.as_dict() for a in actions]}
