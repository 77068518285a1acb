"""The password policy (等保 2.0 level 3, identity authentication: complexity and no
well-known passwords).

A new password must

* have at least :data:`MIN_PASSWORD_LENGTH` (12) characters,
* use at least three of: lower case, upper case, digits, symbols (CJK characters count as
  symbols),
* not contain the user name,
* not be a well-known password: it is compared, in lower case, with the 10,000 commonest
  passwords (``data/common_passwords.txt``, source in its header) — as typed, with common
  letter substitutions undone (``p@ssw0rd`` → ``password``) and with the digits and symbols
  people add at either end removed (``Password123!`` → ``password``, ``Qwerty123456`` →
  ``qwerty``).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from ecoplan.errors import EcoplanError

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "l", "3": "e", "$": "s", "5": "s",
                       "7": "t", "!": "i"})
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_SYMBOL_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


class PasswordPolicyError(EcoplanError):
    """A new password does not meet the password policy."""


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The deny list (lower case)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(s.strip() for s in lines if s.strip() and not s.startswith("#"))


def is_common(password: str) -> bool:
    """Whether ``password`` is, or is a decorated form of, a well-known password."""
    low = password.lower()
    forms = {low, low.translate(_LEET), _EDGES.sub("", low), _EDGES.sub("", low).translate(_LEET),
             _EDGES.sub("", low.translate(_LEET)), _SYMBOL_EDGES.sub("", low)}
    common = common_passwords()
    return any(f in common for f in forms if f)


def check_password_policy(password: str, username: str = "") -> None:
    """Refuse a weak password with every reason, in Chinese and English."""
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
        problems_en.append("at least three of lower case, upper case, digits, symbols or "
                           "non-Latin characters")
    if username and username.lower() in password.lower():
        problems_zh.append("不得包含用户名")
        problems_en.append("must not contain the user name")
    if is_common(password):
        problems_zh.append("不得使用常见密码（或在常见密码前后加数字、符号）")
        problems_en.append("must not be a common password (nor one with digits or symbols "
                           "added)")
    if problems_zh:
        raise PasswordPolicyError(
            "密码不符合要求：" + "；".join(problems_zh) + "。",
            "The password does not meet the policy: " + "; ".join(problems_en) + ".",
        )
