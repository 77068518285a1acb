"""An independent client in another language (Lua 5.4 + LuaSocket, Debian packages lua5.4 and
lua-socket) against the gateway on 127.0.0.1: uploads, byte checks of the 9014 in Lua (its own
CRC), retransmission after OverTime when unanswered, and a platform request answered 9011/9012."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from ecoplan.devices.device_registry import DeviceRecord
from ecoplan.devices.gateway import Gateway, GatewayConfig
from ecoplan.devices.sinks import MeasurementSink

SCRIPT = Path(__file__).resolve().parents[1] / "data" / "hj212" / "lua" / "hj212_client.lua"
MN = "010000A8900016F000169DC0"
IN_CI = __import__("os").environ.get("CI", "").lower() in {"1", "true", "yes"}


def _lua_ready() -> bool:
    import subprocess

    if shutil.which("lua5.4") is None:
        return False
    return subprocess.run(["lua5.4", "-e", "require('socket')"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _lua_ready() and not IN_CI, reason="Debian lua5.4 + lua-socket not installed")
def test_lua_client_against_gateway() -> None:
    assert _lua_ready(), "CI must install the Debian packages lua5.4 and lua-socket"
    frames: list = []

    async def main() -> tuple[list[str], object, Gateway]:
        sink = MeasurementSink(lambda ds, f, s, h: frames.append((ds, f)), interval=0.05)
        gw = Gateway(GatewayConfig(host="127.0.0.1", port=0),
                     devices={MN: DeviceRecord(mn=MN, approved=True, device_type="air",
                                               station_code="LUA1")}, sink=sink)
        port = await gw.start()
        proc = await asyncio.create_subprocess_exec(
            "lua5.4", str(SCRIPT), str(port), MN, "3", stdout=asyncio.subprocess.PIPE)
        lines: list[str] = []
        result = None
        assert proc.stdout is not None
        while True:
            raw = await asyncio.wait_for(proc.stdout.readline(), 20)
            if not raw:
                break
            line = raw.decode().strip()
            lines.append(line)
            if line.startswith("UNANSWERED"):
                result = await gw.send_command(MN, "1012", {"SystemTime": "20261128120000"},
                                               over_time=3)
                for c in list(gw.conns):
                    c.transport.close()
        await asyncio.wait_for(proc.wait(), 20)
        await gw.stop()
        sink.close()
        return lines, result, gw

    lines, result, gw = asyncio.run(main())
    assert lines[0] == "READY"
    assert sum(x.startswith("REPLY") and x.endswith(" ok") for x in lines) == 3, lines
    assert not [x for x in lines if x.startswith("BADREPLY")], lines
    assert any(x.startswith("UNANSWERED") and x.endswith(" 3") for x in lines)  # resent twice
    assert gw.stats.refused_password == 3
    assert any(x.startswith("REQUEST 1012") for x in lines)
    assert result.status == "ok" and result.qn_rtn == 1 and result.exe_rtn == 1
    assert sum(len(f) for _, f in frames) == 3
