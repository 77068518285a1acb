"""HJ 212-2025 data-area encryption against the standard's own examples (Appendix A.1, A.2) and
the SM4 standard's test vector; round trips with hypothesis; recognition of every wire form."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoplan.devices import crypto
from ecoplan.devices.codec import decode
from ecoplan.devices.crc import crc_hj212
from ecoplan.devices.framer import Framer

VECTORS = json.loads((Path(__file__).parents[1] / "data" / "hj212" /
                      "hj212_2025_appendix_a.json").read_text(encoding="utf-8"))


def test_appendix_a1_crc_example() -> None:
    v = VECTORS["a1_crc"]
    raw = v["packet"].encode()
    assert int(raw[2:6]) == len(raw[6:-4]) == 87
    assert f"{crc_hj212(raw[6:-4]):04X}" == v["crc"] == "2200"
    d = decode(raw + b"\r\n")
    assert d.ok and d.packet is not None and d.packet.version == 2 and d.packet.flag == 9


def test_sm4_gbt32907_block_vector() -> None:
    v = VECTORS["gbt32907_sm4"]
    key, plain = bytes.fromhex(v["key_hex"]), bytes.fromhex(v["plaintext_hex"])
    assert crypto.sm4_ecb_encrypt(key, plain).hex().upper() == v["ciphertext_hex"]
    assert crypto.sm4_ecb_decrypt(key, bytes.fromhex(v["ciphertext_hex"])) == plain


@pytest.mark.parametrize("name", ["a2_no_tail", "a2_with_tail"])
def test_appendix_a2_sm4_example_reproduced_exactly(name: str) -> None:
    v = VECTORS[name]
    key = bytes.fromhex(v["key_hex"])
    assert key == b"0" * 16  # 密钥使用16个0x30
    plain = v["plaintext_packet"].encode()
    segment = plain[6:-4]
    # the CRC of the example is the CRC of the plaintext segment
    assert f"{crc_hj212(segment):04X}" == plain[-4:].decode()
    sent, crc = crypto.encrypt_segment(key, segment, "hex-braces")
    printed = crypto.encrypt_packet(key, segment, "hex-braces")
    assert printed == v["encrypted_packet_as_printed"].encode() + b"\r\n"
    assert f"{crc:04X}" == plain[-4:].decode() and int(printed[2:6]) == len(segment)
    raw_form = crypto.encrypt_packet(key, segment, "raw")
    cipher = bytes.fromhex(v["ciphertext_hex"])
    assert cipher in raw_form and len(raw_form) == len(plain) + 2  # same length as the plaintext
    tail = v.get("plain_tail", "").encode()
    assert raw_form.endswith(tail + b"&&" + plain[-4:] + b"\r\n")
    for form in (printed, raw_form, crypto.encrypt_packet(key, segment, "hex")):
        sealed = crypto.unseal(form)
        assert sealed is not None and sealed.cipher == cipher and sealed.tail == tail
        assert crypto.open_sealed(sealed, key) == plain + b"\r\n"
        assert crypto.open_sealed(sealed, b"1" * 16) is None  # a wrong key never "opens"


def test_plain_packets_are_not_taken_for_ciphertext() -> None:
    for name in ("a2_no_tail", "a2_with_tail"):
        assert crypto.unseal(VECTORS[name]["plaintext_packet"].encode() + b"\r\n") is None
    assert crypto.unseal(VECTORS["a1_crc"]["packet"].encode() + b"\r\n") is None


def test_framer_cuts_both_wire_forms() -> None:
    v = VECTORS["a2_with_tail"]
    key = bytes.fromhex(v["key_hex"])
    segment = v["plaintext_packet"].encode()[6:-4]
    raw_form = crypto.encrypt_packet(key, segment, "raw")
    printed = crypto.encrypt_packet(key, segment, "hex-braces")
    f = Framer()
    out = f.feed(raw_form + printed + raw_form)
    assert out == [raw_form, printed, raw_form]


def test_encrypted_cns() -> None:
    assert crypto.encrypted_cn("2011") and crypto.encrypted_cn("2061") and crypto.encrypted_cn("2013")
    assert crypto.encrypted_cn("1014") and crypto.encrypted_cn("3020")
    assert not crypto.encrypted_cn("9014") and not crypto.encrypted_cn("9015")
    assert not crypto.encrypted_cn("1012") and not crypto.encrypted_cn(None)


_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x9FFF,
                              blacklist_characters="&;,=\r\n"), max_size=300)


@settings(max_examples=150, deadline=None)
@given(key=st.binary(min_size=16, max_size=16), value=_TEXT,
       fmt=st.sampled_from(crypto.WIRE_FORMATS))
def test_round_trip(key: bytes, value: str, fmt: str) -> None:
    segment = (f"QN=20260701102318561;ST=31;CN=2061;PW=123456;MN=010000A8900016F000169DC0;"
               f"Flag=9;CP=&&DataTime=20260701100000;i11001-Info=//{value}//&&").encode()
    packet = crypto.encrypt_packet(key, segment, fmt)
    assert int(packet[2:6]) == len(segment)
    sealed = crypto.unseal(packet)
    assert sealed is not None
    opened = crypto.open_sealed(sealed, key)
    assert opened == b"##%04d%s%04X\r\n" % (len(segment), segment, crc_hj212(segment))
    d = decode(opened)
    assert d.ok and d.packet is not None and d.packet.params["DataTime"] == "20260701100000"


def test_bad_keys_refused() -> None:
    with pytest.raises(crypto.Hj212CryptoError):
        crypto.sm4_ecb_encrypt(b"short", b"0" * 16)
    with pytest.raises(crypto.Hj212CryptoError):
        crypto.wire(b"0" * 16, "base64")
