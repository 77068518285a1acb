"""The HJ 212 command queue: platform → device commands asked for by an operator.

An operator (``ecoplan devices command``, the web) calls :func:`enqueue`; the row waits in
``hj212_commands`` until the gateway worker process that has the device connected claims it
(an atomic ``UPDATE … WHERE status='queued'``, so two workers never both send it), carries out
request → 9011 → data → 9012 (:meth:`~.gateway.Gateway.send_command`) and writes the outcome.
A command nobody claims before its ``expires_at`` (60 s after the request by default) becomes
``not-connected``. Every status change is appended to the device event log.

Parameters follow HJ 212-2017 table 4 (``RtdInterval`` 30–3600 s, ``MinInterval`` one of
1 … 30 min, ``OverTime``/``ReCount`` 1–99, times ``YYYYMMDDhhmmss``); the answer codes are
tables 6 (QnRtn) and 7 (ExeRtn).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from ecoplan.devices.codec import beijing_now, parse_time
from ecoplan.devices.encode import MIN_INTERVALS, fmt_time
from ecoplan.errors import ValidationError
from ecoplan.store.db import session_scope
from ecoplan.store.hj212_models import Hj212Command, Hj212Device, Hj212DeviceEvent

DEFAULT_EXPIRES_IN = 60.0
"""Seconds a queued command waits for a gateway worker that has the device connected."""

EXPIRY_GRACE = 15.0
"""Extra seconds before a reader (not a gateway) marks an unclaimed command ``expired``."""

STALE_SENT = 3600.0
"""Seconds after which a command still ``sent`` is taken as lost with its worker (``expired``);
a command lasts at most OverTime × (ReCount + 1) for the 9011 plus as long for the 9012."""

FINAL = frozenset({"ok", "rejected", "failed", "no-answer", "timeout", "not-connected",
                   "expired", "cancelled"})
STATUSES = ("queued", "sent", *sorted(FINAL))


class CommandError(ValidationError):
    """A command request is invalid (unknown CN, missing or bad parameter, unknown id …)."""


# ---------------------------------------------------------------------------- what can be sent
@dataclass(frozen=True)
class CommandSpec:
    """One platform request of HJ 212-2017 table 9 the queue can carry."""

    cn: str
    zh: str
    en: str
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    responds_with_data: bool = False
    # Parameters defined by the field machine's vendor (3021): any name made of letters, digits,
    # "-" and "_"; values are still checked for separators and length.
    vendor_params: bool = False


_POL = ("PolId",)
SPECS: dict[str, CommandSpec] = {s.cn: s for s in (
    CommandSpec("1000", "设置超时时间及重发次数", "set OverTime/ReCount", ("OverTime", "ReCount")),
    CommandSpec("1011", "提取现场机时间", "get the logger time", (), _POL, True),
    CommandSpec("1012", "设置现场机时间（校时）", "set the logger time", (), ("SystemTime", "PolId")),
    CommandSpec("1061", "提取实时数据间隔", "get the real-time interval", (), (), True),
    CommandSpec("1062", "设置实时数据间隔", "set the real-time interval", ("RtdInterval",)),
    CommandSpec("1063", "提取分钟数据间隔", "get the minute-data interval", (), (), True),
    CommandSpec("1064", "设置分钟数据间隔", "set the minute-data interval", ("MinInterval",)),
    CommandSpec("2011", "取污染物实时数据", "start real-time data", (), (), True),
    CommandSpec("2021", "取设备运行状态", "start equipment-state data", (), (), True),
    CommandSpec("2031", "取污染物日历史数据", "get day history", ("BeginTime", "EndTime"), (), True),
    CommandSpec("2041", "取设备运行时间日历史数据", "get equipment running-time history",
                ("BeginTime", "EndTime"), (), True),
    CommandSpec("2051", "取污染物分钟历史数据", "get minute history", ("BeginTime", "EndTime"), (),
                True),
    CommandSpec("2061", "取污染物小时历史数据", "get hour history", ("BeginTime", "EndTime"), (),
                True),
    CommandSpec("3011", "零点校准量程校准", "zero/span calibration", (), _POL),
    CommandSpec("3012", "即时采样", "immediate sampling", (), _POL),
    CommandSpec("3013", "启动清洗/反吹", "start cleaning/blowback", (), _POL),
    CommandSpec("3014", "比对采样", "comparison sampling", (), _POL),
    CommandSpec("3015", "超标留样", "over-limit sample retention", (), ("DataTime", "VaseNo"), True),
    CommandSpec("3017", "提取采样时间周期", "get the sampling period", (), _POL, True),
    CommandSpec("3018", "提取出样时间", "get the sample output time", (), _POL, True),
    CommandSpec("3019", "提取设备唯一标识", "get the instrument serial number", (), _POL, True),
    CommandSpec("3020", "提取现场机信息", "get field-machine information", (), ("PolId", "InfoId"),
                True),
    CommandSpec("3021", "设置现场机参数", "set field-machine parameter", (), _POL,
                vendor_params=True),
    # HJ 212-2025 (reference §16): logger identity and MN assignment (ecoplan.devices.keys)
    CommandSpec("1001", "提取数采仪身份信息（2025）", "get the logger identity (2025)", (), (), True),
    CommandSpec("1002", "设置数采仪 MN（2025）", "set the logger MN (2025)", ("NewMN",)),
)}
SUPPORTED_CNS = tuple(SPECS)

QN_RTN: dict[int, tuple[str, str]] = {  # HJ 212-2017 table 6
    1: ("准备执行请求", "ready to execute"), 2: ("请求被拒绝", "request rejected"),
    3: ("PW 错误", "wrong password (PW)"), 4: ("MN 错误", "wrong MN"), 5: ("ST 错误", "wrong ST"),
    6: ("Flag 错误", "wrong Flag"), 7: ("QN 错误", "wrong QN"), 8: ("CN 错误", "wrong CN"),
    9: ("CRC 校验错误", "CRC error"), 100: ("未知错误", "unknown error"),
}
EXE_RTN: dict[int, tuple[str, str]] = {  # HJ 212-2017 table 7
    1: ("执行成功", "executed successfully"), 2: ("执行失败，但不知道原因", "failed, reason unknown"),
    3: ("命令请求条件错误", "request condition error"), 4: ("通讯超时", "communication timeout"),
    5: ("系统繁忙不能执行", "system busy"), 6: ("系统故障", "system fault"),
    100: ("没有数据", "no data"),
}
STATUS_TEXT: dict[str, tuple[str, str]] = {
    "queued": ("排队中，等待网关", "queued, waiting for the gateway"),
    "sent": ("已发送，等待设备应答", "sent, waiting for the device"),
    "ok": ("执行成功", "executed"),
    "rejected": ("设备拒绝请求", "rejected by the device"),
    "failed": ("设备执行失败", "the device failed to execute it"),
    "no-answer": ("设备未应答（超时重发后）", "no answer from the device (after retries)"),
    "timeout": ("设备已接受但未返回执行结果", "accepted, but no execution result in time"),
    "not-connected": ("设备未连接到网关", "the device is not connected to the gateway"),
    "expired": ("无网关处理，已过期", "expired without a gateway handling it"),
    "cancelled": ("已取消", "cancelled"),
}


def explain_qn_rtn(code: int | None) -> tuple[str, str] | None:
    """(zh, en) meaning of a QnRtn request-answer code (HJ 212-2017 table 6)."""
    if code is None:
        return None
    return QN_RTN.get(code, (f"未定义的应答码 {code}", f"undefined code {code}"))


def explain_exe_rtn(code: int | None) -> tuple[str, str] | None:
    """(zh, en) meaning of an ExeRtn execution-result code (HJ 212-2017 table 7)."""
    if code is None:
        return None
    return EXE_RTN.get(code, (f"未定义的结果码 {code}", f"undefined code {code}"))


# ---------------------------------------------------------------------------- validation
def _bad(key: str, zh: str, en: str, cn: str) -> CommandError:
    return CommandError(f"命令 {cn} 的参数 {key}：{zh}", f"command {cn}, parameter {key}: {en}")


def _int_in(cn: str, key: str, value: object, lo: int, hi: int) -> int:
    try:
        n = int(str(value).strip())
    except ValueError:
        raise _bad(key, f"应为整数，收到 {value!r}", f"must be an integer, got {value!r}", cn) from None
    if not lo <= n <= hi:
        raise _bad(key, f"{n} 超出 {lo}–{hi}", f"{n} is outside {lo}–{hi}", cn)
    return n


def _time(cn: str, key: str, value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    text = str(value).strip()
    t = parse_time(text) if len(text) == 14 and text.isdigit() else None
    if t is None:
        raise _bad(key, f"应为 YYYYMMDDhhmmss 格式的时间，收到 {value!r}",
                   f"must be a time YYYYMMDDhhmmss, got {value!r}", cn)
    return t


_VENDOR_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,31}")


def validate(cn: str, params: Mapping[str, object] | None) -> dict[str, str]:
    """The parameters of ``cn`` checked and normalised to the strings sent in CP."""
    spec = SPECS.get(str(cn))
    if spec is None:
        raise CommandError(
            f"不支持的命令编码 CN={cn}（可用：{' '.join(SUPPORTED_CNS)}）",
            f"unsupported command code CN={cn} (supported: {' '.join(SUPPORTED_CNS)})")
    given = dict(params or {})
    allowed = spec.required + spec.optional
    unknown = sorted(set(given) - set(allowed))
    if spec.vendor_params:
        unknown = [k for k in unknown if not _VENDOR_NAME.fullmatch(k)]
    if unknown:
        allowed_text = ", ".join(allowed) or "—"
        raise CommandError(
            f"命令 {cn} 不接受参数 {', '.join(unknown)}（可用：{allowed_text}）",
            f"command {cn} takes no parameter {', '.join(unknown)} (allowed: {allowed_text})")
    missing = [k for k in spec.required if given.get(k) in (None, "")]
    if missing:
        raise CommandError(f"命令 {cn}（{spec.zh}）缺少参数 {', '.join(missing)}",
                           f"command {cn} ({spec.en}) needs {', '.join(missing)}")
    out: dict[str, str] = {}
    for key, value in given.items():
        if value is None or value == "":
            continue
        if isinstance(value, datetime):
            out[key] = fmt_time(value)
            continue
        text = str(value).strip()
        if any(ch in text for ch in ";=&,\r\n") or len(text) > 64:
            raise _bad(key, f"值 {value!r} 含有分隔符或过长", f"value {value!r} has a separator "
                       "or is too long", cn)
        out[key] = text
    if cn == "1000":
        out["OverTime"] = str(_int_in(cn, "OverTime", out["OverTime"], 1, 99))
        out["ReCount"] = str(_int_in(cn, "ReCount", out["ReCount"], 1, 99))
    elif cn == "1062":
        out["RtdInterval"] = str(_int_in(cn, "RtdInterval", out["RtdInterval"], 30, 3600))
    elif cn == "1064":
        n = _int_in(cn, "MinInterval", out["MinInterval"], 1, 30)
        if n not in MIN_INTERVALS:
            allowed_min = ", ".join(map(str, MIN_INTERVALS))
            raise _bad("MinInterval", f"{n} 不是允许值（{allowed_min} 分钟）",
                       f"{n} is not one of {allowed_min} minutes", cn)
        out["MinInterval"] = str(n)
    for key in ("SystemTime", "BeginTime", "EndTime", "DataTime"):
        if key in out:
            out[key] = fmt_time(_time(cn, key, out[key]))
    if "BeginTime" in out and out["BeginTime"] > out["EndTime"]:
        raise _bad("BeginTime", f"开始时间 {out['BeginTime']} 晚于结束时间 {out['EndTime']}",
                   f"begin {out['BeginTime']} is after end {out['EndTime']}", cn)
    return out


def wire_params(cn: str, params: Mapping[str, str]) -> dict[str, str]:
    """What is put in CP when the command is sent: 1012 without SystemTime gets the current
    Beijing time at that moment (not when it was queued)."""
    out = dict(params)
    if cn == "1012" and "SystemTime" not in out:
        out["SystemTime"] = fmt_time(beijing_now())
    return out


# ---------------------------------------------------------------------------- rows
@dataclass(frozen=True)
class QueuedCommand:
    """A command row as the CLI and the web show it."""

    id: int
    mn: str
    cn: str
    params: dict[str, str]
    requested_by: str
    requested_at: datetime
    expires_at: datetime
    status: str
    qn: str | None = None
    worker: str | None = None
    sent_at: datetime | None = None
    attempts: int = 0
    qn_rtn: int | None = None
    exe_rtn: int | None = None
    responses: list[dict[str, Any]] = field(default_factory=list)
    finished_at: datetime | None = None
    reason: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    @property
    def name(self) -> tuple[str, str]:
        spec = SPECS.get(self.cn)
        return (spec.zh, spec.en) if spec else (self.cn, self.cn)

    def explain(self) -> dict[str, Any]:
        """Status, QnRtn and ExeRtn in words (``zh``/``en`` pairs)."""
        return {"status": STATUS_TEXT.get(self.status, (self.status, self.status)),
                "qn_rtn": explain_qn_rtn(self.qn_rtn), "exe_rtn": explain_exe_rtn(self.exe_rtn)}

    def as_dict(self) -> dict[str, Any]:
        ex = self.explain()
        return {"id": self.id, "mn": self.mn, "cn": self.cn, "name_zh": self.name[0],
                "name_en": self.name[1], "params": dict(self.params),
                "requested_by": self.requested_by, "requested_at": _iso(self.requested_at),
                "expires_at": _iso(self.expires_at), "status": self.status,
                "status_zh": ex["status"][0], "status_en": ex["status"][1], "qn": self.qn,
                "worker": self.worker, "sent_at": _iso(self.sent_at), "attempts": self.attempts,
                "qn_rtn": self.qn_rtn, "qn_rtn_zh": ex["qn_rtn"][0] if ex["qn_rtn"] else None,
                "qn_rtn_en": ex["qn_rtn"][1] if ex["qn_rtn"] else None,
                "exe_rtn": self.exe_rtn, "exe_rtn_zh": ex["exe_rtn"][0] if ex["exe_rtn"] else None,
                "exe_rtn_en": ex["exe_rtn"][1] if ex["exe_rtn"] else None,
                "responses": list(self.responses), "finished_at": _iso(self.finished_at),
                "reason": self.reason}


def _aware(t: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes; every time in this table is UTC."""
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _view(c: Hj212Command) -> QueuedCommand:
    return QueuedCommand(
        id=c.id, mn=c.mn, cn=c.cn, params=dict(c.params or {}), requested_by=c.requested_by,
        requested_at=_aware(c.requested_at), expires_at=_aware(c.expires_at),  # type: ignore[arg-type]
        status=c.status, qn=c.qn, worker=c.worker, sent_at=_aware(c.sent_at),
        attempts=c.attempts or 0, qn_rtn=c.qn_rtn, exe_rtn=c.exe_rtn,
        responses=list(c.responses or []), finished_at=_aware(c.finished_at), reason=c.reason)


def _engine(ws_or_engine: Any) -> Engine:
    return ws_or_engine if isinstance(ws_or_engine, Engine) else ws_or_engine.engine


def _event(mn: str, kind: str, actor: str, detail: dict[str, Any]) -> Hj212DeviceEvent:
    return Hj212DeviceEvent(mn=mn, kind=kind, actor=actor[:64], detail=detail,
                            at=datetime.now(UTC))


def _now() -> datetime:
    return datetime.now(UTC)


# ---------------------------------------------------------------------------- operator API
def enqueue(ws_or_engine: Any, mn: str, cn: str, params: Mapping[str, object] | None = None, *,
            requested_by: str, expires_in: float = DEFAULT_EXPIRES_IN) -> int:
    """Queue command ``cn`` for device ``mn``; returns the command id.

    ``mn`` must be a registered device; ``cn`` one of :data:`SUPPORTED_CNS` with its parameters
    (:func:`validate`). ``expires_in`` seconds without a gateway worker that has the device
    connected make it ``not-connected``."""
    engine = _engine(ws_or_engine)
    cn = str(cn).strip()
    checked = validate(cn, params)
    if not requested_by or len(requested_by) > 64:
        raise CommandError("请求人（requested_by）为空或超过 64 个字符",
                           "requested_by is empty or longer than 64 characters")
    if expires_in <= 0:
        raise CommandError("等待时间必须大于 0 秒", "expires_in must be more than 0 seconds")
    now = _now()
    with session_scope(engine) as s:
        if s.scalar(select(Hj212Device.id).where(Hj212Device.mn == mn)) is None:
            raise CommandError(f"设备 {mn} 未登记，不能向其发送命令（先用 devices add 登记）",
                               f"device {mn} is not registered; register it first "
                               "(`devices add`) to send it commands")
        row = Hj212Command(mn=mn, cn=cn, params=checked, requested_by=requested_by,
                           requested_at=now, expires_at=now + timedelta(seconds=expires_in),
                           status="queued", attempts=0, responses=[])
        s.add(row)
        s.flush()
        s.add(_event(mn, "command-queued", requested_by,
                     {"command_id": row.id, "cn": cn, "params": checked}))
        return int(row.id)


def _expire_overdue(engine: Engine) -> None:
    """Mark commands nobody claimed long after their deadline (no gateway running) expired, and
    commands whose worker stopped before recording the outcome."""
    now = _now()
    cutoff = now - timedelta(seconds=EXPIRY_GRACE)
    stale = now - timedelta(seconds=STALE_SENT)
    with session_scope(engine) as s:
        rows = s.execute(select(Hj212Command.id, Hj212Command.mn, Hj212Command.status,
                                Hj212Command.expires_at, Hj212Command.sent_at)
                         .where(Hj212Command.status.in_(("queued", "sent")))).all()
    for cid, mn, status, exp, sent in rows:
        if status == "queued" and _aware(exp) < cutoff:  # type: ignore[operator]
            _transition(engine, cid, mn, "queued", "expired", "reader",
                        "没有网关进程在期限内处理该命令（网关是否在运行？）/ no gateway worker "
                        "claimed the command before its deadline (is `ecoplan gateway` running?)")
        elif status == "sent" and sent is not None and _aware(sent) < stale:  # type: ignore[operator]
            _transition(engine, cid, mn, "sent", "expired", "reader",
                        "网关进程未记录结果（已停止？）/ the gateway worker never recorded the "
                        "outcome (stopped?)")


def _transition(engine: Engine, cid: int, mn: str, frm: str, to: str, actor: str,
                reason: str | None, **values: Any) -> bool:
    """Atomically move command ``cid`` from ``frm`` to ``to``; False when someone else did."""
    now = _now()
    with session_scope(engine) as s:
        if to in FINAL:
            values.setdefault("finished_at", now)
        res = s.execute(update(Hj212Command)
                        .where(Hj212Command.id == cid, Hj212Command.status == frm)
                        .values(status=to, reason=reason, **values))
        if res.rowcount != 1:  # type: ignore[attr-defined]
            return False
        detail = {"command_id": cid, "status": to}
        detail.update({k: v for k, v in values.items()
                       if k in ("qn", "worker", "qn_rtn", "exe_rtn", "attempts")})
        if reason:
            detail["reason"] = reason
        if "responses" in values:
            detail["responses"] = len(values["responses"])
        s.add(_event(mn, f"command-{to}", actor, detail))
        return True


def get(ws_or_engine: Any, command_id: int) -> QueuedCommand:
    """One command by id (an unknown id is a clear error)."""
    engine = _engine(ws_or_engine)
    _expire_overdue(engine)
    with session_scope(engine) as s:
        row = s.get(Hj212Command, int(command_id))
        if row is None:
            raise CommandError(f"没有编号为 {command_id} 的命令", f"no command with id {command_id}")
        return _view(row)


def list_commands(ws_or_engine: Any, *, mn: str | None = None, status: str | None = None,
                  limit: int = 100) -> list[QueuedCommand]:
    """Commands, newest first, optionally of one device and/or one status."""
    if status is not None and status not in STATUSES:
        raise CommandError(f"状态无效：{status}（可选 {'、'.join(STATUSES)}）",
                           f"invalid status {status} (one of {', '.join(STATUSES)})")
    engine = _engine(ws_or_engine)
    _expire_overdue(engine)
    with session_scope(engine) as s:
        q = select(Hj212Command)
        if mn:
            q = q.where(Hj212Command.mn == mn)
        if status:
            q = q.where(Hj212Command.status == status)
        return [_view(c) for c in s.scalars(q.order_by(Hj212Command.id.desc()).limit(limit))]


def cancel(ws_or_engine: Any, command_id: int, *, by: str = "cli") -> QueuedCommand:
    """Withdraw a command still queued (one already sent to the device cannot be called back)."""
    engine = _engine(ws_or_engine)
    cmd = get(engine, command_id)
    if cmd.status != "queued" or not _transition(engine, cmd.id, cmd.mn, "queued", "cancelled",
                                                 by, f"cancelled by {by}"):
        now = get(engine, command_id)
        raise CommandError(
            f"命令 {command_id} 的状态是 {now.status}，只有排队中的命令可以取消",
            f"command {command_id} is {now.status}; only queued commands can be cancelled")
    return get(engine, command_id)


# ---------------------------------------------------------------------------- gateway side
def worker_name(index: int = 0) -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}/{index}"


class CommandQueue:
    """The gateway worker's side of the queue (blocking calls, run in an executor)."""

    def __init__(self, engine: Engine, *, worker: str | None = None, poll_interval: float = 1.0,
                 over_time: float = 10.0, re_count: int = 3,
                 exec_timeout: float | None = None) -> None:
        self.engine = engine
        self.worker = (worker or worker_name())[:64]
        self.poll_interval = poll_interval
        self.over_time = over_time
        self.re_count = re_count
        self.exec_timeout = exec_timeout

    def claim(self, connected: Iterable[str]) -> list[QueuedCommand]:
        """Take the queued commands of the devices connected to this worker (oldest first)."""
        here = connected if isinstance(connected, (set, frozenset, dict)) else set(connected)
        if not here:
            return []
        claimed: list[QueuedCommand] = []
        with session_scope(self.engine) as s:  # few rows are ever queued: filter them here
            ids = [(cid, mn) for cid, mn in s.execute(
                select(Hj212Command.id, Hj212Command.mn).where(Hj212Command.status == "queued"))
                if mn in here]
        for cid, mn in sorted(ids):
            if _transition(self.engine, cid, mn, "queued", "sent", f"gateway {self.worker}", None,
                           worker=self.worker, sent_at=_now()):
                claimed.append(get_row(self.engine, cid))
        return claimed

    def expire_unclaimed(self, connected: Iterable[str] = ()) -> int:
        """Queued commands past their deadline whose device is not connected here become
        ``not-connected`` (another worker that has the device claims it within a poll)."""
        here = set(connected)
        now = _now()
        with session_scope(self.engine) as s:
            rows = s.execute(select(Hj212Command.id, Hj212Command.mn, Hj212Command.expires_at)
                             .where(Hj212Command.status == "queued")).all()
        n = 0
        for cid, mn, exp in rows:
            if mn not in here and _aware(exp) < now:  # type: ignore[operator]
                n += _transition(self.engine, cid, mn, "queued", "not-connected",
                                 f"gateway {self.worker}",
                                 "设备在期限内未连接到任何网关进程 / the device was not connected "
                                 "to any gateway worker before the deadline")
        return n

    def finish(self, cmd: QueuedCommand, result: Any) -> bool:
        """Record the outcome (a :class:`~.gateway.CommandResult`)."""
        responses = [p.summary() if hasattr(p, "summary") else p for p in result.responses]
        reason = None
        if result.status == "rejected":
            reason = f"QnRtn={result.qn_rtn}: {explain_qn_rtn(result.qn_rtn)[1]}"  # type: ignore[index]
        elif result.status == "failed":
            reason = f"ExeRtn={result.exe_rtn}: {explain_exe_rtn(result.exe_rtn)[1]}"  # type: ignore[index]
        elif result.status == "no-answer":
            reason = f"no 9011 after {result.attempts} attempts"
        elif result.status == "timeout":
            reason = "9011 received, no 9012 in time"
        return _transition(self.engine, cmd.id, cmd.mn, "sent", result.status,
                           f"gateway {self.worker}", reason, qn=result.qn,
                           attempts=result.attempts, qn_rtn=result.qn_rtn,
                           exe_rtn=result.exe_rtn, responses=_jsonable(responses))

    def requeue(self, cmd: QueuedCommand) -> bool:
        """Give back a claimed command not yet sent (the device left this worker before it
        was its turn): queued again for whichever worker has the device, until ``expires_at``;
        past it, ``not-connected``."""
        if cmd.expires_at <= _now():
            return self.abandon(cmd, "not-connected", "设备在发送前断开 / the device "
                                "disconnected before the command was sent")
        return _transition(self.engine, cmd.id, cmd.mn, "sent", "queued",
                           f"gateway {self.worker}", "设备已离开该网关进程，重新排队 / the device "
                           "left this gateway worker; queued again", worker=None, sent_at=None)

    def abandon(self, cmd: QueuedCommand, status: str, reason: str) -> bool:
        """End a claimed command without an answer (device gone, gateway stopping)."""
        return _transition(self.engine, cmd.id, cmd.mn, "sent", status,
                           f"gateway {self.worker}", reason)


def get_row(engine: Engine, command_id: int) -> QueuedCommand:
    with session_scope(engine) as s:
        row = s.get(Hj212Command, int(command_id))
        assert row is not None
        return _view(row)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
