"""Demo steps of the HJ 212 devices: live gateway with simulated loggers, reverse commands,
and the replay of the public CEMS packets into ``online_monitoring``."""

from __future__ import annotations

import asyncio
from typing import Any

from ecoplan.demo.result import Reporter
from ecoplan.devices import simulator as sim
from ecoplan.devices.command_queue import enqueue, get
from ecoplan.devices.device_registry import add_device, load_devices
from ecoplan.devices.gateway import GatewayConfig
from ecoplan.devices.replay import replay_file
from ecoplan.devices.runtime import open_gateway
from ecoplan.ingest.registry import import_bundled
from ecoplan.sample_data import sample_path
from ecoplan.store.workspace import Workspace


def run_live_demo(ws: Workspace, *, seconds: float = 5.0, devices: int = 3, rate: float = 5.0,
                  say: Reporter | None = None) -> dict[str, Any]:
    """Bounded demo: a gateway on 127.0.0.1 (ephemeral port) and ``devices`` simulated stations
    replaying the real 2019 Shanxi hours for ``seconds``; returns stats and the live snapshot."""
    import_bundled(ws.engine, ("shanxi",))  # the stations the replayed hours belong to
    series = sim.hourly_source(stations=devices, hours=int(seconds * rate) + 10)
    sims = sim.make_devices(series, devices, over_time=2.0, re_count=1)
    known = load_devices(ws.engine)
    codes = sorted(series)
    for i, d in enumerate(sims):
        if d.mn not in known:
            add_device(ws.engine, d.mn, device_type="air", station_code=codes[i % len(codes)],
                       name=f"demo {codes[i % len(codes)]}", actor="demo")

    async def main() -> dict[str, Any]:
        rt = open_gateway(ws, GatewayConfig(host="127.0.0.1", port=0))
        port = await rt.gateway.start()
        try:
            res = await sim.simulate("127.0.0.1", port, sims, rate=rate, duration=seconds)
        finally:
            await rt.gateway.stop()
            await asyncio.get_running_loop().run_in_executor(None, rt.close)
        return {"simulator": res.as_dict(), "gateway": rt.gateway.stats.as_dict(),
                "storage_error": rt.storage_error,
                "rows_written": rt.sink.stats.rows_written if rt.sink else 0,
                "live": rt.gateway.live.snapshot()}

    out = asyncio.run(main())
    if say is not None:
        s = out["simulator"]
        say(f"HJ 212 网关：{devices} 台模拟设备在 {seconds:g} 秒内上传 {s['sent']} 包，应答 {s['answered']} 包",
            f"HJ 212 gateway: {devices} simulated loggers sent {s['sent']} packets in "
            f"{seconds:g} s, {s['answered']} answered")
    return out


def run_command_demo(ws: Workspace, *, timeout: float = 40.0, say: Reporter | None = None) -> dict[str, Any]:
    """Bounded demo of reverse commands for ``make demo``: a gateway on 127.0.0.1 (ephemeral
    port) with the workspace's command queue, one simulated station connected, and three
    commands queued the way an operator does (``ecoplan devices command``): set the clock
    (1012), the real-time interval (1062) and ask for three hours of history (2061). Returns
    the commands' outcomes (:meth:`~.commands.QueuedCommand.as_dict`)."""
    import_bundled(ws.engine, ("shanxi",))
    series = sim.hourly_source(stations=1, hours=12)
    code = sorted(series)[0]
    device = sim.make_devices(series, 1, over_time=2.0, re_count=1)[0]
    if device.mn not in load_devices(ws.engine):
        add_device(ws.engine, device.mn, device_type="air", station_code=code,
                   name=f"demo {code}", actor="demo")
    hours = series[code]

    async def main() -> list[Any]:
        loop = asyncio.get_running_loop()
        rt = open_gateway(ws, GatewayConfig(host="127.0.0.1", port=0))
        rt.gateway.command_queue.poll_interval = 0.2
        port = await rt.gateway.start()
        try:
            await sim.connect(device, "127.0.0.1", port)
            await device.send_reliably(*next(iter(device.uploads())))
            asks = [("1012", {}), ("1062", {"RtdInterval": 60}),
                    ("2061", {"BeginTime": hours[2].start, "EndTime": hours[4].start})]
            ids = [await loop.run_in_executor(None, lambda c=cn, p=params: enqueue(
                ws, device.mn, c, p, requested_by="demo")) for cn, params in asks]
            deadline = loop.time() + timeout
            while True:
                rows = [await loop.run_in_executor(None, get, ws, i) for i in ids]
                if all(r.finished for r in rows) or loop.time() > deadline:
                    return rows
                await asyncio.sleep(0.2)
        finally:
            if device.transport is not None:
                device.transport.close()
            await rt.gateway.stop()
            await loop.run_in_executor(None, rt.close)

    rows = asyncio.run(main())
    if say is not None:
        for r in rows:
            d = r.as_dict()
            say(f"反控命令 {d['cn']}（{d['name_zh']}）→ {d['status_zh']}，应答数据 {len(d['responses'])} 包",
                f"Reverse command {d['cn']} ({d['name_en']}) → {d['status_en']}, "
                f"{len(d['responses'])} data answers")
    return {"mn": device.mn, "commands": [r.as_dict() for r in rows]}


#: Example registrations for the demo: the real CEMS loggers of the bundled packets file
#: (sample_data/hj212/packets.txt, public sources named there). Their outlets and enterprise are
#: placeholders of this project, named as such — the packets do not say whose stacks they are.
DEMO_OUTLET_DEVICES = (
    # MN, outlet, CRC policy (the first logger prints CRC-16/MODBUS low byte first)
    ("88888880000001", "DEMO-DA001", "hj212+modbus-swapped"),
    ("756877X7916010", "DEMO-DA002", "hj212"),
)


DEMO_ENTERPRISE = "示例企业（公开 HJ 212 报文）"


def demo_online_monitoring(workspace: Workspace,
                           say: Reporter | None = None) -> dict[str, Any]:
    """Demo step: register the real CEMS loggers of the bundled packets file as example outlets
    (if missing) and replay their packets of the file — their minute uploads land in
    ``online_monitoring`` with their HJ 212 flags (real-time 2011 packets go to the live view
    only). Idempotent: a second call stores nothing new."""
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
