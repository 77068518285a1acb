"""HJ 212-2025 data-area encryption: SM4-ECB over the text between ``CP=&&`` and ``&&``.

What the standard says (reference/hj212.md §16, reproduced from its Appendix A.2 in
``tests/data/hj212/hj212_2025_appendix_a.json``):

* §6.4.2: SM4 (GB/T 32907-2016), ECB mode, 128-bit key, **no padding**; only the data area between
  ``CP=&&`` and its closing ``&&`` is encrypted, in 16-byte blocks from its start; a tail shorter
  than 16 bytes stays plain text;
* Appendix A.2: the CRC is computed over the **plaintext** data segment first, and the length
  field keeps the plaintext length (the example keeps ``##0295`` and CRC ``2200`` of the plain
  packet);
* §6.4.4: encrypted are the uploads and requests of CN 2000–2999, 1014 (key exchange) and 3020.

Wire representation of the ciphertext (:data:`WIRE_FORMATS`): the standard prints its example as
``{0xE4,0x3E,…}``; with the length field unchanged this is consistent with the ciphertext
travelling as raw bytes (same length as the plaintext), which is our default ``raw``. A vendor
that sends the printed form is configured per device as the field deviation ``hex-braces``
(``hex`` = bare upper-case hex, seen in one implementation). On receive every form is recognised
by its shape, so a misconfigured device still decodes; the per-device setting chooses what the
platform sends.

The cipher itself is OpenSSL's, through the ``cryptography`` package — no hand-written SM4.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ecoplan.devices.crc import crc_hj212
from ecoplan.errors import EcoplanError

BLOCK = 16
KEY_BYTES = 16
WIRE_FORMATS = ("raw", "hex-braces", "hex")
_CP_OPEN = b"CP=&&"


class Hj212CryptoError(EcoplanError):
    """A data area cannot be encrypted or decrypted (bad key, malformed ciphertext)."""


def encrypted_cn(cn: str | None) -> bool:
    """Whether §6.4.4 puts packets of ``cn`` under encryption: CN 2000–2999, 1014 and 3020."""
    if not cn or len(cn) != 4 or not cn.isdigit():
        return False
    return cn.startswith("2") or cn in ("1014", "3020")


def _check_key(key: bytes) -> None:
    if len(key) != KEY_BYTES:
        raise Hj212CryptoError(f"SM4 密钥应为 {KEY_BYTES} 字节，实际 {len(key)} 字节",
                               f"an SM4 key has {KEY_BYTES} bytes, not {len(key)}")


_CONTEXTS: dict[tuple[bytes, bool], Any] = {}


def _context(key: bytes, encrypt: bool) -> Any:
    """An OpenSSL SM4-ECB context per key and direction, kept: ECB without padding carries no
    state from one call to the next, so a context is reused instead of rebuilt per packet."""
    ctx = _CONTEXTS.get((key, encrypt))
    if ctx is None:
        _check_key(key)
        if len(_CONTEXTS) >= 8192:
            _CONTEXTS.clear()
        cipher = Cipher(algorithms.SM4(key), modes.ECB())
        ctx = _CONTEXTS[(key, encrypt)] = cipher.encryptor() if encrypt else cipher.decryptor()
    return ctx


def _blocks(data: bytes) -> None:
    if len(data) % BLOCK:
        raise Hj212CryptoError(f"SM4-ECB 无填充：数据长度 {len(data)} 不是 16 的倍数",
                               f"SM4-ECB without padding: {len(data)} bytes is not a multiple "
                               "of 16")


def sm4_ecb_encrypt(key: bytes, data: bytes) -> bytes:
    """SM4-ECB without padding (``len(data)`` a multiple of 16)."""
    _check_key(key)
    _blocks(data)
    return bytes(_context(key, True).update(data))


def sm4_ecb_decrypt(key: bytes, data: bytes) -> bytes:
    """Inverse of :func:`sm4_ecb_encrypt`."""
    _check_key(key)
    _blocks(data)
    return bytes(_context(key, False).update(data))


def encrypt_area(key: bytes, area: bytes) -> tuple[bytes, bytes]:
    """The whole 16-byte blocks of ``area`` encrypted, and the plain tail (< 16 bytes)."""
    whole = len(area) - len(area) % BLOCK
    return (sm4_ecb_encrypt(key, area[:whole]) if whole else b""), area[whole:]


def wire(cipher: bytes, fmt: str) -> bytes:
    """The ciphertext as it travels: raw bytes, ``{0xE4,0x3E,…}`` or bare hex."""
    if not cipher:
        return b""
    if fmt == "raw":
        return cipher
    if fmt == "hex-braces":
        return b"{" + b",".join(b"0x%02X" % b for b in cipher) + b"}"
    if fmt == "hex":
        return cipher.hex().upper().encode("ascii")
    raise Hj212CryptoError(f"未知的密文格式：{fmt}（可选 {'、'.join(WIRE_FORMATS)}）",
                           f"unknown ciphertext format {fmt} (one of {', '.join(WIRE_FORMATS)})")


def encrypt_segment(key: bytes, segment: bytes, fmt: str = "raw") -> tuple[bytes, int]:
    """Encrypt the data area of a plaintext data segment; returns the transmitted segment and the
    CRC of the **plaintext** segment (Appendix A.2)."""
    crc = crc_hj212(segment)
    at = segment.find(_CP_OPEN)
    if at < 0 or not segment.endswith(b"&&"):
        raise Hj212CryptoError("数据段没有 CP=&&…&& 数据区", "the data segment has no CP=&&…&& area")
    start = at + len(_CP_OPEN)
    area = segment[start:-2]
    cipher, tail = encrypt_area(key, area)
    return segment[:start] + wire(cipher, fmt) + tail + b"&&", crc


def encrypt_packet(key: bytes, segment: bytes | str, fmt: str = "raw") -> bytes:
    """A whole encrypted packet: ``##`` + plaintext length + transmitted segment + plaintext CRC."""
    plain = segment.encode("utf-8") if isinstance(segment, str) else bytes(segment)
    sent, crc = encrypt_segment(key, plain, fmt)
    return b"##%04d%s%04X\r\n" % (len(plain), sent, crc)


_BRACES = re.compile(rb"\{((?:0[xX][0-9A-Fa-f]{2},)*0[xX][0-9A-Fa-f]{2})\}")
_HEXRUN = re.compile(rb"(?:[0-9A-F]{32})+")
_HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")
_HEX_FIRST = frozenset(bytes([c]) for c in b"0123456789ABCDEF")
_KEY_START = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,39}=")  # a CP area starts with ``Name=``


@dataclass(frozen=True, slots=True)
class Sealed:
    """An encrypted packet as received: header part, ciphertext, plain tail, sent CRC."""

    head: bytes          # the data segment up to and including ``CP=&&``
    cipher: bytes
    tail: bytes          # the plain remainder (< 16 bytes) before the closing ``&&``
    crc_sent: str
    fmt: str
    declared_length: int


def _plain_looking(area: bytes) -> bool:
    """A plaintext data area: empty, or text with ``key=value`` items and no control bytes."""
    if not area:
        return True
    try:
        text = area.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = area.decode("gbk")
        except UnicodeDecodeError:
            return False
    if _KEY_START.match(text) is None:
        return False
    return all(c.isprintable() for c in text)


def _decodes(area: bytes) -> bool:
    """Decrypted text: empty, or UTF-8/GBK with a ``key=value`` item (with the CRC, a wrong key
    passes by chance far less than once in 10⁹)."""
    if not area:
        return True
    for enc in ("utf-8", "gbk"):
        try:
            return "=" in area.decode(enc)
        except UnicodeDecodeError:
            continue
    return False


def unseal(raw: bytes, *, force: bool = False) -> Sealed | None:
    """The parts of a packet whose data area looks encrypted (None: it looks plain or is not a
    recognisable packet). Recognises raw ciphertext (framed by the length field, which is the
    plaintext length), ``{0x..}`` and bare hex. ``force``: take a data area that looks like text
    as raw ciphertext anyway (one block of ciphertext can look like GBK text by chance; the
    caller does this when the packet's CRC does not verify as plain text)."""
    if raw[:2] != b"##" or not raw[2:6].isdigit():
        return None
    body = raw.rstrip(b"\r\n \t")
    crc = body[-4:]
    if len(body) < 12 or _HEX4.fullmatch(crc) is None:
        return None
    at = body.find(_CP_OPEN, 6)
    if at < 0 or body[-6:-4] != b"&&":
        return None
    start = at + 5
    area = body[start:-6]
    head = body[6:start]
    crc_text = crc.decode("ascii")
    first = area[:1]
    if first == b"{":
        m = _BRACES.match(area)
        if m is not None:
            cipher = bytes.fromhex(m.group(1).replace(b"0x", b"").replace(b"0X", b"")
                                   .replace(b",", b"").decode("ascii"))
            if len(cipher) % BLOCK:
                return None
            return Sealed(head, cipher, area[m.end():], crc_text, "hex-braces", int(raw[2:6]))
    elif first in _HEX_FIRST:
        m = _HEXRUN.match(area)
        if m is not None and len(area) - m.end() < BLOCK:
            return Sealed(head, bytes.fromhex(m.group(0).decode("ascii")), area[m.end():],
                          crc_text, "hex", int(raw[2:6]))
    # plain text starts with ``Name=``: only then is the (slower) text check needed
    if not force and (not area or (first.isalpha() and _plain_looking(area))):
        return None
    whole = len(area) - len(area) % BLOCK
    if not whole:
        return None
    return Sealed(head, area[:whole], area[whole:], crc_text, "raw", int(raw[2:6]))


def open_sealed(sealed: Sealed, key: bytes) -> bytes | None:
    """The plaintext packet (``##LLLL…CRC\\r\\n``) if ``key`` decrypts ``sealed`` to a data
    segment whose CRC is the one sent, else None."""
    plain_area = sm4_ecb_decrypt(key, sealed.cipher) + sealed.tail
    segment = sealed.head + plain_area + b"&&"
    if crc_hj212(segment) != int(sealed.crc_sent, 16):
        return None
    if not _decodes(plain_area):
        return None
    return b"##%04d%s%s\r\n" % (len(segment), segment, sealed.crc_sent.upper().encode("ascii"))
