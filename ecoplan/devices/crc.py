"""CRC of HJ 212 packets: the appendix-A algorithm and the two MODBUS variants seen in the field.

HJ 212-2017 appendix A ("ANSI CRC16"): register 0xFFFF; per byte ``reg = (reg >> 8) ^ b`` then
eight shift/xor rounds with 0xA001. This is *not* CRC-16/MODBUS (``reg ^= b``). Because only
``reg >> 8`` survives from one byte to the next, the state between bytes is 8 bits, which is what
makes the table form below short.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, Literal

CrcVariant = Literal["hj212", "modbus", "modbus-swapped", "none"]
VARIANTS: tuple[str, ...] = ("hj212", "modbus", "modbus-swapped")


def _round8(x: int) -> int:
    for _ in range(8):
        lsb = x & 1
        x >>= 1
        if lsb:
            x ^= 0xA001
    return x


_T: tuple[int, ...] = tuple(_round8(x) for x in range(256))
# HJ 212: the next 8-bit state is the high byte of T[state ^ b].
_H: tuple[int, ...] = tuple(t >> 8 for t in _T)
_LITTLE = sys.byteorder == "little"
# MODBUS (reflected 0xA001): reg = (reg >> 8) ^ T[(reg ^ b) & 0xFF].


_H2: tuple[int, ...] = ()


def _pair_table() -> tuple[int, ...]:
    """Two bytes per step: index ``s ^ (b0 | b1 << 8)`` (the 8-bit state only touches b0)."""
    global _H2
    if not _H2:
        h = _H
        _H2 = tuple(h[h[w & 0xFF] ^ (w >> 8)] for w in range(65536))
    return _H2


def crc_hj212_py(data: bytes) -> int:
    """HJ 212-2017 appendix A CRC of ``data`` (pure Python, the reference implementation)."""
    n = len(data)
    if not n:
        return 0xFFFF
    s = 0xFF  # 0xFFFF >> 8
    body = n - 1  # every byte but the last feeds the 8-bit state
    if body >= 32 and _LITTLE:
        h2 = _H2 or _pair_table()
        even = body & ~1
        for w in memoryview(data)[:even].cast("H"):  # little-endian: w = b0 | b1 << 8
            s = h2[s ^ w]
        start = even
    else:
        start = 0
    h = _H
    for b in data[start:body]:
        s = h[s ^ b]
    return _T[s ^ data[-1]]


def crc_modbus_py(data: bytes) -> int:
    """CRC-16/MODBUS of ``data`` (pure Python, the reference implementation)."""
    reg = 0xFFFF
    t = _T
    for b in data:
        reg = (reg >> 8) ^ t[(reg ^ b) & 0xFF]
    return reg


# ------------------------------------------------------------------ optional C accelerator
ACCEL_ENV = "ECOPLAN_HJ212_ACCEL"
_OFF = ("0", "false", "no", "off", "python")


def _load_accel() -> tuple[ModuleType | None, str]:
    """The compiled ``_accel`` module (built by ``hatch_build.py`` at install time), unless
    ``ECOPLAN_HJ212_ACCEL=0`` or it is not built; and why."""
    if os.environ.get(ACCEL_ENV, "").strip().lower() in _OFF:
        return None, f"{ACCEL_ENV}={os.environ[ACCEL_ENV]}"
    try:
        # deferred: the optional compiled accelerator, probed at run time (may be absent)
        from ecoplan.devices import _accel  # type: ignore[attr-defined]
    except ImportError as exc:
        return None, f"not built ({exc})"
    return _accel, "compiled extension loaded"


ACCEL, _ACCEL_REASON = _load_accel()


def implementation() -> dict[str, Any]:
    """Which HJ 212 codec implementation is active: ``c`` (the accelerator) or ``python``."""
    return {"implementation": "c" if ACCEL is not None else "python", "reason": _ACCEL_REASON,
            "module": getattr(ACCEL, "__file__", None)}


# The CRCs the codec uses: the C ones when the accelerator is active (same results, checked by
# tests/devices/test_accel.py), the pure-Python reference otherwise.
crc_hj212: Callable[[bytes], int] = ACCEL.crc_hj212 if ACCEL is not None else crc_hj212_py
crc_modbus: Callable[[bytes], int] = ACCEL.crc_modbus if ACCEL is not None else crc_modbus_py


def crc_hex(data: bytes) -> str:
    """The appendix-A CRC as the four upper-case hex digits a packet carries."""
    return f"{crc_hj212(data):04X}"


def crc_variant(data: bytes, sent: str) -> CrcVariant:
    """Which CRC family the four hex digits ``sent`` match for ``data`` (case-insensitive)."""
    try:
        value = int(sent, 16)
    except ValueError:
        return "none"
    if len(sent) != 4:
        return "none"
    if crc_hj212(data) == value:
        return "hj212"
    mb = crc_modbus(data)
    if mb == value:
        return "modbus"
    if ((mb & 0xFF) << 8 | mb >> 8) == value:
        return "modbus-swapped"
    return "none"
