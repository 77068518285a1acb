"""Ingestion tables beyond the batch ledger and quarantine of :mod:`ecoplan.store.models`.

* ``ingest_flags`` — the quality-flag history: one row per flag given to one value (site, time,
  parameter). Append-only: a later flag (e.g. an analyst's ``valid`` after a ``suspect_spike``)
  is a new row; the current flag of a value is its latest row.
* ``ingest_supersessions`` — which earlier batch a correction batch superseded, and how many rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from ecoplan.errors import EcoplanError
from ecoplan.store.models import Base, refuse_changes

#: Flags an analyst may append to a value (the load flags are listed in ecoplan.ingest.validation).
REVIEW_FLAGS = ("valid", "invalid", "suspect", "dust", "calibration", "maintenance")


class QualityFlag(Base):
    """One quality flag on one value; appended, never changed (flag history)."""

    __tablename__ = "ingest_flags"
    __table_args__ = (Index("ix_ingest_flags_value", "dataset", "site_code", "timestamp"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingest_batches.id", ondelete="CASCADE"), index=True)
    dataset: Mapped[str] = mapped_column(String(32))
    site_code: Mapped[str] = mapped_column(String(32))
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=False))
    parameter: Mapped[str] = mapped_column(String(32))
    flag: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(64), default="ingest")
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Supersession(Base):
    """A correction batch replaced rows of an earlier batch (the old rows stay in history)."""

    __tablename__ = "ingest_supersessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ingest_batches.id", ondelete="CASCADE"),
                                          index=True)
    superseded_batch_id: Mapped[int] = mapped_column(Integer)
    dataset: Mapped[str] = mapped_column(String(32))
    rows: Mapped[int] = mapped_column(Integer)


class FlagHistoryIsAppendOnly(EcoplanError):
    """Raised when code tries to change or delete a quality flag."""


refuse_changes((QualityFlag,), FlagHistoryIsAppendOnly,
               "质量标记只能追加，不能修改或删除。",
               "Quality flags are append-only; a flag cannot be changed or deleted.")
