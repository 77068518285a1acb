"""Plan indicators of the pollution-source registry on a date.

* permit coverage (排污许可全覆盖): enterprises that need a permit (``permit_required``) vs those
  holding a permit valid on the date;
* key enterprises at performance grade B or above (“重点工业企业污染防治水平达到B级及以上”):
  share among key enterprises; enterprises without a grade in force count as not B or above
  and are listed separately;
* enterprises whose grade in force is C or D (“加快消除C级及以下企业”);
* permits expiring within N days of the date.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.store.supervision_models import Enterprise, Permit
from ecoplan.supervision.sources import GRADES_B_OR_ABOVE, grade_in_force, permit_in_force


@dataclass
class SourcesSummary:
    on: date
    enterprises: int
    permit_required: int
    permit_held: int
    permit_coverage: float | None
    without_permit: list[dict[str, str]] = field(default_factory=list)
    key_enterprises: int = 0
    key_b_or_above: int = 0
    key_b_or_above_share: float | None = None
    key_ungraded: list[dict[str, str]] = field(default_factory=list)
    grade_c_or_d: list[dict[str, str]] = field(default_factory=list)
    expiring_within_days: int = 90
    expiring: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["on"] = self.on.isoformat()
        return d


def summary(session: Session, on: date, *, expiring_days: int = 90) -> SourcesSummary:
    """The indicators above for the registry as of ``on``."""
    ents = list(session.scalars(select(Enterprise).order_by(Enterprise.name)))
    required = [e for e in ents if e.permit_required]
    held, without = 0, []
    for e in required:
        if permit_in_force(session, e.credit_code, on) is not None:
            held += 1
        else:
            without.append({"credit_code": e.credit_code, "name": e.name})
    key = [e for e in ents if e.key_enterprise]
    good, ungraded, c_or_d = 0, [], []
    for e in ents:
        g = grade_in_force(session, e.credit_code, on)
        if g is None:
            if e.key_enterprise:
                ungraded.append({"credit_code": e.credit_code, "name": e.name})
            continue
        if e.key_enterprise and g.grade in GRADES_B_OR_ABOVE:
            good += 1
        if g.grade in ("C", "D"):
            c_or_d.append({"credit_code": e.credit_code, "name": e.name, "grade": g.grade,
                           "effective_from": g.effective_from.isoformat(),
                           "document": g.document})
    horizon = on + timedelta(days=expiring_days)
    expiring = [
        {"number": p.number, "enterprise": p.enterprise,
         "name": session.get(Enterprise, p.enterprise).name,  # type: ignore[union-attr]
         "valid_until": p.valid_until.isoformat(), "days_left": (p.valid_until - on).days}
        for p in session.scalars(select(Permit).where(Permit.valid_until >= on,
                                                      Permit.valid_until <= horizon)
                                 .order_by(Permit.valid_until))
        if not _renewed(session, p)
    ]
    return SourcesSummary(
        on=on, enterprises=len(ents), permit_required=len(required), permit_held=held,
        permit_coverage=(held / len(required)) if required else None, without_permit=without,
        key_enterprises=len(key), key_b_or_above=good,
        key_b_or_above_share=(good / len(key)) if key else None, key_ungraded=ungraded,
        grade_c_or_d=c_or_d, expiring_within_days=expiring_days, expiring=expiring)


def _renewed(session: Session, permit: Permit) -> bool:
    """Whether the enterprise already holds a later permit valid after this one expires."""
    later = session.scalars(select(Permit).where(
        Permit.enterprise == permit.enterprise, Permit.number != permit.number,
        Permit.valid_until > permit.valid_until, Permit.issued <= permit.valid_until + timedelta(days=1)))
    return any(True for _ in later)
