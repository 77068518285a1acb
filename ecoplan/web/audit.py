"""Append-only, tamper-evident audit log: who did what, when, with the value before and after.

Each row carries the SHA-256 of the previous row (``prev_hash``) and its own hash over that
and its content (``row_hash``), so the rows form a chain: editing a row changes its hash,
deleting one breaks the link of the next, and :func:`verify` (``ecoplan audit verify``) finds
either. Appends are serialised (PostgreSQL: a transaction-level advisory lock; SQLite: the
database write lock taken before the last hash is read), so concurrent writers never fork the
chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlalchemy.orm import Session

from ecoplan.store.models import AuditEntry

GENESIS = "0" * 64
_ADVISORY_LOCK = 1_900_019  # pg_advisory_xact_lock key of the audit chain


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


def _stamp(at: datetime | None) -> str:
    """The time as stored, in one form on every database (UTC, to the second)."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def row_digest(prev_hash: str, row_id: int, at: datetime | None, actor: str, action: str,
               entity: str, entity_id: str | None, before: Any, after: Any) -> str:
    """SHA-256 over the previous hash and the row's content (canonical JSON)."""
    body = json.dumps([prev_hash, row_id, _stamp(at), actor, action, entity, entity_id,
                       before, after], ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def _lock_chain(session: Session | Connection) -> None:
    bind = session.get_bind() if isinstance(session, Session) else session
    if bind.dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK})"))
    else:  # SQLite: take the write lock now, so the last hash cannot change under us
        session.execute(text("UPDATE audit_log SET id = id WHERE 1 = 0"))


def record(session: Session, actor: str, action: str, entity: str, entity_id: object = None,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Append one audit entry in the caller's transaction (so it commits with the change)."""
    _lock_chain(session)
    session.flush()
    last = session.execute(select(AuditEntry.id, AuditEntry.row_hash)
                           .order_by(AuditEntry.id.desc()).limit(1)).first()
    prev = (last.row_hash or GENESIS) if last is not None else GENESIS
    entry = AuditEntry(
        at=datetime.now(UTC).replace(microsecond=0),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        prev_hash=prev,
    )
    session.add(entry)
    session.flush()  # the id is part of the hash
    digest = row_digest(prev, entry.id, entry.at, entry.actor, entry.action, entry.entity,
                        entry.entity_id, entry.before, entry.after)
    # set once, straight after the insert (the ORM refuses changes to audit rows)
    session.execute(AuditEntry.__table__.update().where(AuditEntry.id == entry.id)
                    .values(row_hash=digest))
    session.expire(entry, ["row_hash"])


def entries(session: Session, *, limit: int = 100, offset: int = 0, actor: str | None = None,
            entity: str | None = None, actions: tuple[str, ...] = ()
            ) -> tuple[int, list[AuditEntry]]:
    """Newest first, with the total count for paging."""
    q = select(AuditEntry)
    c = select(func.count()).select_from(AuditEntry)
    if actor:
        q, c = q.where(AuditEntry.actor == actor), c.where(AuditEntry.actor == actor)
    if entity:
        q, c = q.where(AuditEntry.entity == entity), c.where(AuditEntry.entity == entity)
    if actions:
        q, c = q.where(AuditEntry.action.in_(actions)), c.where(AuditEntry.action.in_(actions))
    total = session.execute(c).scalar_one()
    rows = session.execute(q.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).scalars()
    return total, list(rows)


@dataclass
class Verification:
    """The outcome of :func:`verify`: rows checked and every break found (first 100)."""

    rows: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _rows(conn: Connection) -> Any:
    t = AuditEntry.__table__
    return conn.execute(select(t.c.id, t.c.at, t.c.actor, t.c.action, t.c.entity, t.c.entity_id,
                               t.c.before, t.c.after, t.c.prev_hash, t.c.row_hash)
                        .order_by(t.c.id))


def verify(conn: Connection) -> Verification:
    """Recompute the chain: an edited row (hash mismatch), a deleted or inserted row (link to
    the previous row broken) or a row without hashes is reported with its id."""
    out = Verification()
    prev = GENESIS
    for r in _rows(conn):
        out.rows += 1
        problem = None
        if r.row_hash is None or r.prev_hash is None:
            problem = ("unchained", "没有哈希（未链入）", "row has no hash (not chained)")
        elif r.prev_hash != prev:
            problem = ("broken-link", "与前一行的哈希不符（前面的行被删除、插入或修改）",
                       "does not link to the previous row (a row before it was deleted, "
                       "inserted or edited)")
        else:
            digest = row_digest(r.prev_hash, r.id, r.at, r.actor, r.action, r.entity,
                                r.entity_id, r.before, r.after)
            if digest != r.row_hash:
                problem = ("edited", "内容与哈希不符（该行被修改）",
                           "content does not match its hash (the row was edited)")
        if problem and len(out.problems) < 100:
            out.problems.append({"id": r.id, "kind": problem[0], "zh": problem[1],
                                 "en": problem[2]})
        prev = r.row_hash or GENESIS
    return out


def backfill_chain(conn: Connection) -> int:
    """Chain existing rows in id order (the migration that adds the columns calls this)."""
    t = AuditEntry.__table__
    prev = GENESIS
    n = 0
    for r in list(_rows(conn)):
        digest = row_digest(prev, r.id, r.at, r.actor, r.action, r.entity, r.entity_id,
                            r.before, r.after)
        conn.execute(t.update().where(t.c.id == r.id).values(prev_hash=prev, row_hash=digest))
        prev = digest
        n += 1
    return n
