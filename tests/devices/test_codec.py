"""The codec on the real packets of packets.txt and on the reference's derived vectors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ecoplan.devices import encode
from ecoplan.devices.codec import decode, iter_packet_lines
from ecoplan.devices.crc import crc_hex, crc_hj212, crc_modbus
from tests.devices.conftest import ORACLE, OraclePacket

ALL = ("hj212", "modbus", "modbus-swapped")
VECTORS = Path(__file__).resolve().parents[1] / "data" / "hj212" / "derived_vectors.txt"


def test_oracle_file_has_every_family() -> None:
    tags = {p.expect for p in ORACLE}
    assert tags == {"hj212", "modbus", "modbus-swapped", "bad"}
    assert len(ORACLE) >= 30


@pytest.mark.parametrize("pkt", ORACLE, ids=lambda p: f"line{p.line}-{p.expect}")
def test_crc_verdict_matches_expect_tag(pkt: OraclePacket) -> None:
    d = decode(pkt.raw, crc_policy=ALL)
    assert d.packet is not None, d.rejection
    expected = "none" if pkt.expect == "bad" else pkt.expect
    assert d.packet.crc_variant == expected
    if pkt.expect == "bad":
        assert d.rejection is not None and d.rejection.code == "crc-mismatch"
    else:
        assert d.ok, d.rejection
        assert d.packet.cn and d.packet.mn


@pytest.mark.parametrize("pkt", [p for p in ORACLE if p.expect in ("modbus", "modbus-swapped")],
                         ids=lambda p: f"line{p.line}")
def test_modbus_variants_refused_by_default_policy(pkt: OraclePacket) -> None:
    d = decode(pkt.raw)
    assert d.rejection is not None and d.rejection.code == "crc-variant-refused"
    assert pkt.expect in d.rejection.en


def test_standard_example_crc_and_known_properties() -> None:
    seg = (b"QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
           b"CP=&&RtdInterval=30&&")
    assert crc_hex(seg) == "1C80"
    assert crc_hj212(b"") == 0xFFFF
    assert crc_modbus(b"123456789") == 0x4B37  # CRC-16/MODBUS check value
    # only 256 distinct values, low byte in a fixed set of 8 (reference §5.1)
    lows = {crc_hj212(bytes([a, b])) & 0xFF for a in range(256) for b in range(0, 256, 7)}
    assert lows <= {0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xC0, 0xC1}


def _by_line(fragment: bytes) -> bytes:
    return next(p.raw for p in ORACLE if fragment in p.raw)


def _vectors() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    name = None
    for line in VECTORS.read_text(encoding="utf-8").splitlines():
        if line.startswith("# name="):
            name = line.split("=", 1)[1].split(":", 1)[0]
        elif line.startswith("##"):
            assert name
            out[name] = line.encode("utf-8") + b"\r\n"
    return out


MN = "010000A8900016F000169DC0"
QN = "20160801085857223"
T0 = datetime(2016, 8, 1, 8, 58, 57)


def _built() -> dict[str, bytes]:
    upload = decode(_by_line(b"QN=20210409112111947")).packet
    notif = decode(encode.frame(
        "QN=20210407112025761;ST=21;CN=1013;PW=123456;MN=DXCBZ000000005;Flag=5;CP=&&&&")).packet
    v2025 = decode(encode.frame(
        "QN=20260701102318561;ST=31;CN=2011;PW=123456;MN=4101025U122041;Flag=9;"
        "CP=&&DataTime=20260701102300;a34004-Rtd=7.0,a34004-Flag=N&&")).packet
    kw = {"mn": MN, "pw": "123456", "qn": QN, "st": "32", "dialect": "2017"}
    req = decode(encode.set_time(T0, **kw)).packet
    assert upload and notif and v2025 and req
    return {
        "9014-2017": encode.reply_for(upload),
        "9013-2017": encode.reply_for(notif),
        "9014-2025": encode.reply_for(v2025),
        "1000": encode.set_timeouts(over_time=5, re_count=3, **kw),
        "1012": encode.set_time(T0, **kw),
        "2061": encode.request_history("2061", datetime(2016, 8, 1, 8), datetime(2016, 8, 1, 8),
                                       **kw),
        "9011": encode.request_answer(req, 1),
        "9012": encode.execution_result(req, 1),
        "3020-utf8": encode.command("3020", params=[
            ("DataTime", "20160801085857"), ("PolId", "w01018"),
            ("i11001-Info", "//清洗管路//")], **kw),
    }


def test_replies_and_commands_are_byte_exact() -> None:
    expected = _vectors()
    built = _built()
    assert set(expected) == set(built)
    for name, raw in expected.items():
        assert built[name] == raw, name


def test_utf8_info_length_counts_bytes_and_info_is_opaque() -> None:
    raw = _vectors()["3020-utf8"]
    d = decode(raw)
    assert d.ok and d.packet.declared_length == 152
    assert d.packet.factors["i11001"].fields["Info"] == "//清洗管路//"


def test_reply_2005_device_puts_qn_and_cn_in_cp() -> None:
    p = decode(encode.frame("QN=20170516010101001;ST=32;CN=2011;PW=123456;MN=88888880000001;"
                            "Flag=1;CP=&&DataTime=20170516010000;011-Rtd=12.5&&")).packet
    assert p and p.dialect == "2005"
    assert encode.reply_for(p) == encode.frame(
        "ST=91;CN=9014;PW=123456;MN=88888880000001;Flag=0;CP=&&QN=20170516010101001;CN=2011&&")


@pytest.mark.parametrize("raw,code", [
    (b"no header at all\r\n", "no-header"),
    (b"##01x0QN=1;CP=&&&&ABCD\r\n", "bad-length-field"),
    (b"##0010QN=1\r\n", "truncated"),
    (encode.frame("QN=20160801085857223;ST=32;PW=1;MN=X;Flag=5;CP=&&&&"), "missing-cn"),
    (encode.frame("QN=20160801085857223;ST=32;CN=20;PW=1;MN=X;Flag=5;CP=&&&&"), "bad-cn"),
    (encode.frame("QN=20160801085857223;ST=32;CN=2011;PW=1;Flag=5;CP=&&&&"), "missing-mn"),
    (encode.frame("QN=2016080108585A223;ST=32;CN=2011;PW=1;MN=X;Flag=5;CP=&&&&"), "bad-qn"),
    (encode.frame("QN=20160801085857223;ST=32;CN=2011;PW=1;MN=X;Flag=x;CP=&&&&"), "bad-flag"),
    (encode.frame("QN=20160801085857223;ST=32;CN=2011;PW=1;MN=X;Flag=13;CP=&&&&"),
     "unknown-version"),
    (encode.frame("QN=20160801085857223;ST=32;CN=2011;PW=1;MN=X;Flag=7;PNUM=2;PNO=3;CP=&&&&"),
     "bad-split"),
])
def test_rejections_have_specific_reasons(raw: bytes, code: str) -> None:
    d = decode(raw)
    assert d.rejection is not None and d.rejection.code == code
    assert d.rejection.zh and d.rejection.en


def test_tolerated_deviations() -> None:
    seg = "QN=20180507000558;ST=39;CN=2011;PW=123456;FLAG=5;,MN=AB12;CP=&&DataTime=20180507000558;" \
          "a34004-Flag=N,a34004-Rtd=23;LA-Rtd-Rtd=1;bare;a21026-Rtd=;&&"
    raw = encode.frame(seg)
    lower = raw[:-6] + raw[-6:-2].lower() + b"\n"  # lower-case CRC, LF only
    d = decode(lower)
    assert d.ok, d.rejection
    p = d.packet
    assert p.flag == 5 and p.mn == "AB12" and p.qn == "20180507000558"
    assert p.factors["a34004"].number("Rtd") == 23.0
    assert p.factors["LA"].fields == {"Rtd-Rtd": "1"}
    assert p.factors["a21026"].number("Rtd") is None
    codes = {w.code for w in p.warnings}
    assert {"crc-lowercase", "trailer", "qn-length", "header-case", "cp-item"} <= codes


def test_wrong_length_field_accepted_only_when_crc_verifies() -> None:
    good = encode.frame("QN=20250131202809340;ST=39;CN=2051;PW=123456;MN=0507A010003242;Flag=4;"
                        "CP=&&DataTime=20250131202809;a34001-Avg=92&&")
    wrong = good[:2] + b"%04d" % (int(good[2:6]) + 6) + good[6:]
    d = decode(wrong)
    assert d.ok and not d.packet.length_ok
    assert any(w.code == "length-mismatch" for w in d.packet.warnings)
    corrupted = wrong[:30] + b"9" + wrong[31:]
    assert decode(corrupted).rejection is not None


def test_packet_file_reader_skips_comments_and_blank_lines() -> None:
    data = b"# comment\n\n##0010abc\r\n  \n#another\n##0011def\n"
    assert [n for n, _ in iter_packet_lines(data)] == [3, 6]
