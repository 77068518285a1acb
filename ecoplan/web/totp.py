"""Time-based one-time passwords (RFC 6238, on HOTP of RFC 4226) — the optional second factor.

Compatible with the usual authenticator apps: a random 160-bit key shown once in base32 (and as
an ``otpauth://`` URI), HMAC-SHA1, 6 digits, 30-second steps; one step of clock drift either
way is accepted, and a code (its time step) is accepted only once per account.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1
_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}


def new_secret() -> str:
    """A random key (20 bytes = the HMAC-SHA1 block size RFC 4226 recommends), base32."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def _key(secret_b32: str) -> bytes:
    s = secret_b32.strip().replace(" ", "").upper()
    return base64.b32decode(s + "=" * (-len(s) % 8))


def hotp(key: bytes, counter: int, digits: int = DIGITS, algorithm: str = "sha1") -> str:
    """RFC 4226 §5.3: HMAC over the 8-byte counter, dynamic truncation, ``digits`` digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), _DIGESTS[algorithm]).digest()
    offset = mac[-1] & 0x0F
    code = struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF
    return str(code % 10 ** digits).zfill(digits)


def totp_at(key: bytes, unix_time: float, digits: int = DIGITS, algorithm: str = "sha1",
            step: int = STEP_SECONDS) -> str:
    """RFC 6238 §4: HOTP with the counter T = floor(unix time / step)."""
    return hotp(key, int(unix_time // step), digits, algorithm)


def verify(secret_b32: str, code: str, *, last_step: int | None = None,
           now: float | None = None) -> int | None:
    """The time step ``code`` belongs to (within the drift window and after ``last_step``),
    or None when it is wrong, expired or already used."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = _key(secret_b32)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(hotp(key, step).encode(), code.encode()):
            return step
    return None


def provisioning_uri(secret_b32: str, username: str, issuer: str = "ecoplan") -> str:
    """The ``otpauth://totp/…`` URI an authenticator app imports."""
    return (f"otpauth://totp/{quote(issuer)}:{quote(username)}?secret={secret_b32}"
            f"&issuer={quote(issuer)}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}")
