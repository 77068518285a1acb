"""The HJ 212 gateway: an asyncio TCP server that data loggers connect to.

Per packet: decode (never raises) → CRC policy of the device → registry (password, approval) →
reply (9014 to uploads with A=1, 9013 to notifications; ST=91, QN/PW/MN echoed, Flag = version of
the device's dialect) → duplicate suppression on MN+CN+QN (duplicates are answered, stored once)
→ minute/hour/day rows to the lake (through :class:`~.storage.MeasurementSink`), real-time values
to :class:`~.live.LiveStore`. Unknown or unapproved devices are answered but their packets are
held (quarantine) until an operator approves them. Platform → device commands
(:meth:`Gateway.send_command`) follow request → 9011 → data → 9012, matching the data by MN + CN +
time window. Per-connection limits: packet size, packet rate (reading pauses, nothing is dropped),
idle timeout, and write back-pressure (a device that does not read its replies stops being read).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ecoplan.devices import encode
from ecoplan.devices.codec import Decoded, Packet, Problem, beijing_now, decode, parse_time
from ecoplan.devices.command_queue import wire_params
from ecoplan.devices.crc import VARIANTS
from ecoplan.devices.device_registry import DeviceRecord
from ecoplan.devices.framer import Discarded, Framer, clean_frame
from ecoplan.devices.live_state import LiveStore
from ecoplan.devices.records import (
    AIR_HOURLY,
    AIR_UNITS,
    COLUMNS,
    DATASETS,
    DeviceContext,
    RowProblem,
    air_hour_record,
    lake_target,
    rows_of,
    unit_factor,
)
from ecoplan.devices.sinks import MeasurementSink, Recorder
from ecoplan.errors import EcoplanError
from ecoplan.standards.hj212_factors import device_types

DATA_CNS = frozenset({"2011", "2051", "2061", "2031"})
_CODE, _POL, _UNIT = (COLUMNS.index(c) for c in ("code_sent", "pollutant", "unit"))


_CONVERTIBLE: dict[tuple[str | None, str | None], bool] = {}


def _convertible(unit: str | None, pollutant: str | None) -> bool:
    """Whether an air value in ``unit`` converts into its air_hourly unit (cached)."""
    hit = _CONVERTIBLE.get((unit, pollutant))
    if hit is None:
        hit = pollutant not in AIR_UNITS or unit_factor(unit, AIR_UNITS[pollutant]) is not None
        if len(_CONVERTIBLE) < 10_000:
            _CONVERTIBLE[(unit, pollutant)] = hit
    return hit


def settle_heap() -> None:
    """Move everything allocated at start-up (pandas, pyarrow, the registry …) out of the
    garbage collector's reach (``gc.freeze``): full collections then scan only what the packets
    allocate, not the hundreds of thousands of objects of the imported libraries."""
    gc.collect()
    gc.freeze()


def use_uvloop() -> str:
    """Run asyncio on uvloop when it is installed (2–3× less overhead per packet)."""
    try:
        import uvloop  # deferred: optional faster event loop, probed only when the gateway starts
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


class DeviceNotConnected(EcoplanError):
    """A command was addressed to a device that has no open connection."""


def command_st(device_type: str | None) -> str:
    """The system code (ST) of a request sent to a device of ``device_type``: its type's ST in
    ``standards/data/hj212_device_types.yaml`` (HJ 212-2017 table 5; ST 44/45 of HJ 212-2025),
    32 (waste water, the most common source type) when the type has none."""
    known = device_types().get(device_type or "")
    return known.st if known is not None and known.st else "32"


@dataclass
class GatewayConfig:
    host: str = "127.0.0.1"
    port: int = 0
    max_segment: int = 9999
    max_packets_per_second: float = 100.0
    burst: int = 400
    idle_timeout: float = 900.0
    max_connections: int = 10_000
    write_high_water: int = 256 * 1024
    dedup_size: int = 500_000
    split_timeout: float = 600.0
    unknown_policy: str = "hold"  # hold (answer, keep packets for approval) | refuse
    hold_unmapped: bool = True  # keep period data that has no lake dataset yet as held packets
    default_crc_policy: tuple[str, ...] = ("hj212",)
    reuse_port: bool = False
    live_snapshot_home: Any = None
    live_snapshot_name: str = "hj212_live.json"
    live_snapshot_interval: float = 5.0
    registry_refresh: float = 2.0
    clock_skew_limit: float = 300.0
    clock_check_interval: float = 3600.0


@dataclass
class GatewayStats:
    connections_total: int = 0
    connections_open: int = 0
    packets: int = 0
    accepted: int = 0
    replies: int = 0
    duplicates: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    refused_password: int = 0
    held: int = 0
    rows: int = 0
    discarded_bytes: int = 0
    rate_limited: int = 0
    idle_closed: int = 0
    splits_completed: int = 0
    splits_incomplete: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.__dict__.items()}


@dataclass
class CommandResult:
    """Outcome of a platform → device request."""

    mn: str
    cn: str
    qn: str
    status: str  # ok | rejected | failed | timeout | no-answer
    qn_rtn: int | None = None
    exe_rtn: int | None = None
    attempts: int = 0
    responses: list[Packet] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"mn": self.mn, "cn": self.cn, "qn": self.qn, "status": self.status,
                "qn_rtn": self.qn_rtn, "exe_rtn": self.exe_rtn, "attempts": self.attempts,
                "responses": [p.summary() for p in self.responses]}


@dataclass
class _Pending:
    cn: str
    qn: str
    started: float
    answered: asyncio.Future[int]
    finished: asyncio.Future[int]
    responses: list[Packet] = field(default_factory=list)


class Connection(asyncio.Protocol):
    """One logger's TCP connection."""

    def __init__(self, gw: Gateway) -> None:
        self.gw = gw
        self.framer = Framer(gw.config.max_segment)
        self.transport: asyncio.Transport | None = None
        self.peer: str | None = None
        self.mn: str | None = None
        self.last_activity = time.monotonic()
        self.tokens = float(gw.config.burst)
        self.token_time = time.monotonic()
        self.paused_rate = False
        self.paused_write = False
        self.pending_in: list[bytes] = []

    # -- asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        gw = self.gw
        if gw.stats.connections_open >= gw.config.max_connections:
            transport.close()
            return
        transport.set_write_buffer_limits(high=gw.config.write_high_water)
        gw.conns.add(self)
        gw.stats.connections_total += 1
        gw.stats.connections_open += 1

    def connection_lost(self, exc: Exception | None) -> None:
        gw = self.gw
        if self in gw.conns:
            gw.conns.discard(self)
            gw.stats.connections_open -= 1
        if self.mn and gw.by_mn.get(self.mn) is self:
            del gw.by_mn[self.mn]
            gw.live.disconnected(self.mn)

    def pause_writing(self) -> None:
        self.paused_write = True
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.paused_write = False
        if self.transport is not None and not self.paused_rate:
            self.transport.resume_reading()

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.last_activity = now
        gw = self.gw
        framer = self.framer
        if not framer.buf and clean_frame(data, framer.max_segment):
            # the common case, exactly one whole packet: what Framer.feed would return, directly
            try:
                reply = gw.handle(data if type(data) is bytes else bytes(data), self)
            except Exception as exc:  # noqa: BLE001 - one bad packet must not end the session
                reply = self._internal_error(exc)
            if reply is not None and self.transport is not None:
                self.transport.write(reply)
                gw.stats.replies += 1
            self._charge(1, now)
            return
        out: list[bytes] = []
        packets = 0
        for item in framer.feed(data):
            if isinstance(item, Discarded):
                gw.stats.discarded_bytes += item.size
                continue
            packets += 1
            try:
                reply = gw.handle(item, self)
            except Exception as exc:  # noqa: BLE001 - one bad packet must not end the session
                reply = self._internal_error(exc)
            if reply is not None:
                out.append(reply)
        if out and self.transport is not None:
            self.transport.write(out[0] if len(out) == 1 else b"".join(out))
            gw.stats.replies += len(out)
        if packets:
            self._charge(packets, now)

    def _internal_error(self, exc: Exception) -> None:
        gw = self.gw
        gw.stats.rejected["internal"] = gw.stats.rejected.get("internal", 0) + 1
        gw.recorder.event(self.mn or "?", "internal-error", peer=self.peer,
                          detail={"error": f"{type(exc).__name__}: {exc}"})
        return None

    def _charge(self, n: int, now: float) -> None:
        """Token bucket on packets; over the rate, stop reading until tokens are back."""
        cfg = self.gw.config
        tokens = self.tokens + (now - self.token_time) * cfg.max_packets_per_second - n
        self.token_time = now
        if tokens > cfg.burst - n:
            tokens = cfg.burst - n
        self.tokens = tokens
        if tokens < 0 and self.transport is not None and not self.paused_rate:
            self.paused_rate = True
            self.gw.stats.rate_limited += 1
            self.transport.pause_reading()
            delay = -tokens / cfg.max_packets_per_second
            asyncio.get_running_loop().call_later(delay, self._resume_rate)

    def _resume_rate(self) -> None:
        self.paused_rate = False
        if self.transport is not None and not self.paused_write and not self.transport.is_closing():
            self.transport.resume_reading()

    def send(self, raw: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            raise DeviceNotConnected(f"设备 {self.mn} 的连接已关闭", f"connection of {self.mn} is closed")
        self.transport.write(raw)


class Gateway:
    """The server. Construct, ``await start()``, ``await stop()``."""

    command_queue: Any = None
    """A :class:`~.commands.CommandQueue`: when set, operators' queued commands for the devices
    connected to this gateway are claimed and carried out (``ecoplan devices command``)."""

    hj2025: Any = None
    """A :class:`~.dialect2025.Hj2025`: HJ 212-2025 encryption, keys and new commands."""

    def __init__(self, config: GatewayConfig | None = None, *,
                 devices: dict[str, DeviceRecord] | None = None,
                 registry_loader: Callable[[], dict[str, DeviceRecord]] | None = None,
                 registry_version: Callable[[], Any] | None = None,
                 sink: MeasurementSink | None = None, recorder: Recorder | None = None,
                 live: LiveStore | None = None) -> None:
        self.config = config or GatewayConfig()
        self.registry_loader = registry_loader
        self.registry_version = registry_version
        self.devices: dict[str, DeviceRecord] = dict(devices or {})
        if registry_loader is not None and devices is None:
            self.devices = registry_loader()
        self._registry_seen = registry_version() if registry_version else None
        self.sink = sink
        self.recorder = recorder or Recorder(None)
        self.live = live or LiveStore()
        self.stats = GatewayStats()
        self.conns: set[Connection] = set()
        self.by_mn: dict[str, Connection] = {}
        self.seen: OrderedDict[tuple[str, str, str], None] = OrderedDict()
        self.splits: dict[tuple[str, str, str, int], dict[str, Any]] = {}
        self.pending: dict[tuple[str, str], _Pending] = {}
        self.unknown_seen: set[str] = set()
        self.refused_logged: dict[str, float] = {}
        self.server: asyncio.AbstractServer | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._qn_last = ""
        self.all_variants = VARIANTS
        self.hold_without_sink = False
        self.clock_checked: dict[str, float] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._contexts: dict[str, tuple[DeviceRecord | None, DeviceContext]] = {}

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        cfg = self.config
        sock = None
        if cfg.reuse_port:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((cfg.host, cfg.port))
            self.server = await loop.create_server(lambda: Connection(self), sock=sock,
                                                   backlog=4096)
        else:
            self.server = await loop.create_server(lambda: Connection(self), cfg.host, cfg.port,
                                                   backlog=4096, reuse_address=True)
        self._tasks.append(asyncio.create_task(self._housekeeping()))
        return self.port

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        tasks = [*self._tasks, *self._background]
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        if self.server is not None:
            self.server.close()
            for c in list(self.conns):
                if c.transport is not None:
                    c.transport.close()
            await self.server.wait_closed()
        self._flush_splits(force=True)
        if self.config.live_snapshot_home is not None:
            self.live.write_snapshot(self.config.live_snapshot_home, self.stats.as_dict(),
                                     self.config.live_snapshot_name)

    async def serve_for(self, seconds: float | None) -> None:
        """Run until ``seconds`` have passed (forever when None)."""
        await self.start()
        try:
            if seconds is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(seconds)
        finally:
            await self.stop()

    async def _housekeeping(self) -> None:
        if self.command_queue is not None:
            self._spawn(self._command_loop())
        last_snapshot = time.monotonic()
        last_registry = time.monotonic()
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for c in list(self.conns):
                if now - c.last_activity > self.config.idle_timeout and c.transport is not None:
                    self.stats.idle_closed += 1
                    c.transport.close()
            self._flush_splits()
            if self.registry_loader is not None and now - last_registry >= self.config.registry_refresh:
                last_registry = now
                await self._refresh_registry()
            home = self.config.live_snapshot_home
            if home is not None and now - last_snapshot >= self.config.live_snapshot_interval:
                last_snapshot = now
                with contextlib.suppress(OSError):
                    self.live.write_snapshot(home, self.stats.as_dict(),
                                             self.config.live_snapshot_name)

    async def _refresh_registry(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            version = (await loop.run_in_executor(None, self.registry_version)
                       if self.registry_version else None)
            if version is None or version != self._registry_seen:
                assert self.registry_loader is not None
                self.devices = await loop.run_in_executor(None, self.registry_loader)
                self._registry_seen = version
        except Exception:  # noqa: BLE001 - keep serving with the registry we have
            return
        finally:
            if self.hj2025 is not None:
                await self.hj2025.refresh()

    # ------------------------------------------------------------------ packets
    def handle(self, raw: bytes, conn: Connection | None = None) -> bytes | None:
        """Process one framed packet; return the reply to send (or None)."""
        self.stats.packets += 1
        sec = self.hj2025
        if sec is not None:  # HJ 212-2025: open an encrypted data area (dialect2025.py)
            opened = sec.inbound(raw, conn)
            if opened is None:
                return None
            raw = opened
        d: Decoded = decode(raw, crc_policy=self.all_variants, max_segment=self.config.max_segment)
        p = d.packet
        peer = conn.peer if conn else None
        if d.rejection is not None or p is None:
            return self._reject(d.rejection or Problem("internal", "无法解码", "cannot decode"), p, peer)
        mn = p.mn or ""
        dev = self.devices.get(mn)
        policy = dev.crc_policy if dev is not None else self.config.default_crc_policy
        if p.crc_variant not in policy:
            return self._reject(Problem(
                "crc-variant-refused", f"CRC 符合 {p.crc_variant} 算法，但该设备只允许 {'+'.join(policy)}",
                f"CRC matches {p.crc_variant} but the device allows only {'+'.join(policy)}", "crc"),
                p, peer)
        cn = p.cn or ""
        if conn is not None and conn.mn != mn:
            conn.mn = mn
            old = self.by_mn.get(mn)
            self.by_mn[mn] = conn  # the newest connection wins (§11)
            if old is not None and old is not conn:
                self.recorder.event(mn, "reconnected", peer=peer, detail={"previous": old.peer})
        known = dev is not None and dev.approved
        now = datetime.now()
        self.live.seen(mn, peer=peer, at=now, cn=cn, dialect=p.dialect, known=known)
        if dev is not None and (p.pw or "") != dev.password:
            self.stats.refused_password += 1
            t = time.monotonic()
            if t - self.refused_logged.get(mn, -1e9) > 60:
                self.refused_logged[mn] = t
                self.recorder.event(mn, "wrong-password", peer=peer,
                                    detail={"cn": cn, "qn": p.qn})
            return None
        if sec is not None:  # HJ 212-2025: policy, keys, heartbeat, identity, 2025 datasets
            done, answer = sec.on_packet(p, mn, cn, dev, conn, known)
            if done:
                return answer
        self.stats.accepted += 1
        dialect = dev.dialect if dev is not None else None
        reply = encode.reply_for(p, dialect)
        if cn in ("9011", "9012"):
            self._match_response(p, mn, cn)
            return reply
        if cn == "1013" and conn is not None and known:
            # time-calibration request: 9013 now, then set the clock with 1012 (§6.2 table 9)
            self._spawn(self._calibrate(mn))
        elif conn is not None and known and p.qn is not None and len(p.qn) == 17:
            self._check_clock(mn, p.qn)
        if self.pending:
            self._match_response(p, mn, cn)  # a data response is also stored like any upload
        key = (mn, cn, p.qn if p.qn is not None else f"{p.params.get('DataTime')}/{p.pno}")
        if key in self.seen:
            self.stats.duplicates += 1
            self.seen.move_to_end(key)
            return reply
        self.seen[key] = None
        if len(self.seen) > self.config.dedup_size:
            self.seen.popitem(last=False)
        if not known:
            if self.config.unknown_policy == "refuse":
                return None
            if mn not in self.unknown_seen:
                self.unknown_seen.add(mn)
                self.recorder.event(mn, "unknown-device" if dev is None else "unapproved-device",
                                    peer=peer, detail={"cn": cn, "st": p.st, "dialect": p.dialect})
            if p.factors or p.params:
                self.stats.held += 1
                self.recorder.hold(raw, mn=mn, cn=cn, qn=p.qn, peer=peer,
                                   reason="unknown device" if dev is None else "device not approved")
            return reply
        if p.pnum is not None:
            self._track_split(p, mn, cn)
        if cn in DATA_CNS and p.factors:
            ctx = self._context(mn, dev)
            self.live.update_factors(mn, cn, p.data_time, p.factors, now)
            if cn in DATASETS:
                self._store(raw, p, mn, cn, ctx, now, peer)
        return reply

    def _context(self, mn: str, dev: DeviceRecord | None) -> DeviceContext:
        """The device's row context, built once per registry record (not per packet)."""
        hit = self._contexts.get(mn)
        if hit is not None and hit[0] is dev:
            return hit[1]
        ctx = DeviceContext(dev.device_type, dev.station_code, dev.enterprise,
                            dev.code_map or None, dev.units or None) if dev else DeviceContext()
        self._contexts[mn] = (dev, ctx)
        return ctx

    def _store(self, raw: bytes, p: Packet, mn: str, cn: str, ctx: DeviceContext,
               now: datetime, peer: str | None) -> None:
        """Minute/hour/day values to the lake; whatever cannot go there is held with a reason."""
        target, why = lake_target(cn, ctx.device_type, ctx.station_code)
        if target is None:
            if self.config.hold_unmapped:
                self._hold(raw, p, mn, cn, peer, why)
            return
        if self.sink is None:
            if self.hold_without_sink:
                self._hold(raw, p, mn, cn, peer, "storage unavailable")
            return
        if target == AIR_HOURLY:
            fast = air_hour_record(p, ctx)
            if fast is not None:  # clean upload: straight to a station-hour record
                record, n = fast
                if n:
                    self.sink.add_air(record, n)
                    self.stats.rows += n
                return
        rows, problems = rows_of(p, ctx, now)
        good = []
        air = target == AIR_HOURLY
        for r in rows:  # flagged values (F, M, S, D, C, T, B …) are stored with their flag
            if air and not _convertible(r[_UNIT], r[_POL]):
                problems.append(RowProblem("unit", r[_CODE], f"单位 {r[_UNIT]} 无法换算",
                                           f"unit {r[_UNIT]} cannot be converted"))
            else:
                good.append(r)
        if good:
            self.sink.add(target, good)
            self.stats.rows += len(good)
        if problems:
            self._hold(raw, p, mn, cn, peer, f"{problems[0].field}: {problems[0].en}")

    def _hold(self, raw: bytes, p: Packet, mn: str, cn: str, peer: str | None,
              reason: str) -> None:
        self.stats.held += 1
        self.recorder.hold(raw, mn=mn, cn=cn, qn=p.qn, peer=peer, reason=reason)

    def _reject(self, why: Problem, p: Packet | None, peer: str | None) -> None:
        self.stats.rejected[why.code] = self.stats.rejected.get(why.code, 0) + 1
        mn = (p.mn if p is not None else None) or "?"
        t = time.monotonic()
        key = f"{mn}/{why.code}"
        if t - self.refused_logged.get(key, -1e9) > 60:
            self.refused_logged[key] = t
            self.recorder.event(mn, "rejected", peer=peer,
                                detail={"reason": why.code, "en": why.en, "zh": why.zh,
                                        "cn": p.cn if p else None, "qn": p.qn if p else None})
        return None

    # ------------------------------------------------------------------ split packets
    def _track_split(self, p: Packet, mn: str, cn: str) -> None:
        key = (mn, cn, p.params.get("DataTime") or "", p.pnum or 0)
        entry = self.splits.get(key)
        if entry is None:
            entry = self.splits[key] = {"parts": {}, "started": time.monotonic()}
        entry["parts"][p.pno] = p
        if len(entry["parts"]) >= (p.pnum or 0):
            del self.splits[key]
            self.stats.splits_completed += 1
            self.recorder.event(mn, "split-complete", detail={
                "cn": cn, "data_time": key[2], "pnum": p.pnum,
                "factors": sum(len(x.factors) for x in entry["parts"].values())})

    def _flush_splits(self, force: bool = False) -> None:
        now = time.monotonic()
        for key, entry in list(self.splits.items()):
            if force or now - entry["started"] > self.config.split_timeout:
                del self.splits[key]
                self.stats.splits_incomplete += 1
                self.recorder.event(key[0], "split-incomplete", detail={
                    "cn": key[1], "data_time": key[2], "pnum": key[3],
                    "received": sorted(entry["parts"])})

    # ------------------------------------------------------------------ commands
    def _match_response(self, p: Packet, mn: str, cn: str) -> bool:
        if cn in ("9011", "9012"):
            pend = self.pending.get((mn, p.qn or ""))
            if pend is None:
                return False
            try:
                value = int(p.params.get("QnRtn" if cn == "9011" else "ExeRtn", "0"))
            except ValueError:
                value = 0
            fut = pend.answered if cn == "9011" else pend.finished
            if not fut.done():
                fut.set_result(value)
            if cn == "9012" and not pend.answered.done():
                pend.answered.set_result(1)
            return True
        for (pmn, _qn), pend in self.pending.items():
            if pmn == mn and pend.cn == cn and not pend.finished.done():
                pend.responses.append(p)  # same MN + CN within the request's window
                return True
        return False

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _check_clock(self, mn: str, qn: str) -> None:
        """Per-device clock check (checklist §12.8): the QN carries the logger's clock; when it
        is off by more than ``clock_skew_limit`` the gateway pushes a 1012 (at most once per
        ``clock_check_interval``)."""
        t = time.monotonic()
        if t - self.clock_checked.get(mn, -1e12) < self.config.clock_check_interval:
            return
        self.clock_checked[mn] = t
        device_time = parse_time(qn)
        if device_time is None:
            return
        skew = (device_time - beijing_now()).total_seconds()
        if abs(skew) > self.config.clock_skew_limit:
            self.recorder.event(mn, "clock-skew", detail={"skew_s": round(skew, 1), "qn": qn})
            self._spawn(self._calibrate(mn))

    async def _calibrate(self, mn: str) -> None:
        try:
            result = await self.send_command(
                mn, "1012", {"SystemTime": encode.fmt_time(beijing_now())})
            self.recorder.event(mn, "clock-set", detail=result.as_dict())
        except Exception as exc:  # noqa: BLE001 - a failed calibration is logged, never fatal
            self.recorder.event(mn, "clock-set-failed", detail={"error": str(exc)})

    def _next_qn(self) -> str:
        qn = encode.new_qn()
        if qn <= self._qn_last:
            qn = str(int(self._qn_last) + 1)
        self._qn_last = qn
        return qn

    async def send_command(self, mn: str, cn: str, params: dict[str, object] | None = None, *,
                           over_time: float = 10.0, re_count: int = 3,
                           exec_timeout: float | None = None) -> CommandResult:
        """Send a request to a connected device and follow request → 9011 → data → 9012."""
        conn = self.by_mn.get(mn)
        if conn is None:
            raise DeviceNotConnected(f"设备 {mn} 当前未连接", f"device {mn} is not connected")
        dev = self.devices.get(mn)
        dialect = dev.dialect if dev is not None and dev.dialect != "auto" else "2017"
        pw = dev.password if dev is not None else "123456"
        st = command_st(dev.device_type if dev else None)
        qn = self._next_qn()
        raw = encode.command(cn, mn=mn, pw=pw, qn=qn, st=st, dialect=dialect,
                             params=params or {})
        if self.hj2025 is not None:  # HJ 212-2025: encrypted request CNs (§6.4.4)
            raw = self.hj2025.outbound(mn, cn, raw)
        loop = asyncio.get_running_loop()
        pend = _Pending(cn=cn, qn=qn, started=time.monotonic(), answered=loop.create_future(),
                        finished=loop.create_future())
        self.pending[(mn, qn)] = pend
        result = CommandResult(mn=mn, cn=cn, qn=qn, status="no-answer")
        try:
            for _ in range(re_count + 1):
                result.attempts += 1
                self.by_mn.get(mn, conn).send(raw)
                try:
                    result.qn_rtn = await asyncio.wait_for(asyncio.shield(pend.answered), over_time)
                    break
                except TimeoutError:
                    continue
            if result.qn_rtn is None:
                return result
            if result.qn_rtn != 1:
                result.status = "rejected"
                return result
            try:
                result.exe_rtn = await asyncio.wait_for(
                    asyncio.shield(pend.finished),
                    exec_timeout if exec_timeout is not None else over_time * (re_count + 1))
            except TimeoutError:
                result.status = "timeout"
                return result
            result.status = "ok" if result.exe_rtn == 1 else "failed"
            return result
        finally:
            result.responses = list(pend.responses)
            self.pending.pop((mn, qn), None)

    # ------------------------------------------------------------------ command queue
    async def _command_loop(self) -> None:
        """Poll the command queue: claim the commands of devices connected to THIS worker (an
        atomic claim, so of several workers sharing the port only one sends), carry them out one
        at a time per device, record the outcome; expire commands nobody can deliver."""
        queue = self.command_queue
        loop = asyncio.get_running_loop()
        waiting: dict[str, list[Any]] = {}
        active: dict[str, asyncio.Task[None]] = {}
        try:
            while True:
                try:
                    connected = list(self.by_mn)
                    for cmd in await loop.run_in_executor(None, queue.claim, connected):
                        waiting.setdefault(cmd.mn, []).append(cmd)
                    await loop.run_in_executor(None, queue.expire_unclaimed, connected)
                except Exception as exc:  # noqa: BLE001 - database hiccup: try again next poll
                    self.recorder.event("?", "command-queue-error",
                                        detail={"error": f"{type(exc).__name__}: {exc}"})
                for mn, cmds in waiting.items():
                    task = active.get(mn)
                    if cmds and (task is None or task.done()):
                        active[mn] = loop.create_task(self._run_queued(cmds.pop(0)))
                await asyncio.sleep(queue.poll_interval)
        finally:
            left = [c for cmds in waiting.values() for c in cmds]
            for task in active.values():
                task.cancel()
            for task in active.values():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            for cmd in left:
                with contextlib.suppress(Exception):
                    queue.abandon(cmd, "expired", "网关停止，命令未发送 / the gateway stopped "
                                  "before sending the command")

    async def _run_queued(self, cmd: Any) -> None:
        """Carry out one claimed command and write its outcome (data answers are stored by
        :meth:`handle` like any upload; they are also kept with the command)."""
        queue = self.command_queue
        loop = asyncio.get_running_loop()
        if cmd.mn not in self.by_mn:  # gone since the claim: another worker may have it now
            await loop.run_in_executor(None, queue.requeue, cmd)
            return
        try:
            result = await self.send_command(
                cmd.mn, cmd.cn, wire_params(cmd.cn, cmd.params), over_time=queue.over_time,
                re_count=queue.re_count, exec_timeout=queue.exec_timeout)
        except DeviceNotConnected:
            await loop.run_in_executor(None, queue.abandon, cmd, "not-connected",
                                       "设备在发送前断开 / the device disconnected before sending")
            return
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                queue.abandon(cmd, "expired", "网关在设备应答前停止 / the gateway stopped before "
                              "the device answered")
            raise
        except Exception as exc:  # noqa: BLE001 - one failed command must not stop the queue
            await loop.run_in_executor(None, queue.abandon, cmd, "failed",
                                       f"{type(exc).__name__}: {exc}")
            return
        await loop.run_in_executor(None, queue.finish, cmd, result)
