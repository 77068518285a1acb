"""The bulletin register: each generated bulletin file and its append-only life — generated
(a draft), approved by an analyst (which publishes it on /public and /reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.errors import EcoplanError
from ecoplan.store import audit
from ecoplan.store.bulletin_audit_models import Bulletin, BulletinEvent


class BulletinStateError(EcoplanError):
    """A bulletin step that is not allowed (unknown id, already approved …)."""


@dataclass(frozen=True)
class BulletinRow:
    """A bulletin with its state (draft | published) for lists and pages."""

    id: int
    kind: str
    period: str
    file: str
    digest: str
    audited_days: int
    total_days: int
    created_by: str
    created_at: datetime | None
    state: str
    approved_by: str | None

    @property
    def state_zh(self) -> str:
        return {"draft": "草稿（待审核）", "published": "已发布"}.get(self.state, self.state)


def register(session: Session, *, kind: str, period: str, file: str, digest: str, actor: str,
             audited_days: int = 0, total_days: int = 0) -> Bulletin:
    """Record a generated bulletin as a draft."""
    b = Bulletin(kind=kind, period=period, file=file, digest=digest, created_by=actor,
                 audited_days=audited_days, total_days=total_days)
    session.add(b)
    session.flush()
    session.add(BulletinEvent(bulletin_id=b.id, action="generated", actor=actor))
    audit.record(session, actor, "bulletin.generate", "bulletin", b.id,
                 after={"kind": kind, "period": period, "file": file, "digest": digest})
    return b


def _row(session: Session, b: Bulletin) -> BulletinRow:
    evs = session.execute(select(BulletinEvent).where(BulletinEvent.bulletin_id == b.id)
                          .order_by(BulletinEvent.id)).scalars().all()
    approved = next((e.actor for e in evs if e.action == "approved"), None)
    return BulletinRow(b.id, b.kind, b.period, b.file, b.digest, b.audited_days, b.total_days,
                       b.created_by, b.created_at, "published" if approved else "draft",
                       approved)


def get(session: Session, bulletin_id: int) -> BulletinRow:
    b = session.get(Bulletin, bulletin_id)
    if b is None:
        raise BulletinStateError(f"没有编号为 {bulletin_id} 的公报",
                                 f"No bulletin with id {bulletin_id}")
    return _row(session, b)


def listing(session: Session, *, published_only: bool = False) -> list[BulletinRow]:
    """Every bulletin, newest first (only the published ones for the public)."""
    rows = [_row(session, b) for b in
            session.execute(select(Bulletin).order_by(Bulletin.id.desc())).scalars()]
    return [r for r in rows if r.state == "published"] if published_only else rows


def approve(session: Session, bulletin_id: int, actor: str, note: str | None = None
            ) -> BulletinRow:
    """An analyst approves a draft: it is published from now on."""
    row = get(session, bulletin_id)
    if row.state != "draft":
        raise BulletinStateError(f"公报 {bulletin_id} 已发布，无需再次审核",
                                 f"Bulletin {bulletin_id} is already published")
    session.add(BulletinEvent(bulletin_id=bulletin_id, action="approved", actor=actor, note=note))
    session.add(BulletinEvent(bulletin_id=bulletin_id, action="published", actor=actor))
    session.flush()
    audit.record(session, actor, "bulletin.approve", "bulletin", bulletin_id,
                 after={"file": row.file, "digest": row.digest, "note": note})
    return get(session, bulletin_id)


def due_missing(session: Session, periods: list[str], kind: str) -> list[str]:
    """The periods among ``periods`` with no bulletin of ``kind`` yet."""
    have = {p for (p,) in session.execute(select(Bulletin.period).where(Bulletin.kind == kind))}
    return [p for p in periods if p not in have]
