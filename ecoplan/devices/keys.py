"""Per-device SM4 keys of HJ 212-2025 (§6.4.3) and the 2025 device profile.

* Keys are 16 characters (letters and digits: ~95 bits) — the standard's example key is the text
  ``0000000000000000`` (16 × 0x30), so a key is taken to travel as 16 characters in ``NewSK``
  (an assumption, reference §16: the exact ``NewSK`` representation was not read).
* At rest a key is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the workspace
  secret key, bound to the device's MN; only an HMAC fingerprint is ever shown or logged. The key
  itself is returned once, when it is created (for the operator to configure the logger).
* Rotation: a new key becomes active; the previous one is *retired* but still accepted until its
  ``grace_until`` (the grace window), so packets in flight and a logger that switches late are not
  lost. Keys expire ``rotate_days`` after creation (90 per §6.4.3 as reported by one source — **not
  verified** against the text); the gateway then hands the device a new key with CN 1014.
* Every key event (created, rotated, delivered, revoked, policy changed) goes to the device event
  log (``hj212_device_events``), never the key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine, func, select

from ecoplan.devices.crypto import KEY_BYTES, WIRE_FORMATS
from ecoplan.errors import ConfigError, ValidationError
from ecoplan.settings import DEFAULT_SECRET
from ecoplan.store.db import session_scope
from ecoplan.store.hj212_keys_models import Hj212DeviceKey, Hj212DeviceProfile
from ecoplan.store.hj212_models import Hj212DeviceEvent

POLICIES = ("required", "allowed", "off")
DEFAULT_ROTATE_DAYS = 90
"""§6.4.3 as reported (reference/hj212.md §16, status [L]: one source, text not read)."""
DEFAULT_GRACE_HOURS = 72
_ALPHABET = string.ascii_letters + string.digits


class DeviceKeyError(ValidationError):
    """A key action is invalid (unknown device, no key, bad policy …)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(t: datetime | None) -> datetime | None:
    if t is None:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


class KeyVault:
    """Seals device keys at rest (AES-256-GCM, key from HKDF over the workspace secret)."""

    def __init__(self, secret: str) -> None:
        if not secret or secret == DEFAULT_SECRET or len(secret) < 16:
            raise ConfigError(
                "工作区密钥为默认值或过短，不能用于保护设备密钥。请运行 ecoplan init 或设置 "
                "ECOPLAN_SECRET_KEY（至少 16 个字符）。",
                "The workspace secret key is the default or too short to protect device keys. "
                "Run `ecoplan init` or set ECOPLAN_SECRET_KEY (16 characters or more).")
        material = HKDF(algorithm=hashes.SHA256(), length=64, salt=b"ecoplan-hj212-keys",
                        info=b"hj212 device keys v1").derive(secret.encode("utf-8"))
        self._aead = AESGCM(material[:32])
        self._mac = material[32:]

    def seal(self, mn: str, key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, key, mn.encode("utf-8"))

    def unseal(self, mn: str, blob: bytes) -> bytes:
        return self._aead.decrypt(blob[:12], blob[12:], mn.encode("utf-8"))

    def fingerprint(self, key: bytes) -> str:
        return hmac.new(self._mac, key, hashlib.sha256).hexdigest()[:12]


def vault_for(workspace: Any) -> KeyVault:
    """The vault of a workspace (its settings' secret key)."""
    return KeyVault(workspace.settings.secret_key.get_secret_value())


@dataclass(frozen=True, slots=True)
class DeviceKey:
    """A key as the gateway uses it (``key`` in clear, in memory only — never printed)."""

    id: int
    mn: str
    key: bytes
    fingerprint: str
    created_at: datetime
    expires_at: datetime
    retired_at: datetime | None
    grace_until: datetime | None
    revoked_at: datetime | None
    delivered_at: datetime | None

    def __repr__(self) -> str:  # never show the key
        return f"DeviceKey(id={self.id}, mn={self.mn!r}, fingerprint={self.fingerprint!r})"

    __str__ = __repr__

    def accepted(self, now: datetime | None = None) -> bool:
        """Whether packets under this key are accepted now (active, or retired within grace)."""
        now = now or _now()
        if self.revoked_at is not None:
            return False
        return self.retired_at is None or (self.grace_until is not None and now < self.grace_until)

    @property
    def active(self) -> bool:
        return self.revoked_at is None and self.retired_at is None


@dataclass(frozen=True, slots=True)
class Profile:
    mn: str
    encryption: str = "off"
    wire_format: str = "raw"
    rotate_days: int = DEFAULT_ROTATE_DAYS
    grace_hours: int = DEFAULT_GRACE_HOURS
    logger_id: str | None = None
    cpuid: str | None = None
    mac1: str | None = None
    mac2: str | None = None
    identity_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"mn": self.mn, "encryption": self.encryption, "wire_format": self.wire_format,
                "rotate_days": self.rotate_days, "grace_hours": self.grace_hours,
                "logger_id": self.logger_id, "cpuid": self.cpuid, "mac1": self.mac1,
                "mac2": self.mac2,
                "identity_at": self.identity_at.isoformat() if self.identity_at else None}


def _profile(p: Hj212DeviceProfile | None, mn: str) -> Profile:
    if p is None:
        return Profile(mn)
    return Profile(p.mn, p.encryption, p.wire_format, p.rotate_days, p.grace_hours, p.logger_id,
                   p.cpuid, p.mac1, p.mac2, _aware(p.identity_at))


def _event(mn: str, kind: str, actor: str, detail: dict[str, Any]) -> Hj212DeviceEvent:
    return Hj212DeviceEvent(mn=mn, kind=kind, actor=actor, detail=detail, at=_now())


def new_key_text() -> str:
    """16 random letters/digits (the key as configured in a logger and sent in NewSK)."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(KEY_BYTES))


def get_profile(engine: Engine, mn: str) -> Profile:
    with session_scope(engine) as s:
        return _profile(s.scalar(select(Hj212DeviceProfile).where(Hj212DeviceProfile.mn == mn)),
                        mn)


def load_profiles(engine: Engine) -> dict[str, Profile]:
    with session_scope(engine) as s:
        return {p.mn: _profile(p, p.mn) for p in s.scalars(select(Hj212DeviceProfile))}


def _profile_row(s: Any, mn: str) -> Hj212DeviceProfile:
    row = s.scalar(select(Hj212DeviceProfile).where(Hj212DeviceProfile.mn == mn))
    if row is None:
        row = Hj212DeviceProfile(mn=mn, encryption="off", wire_format="raw",
                                 rotate_days=DEFAULT_ROTATE_DAYS, grace_hours=DEFAULT_GRACE_HOURS,
                                 updated_at=_now())
        s.add(row)
    return row


def set_profile(engine: Engine, mn: str, *, encryption: str | None = None,
                wire_format: str | None = None, rotate_days: int | None = None,
                grace_hours: int | None = None, actor: str = "cli") -> Profile:
    """Change a device's 2025 settings (logged before/after)."""
    if encryption is not None and encryption not in POLICIES:
        raise DeviceKeyError(f"加密策略无效：{encryption}（可选 {'、'.join(POLICIES)}）",
                             f"invalid encryption policy {encryption} (one of {', '.join(POLICIES)})")
    if wire_format is not None and wire_format not in WIRE_FORMATS:
        raise DeviceKeyError(f"密文格式无效：{wire_format}（可选 {'、'.join(WIRE_FORMATS)}）",
                             f"invalid ciphertext format {wire_format} "
                             f"(one of {', '.join(WIRE_FORMATS)})")
    if rotate_days is not None and not 1 <= rotate_days <= 3650:
        raise DeviceKeyError("轮换周期应为 1–3650 天", "the rotation period must be 1–3650 days")
    if grace_hours is not None and not 0 <= grace_hours <= 24 * 90:
        raise DeviceKeyError("宽限期应为 0–2160 小时", "the grace window must be 0–2160 hours")
    with session_scope(engine) as s:
        row = _profile_row(s, mn)
        before = _profile(row, mn).as_dict()
        for name, value in (("encryption", encryption), ("wire_format", wire_format),
                            ("rotate_days", rotate_days), ("grace_hours", grace_hours)):
            if value is not None:
                setattr(row, name, value)
        row.updated_at = _now()
        s.flush()
        after = _profile(row, mn).as_dict()
        s.add(_event(mn, "security-edited", actor, {"before": before, "after": after}))
        return _profile(row, mn)


def issue_key(engine: Engine, vault: KeyVault, mn: str, *, origin: str, actor: str,
              key_text: str | None = None, now: datetime | None = None) -> tuple[DeviceKey, str]:
    """Create the device's new active key; the current one is retired with a grace window.

    Returns the key and its text — the only time the text leaves the vault. ``origin``:
    ``operator`` (shown to the operator, configured in the logger by hand: counts as delivered),
    ``rotation`` (forced by an operator, delivered by the gateway with CN 1014), ``expiry``
    (the gateway's scheduled rotation), ``device-request`` (the logger asked with CN 1014)."""
    now = now or _now()
    text = key_text or new_key_text()
    raw = text.encode("ascii")
    if len(raw) != KEY_BYTES:
        raise DeviceKeyError("密钥应为 16 个字符", "a key has 16 characters")
    with session_scope(engine) as s:
        prof = _profile_row(s, mn)
        grace = timedelta(hours=prof.grace_hours)
        retired = []
        for k in s.scalars(select(Hj212DeviceKey).where(
                Hj212DeviceKey.mn == mn, Hj212DeviceKey.retired_at.is_(None),
                Hj212DeviceKey.revoked_at.is_(None))):
            k.retired_at = now
            k.grace_until = now + grace
            retired.append(k.id)
        row = Hj212DeviceKey(mn=mn, key_sealed=vault.seal(mn, raw),
                             fingerprint=vault.fingerprint(raw), origin=origin, created_at=now,
                             expires_at=now + timedelta(days=prof.rotate_days),
                             delivered_at=now if origin == "operator" else None)
        s.add(row)
        s.flush()
        s.add(_event(mn, "key-created" if not retired else "key-rotated", actor, {
            "key_id": row.id, "fingerprint": row.fingerprint, "origin": origin,
            "expires_at": row.expires_at.isoformat(), "retired": retired,
            "grace_until": (now + grace).isoformat() if retired else None}))
        key = DeviceKey(row.id, mn, raw, row.fingerprint, now, row.expires_at, None, None, None,
                        row.delivered_at)
    return key, text


def revoke(engine: Engine, mn: str, *, actor: str = "cli", key_id: int | None = None) -> list[int]:
    """Revoke the device's accepted keys (or one key): packets under them are refused at once."""
    now = _now()
    with session_scope(engine) as s:
        q = select(Hj212DeviceKey).where(Hj212DeviceKey.mn == mn,
                                         Hj212DeviceKey.revoked_at.is_(None))
        if key_id is not None:
            q = q.where(Hj212DeviceKey.id == key_id)
        ids = []
        for k in s.scalars(q):
            k.revoked_at = now
            ids.append(k.id)
        if not ids:
            raise DeviceKeyError(f"设备 {mn} 没有可吊销的密钥", f"device {mn} has no key to revoke")
        s.add(_event(mn, "key-revoked", actor, {"key_ids": ids}))
        return ids


def mark_delivered(engine: Engine, mn: str, key_id: int, *, qn: str | None,
                   actor: str = "gateway") -> None:
    with session_scope(engine) as s:
        k = s.get(Hj212DeviceKey, key_id)
        if k is None or k.delivered_at is not None:
            return
        k.delivered_at = _now()
        k.delivery_qn = qn
        s.add(_event(mn, "key-delivered", actor, {"key_id": key_id, "fingerprint": k.fingerprint,
                                                  "qn": qn}))


def load_keys(engine: Engine, vault: KeyVault, mn: str | None = None) -> dict[str, list[DeviceKey]]:
    """Every not-revoked key of every (or one) device, newest first, in clear (gateway only)."""
    out: dict[str, list[DeviceKey]] = {}
    with session_scope(engine) as s:
        q = select(Hj212DeviceKey).where(Hj212DeviceKey.revoked_at.is_(None))
        if mn is not None:
            q = q.where(Hj212DeviceKey.mn == mn)
        for k in s.scalars(q.order_by(Hj212DeviceKey.id.desc())):
            out.setdefault(k.mn, []).append(DeviceKey(
                k.id, k.mn, vault.unseal(k.mn, k.key_sealed), k.fingerprint,
                _aware(k.created_at), _aware(k.expires_at), _aware(k.retired_at),  # type: ignore[arg-type]
                _aware(k.grace_until), None, _aware(k.delivered_at)))
    return out


def keys_version(engine: Engine) -> tuple[Any, ...]:
    """Changes whenever a key or a profile is added or changed (the gateway's refresh check)."""
    with session_scope(engine) as s:
        k = s.execute(select(func.count(Hj212DeviceKey.id), func.max(Hj212DeviceKey.id),
                             func.count(Hj212DeviceKey.revoked_at),
                             func.count(Hj212DeviceKey.retired_at),
                             func.count(Hj212DeviceKey.delivered_at))).one()
        p = s.execute(select(func.count(Hj212DeviceProfile.id),
                             func.max(Hj212DeviceProfile.updated_at))).one()
        return (*k, *p)


def key_state(k: Hj212DeviceKey, now: datetime) -> str:
    if k.revoked_at is not None:
        return "revoked"
    if k.retired_at is not None:
        gu = _aware(k.grace_until)
        return "grace" if gu is not None and now < gu else "retired"
    exp = _aware(k.expires_at)
    if exp is not None and now >= exp:
        return "expired"
    return "active" if k.delivered_at is not None else "pending-delivery"


def key_report(engine: Engine, mn: str) -> list[dict[str, Any]]:
    """The device's keys for people: id, fingerprint, state, age — never the key."""
    now = _now()
    with session_scope(engine) as s:
        rows = list(s.scalars(select(Hj212DeviceKey).where(Hj212DeviceKey.mn == mn)
                              .order_by(Hj212DeviceKey.id.desc())))
        out = []
        for k in rows:
            created = _aware(k.created_at) or now
            out.append({"key_id": k.id, "fingerprint": k.fingerprint, "origin": k.origin,
                        "state": key_state(k, now),
                        "age_days": round((now - created).total_seconds() / 86400, 1),
                        "created_at": created.isoformat(),
                        "expires_at": (_aware(k.expires_at) or now).isoformat(),
                        "delivered_at": _iso(k.delivered_at), "retired_at": _iso(k.retired_at),
                        "grace_until": _iso(k.grace_until), "revoked_at": _iso(k.revoked_at)})
        return out


def _iso(t: datetime | None) -> str | None:
    a = _aware(t)
    return a.isoformat() if a else None


# ------------------------------------------------------------------ identity (CN 1001 / 1002)
IDENTITY_CODES = {"i23005": "logger_id", "i23006": "cpuid", "i23007": "mac1", "i23008": "mac2"}
"""Logger identity factors of CN 1001 (HJ 212-2025, reference §16, status [V])."""


def record_identity(engine: Engine, mn: str, identity: dict[str, str], *,
                    actor: str = "gateway") -> Profile:
    """Store the logger ID, CPUID and MACs a device reported (1001); changes are logged."""
    with session_scope(engine) as s:
        row = _profile_row(s, mn)
        before = {f: getattr(row, f) for f in IDENTITY_CODES.values()}
        for f in IDENTITY_CODES.values():
            v = identity.get(f)
            if v:
                setattr(row, f, v[:64])
        row.identity_at = _now()
        row.updated_at = row.identity_at
        after = {f: getattr(row, f) for f in IDENTITY_CODES.values()}
        if before != after:
            s.add(_event(mn, "identity", actor, {"before": before, "after": after}))
        s.flush()
        return _profile(row, mn)


def assign_mn(cpuid: str, mac: str | None = None) -> str:
    """The 24-character MN (0–9, A–F) the platform assigns a new logger from its identity
    (数采仪入网编码, reference §16): deterministic, so re-assigning gives the same MN. The
    standard's own derivation was not read; this rule is ecoplan's (documented as such)."""
    if not cpuid:
        raise DeviceKeyError("缺少 CPUID，无法分配 MN", "no CPUID: cannot assign an MN")
    digest = hashlib.sha256(f"{cpuid.strip().upper()}|{(mac or '').strip().upper()}".encode())
    return digest.hexdigest().upper()[:24]
