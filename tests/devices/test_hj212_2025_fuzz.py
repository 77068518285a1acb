"""Fuzzing the gateway with encrypted HJ 212-2025 packets (the Appendix A.2 example and encrypted
real-data uploads, mutated): nothing crashes, every packet is accounted for, and neither the key
nor the plaintext data area reaches a log (device events or Python logging)."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoplan.devices.crypto import WIRE_FORMATS, encrypt_packet
from ecoplan.devices.device_registry import DeviceRecord
from ecoplan.devices.dialect2025 import Hj2025
from ecoplan.devices.gateway import Gateway, GatewayConfig
from ecoplan.devices.keys import DeviceKey, Profile
from ecoplan.devices.sinks import Recorder
from tests.devices.conftest import mutated_packets

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "hj212" /
                      "hj212_2025_appendix_a.json").read_text(encoding="utf-8"))
KEY = b"K3yForFuzz1ng016"
MN = "010000A8900016F000169DC0"
PLAIN_AREAS = []
SEALED = []
for name in ("a2_no_tail", "a2_with_tail"):
    seg = VECTORS[name]["plaintext_packet"].encode()[6:-4]
    PLAIN_AREAS.append(seg[seg.index(b"CP=&&") + 5:-2])
    for fmt in WIRE_FORMATS:
        SEALED.append(encrypt_packet(KEY, seg, fmt))
for cn in ("2061", "2013", "1014", "2111"):
    area = b"DataTime=20260701100000;a34004-Avg=35.2,a34004-Flag=N;a21026-Avg=8,a21026-Flag=N"
    seg = (f"QN=20260701102318561;ST=22;CN={cn};PW=123456;MN={MN};Flag=9;CP=&&").encode() \
        + area + b"&&"
    PLAIN_AREAS.append(area)
    SEALED.append(encrypt_packet(KEY, seg, "raw"))


class Captured(Recorder):
    def __init__(self) -> None:
        super().__init__(None)
        self.lines: list[str] = []

    def event(self, mn: str, kind: str, *, peer: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        self.lines.append(f"{mn} {kind} {detail}")

    def hold(self, raw: bytes, **kw: Any) -> None:  # held raw bytes are data, not a log
        self.lines.append(f"hold {kw.get('reason')}")


def _gateway() -> tuple[Gateway, Captured]:
    rec = Captured()
    gw = Gateway(GatewayConfig(), devices={MN: DeviceRecord(mn=MN, approved=True, station_code="S",
                                                            device_type="air", dialect="2025")},
                 recorder=rec)
    sec = Hj2025(gw, None, None)
    now = datetime.now(UTC)
    sec.keys = {MN: [DeviceKey(1, MN, KEY, "f1", now, now + timedelta(days=90), None, None, None,
                               now)]}
    sec.profiles = {MN: Profile(MN, encryption="required")}
    gw.hj2025 = sec
    return gw, rec


def mutated() -> st.SearchStrategy[bytes]:
    """A sealed packet as sent, or with up to 5 random edits."""
    return mutated_packets(SEALED, [b";", b"&&", b"{0x", b"}", b"##", b"\r\n", b"=", b"CP=&&",
                                    b"0"], min_ops=0, max_ops=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutated(), min_size=1, max_size=8))
def test_encrypted_packets_never_crash_and_never_leak(raws: list[bytes]) -> None:
    logger = logging.getLogger("ecoplan.test.fuzz2025")
    gw, rec = _gateway()
    for r in raws:
        gw.handle(r)
    s, sec = gw.stats, gw.hj2025.stats
    assert s.packets == len(raws)
    assert s.accepted + sum(s.rejected.values()) + s.refused_password + sec.key_requests \
        == len(raws)
    assert "internal" not in s.rejected
    text = "\n".join(rec.lines)
    logger.debug(text)
    assert KEY.decode() not in text
    for area in PLAIN_AREAS:
        assert area.decode()[:24] not in text


def test_unmutated_encrypted_packets_are_accepted(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    gw, rec = _gateway()
    for r in SEALED:
        gw.handle(r)
    sec = gw.hj2025.stats
    assert sec.decrypted == len(SEALED) and sec.decrypt_failed == 0
    assert gw.stats.rejected == {}
    text = "\n".join(rec.lines) + caplog.text
    assert KEY.decode() not in text and "a34004-Avg" not in text


def test_one_block_ciphertexts_that_look_like_text_still_open() -> None:
    """A data area of one block + a short tail (``DataTime=…`` alone) gives 16 bytes of
    ciphertext that now and then decode as GBK text with an ``=``: the gateway must still open
    them (seen once in 18,000 packets of the benchmark before the fix)."""
    import random

    rng = random.Random(2025)
    gw, _ = _gateway()
    sec = gw.hj2025
    n = 6000
    for i in range(n):
        key = bytes(rng.choice(b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
                    for _ in range(16))
        now = datetime.now(UTC)
        sec.keys = {MN: [DeviceKey(1, MN, key, "f", now, now + timedelta(days=1), None, None,
                                   None, now)]}
        seg = (f"QN=2026070110{i:07d};ST=22;CN=2061;PW=123456;MN={MN};Flag=9;"
               "CP=&&DataTime=20190101230000&&").encode()
        gw.handle(encrypt_packet(key, seg))
    assert gw.stats.rejected == {} and sec.stats.decrypted == n
