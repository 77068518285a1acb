"""HJ 212 packet decoding: frame, data segment, CP data area (HJ 212-2017 §6.3, tables 2–4).

:func:`decode` never raises on bad input: it returns a :class:`Decoded` whose ``rejection`` says
precisely why a packet was refused, and whose ``packet`` carries everything that could be read
(so ``ecoplan hj212 check`` can still show a packet whose CRC is wrong). Deviations whose meaning
is clear (lower-case CRC hex, 13/14/18-digit QN, a missing trailer, a broken length field whose
CRC still verifies over the actual bytes …) are accepted and listed in ``packet.warnings``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from ecoplan.devices.crc import ACCEL, VARIANTS, CrcVariant, crc_variant

MAX_SEGMENT = 9999
_HEX = frozenset(b"0123456789abcdefABCDEF")
_DIGITS = frozenset(b"0123456789")
_TRAILER_WS = b"\r\n \t"

DIALECTS = {0: "2005", 1: "2017", 2: "2025"}

# Replies a device sends to platform requests, notifications, and platform-only requests.
REPLY_CNS = frozenset({"9011", "9012", "9013", "9014"})
NOTIFICATION_CNS = frozenset({"1013", "9015"})
HEARTBEAT_CNS = frozenset({"9021", "9015"})
PLATFORM_REQUEST_CNS = frozenset({
    "1000", "1012", "1062", "1064", "1072", "2012", "2022", "3011", "3012", "3013", "3014",
    "3016", "3021", "1001", "1002", "1014",
})


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason (rejection) or remark (warning) about a packet, in Chinese and English."""

    code: str
    zh: str
    en: str
    field: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "zh": self.zh, "en": self.en, "field": self.field}


@dataclass(slots=True)
class Factor:
    """All fields of one factor (pollutant/parameter) code in the CP area, values kept raw."""

    code: str
    fields: dict[str, str] = field(default_factory=dict)

    def number(self, suffix: str) -> float | None:
        raw = self.fields.get(suffix)
        if raw is None or raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            return None
        return value if value == value and value not in (float("inf"), float("-inf")) else None


@dataclass(slots=True)
class Packet:
    """A decoded HJ 212 packet. QN, PW and MN are kept verbatim (replies echo them)."""

    raw: bytes
    segment: bytes
    declared_length: int
    length_ok: bool
    crc_sent: str
    crc_variant: CrcVariant
    header: dict[str, str] = field(default_factory=dict)
    qn: str | None = None
    st: str | None = None
    cn: str | None = None
    pw: str | None = None
    mn: str | None = None
    flag: int | None = None
    pnum: int | None = None
    pno: int | None = None
    cp: str = ""
    params: dict[str, str] = field(default_factory=dict)
    factors: dict[str, Factor] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def version(self) -> int:
        """Flag version bits V5..V0 (0 = HJ/T 212-2005, 1 = 2017, 2 = 2025)."""
        return 0 if self.flag is None else self.flag >> 2

    @property
    def dialect(self) -> str:
        return DIALECTS.get(self.version, f"v{self.version}")

    @property
    def ack_requested(self) -> bool:
        return self.flag is not None and bool(self.flag & 1)

    @property
    def split(self) -> bool:
        return self.pnum is not None

    @property
    def data_time(self) -> datetime | None:
        return parse_time(self.params.get("DataTime"))

    def summary(self) -> dict[str, Any]:
        """A JSON-friendly view of the packet (used by ``ecoplan hj212 check``)."""
        return {
            "qn": self.qn, "st": self.st, "cn": self.cn, "pw": self.pw, "mn": self.mn,
            "flag": self.flag, "pnum": self.pnum, "pno": self.pno, "dialect": self.dialect,
            "ack_requested": self.ack_requested,
            "declared_length": self.declared_length, "length_ok": self.length_ok,
            "crc_sent": self.crc_sent, "crc_variant": self.crc_variant,
            "params": dict(self.params),
            "factors": {c: dict(f.fields) for c, f in self.factors.items()},
            "warnings": [w.as_dict() for w in self.warnings],
        }


@dataclass(slots=True)
class Decoded:
    """Result of :func:`decode`: the packet (possibly partial) and the rejection, if any."""

    packet: Packet | None
    rejection: Problem | None = None
    framing_ok: bool = False

    @property
    def ok(self) -> bool:
        return self.rejection is None and self.packet is not None


_BEIJING = timezone(timedelta(hours=8))


def beijing_now() -> datetime:
    """Current Beijing time (UTC+8, no DST), naive — the clock HJ 212 devices in China keep."""
    return datetime.now(_BEIJING).replace(tzinfo=None)


def parse_time(value: str | None) -> datetime | None:
    """``YYYYMMDDhhmmss`` (optionally followed by 3 ms digits) → datetime; None if invalid."""
    if not value:
        return None
    return _parse_time(value)


@lru_cache(maxsize=16384)  # the loggers of a network send the same DataTime every period
def _parse_time(value: str) -> datetime | None:
    if not value.isdigit() or len(value) not in (14, 17):
        return None
    try:
        return datetime(int(value[0:4]), int(value[4:6]), int(value[6:8]), int(value[8:10]),
                        int(value[10:12]), int(value[12:14]),
                        int(value[14:17]) * 1000 if len(value) == 17 else 0)
    except ValueError:
        return None


def _reject(code: str, zh: str, en: str, fld: str | None = None) -> Problem:
    return Problem(code, zh, en, fld)


_HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")


def _is_hex4(b: bytes) -> bool:
    return _HEX4.fullmatch(b) is not None


def decode(raw: bytes, *, crc_policy: tuple[str, ...] | frozenset[str] = ("hj212",),
           max_segment: int = MAX_SEGMENT) -> Decoded:
    """Decode one packet (with or without its ``\\r\\n``). Never raises on bad input."""
    try:
        if _decode_clean is not None and type(raw) is bytes and "hj212" in crc_policy:
            parts = _decode_clean(raw, max_segment, Factor)
            if parts is not None:
                return _clean_packet(raw, parts)
        return _decode(raw, crc_policy, max_segment)
    except Exception as exc:  # noqa: BLE001 - a codec bug must not take the gateway down
        return Decoded(None, _reject("internal", f"解码器内部错误：{type(exc).__name__}",
                                     f"internal decoder error: {type(exc).__name__}: {exc}"))


# The C accelerator's decoder of clean packets (None when it is not active): it returns the
# parts of a packet that the Python path would accept without any warning from framing, CRC,
# header or CP parsing, and None for everything else, which then goes through _decode.
_decode_clean = ACCEL.decode_clean if ACCEL is not None else None


def _clean_packet(raw: bytes, parts: tuple[Any, ...]) -> Decoded:
    segment, crc_text, header, cp, factors, params = parts
    get = header.get  # positional: the fields of Packet in their order
    p = Packet(raw, segment, len(segment), True, crc_text, "hj212", header, get("QN"), get("ST"),
               get("CN"), get("PW"), get("MN"), None, None, None, cp, params, factors, [])
    return Decoded(p, _check_fields(p), True)


def _decode(raw: bytes, crc_policy: tuple[str, ...] | frozenset[str],
            max_segment: int) -> Decoded:
    if not isinstance(raw, (bytes, bytearray)):
        raw = str(raw).encode("utf-8", "surrogateescape")
    raw = bytes(raw)
    start = raw.find(b"##")
    if start < 0:
        return Decoded(None, _reject("no-header", "缺少包头 ##", "no packet header ##"))
    warnings: list[Problem] = []
    if raw[:start].strip(_TRAILER_WS):
        warnings.append(Problem("leading-garbage", f"包头前有 {start} 个多余字节，已忽略",
                                f"{start} stray bytes before the header ignored"))
    raw = raw[start:]
    lf = raw[2:6]
    if len(lf) < 4 or not all(c in _DIGITS for c in lf):
        return Decoded(None, _reject("bad-length-field", "数据段长度不是 4 位十进制数字",
                                     "the data-segment length is not 4 decimal digits",
                                     "length"))
    declared = int(lf)
    if declared > max_segment:
        return Decoded(None, _reject(
            "too-long", f"数据段长度 {declared} 超过上限 {max_segment}",
            f"data segment length {declared} exceeds the limit {max_segment}", "length"))
    body = raw.rstrip(_TRAILER_WS)
    trailer = raw[len(body):]
    length_ok = False
    segment = b""
    crc_sent = b""
    end = 6 + declared
    if len(raw) >= end + 4 and _is_hex4(raw[end:end + 4]) and not raw[end + 4:].strip(_TRAILER_WS):
        segment, crc_sent = raw[6:end], raw[end:end + 4]
        length_ok = True
        trailer = raw[end + 4:]
    else:
        # Broken length field: frame by the CRC at the end of the line instead (§2 checklist).
        if len(body) < 10 or not _is_hex4(body[-4:]):
            return Decoded(None, _reject(
                "truncated", "包不完整：找不到数据段后的 4 位十六进制 CRC",
                "truncated packet: no 4-hex-digit CRC after the data segment", "crc"))
        segment, crc_sent = body[6:-4], body[-4:]
    crc_text = crc_sent.decode("ascii")
    variant = crc_variant(segment, crc_text)
    packet = Packet(raw=raw, segment=segment, declared_length=declared, length_ok=length_ok,
                    crc_sent=crc_text, crc_variant=variant, warnings=warnings)
    if not length_ok:
        warnings.append(Problem(
            "length-mismatch",
            f"长度字段为 {declared}，实际数据段 {len(segment)} 字节；按末尾 CRC 定界",
            f"length field says {declared} but the data segment has {len(segment)} bytes; "
            "framed by the trailing CRC", "length"))
    if trailer != b"\r\n":
        warnings.append(Problem("trailer", "包尾不是 <CR><LF>", "the trailer is not <CR><LF>"))
    if crc_text != crc_text.upper():
        warnings.append(Problem("crc-lowercase", "CRC 为小写十六进制", "CRC in lower-case hex",
                                "crc"))
    _parse_segment(packet)
    if variant == "none":
        return Decoded(packet, _reject("crc-mismatch",
                                       f"CRC 校验失败（收到 {crc_text}）",
                                       f"CRC check failed (received {crc_text})", "crc"), True)
    if variant not in crc_policy:
        allowed = "、".join(v for v in VARIANTS if v in crc_policy)
        return Decoded(packet, _reject(
            "crc-variant-refused",
            f"CRC 符合 {variant} 算法，但该设备只允许 {allowed}",
            f"the CRC matches the {variant} variant but this device allows only "
            f"{', '.join(v for v in VARIANTS if v in crc_policy)}", "crc"), True)
    rejection = _check_fields(packet)
    return Decoded(packet, rejection, True)


def _split_outside_info(text: str, seps: str) -> list[str]:
    """Split ``text`` on any of ``seps`` except inside ``//…//`` info strings."""
    if "//" not in text:
        first = seps[0]
        for other in seps[1:]:
            text = text.replace(other, first)
        return text.split(first)
    parts: list[str] = []
    buf: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("//", i):
            close = text.find("//", i + 2)
            if close < 0:
                buf.append(text[i:])
                break
            buf.append(text[i:close + 2])
            i = close + 2
            continue
        ch = text[i]
        if ch in seps:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


_ODD_HEAD = re.compile(r"[\s,]")
_HEADER_KEYS = {"qn": "QN", "st": "ST", "cn": "CN", "pw": "PW", "mn": "MN", "flag": "Flag",
                "pnum": "PNUM", "pno": "PNO"}


_STD_KEYS = frozenset(_HEADER_KEYS.values())


def _parse_segment(p: Packet) -> None:
    text = p.segment.decode("utf-8", "replace")
    if "\ufffd" in text:
        try:
            text = p.segment.decode("gbk")
            p.warnings.append(Problem("gbk", "数据段含 GBK 编码字符", "data segment contains GBK text"))
        except UnicodeDecodeError:
            p.warnings.append(Problem("encoding", "数据段含无法解码的字节",
                                      "data segment contains undecodable bytes"))
    cp_at = text.find("CP=&&")
    if cp_at < 0:
        cp_at = text.upper().find("CP=&&")
    head = text if cp_at < 0 else text[:cp_at]
    header = p.header
    tidy = _ODD_HEAD.search(head) is None  # no blanks, no commas: items need no stripping
    for item in head.split(";"):
        if tidy:
            key, eq, value = item.partition("=")
            if eq and key in _STD_KEYS:  # the standard spelling: the common case, no checks needed
                header[key] = value
                continue
        item = item.strip().lstrip(",").strip()
        if not item:
            continue
        if "=" not in item:
            p.warnings.append(Problem("header-item", f"包头字段无等号：{item[:20]}",
                                      f"header item without '=': {item[:20]}"))
            continue
        key, value = item.split("=", 1)
        canon = _HEADER_KEYS.get(key.strip().lower(), key.strip())
        if canon != key and canon in _HEADER_KEYS.values():
            p.warnings.append(Problem("header-case", f"字段名大小写不规范：{key}",
                                      f"non-standard field name case: {key}", canon))
        p.header[canon] = value
    p.qn = p.header.get("QN")
    p.st = p.header.get("ST")
    p.cn = p.header.get("CN")
    p.pw = p.header.get("PW")
    p.mn = p.header.get("MN")
    if cp_at < 0:
        p.cp = ""
        return
    cp = text[cp_at + 5:]
    close = cp.rfind("&&")
    if close < 0:
        p.warnings.append(Problem("cp-unclosed", "CP 数据区缺少结尾 &&",
                                  "the CP data area lacks its closing &&", "CP"))
    else:
        if cp[close + 2:].strip():
            p.warnings.append(Problem("cp-trailing", "CP 结尾 && 之后还有内容",
                                      "text after the closing && of CP", "CP"))
        cp = cp[:close]
    p.cp = cp
    _parse_cp(p, cp)


_ODD_CP = re.compile(r"\s|//")


def _parse_cp(p: Packet, cp: str) -> None:
    if not cp:
        return
    if _ODD_CP.search(cp) is None:
        # Fast path for well-formed CP (every item ``key=value`` with a non-empty key, no
        # repeats); anything odd falls back to the detailed parser below.
        factors: dict[str, Factor] = {}
        params: dict[str, str] = {}
        for item in (cp.replace(",", ";") if "," in cp else cp).split(";"):
            key, eq, value = item.partition("=")
            if not eq or not key:
                return _parse_cp_detailed(p, cp)
            code, dash, suffix = key.partition("-")
            if dash and code:
                fac = factors.get(code)
                if fac is None:
                    fac = factors[code] = Factor(code, {suffix: value})
                elif suffix in fac.fields:
                    return _parse_cp_detailed(p, cp)
                else:
                    fac.fields[suffix] = value
            elif key in params:
                return _parse_cp_detailed(p, cp)
            else:
                params[key] = value
        p.factors = factors
        p.params = params
        return None
    return _parse_cp_detailed(p, cp)


def _parse_cp_detailed(p: Packet, cp: str) -> None:
    for item in _split_outside_info(cp, ";,"):
        item = item.strip()
        if not item:
            continue
        if "=" not in item:
            p.warnings.append(Problem("cp-item", f"CP 字段无等号：{item[:30]}",
                                      f"CP field without '=': {item[:30]}", "CP"))
            continue
        key, value = item.split("=", 1)
        dash = key.find("-")
        if dash > 0:
            code, suffix = key[:dash], key[dash + 1:]
            fac = p.factors.get(code)
            if fac is None:
                fac = p.factors[code] = Factor(code)
            if suffix in fac.fields and fac.fields[suffix] != value:
                p.warnings.append(Problem("cp-repeated", f"字段 {key} 重复，保留第一个值",
                                          f"field {key} repeated; the first value is kept", key))
                continue
            fac.fields[suffix] = value
        else:
            if key in p.params and p.params[key] != value:
                p.warnings.append(Problem("cp-repeated", f"字段 {key} 重复，保留第一个值",
                                          f"field {key} repeated; the first value is kept", key))
                continue
            p.params[key] = value


def _check_fields(p: Packet) -> Problem | None:
    """Header rules (table 3); returns the rejection, appends warnings for tolerated deviations."""
    w = p.warnings
    if not p.cn:
        return _reject("missing-cn", "缺少命令编码 CN", "the command code CN is missing", "CN")
    if len(p.cn) != 4 or not p.cn.isdigit():
        return _reject("bad-cn", f"命令编码 CN 不是 4 位数字：{p.cn[:10]}",
                       f"the command code CN is not 4 digits: {p.cn[:10]}", "CN")
    if not p.mn:
        return _reject("missing-mn", "缺少设备唯一标识 MN", "the device id MN is missing", "MN")
    if len(p.mn) > 64 or not p.mn.isprintable():
        return _reject("bad-mn", "设备唯一标识 MN 过长或含控制字符",
                       "the device id MN is too long or contains control characters", "MN")
    if len(p.mn) != 24:
        w.append(Problem("mn-length", f"MN 为 {len(p.mn)} 个字符（标准为 24 位十六进制）",
                         f"MN has {len(p.mn)} characters (the standard says 24 hex)", "MN"))
    if p.qn is not None:
        if not p.qn.isdigit() or len(p.qn) > 20:
            return _reject("bad-qn", f"请求编码 QN 不是数字：{p.qn[:24]}",
                           f"the request code QN is not numeric: {p.qn[:24]}", "QN")
        if len(p.qn) != 17:
            w.append(Problem("qn-length", f"QN 为 {len(p.qn)} 位（标准为 17 位），原样回显",
                             f"QN has {len(p.qn)} digits (the standard says 17); echoed verbatim",
                             "QN"))
    if p.pw is None:
        w.append(Problem("missing-pw", "缺少访问密码 PW", "the access password PW is missing", "PW"))
    elif len(p.pw) > 64 or not p.pw.isprintable():
        return _reject("bad-pw", "访问密码 PW 过长或含控制字符",
                       "the access password PW is too long or contains control characters", "PW")
    if p.st is None:
        w.append(Problem("missing-st", "缺少系统编码 ST", "the system code ST is missing", "ST"))
    flag = p.header.get("Flag")
    if flag is not None:
        if not flag.strip().isdigit() or int(flag) > 255:
            return _reject("bad-flag", f"拆分包及应答标志 Flag 不是 0–255 的整数：{flag[:10]}",
                           f"Flag is not an integer 0–255: {flag[:10]}", "Flag")
        p.flag = int(flag)
        if p.version not in DIALECTS:
            return _reject("unknown-version",
                           f"Flag={p.flag} 的版本号 {p.version} 不是已知的 HJ 212 版本",
                           f"Flag={p.flag} carries version {p.version}, not a known HJ 212 version",
                           "Flag")
    for name in ("PNUM", "PNO"):
        value = p.header.get(name)
        if value is None:
            continue
        if not value.isdigit() or int(value) < 1:
            return _reject("bad-split", f"{name} 不是正整数：{value[:10]}",
                           f"{name} is not a positive integer: {value[:10]}", name)
    if "PNUM" in p.header or "PNO" in p.header:
        if "PNUM" not in p.header or "PNO" not in p.header:
            return _reject("bad-split", "拆分包缺少 PNUM 或 PNO", "split packet lacks PNUM or PNO",
                           "PNUM")
        p.pnum, p.pno = int(p.header["PNUM"]), int(p.header["PNO"])
        if p.pno > p.pnum:
            return _reject("bad-split", f"包号 PNO={p.pno} 大于总包数 PNUM={p.pnum}",
                           f"PNO={p.pno} exceeds PNUM={p.pnum}", "PNO")
        if p.flag is not None and not p.flag & 2:
            w.append(Problem("split-flag", "有 PNUM/PNO 但 Flag 未置 D 位",
                             "PNUM/PNO present but the Flag D bit is not set", "Flag"))
    elif p.flag is not None and p.flag & 2:
        w.append(Problem("split-flag", "Flag 置了 D 位但缺少 PNUM/PNO，按单包处理",
                         "the Flag D bit is set but PNUM/PNO are missing; treated as one packet",
                         "Flag"))
    dt = p.params.get("DataTime")
    if dt is not None and parse_time(dt) is None:
        w.append(Problem("bad-datatime", f"数据时间 DataTime 无效：{dt[:20]}",
                         f"invalid DataTime: {dt[:20]}", "DataTime"))
    elif dt is not None and len(dt) == 17:
        w.append(Problem("datatime-ms", "DataTime 带毫秒（17 位）", "DataTime has milliseconds",
                         "DataTime"))
    return None


def iter_packet_lines(data: bytes) -> list[tuple[int, bytes]]:
    """Packets of a text file, one per line; comment lines (``#`` not followed by a second
    ``#``) and blank lines are skipped.

    Returns ``(line number, raw bytes)``; the line's own ``\\r\\n`` is added back when missing so
    the packet is framed as it travels on the wire.
    """
    out: list[tuple[int, bytes]] = []
    for n, line in enumerate(data.split(b"\n"), start=1):
        body = line.rstrip(b"\r")
        lead = body.lstrip()
        if not lead or (lead.startswith(b"#") and not lead.startswith(b"##")):
            continue
        out.append((n, body + b"\r\n"))
    return out
