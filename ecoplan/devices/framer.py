"""Stream framing: cut a TCP byte stream into HJ 212 packets (§2 of the reference).

Packets are framed by ``##`` + the 4-digit length; several packets in one segment and one packet
split over several segments are both normal. When the length field is broken the packet is cut
at its line end (or at the next ``##``) and left to :func:`~.codec.decode`, which accepts it only
if the CRC over the actual bytes verifies. Garbage between packets is skipped (resync on ``##``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ecoplan.devices.codec import MAX_SEGMENT
from ecoplan.devices.crc import ACCEL, crc_variant

_HEX = frozenset(b"0123456789abcdefABCDEF")
_WS = b" \t\r\n"


@dataclass(frozen=True, slots=True)
class Discarded:
    """Bytes thrown away while resynchronising, and why."""

    reason: str
    size: int


_HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")


def _hex4(b: bytes | bytearray) -> bool:
    return _HEX4.fullmatch(b) is not None


def is_clean_frame(data: bytes, max_segment: int) -> bool:
    """``data`` is exactly one whole packet: ``##``, a length field that fits, a 4-hex-digit
    CRC and CRLF (the reference of the accelerator's ``is_clean_frame``)."""
    n = len(data)
    if n >= 12 and data[:2] == b"##" and data[-2:] == b"\r\n":
        lf = data[2:6]
        return lf.isdigit() and int(lf) + 12 == n and int(lf) <= max_segment \
            and _hex4(data[n - 6:n - 2])
    return False


# The one-whole-packet test the framer and the gateway use: C when the accelerator is active.
clean_frame = ACCEL.is_clean_frame if ACCEL is not None else is_clean_frame


class Framer:
    """Per-connection reassembly buffer. ``feed`` returns whole packets (and discard notes)."""

    __slots__ = ("buf", "max_segment", "discarded_bytes")

    def __init__(self, max_segment: int = MAX_SEGMENT) -> None:
        self.buf = bytearray()
        self.max_segment = max_segment
        self.discarded_bytes = 0

    @property
    def pending(self) -> int:
        return len(self.buf)

    def feed(self, data: bytes) -> list[bytes | Discarded]:
        if not self.buf and clean_frame(data, self.max_segment):
            return [bytes(data)]  # the common case: exactly one whole packet
        buf = self.buf
        buf += data
        out: list[bytes | Discarded] = []
        while buf:
            start = buf.find(b"##")
            if start < 0:
                keep = 1 if buf[-1:] == b"#" else 0
                self._drop(out, len(buf) - keep, "garbage")
                break
            if start:
                self._drop(out, start, "garbage")
            if len(buf) < 6:
                break
            lf = buf[2:6]
            if not lf.isdigit():
                self._drop(out, 2, "bad-length-field")
                continue
            length = int(lf)
            if length > self.max_segment:
                end = self._terminator(6)
                self._drop(out, end if end > 0 else 2, "too-long")
                continue
            need = 6 + length + 4
            if len(buf) >= need:
                nxt = buf[need:need + 1]
                if _hex4(buf[6 + length:need]) and nxt in (b"", b"\r", b"\n", b"#", b" "):
                    end = need
                    if buf[end:end + 2] == b"\r\n":
                        end += 2
                    elif nxt == b"\n":
                        end += 1
                    out.append(bytes(buf[:end]))
                    del buf[:end]
                    continue
                # Declared length does not land on the CRC: cut at the line end / next header.
                end = self._terminator(6)
                if end < 0:
                    if len(buf) > 6 + self.max_segment + 8:
                        self._drop(out, len(buf), "unterminated")
                    break
                out.append(bytes(buf[:end]))
                del buf[:end]
                continue
            # Not enough bytes for the declared length: a shorter packet with a too-large length
            # field is cut early only when its CRC verifies over the bytes up to the line end.
            end = self._terminator(6)
            if end > 0 and self._crc_ok(bytes(buf[:end])):
                out.append(bytes(buf[:end]))
                del buf[:end]
                continue
            break
        return out

    def _terminator(self, frm: int) -> int:
        """Index just past the end of the packet starting at 0 (line end or next ``##``)."""
        buf = self.buf
        nl = buf.find(b"\n", frm)
        hdr = buf.find(b"##", frm)
        if nl >= 0 and (hdr < 0 or nl < hdr):
            return nl + 1
        return hdr

    @staticmethod
    def _crc_ok(candidate: bytes) -> bool:
        body = candidate.rstrip(_WS)
        if len(body) < 10 or not _hex4(body[-4:]):
            return False
        return crc_variant(body[6:-4], body[-4:].decode("ascii")) != "none"

    def _drop(self, out: list[bytes | Discarded], n: int, reason: str) -> None:
        if n <= 0:
            return
        chunk = bytes(self.buf[:n])
        del self.buf[:n]
        if chunk.strip(_WS):
            self.discarded_bytes += n
            out.append(Discarded(reason, n))
