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

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from ecoplan.errors import EcoplanError

TOKEN_PREFIX = "ecp_"
MIN_PASSWORD_LENGTH = 10
# The commonest passwords seen in Chinese and English leak lists (a short, fixed deny list).
COMMON_PASSWORDS = frozenset(
    {
        "123456789a", "1234567890", "password123", "qwertyuiop", "a123456789",
        "admin12345", "woaini1314", "iloveyou12", "abc1234567", "1qaz2wsx3edc",
        "password1!", "p@ssw0rd12", "qwerty1234", "zxcvbnm123", "admin@1234",
    }
)


class PasswordPolicyError(EcoplanError):
    """A new password does not meet the password policy."""


class AuthError(EcoplanError):
    """Sign-in failed, the account is locked or disabled, or a token is invalid."""


@lru_cache(maxsize=1)
def _hasher():  # type: ignore[no-untyped-def]

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


def check_password_policy(password: str, username: str = "") -> None:
    """Refuse weak passwords: ≥ 10 characters, 3 of 4 character classes, not the username,
    not a well-known password."""
    problems_zh: list[str] = []
    problems_en: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems_zh.append(f"至少 {MIN_PASSWORD_LENGTH} 个字符")
        problems_en.append(f"at least {MIN_PASSWORD_LENGTH} characters")
    classes = sum(
        (
            any("a" <= c <= "z" for c in password),
            any("A" <= c <= "Z" for c in password),
            any("0" <= c <= "9" for c in password),
            any(not (c.isascii() and c.isalnum()) for c in password),  # symbols, CJK …
        )
    )
    if classes < 3:
        problems_zh.append("须包含小写字母、大写字母、数字、符号（含汉字）中的至少三类")
        problems_en.append("at least three of lower case, upper case, digits, symbols or non-Latin characters")
    if username and username.lower() in password.lower():
        problems_zh.append("不得包含用户名")
        problems_en.append("must not contain the user name")
    if password.lower() in COMMON_PASSWORDS:
        problems_zh.append("不得使用常见密码")
        problems_en.append("must not be a common password")
    if problems_zh:
        raise PasswordPolicyError(
            "密码不符合要求：" + "；".join(problems_zh) + "。",
            "The password does not meet the policy: " + "; ".join(problems_en) + ".",
        )


def hash_token(token: str) -> str:
    """SHA-256 hex digest of an API or session token (what the database stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class CsrfSigner:
    """Double-submit CSRF tokens: a random value plus its HMAC under the server secret.

    The same token goes in a cookie and in each unsafe request (form field ``csrf_token`` or
    header ``X-CSRF-Token``, which htmx sends); the server checks that both are equal and that
    the signature is its own, so a token planted by another site is refused.
    """

    secret: str

    def _mac(self, nonce: str) -> str:
        key = hashlib.sha256(("csrf:" + self.secret).encode()).digest()
        return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()[:32]

    def new(self) -> str:
        nonce = secrets.token_urlsafe(18)
        return f"{nonce}.{self._mac(nonce)}"

    def valid(self, token: str | None) -> bool:
        if not token or "." not in token:
            return False
        nonce, mac = token.rsplit(".", 1)
        return hmac.compare_digest(mac, self._mac(nonce))

    def matches(self, cookie: str | None, submitted: str | None) -> bool:
        return bool(cookie and submitted and hmac.compare_digest(cookie, submitted)
                    and self.valid(cookie))
