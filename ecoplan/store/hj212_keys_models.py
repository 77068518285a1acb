"""HJ 212-2025 tables: per-device SM4 keys (encrypted at rest) and the 2025 device profile.

A key row never holds the key in clear: ``key_sealed`` is AES-256-GCM under a key derived from the
workspace secret (:mod:`ecoplan.devices.keys`). Rows are never deleted: a rotated key keeps
its row (``retired_at``, accepted until ``grace_until``), a revoked key gets ``revoked_at``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.store.models import Base


class Hj212DeviceKey(Base):
    """One SM4 data-area key of a device (HJ 212-2025 §6.4.3)."""

    __tablename__ = "hj212_device_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    mn: Mapped[str] = mapped_column(String(64), index=True)
    key_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    fingerprint: Mapped[str] = mapped_column(String(16))  # HMAC of the key, to tell keys apart
    origin: Mapped[str] = mapped_column(String(16))  # operator | rotation | device-request | expiry
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    grace_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivery_qn: Mapped[str | None] = mapped_column(String(24))


class Hj212DeviceProfile(Base):
    """HJ 212-2025 settings and identity of a device (one row per MN, created on first use)."""

    __tablename__ = "hj212_device_profiles"
    id: Mapped[int] = mapped_column(primary_key=True)
    mn: Mapped[str] = mapped_column(String(64), unique=True)
    # packets that §6.4.4 says should be encrypted but arrive plain: required (refused) |
    # allowed (accepted, counted) | off (encryption not used by this device)
    encryption: Mapped[str] = mapped_column(String(16), default="off")
    wire_format: Mapped[str] = mapped_column(String(16), default="raw")  # raw | hex-braces | hex
    rotate_days: Mapped[int] = mapped_column(Integer, default=90)
    grace_hours: Mapped[int] = mapped_column(Integer, default=72)
    logger_id: Mapped[str | None] = mapped_column(String(64))   # i23005
    cpuid: Mapped[str | None] = mapped_column(String(64))       # i23006
    mac1: Mapped[str | None] = mapped_column(String(32))        # i23007
    mac2: Mapped[str | None] = mapped_column(String(32))        # i23008
    identity_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
