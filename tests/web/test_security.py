"""Password policy, Argon2 hashing, token hashing, CSRF signing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ecoplan.web.security import (
    CsrfSigner,
    PasswordPolicyError,
    check_password_policy,
    hash_password,
    hash_token,
    new_api_token,
    verify_password,
)

CASES = Path(__file__).resolve().parents[1] / "data" / "web" / "password_policy.csv"


def _cases() -> list[tuple[str, str, str]]:
    with CASES.open(encoding="utf-8") as fh:
        return [(r["username"], r["password"], r["expected"]) for r in csv.DictReader(fh)]


@pytest.mark.parametrize("username,password,expected", _cases())
def test_password_policy(username: str, password: str, expected: str) -> None:
    if expected == "accept":
        check_password_policy(password, username)
    else:
        with pytest.raises(PasswordPolicyError) as err:
            check_password_policy(password, username)
        assert expected in err.value.message("en")
        assert "密码不符合要求" in err.value.message("zh")


def test_argon2_hash_and_verify() -> None:
    h = hash_password("Correct-horse-9")
    assert h.startswith("$argon2id$")
    assert verify_password("Correct-horse-9", h)[0]
    assert not verify_password("correct-horse-9", h)[0]
    assert not verify_password("x", "not a hash")[0]


def test_api_tokens_are_random_and_hashed() -> None:
    a, b = new_api_token(), new_api_token()
    assert a != b and a.startswith("ecp_") and len(a) > 40
    assert hash_token(a) != a and len(hash_token(a)) == 64


def test_csrf_tokens_are_signed() -> None:
    signer = CsrfSigner("s" * 32)
    tok = signer.new()
    assert signer.valid(tok) and signer.matches(tok, tok)
    assert not signer.matches(tok, signer.new())
    assert not CsrfSigner("t" * 32).valid(tok)
    forged = tok.rsplit(".", 1)[0] + ".0000"
    assert not signer.matches(forged, forged)
