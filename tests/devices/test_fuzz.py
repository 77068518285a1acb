"""Hypothesis fuzzing of the codec and the stream framer: random bytes and mutated real packets.

Properties: no exception escapes; every rejection has a code and both wordings; an accepted
packet has CN and MN and a CRC that one of the variants matches; the fast CP parser agrees with
the detailed one; framing a stream never loses a well-formed packet.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoplan.devices import encode
from ecoplan.devices.codec import Packet, _parse_cp_detailed, decode
from ecoplan.devices.crc import VARIANTS
from ecoplan.devices.device_registry import DeviceRecord
from ecoplan.devices.framer import Framer
from ecoplan.devices.gateway import Gateway, GatewayConfig
from tests.devices.conftest import ORACLE, mutated_packets

REAL = [p.raw for p in ORACLE]
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(raw: bytes) -> None:
    for policy in (("hj212",), VARIANTS):
        d = decode(raw, crc_policy=policy)
        if d.rejection is not None:
            r = d.rejection
            assert r.code and r.zh and r.en
        else:
            p = d.packet
            assert p is not None and p.cn and p.mn
            assert p.crc_variant in policy
            encode.reply_for(p)  # encoding a reply never fails on an accepted packet


def mutated() -> st.SearchStrategy[bytes]:
    """A real packet with 1–6 random edits."""
    return mutated_packets(REAL, [b";", b",", b"=", b"&&", b"-", b"//", b"##", b"\r\n",
                                  b"\xe4\xb8", b"Flag=", b"0"])


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes_never_crash(raw: bytes) -> None:
    _check(raw)
    _check(b"##" + raw)


@FUZZ
@given(mutated())
def test_mutated_real_packets_never_crash(raw: bytes) -> None:
    _check(raw)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("abw0123456789-=;,.&/NDFQ 中")), max_size=200))
def test_any_cp_text_is_parsed_and_reframed_with_a_valid_crc(cp: str) -> None:
    seg = f"QN=20261128120000001;ST=22;CN=2011;PW=123456;MN=AB12;Flag=5;CP=&&{cp}&&"
    raw = encode.frame(seg)
    d = decode(raw)
    if "&&" in cp:
        return  # the closing && is the last one; an inner && is data
    assert d.packet is not None
    fast = d.packet
    slow = Packet(raw=b"", segment=b"", declared_length=0, length_ok=True, crc_sent="",
                  crc_variant="hj212")
    _parse_cp_detailed(slow, cp)
    assert {c: f.fields for c, f in fast.factors.items()} == {
        c: f.fields for c, f in slow.factors.items()}
    assert fast.params == slow.params


@FUZZ
@given(st.lists(st.sampled_from(REAL), min_size=1, max_size=6),
       st.lists(st.integers(1, 400), min_size=1, max_size=30),
       st.binary(max_size=20))
def test_framer_keeps_every_packet_whatever_the_segmentation(pkts: list[bytes], cuts: list[int],
                                                             junk: bytes) -> None:
    stream = junk.replace(b"#", b"") + b"".join(pkts)
    f = Framer()
    got: list[bytes] = []
    i = 0
    k = 0
    while i < len(stream):
        n = cuts[k % len(cuts)]
        got += [x for x in f.feed(stream[i:i + n]) if isinstance(x, bytes)]
        i += n
        k += 1
    crcs = [decode(g, crc_policy=VARIANTS).packet.crc_sent for g in got
            if decode(g, crc_policy=VARIANTS).packet is not None]
    assert crcs[-len(pkts):] == [decode(p, crc_policy=VARIANTS).packet.crc_sent for p in pkts]


@settings(max_examples=100, deadline=None)
@given(st.lists(mutated(), min_size=1, max_size=10))
def test_gateway_handle_never_raises(raws: list[bytes]) -> None:
    mns = {decode(r, crc_policy=VARIANTS).packet.mn for r in REAL}
    gw = Gateway(GatewayConfig(), devices={m: DeviceRecord(mn=m, approved=True, station_code="S",
                                                           device_type="air")
                                           for m in mns if m})
    for r in raws:
        gw.handle(r)
    assert gw.stats.packets == len(raws)
    assert gw.stats.accepted + sum(gw.stats.rejected.values()) + gw.stats.refused_password \
        == len(raws)
