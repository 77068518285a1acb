"""Device registry on SQLite and PostgreSQL; the ``hj212 check`` and ``devices`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from ecoplan.cli import main
from ecoplan.devices.device_registry import (
    DeviceRegistryError,
    add_device,
    edit_device,
    events,
    load_devices,
    parse_crc_policy,
    registry_version,
)
from ecoplan.sample_data import sample_path
from ecoplan.store import db
from ecoplan.store.hj212_models import DeviceEventsAreAppendOnly, Hj212DeviceEvent
from tests.devices.conftest import ORACLE


def test_registry_round_trip_and_append_only_events(db_url: str) -> None:
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    assert {"hj212_devices", "hj212_device_events", "hj212_held_packets"} <= set(
        inspect(engine).get_table_names())
    v0 = registry_version(engine)
    add_device(engine, "88888880000001", device_type="cems", dialect="2005",
               crc_policy="hj212+modbus-swapped", enterprise="某电厂")
    with pytest.raises(DeviceRegistryError):
        add_device(engine, "88888880000001")
    with pytest.raises(DeviceRegistryError):
        add_device(engine, "X", crc_policy="crc32")
    rec = edit_device(engine, "88888880000001", password="654321")
    assert rec.crc_policy == ("hj212", "modbus-swapped") and rec.password == "654321"
    assert registry_version(engine) != v0
    assert load_devices(engine)["88888880000001"].enterprise == "某电厂"
    kinds = [e.kind for e in events(engine, "88888880000001")]
    assert kinds == ["edited", "registered"]
    with pytest.raises(DeviceEventsAreAppendOnly), db.session_scope(engine) as s:
        ev = s.scalars(select(Hj212DeviceEvent)).first()
        ev.kind = "tampered"
        s.flush()


def test_crc_policy_parsing() -> None:
    assert parse_crc_policy("any") == ("hj212", "modbus", "modbus-swapped")
    assert parse_crc_policy("hj212, modbus") == ("hj212", "modbus")
    with pytest.raises(DeviceRegistryError) as exc:
        parse_crc_policy("")
    assert "CRC" in exc.value.zh and "CRC" in exc.value.en


def test_check_command_reports_every_packet(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["hj212", "check", str(sample_path("hj212", "packets.txt")), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    pkts = data["packets"]
    assert [p["line"] for p in pkts] == [p.line for p in ORACLE]
    for got, want in zip(pkts, ORACLE, strict=True):
        assert got["crc_variant"] == ("none" if want.expect == "bad" else want.expect)
        assert got["framing_ok"]
    by_line = {p["line"]: p for p in pkts}
    water = next(p for p in ORACLE if b"QN=20210409112111947" in p.raw)
    assert by_line[water.line]["reply"] == (
        "##0077QN=20210409112111947;ST=91;CN=9014;PW=123456;MN=DXCBZ000000005;Flag=4;CP=&&&&EB01")
    assert by_line[water.line]["data"]["factors"]["w01018"]["Flag"] == "N"
    broken = next(p for p in pkts if p["mn"] == "0507A010003242")
    assert broken["accepted"] and not broken["length_ok"]
    modbus = [p for p in pkts if p["crc_variant"] == "modbus"]
    assert all(p["rejection"]["code"] == "crc-variant-refused" for p in modbus)


def test_check_command_table_and_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["--lang", "en", "hj212", "check", str(sample_path("hj212", "packets.txt"))])
    out, err = capsys.readouterr()
    assert code == 0 and "31" in out and "accepted" in err
    code = main(["hj212", "check", str(tmp_path / "missing.txt")])
    _, err = capsys.readouterr()
    assert code == 1 and "missing.txt" in err
    code = main(["hj212", "check", "--crc-policy", "any", str(sample_path("hj212", "packets.txt")),
                 "--json"])
    data = json.loads(capsys.readouterr().out)
    assert sum(p["accepted"] for p in data["packets"]) == sum(p.expect != "bad" for p in ORACLE)


def test_devices_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init"]) == 0
    capsys.readouterr()
    assert main(["devices", "add", "AB12", "--type", "dust", "--station", "2183A",
                 "--crc-policy", "hj212+modbus", "--json"]) == 0
    dev = json.loads(capsys.readouterr().out)["device"]
    assert dev["approved"] and dev["crc_policy"] == "hj212+modbus"
    assert main(["devices", "edit", "AB12", "--dialect", "2025"]) == 0
    capsys.readouterr()
    assert main(["devices", "add", "AB12"]) == 1
    _, err = capsys.readouterr()
    assert "AB12" in err
    assert main(["devices", "edit", "AB12", "--type", "boat"]) == 1
    capsys.readouterr()
    assert main(["devices", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed[0]["dialect"] == "2025" and listed[0]["device_type"] == "dust"
    assert main(["devices", "events", "AB12", "--json"]) == 0
    assert [e["kind"] for e in json.loads(capsys.readouterr().out)] == ["edited", "registered"]
