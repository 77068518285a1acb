"""Simulated data loggers: connect like real ones, upload real measurements, retransmit.

Each :class:`SimDevice` opens one TCP connection, uploads packets with Flag A=1, waits for the
9014 up to OverTime and resends the *same* packet (same QN) up to ReCount times (§8), and answers
platform requests the way loggers do (9011 → data uploads → 9012). Measurements come from the
real 2019 Shanxi hourly file as hourly 2061 uploads (one station per device), or as synthetic
minute (2051) / real-time (2011) data derived from it.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import gzip
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ecoplan.devices import encode
from ecoplan.devices.codec import Packet, beijing_now, decode, parse_time
from ecoplan.devices.framer import Framer
from ecoplan.errors import ConfigError
from ecoplan.nomenclature import HJ212_CODES

AIR_CODES = HJ212_CODES
KINDS = {"hour": "2061", "minute": "2051", "realtime": "2011", "day": "2031"}


@dataclass(frozen=True, slots=True)
class Measurement:
    """One hour of one station: canonical pollutant → value (None = not measured).

    ``time`` is the published hour-ending label (CNEMC); HJ 212 ``DataTime`` is the start of
    the period (:attr:`start`).
    """

    station_code: str
    time: datetime
    values: dict[str, float | None]

    @property
    def start(self) -> datetime:
        return self.time - timedelta(hours=1)


def load_hourly(path: Path, *, stations: int | None = None,
                hours: int | None = None) -> dict[str, list[Measurement]]:
    """Read the canonical hourly CSV (``station_code,…,timestamp,pm25,…``), grouped by station."""
    opener = gzip.open if str(path).endswith(".gz") else open
    out: dict[str, list[Measurement]] = {}
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        for row in csv.DictReader(fh):
            code = row["station_code"]
            series = out.get(code)
            if series is None:
                if stations is not None and len(out) >= stations:
                    if hours is not None and all(len(v) >= hours for v in out.values()):
                        break  # the file is sorted by station: nothing more to take
                    continue
                series = out[code] = []
            if hours is not None and len(series) >= hours:
                continue
            values: dict[str, float | None] = {}
            for name in AIR_CODES:
                raw = row.get(name, "")
                try:
                    values[name] = float(raw) if raw not in ("", None) else None
                except ValueError:
                    values[name] = None
            series.append(Measurement(code, datetime.strptime(row["timestamp"], "%Y-%m-%d %H:%M"),
                                      values))
    return out


def _fmt(value: float, name: str) -> str:
    return f"{value:.3f}" if name == "co" else f"{value:.1f}".removesuffix(".0")


def cp_for(m: Measurement, kind: str, *, rng: random.Random | None = None,
           minute: int = 0) -> str:
    """CP of one upload; hour data as ``-Avg/-Min/-Max/-Flag``, real-time as ``-Rtd/-Flag``."""
    t = m.start + timedelta(minutes=minute) if kind in ("minute", "realtime") else m.start
    parts = [f"DataTime={t:%Y%m%d%H%M%S}"]
    for name, code in AIR_CODES.items():
        v = m.values.get(name)
        if v is None:
            continue
        if rng is not None and kind in ("minute", "realtime"):
            v = max(0.0, v * (1 + rng.uniform(-0.05, 0.05)))
        if kind == "realtime":
            parts.append(f"{code}-Rtd={_fmt(v, name)},{code}-Flag=N")
        else:
            lo, hi = v * 0.9, v * 1.1
            parts.append(f"{code}-Min={_fmt(lo, name)},{code}-Avg={_fmt(v, name)},"
                         f"{code}-Max={_fmt(hi, name)},{code}-Flag=N")
    return ";".join(parts)


def device_mn(index: int) -> str:
    """A 24-hex-character MN for simulated device ``index`` (EPC-96 sized, prefix 5A = sim)."""
    return f"5A0000{index:018X}"


@dataclass
class SimStats:
    sent: int = 0
    answered: int = 0
    retransmitted: int = 0
    unanswered: int = 0
    bad_replies: int = 0
    commands: int = 0
    connected: int = 0
    connect_errors: int = 0
    latencies: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        lat = sorted(self.latencies)

        def q(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 3) if lat else None

        return {"sent": self.sent, "answered": self.answered,
                "retransmitted": self.retransmitted, "unanswered": self.unanswered,
                "bad_replies": self.bad_replies, "commands": self.commands,
                "connected": self.connected, "connect_errors": self.connect_errors,
                "latency_ms_p50": q(0.50), "latency_ms_p99": q(0.99)}


class SimDevice(asyncio.Protocol):
    """One simulated logger (client side of HJ 212)."""

    def __init__(self, mn: str, *, pw: str = "123456", st: str = "22", dialect: str = "2017",
                 series: list[Measurement], kind: str = "hour", stats: SimStats,
                 over_time: float = 10.0, re_count: int = 3, seed: int = 0,
                 verify: bool = True) -> None:
        self.mn, self.pw, self.st, self.kind = mn, pw, st, kind
        self.version = encode.version_of(dialect)
        self.series = series
        self.stats = stats
        self.over_time, self.re_count = over_time, re_count
        self.rng = random.Random(seed)
        self.verify = verify
        self.framer = Framer()
        self.transport: asyncio.Transport | None = None
        self.waiting: dict[bytes, asyncio.Future[float]] = {}
        self.closed: asyncio.Future[None] | None = None
        self.qn_counter = 0
        self.last_qn_ms = 0
        self.rtd_interval = 30
        self.min_interval = 10
        self.clock_offset = 0.0
        self.command_log: list[tuple[str, dict[str, str]]] = []

    # -- asyncio
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.closed = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.closed is not None and not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        for item in self.framer.feed(data):
            if not isinstance(item, bytes):
                continue
            fut = self.waiting.pop(item, None)
            if fut is not None:
                if not fut.done():
                    fut.set_result(time.perf_counter())
                continue
            d = decode(self._open(item))
            p = d.packet
            if not d.ok or p is None:
                self.stats.bad_replies += 1
                continue
            if self._on_control(p):
                continue
            if p.cn in ("9014", "9013"):
                self.stats.bad_replies += 1  # a reply we did not expect byte for byte
                continue
            asyncio.get_running_loop().create_task(self._on_request(p))

    def _open(self, item: bytes) -> bytes:
        """The packet as received (a dialect that seals its data areas opens them here)."""
        return item

    def _on_control(self, p: Packet) -> bool:
        """Handle a control packet of the dialect (none in HJ 212-2017); True when handled."""
        return False

    # -- uploads
    def _qn(self) -> str:
        """A fresh 17-digit QN: the clock in ms, bumped so that it never repeats per device."""
        self.qn_counter += 1
        ms = max(int((time.time() + 8 * 3600) * 1000), self.last_qn_ms + 1)  # Beijing time
        self.last_qn_ms = ms
        now = datetime.fromtimestamp(ms / 1000, UTC).replace(tzinfo=None)
        return f"{now:%Y%m%d%H%M%S}{ms % 1000:03d}"

    def build(self, cn: str, cp: str, *, qn: str | None = None) -> tuple[bytes, bytes]:
        """An upload with A=1 and the exact reply the platform must send back."""
        qn = qn or self._qn()
        raw = encode.frame(encode.segment(qn=qn, st=self.st, cn=cn, pw=self.pw, mn=self.mn,
                                          flag=(self.version << 2) | 1, cp=cp))
        if self.version == 0:
            expected = encode.frame(encode.segment(qn=None, st="91", cn="9014", pw=self.pw,
                                                   mn=self.mn, flag=0, cp=f"QN={qn};CN={cn}"))
        else:
            expected = encode.frame(encode.segment(qn=qn, st="91", cn="9014", pw=self.pw,
                                                   mn=self.mn, flag=self.version << 2))
        return raw, expected

    def uploads(self) -> Iterator[tuple[bytes, bytes]]:
        cn = KINDS[self.kind]
        for m in self.series:
            if self.kind == "minute":
                for minute in range(0, 60, self.min_interval):
                    yield self.build(cn, cp_for(m, self.kind, rng=self.rng, minute=minute))
            elif self.kind == "realtime":
                yield self.build(cn, cp_for(m, self.kind, rng=self.rng))
            else:
                yield self.build(cn, cp_for(m, self.kind))

    async def send_reliably(self, raw: bytes, expected: bytes) -> bool:
        """Send, wait OverTime for the 9014, resend the same packet up to ReCount times."""
        loop = asyncio.get_running_loop()
        for attempt in range(self.re_count + 1):
            if self.transport is None or self.transport.is_closing():
                return False
            fut: asyncio.Future[float] = loop.create_future()
            self.waiting[expected] = fut
            t0 = time.perf_counter()
            self.transport.write(raw)
            self.stats.sent += 1
            if attempt:
                self.stats.retransmitted += 1
            try:
                t1 = await asyncio.wait_for(fut, self.over_time)
            except TimeoutError:
                self.waiting.pop(expected, None)
                continue
            self.stats.answered += 1
            self.stats.latencies.append(t1 - t0)
            return True
        self.stats.unanswered += 1
        return False

    async def run(self, *, count: int | None, rate: float, deadline: float | None) -> None:
        interval = 1.0 / rate if rate > 0 else 0.0
        n = 0
        next_at = time.monotonic()
        for raw, expected in self.uploads():
            if count is not None and n >= count:
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            if interval:
                delay = next_at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                next_at = max(next_at + interval, time.monotonic() - 1.0)
            await self.send_reliably(raw, expected)
            n += 1

    # -- platform requests (device side of §6.5)
    async def _on_request(self, p: Packet) -> None:
        self.stats.commands += 1
        self.command_log.append((p.cn or "", dict(p.params)))
        assert self.transport is not None
        if p.pw != self.pw:
            self.transport.write(encode.request_answer(p, 3, self.version))
            return
        cn = p.cn or ""
        handled = {"1000", "1011", "1012", "1062", "1064", "2031", "2051", "2061"}
        if cn not in handled:
            self.transport.write(encode.request_answer(p, 8, self.version))
            return
        self.transport.write(encode.request_answer(p, 1, self.version))
        exe = 1
        if cn == "1012":
            t = parse_time(p.params.get("SystemTime"))
            exe = 1 if t else 3
            if t:
                self.clock_offset = (t - beijing_now()).total_seconds()
        elif cn == "1062":
            self.rtd_interval = int(p.params.get("RtdInterval", "30") or 30)
        elif cn == "1064":
            self.min_interval = int(p.params.get("MinInterval", "10") or 10)
        elif cn == "1011":
            raw, expected = self.build("1011", f"SystemTime={beijing_now():%Y%m%d%H%M%S}")
            await self.send_reliably(raw, expected)
        elif cn in ("2031", "2051", "2061"):
            begin = parse_time(p.params.get("BeginTime"))
            end = parse_time(p.params.get("EndTime"))
            if begin is None or end is None:
                exe = 3
            else:
                kind = {"2031": "day", "2051": "minute", "2061": "hour"}[cn]
                sent = 0
                for m in self.series:
                    if begin <= m.start <= end:
                        raw, expected = self.build(cn, cp_for(m, "hour" if kind == "day" else kind))
                        await self.send_reliably(raw, expected)
                        sent += 1
                exe = 1 if sent else 100
        self.transport.write(encode.execution_result(p, exe, self.version))


@dataclass
class SimulationResult:
    stats: SimStats
    devices: list[SimDevice]
    elapsed: float

    def as_dict(self) -> dict[str, Any]:
        d = self.stats.as_dict()
        d["devices"] = len(self.devices)
        d["elapsed_s"] = round(self.elapsed, 3)
        d["packets_per_s"] = round(self.stats.answered / self.elapsed, 1) if self.elapsed else None
        return d


async def connect(dev: SimDevice, host: str, port: int, retries: int = 20) -> bool:
    loop = asyncio.get_running_loop()
    for i in range(retries):
        try:
            await loop.create_connection(lambda: dev, host, port)
            dev.stats.connected += 1
            return True
        except OSError:
            await asyncio.sleep(min(0.05 * (i + 1), 0.5))
    dev.stats.connect_errors += 1
    return False


def make_devices(series: dict[str, list[Measurement]], n: int, *, kind: str = "hour",
                 stats: SimStats | None = None, over_time: float = 10.0, re_count: int = 3,
                 pw: str = "123456", dialect: str = "2017", first_index: int = 0,
                 factory: Callable[..., SimDevice] | None = None) -> list[SimDevice]:
    """``n`` simulated air-station loggers replaying ``series``; ``factory`` builds each one
    (default :class:`SimDevice`; e.g. an HJ 212-2025 logger with its key)."""
    stats = stats or SimStats()
    build = factory or SimDevice
    codes = sorted(series)
    out = []
    for i in range(n):
        code = codes[i % len(codes)]
        out.append(build(device_mn(first_index + i), pw=pw, st="22", dialect=dialect,
                         series=series[code], kind=kind, stats=stats,
                         over_time=over_time, re_count=re_count, seed=first_index + i))
    return out


async def simulate(host: str, port: int, devices: list[SimDevice], *, count: int | None = None,
                   rate: float = 1.0, duration: float | None = None,
                   linger: float = 0.0) -> SimulationResult:
    """Connect every device, upload, then close; ``linger`` keeps connections open afterwards."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ConfigError("模拟器只连接本机回环地址 127.0.0.1",
                          "the simulator only connects to the loopback address 127.0.0.1")
    t0 = time.perf_counter()
    ok = await asyncio.gather(*(connect(d, host, port) for d in devices))
    deadline = time.monotonic() + duration if duration is not None else None
    await asyncio.gather(*(d.run(count=count, rate=rate, deadline=deadline)
                           for d, c in zip(devices, ok, strict=True) if c))
    elapsed = time.perf_counter() - t0
    if linger:
        await asyncio.sleep(linger)
    for d in devices:
        if d.transport is not None:
            d.transport.close()
    for d in devices:
        if d.closed is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(d.closed, 2)
    return SimulationResult(devices[0].stats if devices else SimStats(), devices, elapsed)


def hourly_source(path: Path | None = None, *, stations: int | None = None,
                  hours: int | None = None) -> dict[str, list[Measurement]]:
    from ecoplan.sample_data import sample_path  # deferred: sample data only when asked for

    return load_hourly(path or sample_path("realdata", "shanxi_hourly_2019.csv.gz"),
                       stations=stations, hours=hours)
