"""Issue 21, the device path: ``hj212 replay``, vendor codes kept as sent (no 37 → ringelmann),
approval messages that count stored and quarantined rows, no water item dropped, and the
HJ 212 commands in Chinese (rejection reasons, event details, statistics)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from ecoplan.cli import main
from ecoplan.ingest.hj212.encode import frame
from ecoplan.ingest.hj212.factors import codes_2005, current_code
from ecoplan.ingest.hj212.storage import Recorder, dataset_batch
from ecoplan.sample_data import sample_path
from ecoplan.store.workspace import Workspace

PACKETS = sample_path("hj212", "packets.txt")
CEMS_MN = "756877X7916010"  # the 2005-dialect CEMS logger of the real captures (codes 30–37)


def _lake(dataset: str):  # type: ignore[no-untyped-def]
    return Workspace().lake.read_arrow(dataset).to_pandas()


def test_vendor_code_37_of_the_real_packets_is_kept_as_sent(workspace_home: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert "37" not in codes_2005() and current_code("37", 0) == "37"
    assert main(["init"]) == 0
    assert main(["devices", "add", CEMS_MN, "--type", "cems", "--station", "DA002",
                 "--enterprise", "示例企业"]) == 0
    capsys.readouterr()
    assert main(["hj212", "replay", str(PACKETS), "--into-lake"]) == 0
    out = capsys.readouterr()
    assert "入库" in out.err and "accepted" not in out.out
    om = _lake("online_monitoring")
    assert "ringelmann" not in set(om["parameter"])
    v37 = om[om["parameter"] == "37"]
    assert v37["value"].round(4).tolist() == [103.2753]  # as sent: not a Ringelmann grade 0–5
    assert {"30", "31", "32", "33", "34", "35", "36", "37"} <= set(om["parameter"])
    # re-running stores nothing new
    assert main(["hj212", "replay", str(PACKETS), "--into-lake", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert sum(b.get("rows_accepted", 0) for b in again["batches"]) == 0
    assert len(_lake("online_monitoring")) == len(om)


def test_replay_refuses_ambiguous_targets(workspace_home: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["init"]) == 0
    assert main(["hj212", "replay", str(PACKETS)]) == 1
    assert main(["hj212", "replay", str(PACKETS), "--to", "10.0.0.1:30024"]) == 1
    assert "本机" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_replay_to_a_running_gateway(workspace_home: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["init"]) == 0
    port = _free_port()
    env = dict(os.environ, ECOPLAN_HOME=str(workspace_home))
    proc = subprocess.Popen([sys.executable, "-m", "ecoplan.cli", "gateway", "--port", str(port),
                             "--duration", "8", "--json"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        assert main(["hj212", "replay", str(PACKETS), "--to", f"127.0.0.1:{port}",
                     "--timeout", "1", "--json"]) == 0
        sent = json.loads(capsys.readouterr().out)
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    stats = json.loads(out)
    assert sent["sent"] == 31 and stats["packets"] == 31
    assert stats["held"] > 0  # nothing registered: every valid packet held for review


def test_approval_counts_stored_and_quarantined_rows(workspace_home: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """The issue's case: a held packet of an air logger whose station the registry does not
    know — its row is quarantined, and the approval says so instead of "1 包（1 行）"."""
    assert main(["init"]) == 0
    ws = Workspace()
    raw = frame("QN=20261128110000001;ST=22;CN=2061;PW=123456;MN=AB12;Flag=5;CP=&&"
                "DataTime=20190301000000;a34004-Avg=33;a34002-Avg=50&&")
    rec = Recorder(ws.engine, interval=60)
    rec.hold(raw, mn="AB12", cn="2061", qn="20261128110000001", peer=None,
             reason="unknown device")
    rec.close()
    capsys.readouterr()
    assert main(["devices", "approve", "AB12", "--type", "air", "--station", "9999Z"]) == 0
    err = capsys.readouterr().err
    assert "入库 0 行，暂存待审 1 行" in err, err
    assert main(["devices", "approve", "AB12", "--json"]) == 0  # nothing left: idempotent


def test_water_items_without_a_name_are_kept_and_counted() -> None:
    """w01019 (permanganate index) has a canonical name; w99001 has none: it is kept under its
    code (the ingestion path quarantines it with the reason), and counted."""
    from ecoplan.ingest.hj212.codec import decode
    from ecoplan.ingest.hj212.records import DeviceContext, rows_of

    raw = frame("QN=20261128110000001;ST=21;CN=2061;PW=123456;MN=W1;Flag=5;CP=&&"
                "DataTime=20250301000000;w01001-Avg=7.6;w21003-Avg=0.42;w99001-Avg=3.1&&")
    p = decode(raw).packet
    assert p is not None
    rows, _problems = rows_of(p, DeviceContext("water", "JC-WYH-BYK", None, None, None),
                              datetime(2025, 3, 1))
    df, _digest = dataset_batch("water_samples", rows)
    assert sorted(df["parameter"]) == ["nh3_n", "ph", "w99001"]
    assert df.attrs["unmapped"] == 1


def test_hj212_commands_speak_chinese(workspace_home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from ecoplan import console

    monkeypatch.setattr(console.console, "width", 250)
    assert main(["init"]) == 0
    # the real CRC-16/MODBUS packet of the captures is refused under the default policy
    assert main(["hj212", "check", str(PACKETS)]) == 0
    out = capsys.readouterr().out
    assert "crc-variant-refused" not in out and "CRC 算法不被该设备允许" in out
    assert main(["devices", "add", "AB12", "--type", "air", "--station", "1081A"]) == 0
    assert main(["devices", "edit", "AB12", "--station", "1080A"]) == 0
    capsys.readouterr()
    assert main(["devices", "events", "AB12"]) == 0
    out = capsys.readouterr().out
    assert "{" not in out and "'" not in out and "修改" in out and "登记" in out
