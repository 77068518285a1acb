"""Captured HJ 212 packets into the lake without a network: each packet goes through
:meth:`Gateway.handle` of a gateway wired to a workspace (registry, CRC policy, duplicates,
quarantine of unknown devices), and the period data through the sink and the ingestion path —
exactly as if the loggers had sent them. Used to load a logger's capture file and by the demo
(:func:`demo_online_monitoring`: the real CEMS packets of the bundled oracle file)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ecoplan.ingest.hj212.codec import iter_packet_lines

#: Example registrations for the demo: the real CEMS loggers of the bundled packets file
#: (sample_data/hj212/packets.txt, public sources named there). Their outlets and enterprise are
#: placeholders of this project, named as such — the packets do not say whose stacks they are.
DEMO_OUTLET_DEVICES = (
    # MN, outlet, CRC policy (the first logger prints CRC-16/MODBUS low byte first)
    ("88888880000001", "DEMO-DA001", "hj212+modbus-swapped"),
    ("756877X7916010", "DEMO-DA002", "hj212"),
)
DEMO_ENTERPRISE = "示例企业（公开 HJ 212 报文）"


def replay_packets(workspace: Any, data: bytes, *, source: str = "hj212-replay",
                   only_mns: set[str] | None = None) -> dict[str, Any]:
    """Drive the packets of ``data`` (one per line, ``#`` comments and blank lines skipped;
    only those of ``only_mns`` when given) through a gateway on ``workspace``; returns the
    gateway statistics and the batches written."""
    from ecoplan.ingest.hj212.codec import decode
    from ecoplan.ingest.hj212.crc import VARIANTS
    from ecoplan.ingest.hj212.gateway import Gateway, GatewayConfig
    from ecoplan.ingest.hj212.registry import load_devices
    from ecoplan.ingest.hj212.storage import MeasurementSink, Recorder, lake_writer

    sink = MeasurementSink(lake_writer(workspace), source=source, interval=3600)
    recorder = Recorder(workspace.engine, interval=0.2)
    gw = Gateway(GatewayConfig(), devices=load_devices(workspace.engine), sink=sink,
                 recorder=recorder)
    try:
        for _line, raw in iter_packet_lines(data):
            if only_mns is not None:
                p = decode(raw, crc_policy=VARIANTS).packet
                if p is None or p.mn not in only_mns:
                    continue
            gw.handle(raw)
    finally:
        sink.close()
        recorder.close()
    return {"gateway": gw.stats.as_dict(), "rows_written": sink.stats.rows_written,
            "unmapped": sink.stats.unmapped,
            "failures": sink.stats.failures, "last_error": sink.stats.last_error,
            "batches": [s.as_dict() if hasattr(s, "as_dict") else s
                        for s in sink.stats.summaries]}


def send_packets(host: str, port: int, data: bytes, *, timeout: float = 2.0) -> dict[str, Any]:
    """Send the packets of ``data`` (one per line, as :func:`replay_packets` reads them) to a
    running gateway over one TCP connection, as a logger would; returns how many were sent and
    the replies (9014/9011 …) received until the gateway is quiet for ``timeout`` seconds."""
    import socket

    packets = [raw for _line, raw in iter_packet_lines(data)]
    buf = b""
    with socket.create_connection((host, port), timeout=timeout) as sock:
        for raw in packets:
            sock.sendall(raw)
        sock.settimeout(timeout)
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                buf += chunk
        except TimeoutError:
            pass
    replies = [r.decode("utf-8", "replace") for r in buf.split(b"\r\n") if r.strip()]
    return {"host": host, "port": port, "sent": len(packets), "replies": replies}


def replay_file(workspace: Any, path: str | Path, **kw: Any) -> dict[str, Any]:
    """:func:`replay_packets` of a capture file."""
    return replay_packets(workspace, Path(path).read_bytes(), **kw)


def demo_online_monitoring(workspace: Any,
                           say: Callable[[str, str], Any] | None = None) -> dict[str, Any]:
    """Demo step: register the real CEMS loggers of the bundled packets file as example outlets
    (if missing) and replay their packets of the file — their minute uploads land in
    ``online_monitoring`` with their HJ 212 flags (real-time 2011 packets go to the live view
    only). Idempotent: a second call stores nothing new."""
    from ecoplan.ingest.hj212.registry import add_device, load_devices
    from ecoplan.sample_data import sample_path

    known = load_devices(workspace.engine)
    for mn, outlet, crc in DEMO_OUTLET_DEVICES:
        if mn not in known:
            add_device(workspace.engine, mn, device_type="cems", station_code=outlet,
                       enterprise=DEMO_ENTERPRISE, crc_policy=crc, name=f"示例 {outlet}",
                       actor="demo")
    out = replay_file(workspace, sample_path("hj212", "packets.txt"), source="hj212-demo",
                      only_mns={mn for mn, _, _ in DEMO_OUTLET_DEVICES})
    if say is not None:
        n = sum(b.get("rows_written", 0) for b in out["batches"])
        say(f"企业在线监测：回放公开的 HJ 212 报文，{n} 个排放口分钟数值写入 online_monitoring",
            f"Online monitoring: replayed the public HJ 212 packets, {n} outlet minute values "
            "written to online_monitoring")
    return out
