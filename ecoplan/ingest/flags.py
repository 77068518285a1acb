"""Quality flags per value, appended and never overwritten (flag history).

Loads give ``suspect_high``, ``suspect_spike``, ``suspect_constant`` and ``not_monitored``; an
analyst appends a later judgement (``valid``, ``invalid``, ``suspect`` …) with a reason. The current
flag of a value is its latest entry; :func:`flag_history` shows every entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from ecoplan.errors import ValidationError
from ecoplan.store.db import session_scope
from ecoplan.store.ingest_models import QualityFlag

#: Flags an analyst may append (the load flags are listed in ecoplan.ingest.validation).
REVIEW_FLAGS = ("valid", "invalid", "suspect", "dust", "calibration", "maintenance")


def append_flag(engine: Engine, dataset: str, site_code: str, timestamp: datetime,
                parameter: str, flag: str, *, reason: str, actor: str) -> dict[str, Any]:
    """Append one flag to the history of one value."""
    from ecoplan.ingest.validation import LOAD_FLAGS

    if flag not in REVIEW_FLAGS and flag not in LOAD_FLAGS:
        raise ValidationError(
            f"未知的质量标记：{flag}（可用：{', '.join(REVIEW_FLAGS + LOAD_FLAGS)}）",
            f"Unknown quality flag: {flag} (known: {', '.join(REVIEW_FLAGS + LOAD_FLAGS)})")
    if not reason.strip():
        raise ValidationError("追加质量标记须说明理由", "A quality flag needs a reason")
    with session_scope(engine) as s:
        row = QualityFlag(dataset=dataset, site_code=site_code, timestamp=timestamp,
                          parameter=parameter, flag=flag, reason=reason, actor=actor)
        s.add(row)
        s.flush()
        return _as_dict(row)


def flag_history(engine: Engine, dataset: str, site_code: str | None = None,
                 timestamp: datetime | None = None, parameter: str | None = None,
                 limit: int = 1000) -> list[dict[str, Any]]:
    """Flag entries, oldest first, optionally for one site / time / parameter."""
    q = select(QualityFlag).where(QualityFlag.dataset == dataset)
    if site_code is not None:
        q = q.where(QualityFlag.site_code == site_code)
    if timestamp is not None:
        q = q.where(QualityFlag.timestamp == timestamp)
    if parameter is not None:
        q = q.where(QualityFlag.parameter == parameter)
    with session_scope(engine) as s:
        return [_as_dict(r) for r in s.scalars(q.order_by(QualityFlag.id).limit(limit))]


def current_flags(engine: Engine, dataset: str, site_code: str | None = None
                  ) -> dict[tuple[str, datetime, str], str]:
    """The latest flag of every flagged value: (site, time, parameter) → flag."""
    out: dict[tuple[str, datetime, str], str] = {}
    for r in flag_history(engine, dataset, site_code, limit=10_000_000):
        out[(r["site_code"], r["timestamp"], r["parameter"])] = r["flag"]
    return out


def _as_dict(r: QualityFlag) -> dict[str, Any]:
    return {"id": r.id, "batch_id": r.batch_id, "dataset": r.dataset, "site_code": r.site_code,
            "timestamp": r.timestamp, "parameter": r.parameter, "flag": r.flag,
            "reason": r.reason, "actor": r.actor, "recorded_at": r.recorded_at}
