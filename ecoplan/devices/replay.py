"""Captured HJ 212 packets into the lake without a network: each packet goes through
:meth:`Gateway.handle` of a gateway wired to a workspace (registry, CRC policy, duplicates,
quarantine of unknown devices), and the period data through the sink and the ingestion path —
exactly as if the loggers had sent them. Used to load a logger's capture file and by the demo
(:func:`demo_online_monitoring`: the real CEMS packets of the bundled oracle file)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from ecoplan.devices.codec import decode, iter_packet_lines
from ecoplan.devices.crc import VARIANTS
from ecoplan.devices.device_registry import load_devices
from ecoplan.devices.gateway import Gateway, GatewayConfig
from ecoplan.devices.sinks import MeasurementSink, Recorder, lake_writer
from ecoplan.store.workspace import Workspace


def replay_packets(workspace: Workspace, data: bytes, *, source: str = "hj212-replay",
                   only_mns: set[str] | None = None) -> dict[str, Any]:
    """Drive the packets of ``data`` (one per line, ``#`` comments and blank lines skipped;
    only those of ``only_mns`` when given) through a gateway on ``workspace``; returns the
    gateway statistics and the batches written."""
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


def replay_file(workspace: Workspace, path: str | Path, **kw: Any) -> dict[str, Any]:
    """:func:`replay_packets` of a capture file."""
    return replay_packets(workspace, Path(path).read_bytes(), **kw)
