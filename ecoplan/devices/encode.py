"""HJ 212 packet encoding: replies 9011–9014 and platform commands (HJ 212-2017 §6.3, appendix C).

Every packet we send carries the appendix-A CRC in upper-case hex and ends with ``\\r\\n``.
Replies copy QN, PW and MN verbatim from the packet answered, use ST=91 and Flag = version bits
of the device's dialect with neither D nor A set (4 for 2017, 8 for 2025, 0 for 2005).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from ecoplan.devices.codec import (
    MAX_SEGMENT,
    NOTIFICATION_CNS,
    PLATFORM_REQUEST_CNS,
    REPLY_CNS,
    Packet,
    beijing_now,
)
from ecoplan.devices.crc import crc_hj212
from ecoplan.errors import EcoplanError

VERSION_BITS = {"2005": 0, "2017": 1, "2025": 2}


class Hj212EncodeError(EcoplanError):
    """A packet cannot be encoded (too long, invalid field)."""


def frame(segment: bytes | str) -> bytes:
    """Wrap a data segment: ``##`` + 4-digit byte length + segment + CRC (upper hex) + CRLF."""
    data = segment.encode("utf-8") if isinstance(segment, str) else bytes(segment)
    if len(data) > MAX_SEGMENT:
        raise Hj212EncodeError(f"数据段 {len(data)} 字节，超过 {MAX_SEGMENT}",
                               f"data segment of {len(data)} bytes exceeds {MAX_SEGMENT}")
    return b"##%04d%s%04X\r\n" % (len(data), data, crc_hj212(data))


def segment(*, qn: str | None, st: str, cn: str, pw: str | None, mn: str, flag: int | None,
            cp: str = "", pnum: int | None = None, pno: int | None = None) -> str:
    """Header fields in table-3 order, then ``CP=&&…&&``."""
    parts: list[str] = []
    if qn is not None:
        parts.append(f"QN={qn}")
    parts += [f"ST={st}", f"CN={cn}"]
    if pw is not None:
        parts.append(f"PW={pw}")
    parts.append(f"MN={mn}")
    if flag is not None:
        parts.append(f"Flag={flag}")
    if pnum is not None and pno is not None:
        parts += [f"PNUM={pnum}", f"PNO={pno}"]
    parts.append(f"CP=&&{cp}&&")
    return ";".join(parts)


def cp_text(params: Mapping[str, object] | Iterable[tuple[str, object]]) -> str:
    """``Name=value`` pairs joined by ``;`` (the order given is kept)."""
    items = params.items() if isinstance(params, Mapping) else params
    return ";".join(f"{k}={v}" for k, v in items)


def version_of(dialect: str | int) -> int:
    if isinstance(dialect, int):
        return dialect
    return VERSION_BITS.get(dialect, 1)


def _reply(p: Packet, cn: str, version: int, extra_cp: str = "") -> bytes:
    if version == 0:  # HJ/T 212-2005: the answered QN and CN go inside CP
        cp_parts = []
        if p.qn is not None:
            cp_parts.append(f"QN={p.qn}")
        cp_parts.append(f"CN={p.cn}")
        if extra_cp:
            cp_parts.append(extra_cp)
        return frame(segment(qn=None, st="91", cn=cn, pw=p.pw, mn=p.mn or "", flag=0,
                             cp=";".join(cp_parts)))
    if p.qn is not None and p.pw is not None and not extra_cp:  # the usual reply, in one go
        return frame(f"QN={p.qn};ST=91;CN={cn};PW={p.pw};MN={p.mn or ''};Flag={version << 2};"
                     "CP=&&&&")
    return frame(segment(qn=p.qn, st="91", cn=cn, pw=p.pw, mn=p.mn or "", flag=version << 2,
                         cp=extra_cp))


def reply_kind(p: Packet) -> str | None:
    """Which answer the platform owes this packet: ``9014``, ``9013`` or None."""
    cn = p.cn or ""
    if cn in REPLY_CNS or cn in PLATFORM_REQUEST_CNS:
        return None
    if cn in NOTIFICATION_CNS:
        return "9013"
    if not p.ack_requested:
        return None
    if cn == "9021":  # non-standard 2017 heartbeat with A=1: answered like the 2025 one
        return "9013"
    return "9014"


def reply_for(p: Packet, dialect: str | int | None = None) -> bytes | None:
    """The reply the gateway sends to ``p`` (None when none is due)."""
    kind = reply_kind(p)
    if kind is None:
        return None
    version = p.version if dialect is None or dialect == "auto" else version_of(dialect)
    return _reply(p, kind, version)


def data_answer(p: Packet, dialect: str | int | None = None) -> bytes:
    """9014 data answer to ``p`` (C.50)."""
    return _reply(p, "9014", p.version if dialect is None else version_of(dialect))


def notification_answer(p: Packet, dialect: str | int | None = None) -> bytes:
    """9013 notification answer to ``p``."""
    return _reply(p, "9013", p.version if dialect is None else version_of(dialect))


def request_answer(p: Packet, qn_rtn: int, dialect: str | int | None = None) -> bytes:
    """9011 request answer (QnRtn, table 6) — what a device sends to a platform request."""
    version = p.version if dialect is None else version_of(dialect)
    return frame(segment(qn=p.qn, st="91", cn="9011", pw=p.pw, mn=p.mn or "",
                         flag=version << 2, cp=f"QnRtn={qn_rtn}"))


def execution_result(p: Packet, exe_rtn: int, dialect: str | int | None = None) -> bytes:
    """9012 execution result (ExeRtn, table 7)."""
    version = p.version if dialect is None else version_of(dialect)
    return frame(segment(qn=p.qn, st="91", cn="9012", pw=p.pw, mn=p.mn or "",
                         flag=version << 2, cp=f"ExeRtn={exe_rtn}"))


# ------------------------------------------------------------------ platform → device commands
def new_qn(now: datetime | None = None) -> str:
    """A 17-digit request code ``YYYYMMDDhhmmsszzz``."""
    now = now or beijing_now()
    return now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"


def fmt_time(t: datetime) -> str:
    return t.strftime("%Y%m%d%H%M%S")


def command(cn: str, *, mn: str, pw: str, qn: str, st: str = "32", dialect: str | int = "2017",
            params: Mapping[str, object] | Iterable[tuple[str, object]] = (),
            ack: bool = True) -> bytes:
    """A platform request/notification to a device (Flag = version | A)."""
    flag = (version_of(dialect) << 2) | (1 if ack else 0)
    return frame(segment(qn=qn, st=st, cn=cn, pw=pw, mn=mn, flag=flag, cp=cp_text(params)))


def set_timeouts(*, over_time: int, re_count: int, **kw: object) -> bytes:
    """1000 set OverTime/ReCount."""
    return command("1000", params={"OverTime": over_time, "ReCount": re_count}, **kw)  # type: ignore[arg-type]


def set_time(system_time: datetime, *, pol_id: str | None = None, **kw: object) -> bytes:
    """1012 set the logger (or an instrument's) clock."""
    params: dict[str, object] = {}
    if pol_id:
        params["PolId"] = pol_id
    params["SystemTime"] = fmt_time(system_time)
    return command("1012", params=params, **kw)  # type: ignore[arg-type]


def set_rtd_interval(seconds: int, **kw: object) -> bytes:
    """1062 set the real-time upload interval (30–3600 s, table 4)."""
    if not 30 <= seconds <= 3600:
        raise Hj212EncodeError(f"RtdInterval={seconds} 超出 30–3600 秒",
                               f"RtdInterval={seconds} is outside 30–3600 s")
    return command("1062", params={"RtdInterval": seconds}, **kw)  # type: ignore[arg-type]


MIN_INTERVALS = (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)


def set_min_interval(minutes: int, **kw: object) -> bytes:
    """1064 set the minute-data interval (one of 1,2,3,4,5,6,10,12,15,20,30 min, table 4)."""
    if minutes not in MIN_INTERVALS:
        raise Hj212EncodeError(f"MinInterval={minutes} 不是允许值 {MIN_INTERVALS}",
                               f"MinInterval={minutes} is not one of {MIN_INTERVALS}")
    return command("1064", params={"MinInterval": minutes}, **kw)  # type: ignore[arg-type]


def request_history(cn: str, begin: datetime, end: datetime, **kw: object) -> bytes:
    """2031 (day) / 2051 (minute) / 2061 (hour) / 2041 history request with BeginTime/EndTime."""
    if cn not in {"2031", "2041", "2051", "2061"}:
        raise Hj212EncodeError(f"{cn} 不是历史数据请求命令", f"{cn} is not a history request")
    return command(cn, params={"BeginTime": fmt_time(begin), "EndTime": fmt_time(end)}, **kw)  # type: ignore[arg-type]
