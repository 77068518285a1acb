"""Stream framing: split packets, several packets per segment, garbage, broken length fields."""

from __future__ import annotations

import random

from ecoplan.devices.codec import decode
from ecoplan.devices.encode import frame
from ecoplan.devices.framer import Discarded, Framer
from tests.devices.conftest import ORACLE


def _packets(out: list) -> list[bytes]:
    return [x for x in out if isinstance(x, bytes)]


def test_every_oracle_packet_survives_random_segmentation() -> None:
    stream = b"".join(p.raw for p in ORACLE)
    rng = random.Random(212)
    for _ in range(20):
        f = Framer()
        got: list[bytes] = []
        i = 0
        while i < len(stream):
            n = rng.randint(1, 700)
            got += _packets(f.feed(stream[i:i + n]))
            i += n
        # the last packet has its trailer; the broken-length one is cut at its line end
        assert [decode(g, crc_policy=("hj212", "modbus", "modbus-swapped")).packet.crc_sent
                for g in got] == [decode(p.raw, crc_policy=("hj212",)).packet.crc_sent
                                  for p in ORACLE]
        assert f.pending == 0


def test_garbage_is_skipped_and_reported() -> None:
    pkt = frame("QN=20160801085857223;ST=32;CN=2011;PW=1;MN=X;Flag=5;CP=&&&&")
    f = Framer()
    out = f.feed(b"\x00\xffjunk" + pkt + b"\r\n  " + b"##x1" + pkt)
    assert _packets(out) == [pkt, pkt]
    assert any(isinstance(x, Discarded) for x in out)


def test_declared_length_too_large_is_cut_at_line_end_without_waiting() -> None:
    good = frame("QN=20210101000000000;ST=77;CN=2011;PW=123456;MN=X;Flag=4;CP=&&DataTime="
                 "20210101000000;Iae1-Rtd=0,Iae1-Flag=N&&")
    broken = good[:2] + b"%04d" % (int(good[2:6]) + 6) + good[6:]
    f = Framer()
    out = _packets(f.feed(broken))
    assert out == [broken]
    assert decode(out[0]).ok


def test_no_trailer_packets_back_to_back() -> None:
    a = frame("QN=20160801085857223;ST=32;CN=2011;PW=1;MN=X;Flag=5;CP=&&&&")[:-2]
    b = frame("QN=20160801085857224;ST=32;CN=2011;PW=1;MN=X;Flag=5;CP=&&&&")[:-2]
    assert _packets(Framer().feed(a + b)) == [a, b]


def test_oversized_length_is_dropped() -> None:
    f = Framer(max_segment=100)
    out = f.feed(b"##0500" + b"x" * 50 + b"\r\n")
    assert not _packets(out) and any(isinstance(x, Discarded) for x in out)
