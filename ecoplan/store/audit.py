"""Append-only audit log: who did what, when, with the value before and after."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecoplan.store.models import AuditEntry


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def record(session: Session, actor: str, action: str, entity: str, entity_id: object = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Append one audit entry in the caller's transaction (so it commits with the change)."""
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
        )
    )


def entries(session: Session, *, limit: int = 100, offset: int = 0, actor: str | None = None,
            entity: str | None = None) -> tuple[int, list[AuditEntry]]:
    """Newest first, with the total count for paging."""
    q = select(AuditEntry)
    c = select(func.count()).select_from(AuditEntry)
    if actor:
        q, c = q.where(AuditEntry.actor == actor), c.where(AuditEntry.actor == actor)
    if entity:
        q, c = q.where(AuditEntry.entity == entity), c.where(AuditEntry.entity == entity)
    total = session.execute(c).scalar_one()
    rows = session.execute(q.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).scalars()
    return total, list(rows)
