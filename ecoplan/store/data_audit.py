"""The daily data audit (数据审核) as records: an auditor's decisions on values, the day lock and
re-openings — all appended, never overwritten (tables in ``bulletin_audit_models.py``).

The audit changes statistics only for a LOCKED day: then the auditor's decision in force for a
value (the latest one) decides whether it is counted — ``invalid`` leaves it out like an invalid
source flag, ``valid`` overrides a reviewer's earlier exclusion (``ingest flag``). An open day
(never locked, or re-opened) is the real-time version: shown as 未审核 (unaudited). The raw values
in the lake are never changed, so the real-time and the audited versions are both kept.

Reason codes and their source clauses: :mod:`ecoplan.standards.audit_reasons`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecoplan.errors import EcoplanError
from ecoplan.standards.audit_reasons import reason as reason_code
from ecoplan.store import audit
from ecoplan.store.bulletin_audit_models import AuditDayEvent, AuditDecision
from ecoplan.store.db import session_scope

#: datasets an auditor audits, with the medium of their reason codes
MEDIA = {"air_hourly": "air"}  # water: once automatic water data reach the lake


class DataAuditError(EcoplanError):
    """An audit step that is not allowed (day locked, no reason, unknown dataset …)."""


@dataclass(frozen=True)
class DayState:
    """The audit state of one site-day."""

    dataset: str
    site: str
    day: date
    locked: bool
    by: str | None = None
    at: datetime | None = None
    events: int = 0

    @property
    def label_zh(self) -> str:
        return f"已审核（{self.by}）" if self.locked else "未审核"

    @property
    def label_en(self) -> str:
        return f"audited ({self.by})" if self.locked else "unaudited"


def hours_of(day: date) -> tuple[datetime, datetime]:
    """The (exclusive, inclusive] hour-ending range of ``day``: (00:00, next day 00:00]."""
    start = datetime(day.year, day.month, day.day)
    return start, start + timedelta(days=1)


def day_of(ts: datetime) -> date:
    """The day an hour-ending label belongs to (24:00 = next day's 00:00 is the day before)."""
    return (pd.Timestamp(ts) - pd.Timedelta(seconds=1)).date()


def _medium(dataset: str) -> str:
    if dataset not in MEDIA:
        raise DataAuditError(f"不可审核的数据集：{dataset}（{'、'.join(MEDIA)}）",
                             f"Dataset cannot be audited: {dataset} ({', '.join(MEDIA)})")
    return MEDIA[dataset]


def day_state(session: Session, dataset: str, site: str, day: date) -> DayState:
    """Locked or not: the latest lock/reopen event of the site-day decides."""
    evs = session.execute(select(AuditDayEvent).where(
        AuditDayEvent.dataset == dataset, AuditDayEvent.site_code == site,
        AuditDayEvent.day == day).order_by(AuditDayEvent.id)).scalars().all()
    if not evs or evs[-1].action != "lock":
        return DayState(dataset, site, day, False, events=len(evs))
    return DayState(dataset, site, day, True, evs[-1].actor, evs[-1].at, len(evs))


def decide(session: Session, *, dataset: str, site: str, timestamp: datetime, parameter: str,
           code: str, actor: str, note: str | None = None) -> AuditDecision:
    """Append the auditor's decision on one value (its reason code decides valid/invalid)."""
    r = reason_code(code, _medium(dataset))
    day = day_of(timestamp)
    if day_state(session, dataset, site, day).locked:
        raise DataAuditError(f"{site} {day} 已锁定：请先以理由重新打开再修改审核结论",
                             f"{site} {day} is locked: re-open it with a reason before deciding")
    row = AuditDecision(dataset=dataset, site_code=site, day=day, timestamp=timestamp,
                        parameter=parameter, decision=r.decision, reason_code=r.code, note=note,
                        actor=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor, "audit.decide", dataset, f"{site}@{timestamp:%Y-%m-%d %H:%M}",
                 after={"parameter": parameter, "decision": r.decision, "reason": r.code,
                        "note": note})
    return row


def lock(session: Session, *, dataset: str, site: str, day: date, actor: str) -> DayState:
    """Lock the site-day with the auditor's name: from now on its audited values count."""
    _medium(dataset)
    if day_state(session, dataset, site, day).locked:
        raise DataAuditError(f"{site} {day} 已锁定", f"{site} {day} is already locked")
    session.add(AuditDayEvent(dataset=dataset, site_code=site, day=day, action="lock",
                              actor=actor))
    session.flush()
    audit.record(session, actor, "audit.lock", dataset, f"{site}@{day}")
    return day_state(session, dataset, site, day)


def reopen(session: Session, *, dataset: str, site: str, day: date, actor: str,
           reason: str) -> DayState:
    """Re-open a locked site-day; only with a reason (kept in the day's events and audit log)."""
    _medium(dataset)
    if not reason or not reason.strip():
        raise DataAuditError("重新打开已审核的日数据必须说明理由",
                             "Re-opening an audited day needs a reason")
    if not day_state(session, dataset, site, day).locked:
        raise DataAuditError(f"{site} {day} 未锁定，无需重新打开",
                             f"{site} {day} is not locked; nothing to re-open")
    session.add(AuditDayEvent(dataset=dataset, site_code=site, day=day, action="reopen",
                              actor=actor, reason=reason.strip()))
    session.flush()
    audit.record(session, actor, "audit.reopen", dataset, f"{site}@{day}",
                 after={"reason": reason.strip()})
    return day_state(session, dataset, site, day)


def decisions(session: Session, dataset: str, site: str, day: date) -> list[AuditDecision]:
    """Every decision of the site-day, oldest first (the history)."""
    return list(session.execute(select(AuditDecision).where(
        AuditDecision.dataset == dataset, AuditDecision.site_code == site,
        AuditDecision.day == day).order_by(AuditDecision.id)).scalars())


def locked_days(session: Session, dataset: str) -> set[tuple[str, date]]:
    """(site, day) of every day whose latest event is a lock."""
    latest: dict[tuple[str, date], str] = {}
    for site, day, action in session.execute(
            select(AuditDayEvent.site_code, AuditDayEvent.day, AuditDayEvent.action)
            .where(AuditDayEvent.dataset == dataset).order_by(AuditDayEvent.id)):
        latest[(site, day)] = action
    return {k for k, a in latest.items() if a == "lock"}


def audited_decisions(engine: Engine, dataset: str = "air_hourly") -> pd.DataFrame:
    """The decision in force (site, timestamp, parameter, decision) of every value of a locked
    day — what the audited version of the statistics uses."""
    cols = ["station_code", "timestamp", "parameter", "decision"]
    with session_scope(engine) as s:
        locked = locked_days(s, dataset)
        if not locked:
            return pd.DataFrame(columns=cols)
        latest: dict[tuple[str, datetime, str], str] = {}
        for site, day, ts, parameter, decision in s.execute(
                select(AuditDecision.site_code, AuditDecision.day, AuditDecision.timestamp,
                       AuditDecision.parameter, AuditDecision.decision)
                .where(AuditDecision.dataset == dataset).order_by(AuditDecision.id)):
            if (site, day) in locked:
                latest[(site, ts, parameter)] = decision
    return pd.DataFrame([(*k, v) for k, v in latest.items()], columns=cols)


def audit_coverage(engine: Engine, dataset: str, sites: list[str], first: date, last: date
                   ) -> tuple[int, int]:
    """(locked site-days, all site-days) of ``sites`` between ``first`` and ``last``."""
    with session_scope(engine) as s:
        locked = locked_days(s, dataset)
    n = (last - first).days + 1
    days = [first + timedelta(days=i) for i in range(n)]
    return sum((site, d) in locked for site in sites for d in days), n * len(sites)
