"""The optional C accelerator (``_accel.c``) gives exactly what the pure-Python reference gives.

Differential: the appendix-A and MODBUS CRCs on random data; ``decode`` on every real packet of
``packets.txt``, on the simulator's uploads, on the fuzz strategies of ``test_fuzz.py`` (random
bytes, mutated real packets, any CP text) and on header variations — identical ``Decoded``
results (packet, every field, warnings, rejection code and wording); the framer's one-packet test
on the same inputs. The switch ``ECOPLAN_HJ212_ACCEL=0`` and the reported implementation are
checked in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecoplan.devices import codec, crc, encode, framer
from ecoplan.devices import simulator as sim
from ecoplan.devices.codec import Decoded, decode
from ecoplan.devices.crc import VARIANTS
from tests.devices.conftest import ORACLE
from tests.devices.test_fuzz import REAL, mutated

if os.environ.get("CI"):  # CI installs gcc (.ci/run): the C path must be built and compared there
    import ecoplan.devices._accel as _accel
else:
    _accel = pytest.importorskip(
        "ecoplan.devices._accel",
        reason="C accelerator not built (make install builds it; see hatch_build.py)")

FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
POLICIES: tuple[tuple[str, ...], ...] = (("hj212",), VARIANTS, ("modbus",))


@contextmanager
def implementation(use_c: bool) -> Iterator[None]:
    """Switch every accelerated entry point to the C or the pure-Python implementation."""
    saved = (crc.crc_hj212, crc.crc_modbus, encode.crc_hj212, codec._decode_clean,
             framer.clean_frame)
    crc.crc_hj212 = _accel.crc_hj212 if use_c else crc.crc_hj212_py
    crc.crc_modbus = _accel.crc_modbus if use_c else crc.crc_modbus_py
    encode.crc_hj212 = crc.crc_hj212
    codec._decode_clean = _accel.decode_clean if use_c else None
    framer.clean_frame = _accel.is_clean_frame if use_c else framer.is_clean_frame
    try:
        yield
    finally:
        (crc.crc_hj212, crc.crc_modbus, encode.crc_hj212, codec._decode_clean,
         framer.clean_frame) = saved


def _both(raw: bytes, policy: tuple[str, ...] = ("hj212",),
          max_segment: int = codec.MAX_SEGMENT) -> tuple[Decoded, Decoded]:
    with implementation(False):
        py = decode(raw, crc_policy=policy, max_segment=max_segment)
    with implementation(True):
        c = decode(raw, crc_policy=policy, max_segment=max_segment)
    return py, c


def _same(raw: bytes) -> None:
    for policy in POLICIES:
        py, c = _both(raw, policy)
        assert c == py, raw
        if py.rejection is not None:
            assert c.rejection is not None and c.rejection.as_dict() == py.rejection.as_dict()
        if py.ok:
            with implementation(False):
                reply_py = encode.reply_for(py.packet)  # type: ignore[arg-type]
            with implementation(True):
                reply_c = encode.reply_for(c.packet)  # type: ignore[arg-type]
            assert reply_c == reply_py
    assert _accel.is_clean_frame(raw, codec.MAX_SEGMENT) == framer.is_clean_frame(
        raw, codec.MAX_SEGMENT)


@FUZZ
@given(st.binary(max_size=700))
def test_crcs_equal_the_reference(data: bytes) -> None:
    assert _accel.crc_hj212(data) == crc.crc_hj212_py(data)
    assert _accel.crc_modbus(data) == crc.crc_modbus_py(data)
    assert _accel.crc_hj212(bytearray(data)) == crc.crc_hj212_py(data)
    assert _accel.crc_modbus(memoryview(data)) == crc.crc_modbus_py(data)


def test_crc_check_values() -> None:
    assert _accel.crc_modbus(b"123456789") == 0x4B37  # CRC-16/MODBUS check value
    assert _accel.crc_hj212(b"") == 0xFFFF
    with pytest.raises(TypeError):
        _accel.crc_hj212("text")


def test_every_real_packet_decodes_identically() -> None:
    clean = 0
    for o in ORACLE:
        _same(o.raw)
        with implementation(True):
            clean += _accel.decode_clean(o.raw, codec.MAX_SEGMENT, codec.Factor) is not None
    # both paths are exercised: the C decoder takes the clean packets, Python the rest
    assert 0 < clean < len(ORACLE)


def test_simulated_uploads_take_the_c_path_and_decode_identically() -> None:
    series = sim.hourly_source(stations=3, hours=6)
    for d in sim.make_devices(series, 3):
        for raw, expected in d.uploads():
            _same(raw)
            assert _accel.decode_clean(raw, codec.MAX_SEGMENT, codec.Factor) is not None
            with implementation(True):
                assert encode.reply_for(decode(raw).packet) == expected  # type: ignore[arg-type]


def test_limits_and_odd_inputs() -> None:
    good = REAL[0]
    for max_segment in (0, 10, 100, 9999):
        py, c = _both(good, ("hj212",), max_segment)
        assert c == py
    assert _accel.decode_clean(bytearray(good), 9999, codec.Factor) is None  # bytes only
    with implementation(True):
        assert decode(bytearray(good)) == decode(good)
        assert decode("not bytes") == decode(b"not bytes")  # type: ignore[arg-type]


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes_identical(raw: bytes) -> None:
    _same(raw)
    _same(b"##" + raw)


@FUZZ
@given(mutated())
def test_mutated_real_packets_identical(raw: bytes) -> None:
    _same(raw)


@FUZZ
@given(st.text(alphabet=st.sampled_from(list("abw0123456789-=;,.&/NDFQ \t\x1c\x0b中")),
               max_size=200))
def test_any_cp_text_identical(cp: str) -> None:
    _same(encode.frame(f"QN=20261128120000001;ST=22;CN=2011;PW=123456;MN=AB12;Flag=5;"
                       f"CP=&&{cp}&&"))


_CP_KEYS = ["DataTime", "a34004-Avg", "a34004-Flag", "a34004-Rtd", "a21026-Avg", "a-Rtd", "-Rtd",
            "a34004-", "b", "", " a34004-Avg", "a34004-Avg\t", "PolId"]
_CP_VALUES = ["20190101000000", "12.5", "", "N", "D", "1\x1c", "\x0b1", " 7", "7 ", "a\tb",
              "//info//", "x//y", "=", "-3", "1e5", "中"]


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(_CP_KEYS), st.sampled_from(_CP_VALUES),
                          st.sampled_from([";", ",", ";;", ", "])), max_size=12))
def test_structured_cp_identical(items: list[tuple[str, str, str]]) -> None:
    cp = "".join(f"{k}={v}{sep}" for k, v, sep in items)[:-1] if items else ""
    _same(encode.frame(f"QN=20261128120000001;ST=22;CN=2061;PW=123456;MN=AB12;Flag=5;"
                       f"CP=&&{cp}&&"))


_HEADER_ITEMS = ["QN=20261128120000001", "QN=2026112812000000", "qn=1", "ST=22", "ST=",
                 "CN=2011", "CN=9021", "CN=20x1", "PW=123456", "MN=AB12",
                 "MN=5A0000000000000000000000", "Flag=5", "Flag=4", "Flag=7", "Flag=300",
                 "Flag=x", "FLAG=5", "PNUM=2", "PNO=1", "PNO=3", "Foo=1", "", " ST=22",
                 ",PW=1", "QN", "MN=A B", "CN=2011;CN=2061", "Flag=5\t"]


@FUZZ
@given(st.lists(st.sampled_from(_HEADER_ITEMS), max_size=10),
       st.sampled_from(["CP=&&DataTime=20190101000000;a34004-Avg=12,a34004-Flag=N&&",
                        "CP=&&&&", "CP=&&a=1&&x", "cp=&&a=1&&", "CP=&&DataTime=20190101250000&&",
                        "CP=&&DataTime=20190101000000123&&", "CP=&&a=1&&  ", ""]),
       st.sampled_from(["", "\r\n", "\n", "  \r\n"]), st.booleans())
def test_header_variations_identical(items: list[str], cp: str, trailer: str,
                                     lower_crc: bool) -> None:
    seg = ";".join([*items, cp]).encode()
    raw = b"##%04d%s%04X" % (len(seg), seg, crc.crc_hj212_py(seg))
    if lower_crc:
        raw = raw[:-4] + raw[-4:].lower()
    _same(raw + trailer.encode())


def _interpreter(env_value: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != crc.ACCEL_ENV}
    if env_value is not None:
        env[crc.ACCEL_ENV] = env_value
    code = ("import json; from ecoplan.devices import codec, crc;"
            "print(json.dumps({**crc.implementation(),"
            " 'clean': codec._decode_clean is not None}))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout)


def test_environment_switch_forces_pure_python() -> None:
    on = _interpreter(None)
    assert on["implementation"] == "c" and on["clean"] is True
    off = _interpreter("0")
    assert off["implementation"] == "python" and off["clean"] is False
    assert "ECOPLAN_HJ212_ACCEL=0" in off["reason"]


def test_check_command_reports_the_implementation(tmp_path: Path) -> None:
    packets = tmp_path / "p.txt"
    packets.write_bytes(REAL[0])
    exe = Path(sys.executable).with_name("ecoplan")
    for value, expected in ((None, "c"), ("0", "python")):
        env = {k: v for k, v in os.environ.items() if k != crc.ACCEL_ENV}
        if value is not None:
            env[crc.ACCEL_ENV] = value
        out = subprocess.run([str(exe), "hj212", "check", str(packets), "--json"], env=env,
                             capture_output=True, text=True, check=True)
        data = json.loads(out.stdout)
        assert data["codec"]["implementation"] == expected
        assert len(data["packets"]) == 1


PURE_SUITE = ["test_codec.py", "test_framer.py", "test_fuzz.py", "test_fastpath.py",
              "test_gateway.py"]


@pytest.mark.slow
def test_codec_and_gateway_suites_pass_in_pure_python() -> None:
    """CI runs the pure-Python path too: the codec, framer, fuzz, fast-path and gateway tests
    again in a fresh interpreter with ``ECOPLAN_HJ212_ACCEL=0`` (the reference must stay
    correct on its own, not only as the accelerator's oracle)."""
    here = Path(__file__).resolve().parent
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ECOPLAN_", "PYTEST_XDIST", "PYTEST_CURRENT"))}
    env[crc.ACCEL_ENV] = "0"
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         *(str(here / f) for f in PURE_SUITE)],
        cwd=here.parent.parent, env=env, capture_output=True, text=True, timeout=900,
        check=False)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert " passed" in out.stdout and "failed" not in out.stdout
