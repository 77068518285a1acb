"""HJ 212-2025 device keys on SQLite and PostgreSQL: sealed at rest, rotation with a grace
window, revocation, expiry, events without keys; identity and MN assignment; the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from ecoplan.cli import main
from ecoplan.devices.device_registry import add_device, events
from ecoplan.devices.keys import (
    DeviceKeyError,
    KeyVault,
    assign_mn,
    get_profile,
    issue_key,
    key_report,
    load_keys,
    record_identity,
    revoke,
    set_profile,
    vault_for,
)
from ecoplan.errors import ConfigError
from ecoplan.store import db
from ecoplan.store.hj212_keys_models import Hj212DeviceKey
from ecoplan.store.workspace import init_workspace

MN = "5A0000000000000000002025"


def test_keys_sealed_rotated_revoked(db_url: str) -> None:
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    vault = KeyVault("a-workspace-secret-of-32-characters")
    add_device(engine, MN, device_type="air", dialect="2025")
    set_profile(engine, MN, encryption="required", grace_hours=24, rotate_days=30)
    k1, t1 = issue_key(engine, vault, MN, origin="operator", actor="test")
    assert len(t1) == 16 and t1.isalnum() and t1 not in repr(k1)
    assert k1.expires_at - k1.created_at == timedelta(days=30)
    with db.session_scope(engine) as s:
        blob = s.scalar(select(Hj212DeviceKey.key_sealed).where(Hj212DeviceKey.id == k1.id))
    assert t1.encode() not in blob  # sealed at rest
    with pytest.raises(InvalidTag):  # another workspace secret cannot unseal it
        load_keys(engine, KeyVault("another-secret-of-32-characters!!"))
    k2, t2 = issue_key(engine, vault, MN, origin="rotation", actor="test")
    keys = load_keys(engine, vault)[MN]
    assert [k.key for k in keys] == [t2.encode(), t1.encode()]
    now = datetime.now(UTC)
    assert keys[0].accepted(now) and keys[1].accepted(now)  # grace window: both accepted
    assert not keys[1].accepted(now + timedelta(hours=25))  # after it: only the new one
    states = {r["key_id"]: r["state"] for r in key_report(engine, MN)}
    assert states == {k2.id: "pending-delivery", k1.id: "grace"}
    assert sorted(revoke(engine, MN, actor="test")) == sorted([k1.id, k2.id])
    assert load_keys(engine, vault) == {}
    with pytest.raises(DeviceKeyError):
        revoke(engine, MN, actor="test")
    kinds = [e.kind for e in events(engine, MN)]
    assert {"key-created", "key-rotated", "key-revoked", "security-edited"} <= set(kinds)
    assert all(t not in json.dumps(e.detail) for e in events(engine, MN) for t in (t1, t2))
    with pytest.raises(DeviceKeyError):
        set_profile(engine, MN, encryption="sometimes")
    with pytest.raises(DeviceKeyError):
        set_profile(engine, MN, wire_format="base64")


def test_identity_and_mn_assignment(db_url: str) -> None:
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    prof = record_identity(engine, MN, {"logger_id": "LG-01", "cpuid": "0x1F2E3D4C",
                                        "mac1": "00:1A:2B:3C:4D:5E"})
    assert prof.cpuid == "0x1F2E3D4C" and get_profile(engine, MN).mac1 == "00:1A:2B:3C:4D:5E"
    mn = assign_mn(prof.cpuid or "", prof.mac1)
    assert len(mn) == 24 and all(c in "0123456789ABCDEF" for c in mn)
    assert mn == assign_mn("0x1f2e3d4c", "00:1a:2b:3c:4d:5e")  # stable
    assert mn != assign_mn("0x1F2E3D4D", "00:1A:2B:3C:4D:5E")
    assert [e.kind for e in events(engine, MN)] == ["identity"]


def test_default_secret_refused() -> None:
    with pytest.raises(ConfigError):
        KeyVault("changethis")


def test_cli_key_commands(workspace_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init_workspace(workspace_home)
    assert main(["devices", "add", MN, "--type", "air", "--dialect", "2025"]) == 0
    capsys.readouterr()
    assert main(["devices", "key", "create", MN, "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert len(created["key"]) == 16
    assert main(["devices", "key", "rotate", MN, "--json"]) == 0
    rotated = json.loads(capsys.readouterr().out)
    assert "key" not in rotated  # a rotated key is never shown: it travels in CN 1014
    assert main(["devices", "key", "policy", MN, "--encryption", "required",
                 "--wire-format", "hex-braces", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["wire_format"] == "hex-braces"
    assert main(["devices", "key", "show", MN, "--json"]) == 0
    shown = capsys.readouterr().out
    assert created["key"] not in shown
    report = json.loads(shown)
    assert [k["state"] for k in report["keys"]] == ["pending-delivery", "grace"]
    assert report["keys"][0]["age_days"] == 0.0
    assert main(["devices", "key", "revoke", MN, "--id", str(created["key_id"])]) == 0
    assert main(["devices", "key", "show", "NOPE"]) == 1
    assert main(["devices", "identity", MN, "--assign-mn"]) == 1  # no CPUID reported yet


def test_cli_key_test_opens_the_appendix_example(workspace_home: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """`devices key test` opens the standard's A.2 example (key = 16 × 0x30) in both wire
    forms, and says so when no key of the device opens a packet."""
    from ecoplan.devices.crypto import encrypt_packet
    from ecoplan.store.workspace import Workspace

    vectors = json.loads((Path(__file__).parents[1] / "data" / "hj212" /
                          "hj212_2025_appendix_a.json").read_text(encoding="utf-8"))
    v = vectors["a2_with_tail"]
    mn = "010000A8900016F000169DC0"
    init_workspace(workspace_home)
    ws = Workspace()
    add_device(ws.engine, mn, device_type="cems", dialect="2025")
    key, _ = issue_key(ws.engine, vault_for(ws), mn, origin="operator", actor="test",
                       key_text="0" * 16)
    segment = v["plaintext_packet"].encode()[6:-4]
    capture = tmp_path / "capture.bin"
    capture.write_bytes(v["encrypted_packet_as_printed"].encode() + b"\r\n"
                        + encrypt_packet(b"0" * 16, segment, "raw")
                        + encrypt_packet(b"1" * 16, segment, "raw"))
    capsys.readouterr()
    assert main(["devices", "key", "test", mn, str(capture), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["wire_format"], r["key_id"], r["ok"]) for r in rows] == [
        ("hex-braces", key.id, True), ("raw", key.id, True), ("raw", None, False)]
    assert rows[2]["problem"] == "no accepted key of the device opens it"
    assert main(["devices", "key", "test", mn, str(tmp_path / "missing.bin")]) == 1
