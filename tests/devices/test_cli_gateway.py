"""``ecoplan gateway`` as a real process and ``ecoplan hj212 simulate`` against it (loopback)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecoplan.cli import main
from ecoplan.devices.live_state import read_snapshot


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("gateway did not start")


@pytest.mark.slow
def test_gateway_process_and_simulator(capsys: pytest.CaptureFixture[str],
                                       workspace_home: Path) -> None:
    assert main(["init"]) == 0
    assert main(["devices", "add", "5A0000000000000000000000", "--type", "air",
                 "--station", "1081A"]) == 0
    capsys.readouterr()
    port = _free_port()
    env = dict(os.environ, ECOPLAN_HOME=str(workspace_home))
    proc = subprocess.Popen([sys.executable, "-m", "ecoplan.cli", "gateway", "--port", str(port),
                             "--duration", "12", "--workers", "2", "--json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_port(port)
        code = main(["hj212", "simulate", "--devices", "2", "--count", "3", "--rate", "0",
                     "--port", str(port), "--over-time", "3", "--json"])
        sim = json.loads(capsys.readouterr().out)
        assert code == 0
        assert sim["sent"] == 6 and sim["answered"] == 6 and sim["retransmitted"] == 0
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    stats = json.loads(out)
    assert stats["workers"] == 2
    assert stats["accepted"] == 6 and stats["held"] >= 3  # the second logger is unknown
    assert main(["devices", "list", "--json"]) == 0
    listed = {d["mn"]: d for d in json.loads(capsys.readouterr().out)}
    assert listed["5A0000000000000000000001"]["registered"] is False
    assert listed["5A0000000000000000000001"]["held_packets"] == 3
    live = read_snapshot(workspace_home)  # merged over the two worker processes
    assert live["values"]["5A0000000000000000000000"]["a34004"]["pollutant"] == "pm25"
    assert live["stats"]["accepted"] == 6


def test_simulator_refuses_non_loopback(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["hj212", "simulate", "--host", "192.0.2.1", "--count", "1"]) == 1
    assert "127.0.0.1" in capsys.readouterr().err


@pytest.mark.slow
def test_simulated_2025_loggers_encrypt_with_the_operator_key(
        capsys: pytest.CaptureFixture[str], workspace_home: Path) -> None:
    """``hj212 simulate --dialect 2025 --key K``: the loggers seal their data areas with the key
    `devices key create` showed; a gateway requiring encryption accepts and stores every hour."""
    mn = "5A0000000000000000000000"
    assert main(["init", "--no-registry"]) == 0
    assert main(["devices", "add", mn, "--type", "air", "--station", "1081A",
                 "--dialect", "2025"]) == 0
    assert main(["devices", "key", "policy", mn, "--encryption", "required"]) == 0
    capsys.readouterr()
    assert main(["devices", "key", "create", mn, "--json"]) == 0
    key = json.loads(capsys.readouterr().out)["key"]
    assert main(["hj212", "simulate", "--dialect", "2017", "--key", key, "--count", "1"]) == 1
    assert "--dialect 2025" in capsys.readouterr().err
    port = _free_port()
    env = dict(os.environ, ECOPLAN_HOME=str(workspace_home))
    proc = subprocess.Popen([sys.executable, "-m", "ecoplan.cli", "gateway", "--port", str(port),
                             "--duration", "10", "--json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        _wait_port(port)
        code = main(["hj212", "simulate", "--devices", "1", "--count", "3", "--rate", "0",
                     "--dialect", "2025", "--key", key, "--port", str(port),
                     "--over-time", "3", "--json"])
        sim = json.loads(capsys.readouterr().out)
        assert code == 0
        assert sim["sent"] == 3 and sim["answered"] == 3
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert json.loads(out)["accepted"] == 3


def test_commands_go_out_with_the_device_types_system_code() -> None:
    """A request to a device carries its type's ST (HJ 212-2017 table 5; ST 44/45 of 2025)."""
    from ecoplan.devices.gateway import command_st

    assert [command_st(t) for t in ("air", "dust", "cems", "wastewater", "water", "power",
                                    "process", "other", None)] == \
        ["22", "39", "31", "32", "21", "44", "45", "32", "32"]
