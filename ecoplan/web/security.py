"""Password hashing (Argon2 via pwdlib), the password policy, API-token and CSRF tokens.

Only hashes are stored: Argon2id for passwords (re-hashed on sign-in when the parameters
change), SHA-256 for API and session tokens (they are long random strings, so a fast hash is
enough and lets the server look them up by hash).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

from ecoplan.errors import EcoplanError
from ecoplan.web.passwords import (  # noqa: F401 - the policy lives in passwords.py
    MIN_PASSWORD_LENGTH,
    PasswordPolicyError,
    check_password_policy,
)

TOKEN_PREFIX = "ecp_"


class AuthError(EcoplanError):
    """Sign-in failed, the account is locked or disabled, or a token is invalid."""


@lru_cache(maxsize=1)
def _hasher():  # type: ignore[no-untyped-def]
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    return PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    """Argon2id hash of ``password``."""
    return _hasher().hash(password)


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Check ``password``; returns (valid, new hash if the stored one should be upgraded)."""
    try:
        return _hasher().verify_and_update(password, password_hash)
    except Exception:  # noqa: BLE001 - an unreadable stored hash never validates
        return False, None


# A hash to verify against when the user does not exist, so timing does not reveal usernames.
@lru_cache(maxsize=1)
def dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def same(a: str | None, b: str | None) -> bool:
    """Constant-time equality of two strings from a request (any characters; hmac's own
    comparison refuses non-ASCII text with a TypeError)."""
    if a is None or b is None:
        return False
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass"))


def hash_token(token: str) -> str:
    """SHA-256 hex digest of an API or session token (what the database stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class CsrfSigner:
    """Double-submit CSRF tokens bound to the session: a random value plus its HMAC, under the
    server secret, over the value and the session cookie it belongs to.

    The same token goes in a cookie and in each unsafe request (form field ``csrf_token`` or
    header ``X-CSRF-Token``, which htmx sends); the server checks that both are equal and that
    the signature is its own *for the current session*: a token planted by another site, or
    one taken from another session (or from before sign-in), is refused. A new token is issued
    at sign-in and whenever the session changes.
    """

    secret: str

    def _mac(self, nonce: str, bind: str) -> str:
        key = hashlib.sha256(("csrf:" + self.secret).encode()).digest()
        msg = nonce + "|" + hashlib.sha256(bind.encode()).hexdigest()
        return hmac.new(key, msg.encode(), hashlib.sha256).hexdigest()[:32]

    def new(self, bind: str = "") -> str:
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{self._mac(nonce, bind or '')}"

    def valid(self, token: str | None, bind: str | None = "") -> bool:
        if not token or "." not in token:
            return False
        nonce, mac = token.rsplit(".", 1)
        return same(mac, self._mac(nonce, bind or ""))

    def matches(self, cookie: str | None, submitted: str | None, bind: str | None = "") -> bool:
        return bool(cookie and submitted and same(cookie, submitted)
                    and self.valid(cookie, bind))
