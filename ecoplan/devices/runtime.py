"""Orchestration of the HJ 212 pieces on a workspace: check a file, run the gateway, release
held packets after approval, and the bounded live demo for ``make demo``."""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ecoplan.devices import encode
from ecoplan.devices.codec import decode, iter_packet_lines
from ecoplan.devices.command_queue import CommandQueue, worker_name
from ecoplan.devices.crc import VARIANTS
from ecoplan.devices.device_registry import (
    DeviceRecord,
    held_packets,
    load_devices,
    mark_released,
    registry_version,
)
from ecoplan.devices.dialect2025 import attach as attach_2025
from ecoplan.devices.gateway import Gateway, GatewayConfig, settle_heap, use_uvloop
from ecoplan.devices.live_state import LiveStore, snapshot_name
from ecoplan.devices.records import (
    DATASETS,
    DeviceContext,
    lake_target,
    rows_of,
)
from ecoplan.devices.sinks import (
    MeasurementSink,
    Recorder,
    StorageUnavailable,
    dataset_batch,
    lake_writer,
)
from ecoplan.errors import InputFileError
from ecoplan.settings import load_settings
from ecoplan.store.workspace import Workspace


def check_packets(data: bytes, *, crc_policy: tuple[str, ...] = ("hj212",),
                  devices: dict[str, DeviceRecord] | None = None) -> list[dict[str, Any]]:
    """What ``ecoplan hj212 check`` reports for each packet line of ``data``."""
    out = []
    for line, raw in iter_packet_lines(data):
        d = decode(raw, crc_policy=VARIANTS)
        p = d.packet
        entry: dict[str, Any] = {"line": line, "framing_ok": p is not None,
                                 "length_ok": bool(p and p.length_ok),
                                 "crc_variant": p.crc_variant if p else "none",
                                 "dialect": p.dialect if p else None,
                                 "st": p.st if p else None, "cn": p.cn if p else None,
                                 "mn": p.mn if p else None, "accepted": False,
                                 "rejection": None, "reply": None, "data": None,
                                 "warnings": [w.as_dict() for w in p.warnings] if p else []}
        rejection = d.rejection
        dev = (devices or {}).get(p.mn or "") if p else None
        policy = dev.crc_policy if dev else crc_policy
        if p is not None and rejection is None and p.crc_variant not in policy:
            rejection = decode(raw, crc_policy=policy).rejection
        if p is not None:
            entry["data"] = {"qn": p.qn, "pw": p.pw, "flag": p.flag, "pnum": p.pnum,
                             "pno": p.pno, "params": p.params,
                             "factors": {c: f.fields for c, f in p.factors.items()}}
        if rejection is not None:
            entry["rejection"] = rejection.as_dict()
        elif p is not None:
            entry["accepted"] = True
            reply = encode.reply_for(p, dev.dialect if dev else None)
            entry["reply"] = reply.decode("utf-8").rstrip("\r\n") if reply else None
        out.append(entry)
    return out


def check_file(path: Path, **kw: Any) -> list[dict[str, Any]]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(f"无法读取文件：{exc.strerror}", f"cannot read the file: {exc.strerror}",
                             location=None) from exc
    return check_packets(data, **kw)


@dataclass
class GatewayRuntime:
    gateway: Gateway
    sink: MeasurementSink | None
    recorder: Recorder
    storage_error: str | None

    def close(self) -> None:
        if self.sink is not None:
            self.sink.close()
        self.recorder.close()


def open_gateway(ws: Workspace, config: GatewayConfig | None = None, *,
                 live: LiveStore | None = None, worker: int = 0,
                 commands: bool = True) -> GatewayRuntime:
    """A gateway wired to a workspace: registry + events in its database, data into its lake,
    and (``commands``) the operators' command queue, claimed as worker number ``worker``."""
    engine = ws.engine
    recorder = Recorder(engine)
    sink: MeasurementSink | None = None
    storage_error = None
    try:
        sink = MeasurementSink(lake_writer(ws))
    except StorageUnavailable as exc:
        storage_error = exc.message("en")
    config = config or GatewayConfig()
    if config.live_snapshot_home is None:
        config.live_snapshot_home = ws.settings.home
    gw = Gateway(config, registry_loader=lambda: load_devices(engine),
                 registry_version=lambda: registry_version(engine), sink=sink,
                 recorder=recorder, live=live)
    gw.hold_without_sink = sink is None
    attach_2025(gw, ws)  # HJ 212-2025 keys, encryption policy and new commands
    if commands:
        gw.command_queue = CommandQueue(engine, worker=worker_name(worker))
    return GatewayRuntime(gw, sink, recorder, storage_error)


def serve_worker(home: str | None, config: dict[str, Any], duration: float | None,
                 worker: int = 0, out: Any = None, started: Any = None) -> dict[str, Any]:
    """Run one gateway process on the workspace ``home`` until ``duration`` s have passed
    (forever when None); returns its statistics (also put on ``out`` when given)."""
    use_uvloop()
    ws = Workspace(load_settings(home=home) if home else None)
    cfg = GatewayConfig(**config)
    cfg.live_snapshot_name = snapshot_name(worker)
    rt = open_gateway(ws, cfg, worker=worker)
    settle_heap()

    async def main() -> None:
        await rt.gateway.start()
        if started is not None:
            started(rt)
        try:
            if duration is None:
                await asyncio.Event().wait()
            else:
                await asyncio.sleep(duration)
        finally:
            await rt.gateway.stop()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    finally:
        rt.close()
    stats = rt.gateway.stats.as_dict()
    stats["rows_written"] = rt.sink.stats.rows_written if rt.sink is not None else 0
    stats["unmapped"] = rt.sink.stats.unmapped if rt.sink is not None else 0
    stats["storage_error"] = rt.storage_error
    if out is not None:
        out.put(stats)
    return stats


def merge_stats(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Sum the statistics of several gateway processes."""
    total: dict[str, Any] = {"workers": len(parts)}
    for st in parts:
        for k, v in st.items():
            if isinstance(v, bool) or v is None or isinstance(v, str):
                total.setdefault(k, v)
            elif isinstance(v, (int, float)):
                total[k] = total.get(k, 0) + v
            elif isinstance(v, dict):
                into = total.setdefault(k, {})
                for kk, vv in v.items():
                    into[kk] = into.get(kk, 0) + vv
    return total


#: the gateway's hold reasons (stored in English, stable for queries) in Chinese
_HOLD_WORDS = {"not period data": "不是时段数据",
               "device has no station/section code": "设备未设置站点/断面/排放口编码",
               "unknown device": "未登记设备", "device not approved": "设备未批准",
               "storage unavailable": "数据湖暂不可写"}
#: reasons with a variable part: the row problems of :func:`records.rows_of` and the unit check
_HOLD_PATTERNS = (
    (re.compile(r"^no lake dataset for (.*)$"), "数据湖没有对应的数据集（{0}）"),
    (re.compile(r"^datatime: DataTime missing or invalid: (.*)$"), "数据时间 DataTime 缺失或无效：{0}"),
    (re.compile(r"^not-a-number: (\S+) is not a number: (.*)$"), "{0} 不是数值：{1}"),
    (re.compile(r"^unit: unit (.*) cannot be converted$"), "单位 {0} 无法换算"),
)


def _why_zh(why: str) -> str:
    """A hold reason (:func:`lake_target`'s, the gateway's or a row problem's) in Chinese."""
    words = _HOLD_WORDS.get(why)
    if words:
        return words
    for pattern, zh in _HOLD_PATTERNS:
        m = pattern.match(why)
        if m:
            return zh.format(*m.groups())
    return why


def release_held(ws: Workspace, mn: str) -> dict[str, Any]:
    """Load the held packets of an (now approved) device into the lake; mark them released."""
    engine = ws.engine
    devices = load_devices(engine)
    dev = devices.get(mn)
    packets = held_packets(engine, mn)
    result: dict[str, Any] = {"mn": mn, "held": len(packets), "released": 0, "rows": 0,
                              "stored": 0, "quarantined": 0, "kept": 0, "reasons": [],
                              "reasons_zh": []}
    if dev is None or not dev.approved or not packets:
        result["kept"] = len(packets)
        return result
    ctx = DeviceContext(dev.device_type, dev.station_code, dev.enterprise, dev.code_map or None,
                        dev.units or None)
    by_dataset: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    done: list[int] = []
    seen: set[tuple[str, str, str]] = set()
    for h in packets:
        d = decode(h.raw, crc_policy=VARIANTS)
        p = d.packet
        if p is None or d.rejection is not None:
            result["kept"] += 1
            result["reasons"].append(d.rejection.en if d.rejection else "cannot decode")
            result["reasons_zh"].append(d.rejection.zh if d.rejection else "无法解码")
            continue
        if p.cn not in DATASETS:
            done.append(h.id)  # real-time, state or notification data: nothing to store
            continue
        target, why = lake_target(p.cn or "", ctx.device_type, ctx.station_code)
        if target is None:
            result["kept"] += 1
            result["reasons"].append(why)
            result["reasons_zh"].append(_why_zh(why))
            continue
        key = (p.mn or "", p.cn or "", p.qn or str(p.params.get("DataTime")))
        if key in seen:
            done.append(h.id)
            continue
        seen.add(key)
        at = h.received_at.replace(tzinfo=None) if isinstance(h.received_at, datetime) \
            else datetime.now()
        rows, problems = rows_of(p, ctx, at)
        if problems or not rows:  # flagged values are stored with their flag
            result["kept"] += 1
            result["reasons"].append(problems[0].en if problems else "no values")
            result["reasons_zh"].append(problems[0].zh if problems else "没有数值")
            if rows:
                by_dataset[target].extend(rows)
            continue
        by_dataset[target].extend(rows)
        done.append(h.id)
    if by_dataset:
        write = lake_writer(ws)  # raises StorageUnavailable: the packets stay held
        for dataset, rows in by_dataset.items():
            frame, digest = dataset_batch(dataset, rows)
            summary = write(dataset, frame, f"hj212-held:{mn}", digest)
            result["rows"] += len(rows)
            # what the ingestion path did with them: stored, or quarantined with a reason
            result["stored"] += int(getattr(summary, "rows_accepted", 0) or 0)
            result["quarantined"] += int(getattr(summary, "rows_quarantined", 0) or 0)
            result.setdefault("batches", []).append(
                summary.as_dict() if hasattr(summary, "as_dict") else summary)
    mark_released(engine, done, batch=f"release-{mn}")
    result["released"] = len(done)
    return result
