"""A simulated field spray controller and the bounded dust-spraying demo for ``make demo``."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any

from ecoplan.devices import encode
from ecoplan.devices import simulator as sim
from ecoplan.devices.codec import Packet
from ecoplan.devices.command_queue import get
from ecoplan.devices.device_registry import add_device, load_devices
from ecoplan.devices.gateway import GatewayConfig
from ecoplan.devices.live_state import read_snapshot
from ecoplan.devices.runtime import open_gateway
from ecoplan.store.workspace import Workspace
from ecoplan.supervision import dust_service as ds

DEMO_MONITOR = "DEMODUST000001"
DEMO_SPRAYER = "DEMOSPRAY00001"
DEMO_SITE = "DEMO-YD1"
DEMO_VALUES = (60.0, 180.0, 130.0, 90.0)
"""PM10 (μg/m³) the simulated monitor sends: low, over the upper limit, in the band, below."""


class SprayControllerSim(sim.SimDevice):
    """A fog-cannon controller speaking HJ 212 with the example vendor convention of
    docs/dust-control.md: CN 3021 with ``SprayCtrl=1|0`` (and ``AlarmCtrl``) is answered
    9011 QnRtn=1 then 9012 ExeRtn=1 and switches ``spraying`` / ``alarm``; any other request
    is refused with QnRtn=8 (CN error)."""
    def __init__(self, mn: str, **kw: Any) -> None:
        kw.setdefault("series", [])
        kw.setdefault("stats", sim.SimStats())
        super().__init__(mn, **kw)
        self.spraying = False
        self.alarm = False

    async def _on_request(self, p: Packet) -> None:
        self.command_log.append((p.cn or "", dict(p.params)))
        assert self.transport is not None
        known = p.cn == "3021" and ("SprayCtrl" in p.params or "AlarmCtrl" in p.params)
        if p.pw != self.pw or not known:
            self.transport.write(encode.request_answer(p, 3 if p.pw != self.pw else 8,
                                                       self.version))
            return
        self.transport.write(encode.request_answer(p, 1, self.version))
        if "SprayCtrl" in p.params:
            self.spraying = p.params["SprayCtrl"] == "1"
        if "AlarmCtrl" in p.params:
            self.alarm = p.params["AlarmCtrl"] == "1"
        self.transport.write(encode.execution_result(p, 1, self.version))


def realtime_pm10(dev: sim.SimDevice, value: float) -> tuple[bytes, bytes]:
    """A 2011 real-time upload of PM10 (a34002, flag N) and the 9014 the platform must send."""
    return dev.build("2011", f"DataTime={datetime.now():%Y%m%d%H%M%S};"
                             f"a34002-Rtd={value:g},a34002-Flag=N")


def run_dust_demo(ws: Workspace, *, timeout: float = 30.0, say: Any = None) -> dict[str, Any]:
    """Bounded demo: a gateway on 127.0.0.1 (ephemeral port) writing its live snapshot into the
    workspace, a simulated dust monitor sending rising then falling PM10 and a simulated spray
    controller; after each value one controller pass (``ecoplan dust control --once``) runs.
    Registers the two devices and site ``DEMO-YD1`` when absent. Returns the actions taken and
    the commands the spray controller received."""
    devices = load_devices(ws.engine)
    if DEMO_MONITOR not in devices:
        add_device(ws.engine, DEMO_MONITOR, device_type="dust", station_code=DEMO_SITE,
                   name="demo dust monitor", actor="demo")
    if DEMO_SPRAYER not in devices:
        add_device(ws.engine, DEMO_SPRAYER, device_type="other", name="demo fog cannon",
                   actor="demo")
    if DEMO_SITE not in {s["code"] for s in ds.list_sites(ws.engine)}:
        ds.add_site(ws.engine, DEMO_SITE, DEMO_MONITOR, [ds.controller_config(DEMO_SPRAYER)],
                    name="演示料场 / demo stockyard", upper=150, lower=100, start_after=1,
                    min_run_s=0, min_pause_s=0)
    home = ws.settings.home
    monitor = sim.SimDevice(DEMO_MONITOR, st="39", series=[], stats=sim.SimStats(), over_time=2)
    sprayer = SprayControllerSim(DEMO_SPRAYER, over_time=2)

    async def main() -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        rt = open_gateway(ws, GatewayConfig(host="127.0.0.1", port=0,
                                            live_snapshot_interval=0.0))
        rt.gateway.command_queue.poll_interval = 0.2
        port = await rt.gateway.start()
        actions: list[dict[str, Any]] = []
        try:
            await sim.connect(monitor, "127.0.0.1", port)
            await sim.connect(sprayer, "127.0.0.1", port)
            await sprayer.send_reliably(*sprayer.build(
                "2011", f"DataTime={datetime.now():%Y%m%d%H%M%S}"))  # the gateway learns its MN
            for value in DEMO_VALUES:
                await monitor.send_reliably(*realtime_pm10(monitor, value))
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    snap = await loop.run_in_executor(None, read_snapshot, home)
                    got = ((snap or {}).get("values", {}).get(DEMO_MONITOR, {}).get("a34002"))
                    if got and got["value"] == value:
                        break
                    await asyncio.sleep(0.1)
                acts = await loop.run_in_executor(None, ds.control_pass, ws.engine, home)
                ids = [i for a in acts for i in a["command_ids"]]
                while ids and time.monotonic() < deadline:
                    rows = [await loop.run_in_executor(None, get, ws.engine, i) for i in ids]
                    if all(r.finished for r in rows):
                        break
                    await asyncio.sleep(0.1)
                if say is not None:
                    say(f"扬尘 PM10 {value:g} μg/m³ → " + ("；".join(a["reason_zh"] for a in acts)
                                                          or "无动作"),
                        f"dust PM10 {value:g} μg/m³ → " + ("; ".join(a["reason_en"] for a in acts)
                                                          or "no action"))
                actions += acts
        finally:
            for d in (monitor, sprayer):
                if d.transport is not None:
                    d.transport.close()
            await rt.gateway.stop()
            await loop.run_in_executor(None, rt.close)
        return actions

    actions = asyncio.run(main())
    return {"site": DEMO_SITE, "values": list(DEMO_VALUES), "actions": actions,
            "sprayer_commands": [{"cn": cn, "params": p} for cn, p in sprayer.command_log],
            "spraying": sprayer.spraying}
