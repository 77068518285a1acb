"""Load a validated plan into the metadata database (tables ``plans``, ``indicators``,
``key_projects``, ``tasks``, ``municipal_targets`` of :mod:`ecoplan.store.models`).

The YAML file stays the authoritative content; the database indexes it for the web application
and the assessment. Loading is idempotent: the content hash (of the validated model, so that
reformatting the YAML changes nothing) decides whether anything is written. A changed plan
updates its rows in place by key (ids stay stable). Municipal targets are history: entries are
only ever appended, never updated or removed, whether they come from the YAML or are recorded
later through :func:`record_municipal_target`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecoplan.errors import PlanError
from ecoplan.plan import MunicipalTarget as MunicipalTargetModel
from ecoplan.plan import Plan, Target
from ecoplan.store.db import session_scope
from ecoplan.store.models import (
    IndicatorRecord,
    KeyProjectRecord,
    MunicipalTarget,
    PlanRecord,
    TaskRecord,
)


@dataclass
class PlanLoadResult:
    plan_id: int
    code: str
    status: str  # "loaded" (new), "updated" (content changed), "unchanged"
    content_hash: str
    counts: dict[str, int] = field(default_factory=dict)
    municipal_targets_added: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "code": self.code, "status": self.status,
                "content_hash": self.content_hash, "counts": self.counts,
                "municipal_targets_added": self.municipal_targets_added}


def content_hash(plan: Plan) -> str:
    """SHA-256 of the validated plan (independent of YAML layout and comments)."""
    return hashlib.sha256(plan.model_dump_json().encode("utf-8")).hexdigest()


def _indicator_values(plan_id: int, ind: Any) -> dict[str, Any]:
    return {
        "plan_id": plan_id, "key": ind.key, "number": ind.number, "category": ind.category,
        "name_zh": ind.name_zh, "name_en": ind.name_en, "unit": ind.unit,
        "attribute": ind.attribute,
        "baseline": ind.baseline.model_dump(mode="json"),
        "target": ind.target.model_dump(mode="json"),
        "measurement": ind.measurement.model_dump(mode="json") if ind.measurement else {},
    }


def _project_values(plan_id: int, p: Any) -> dict[str, Any]:
    return {
        "plan_id": plan_id, "number": p.number, "category": p.category, "name": p.name,
        "content": p.content, "investment_wan_yuan": p.investment_wan_yuan,
        "start_year": p.start_year, "end_year": p.end_year,
        "lead_departments": list(p.lead_departments),
    }


def _task_values(plan_id: int, t: Any) -> dict[str, Any]:
    target: dict[str, Any] = t.target.model_dump(mode="json") if t.target else {}
    return {"plan_id": plan_id, "key": t.key, "chapter": t.chapter, "text": t.text,
            "deadline": t.deadline, "department": t.department, "target": target}


def _sync(session: Session, model: type, plan_id: int, key_attr: str,
          wanted: dict[Any, dict[str, Any]]) -> None:
    """Update rows in place by key, insert the new ones, delete the ones no longer in the plan."""
    existing = {getattr(r, key_attr): r for r in
                session.execute(select(model).where(model.plan_id == plan_id)).scalars()}  # type: ignore[attr-defined]
    for key, row in existing.items():
        if key not in wanted:
            session.delete(row)
    session.flush()
    for key, values in wanted.items():
        row = existing.get(key)
        if row is None:
            session.add(model(**values))
        else:
            for k, v in values.items():
                if getattr(row, k) != v:
                    setattr(row, k, v)


def _municipal_key(indicator_key: str, effective_date: date, document: str) -> tuple[str, date, str]:
    return (indicator_key, effective_date, document)


def load_plan_into_db(engine: Engine, plan: Plan, *, source_file: str | Path | None = None) -> PlanLoadResult:
    """Write ``plan`` into the database (idempotent by content hash)."""
    digest = content_hash(plan)
    counts = {"indicators": len(plan.indicators), "key_projects": len(plan.key_projects),
              "tasks": len(plan.tasks)}
    src = str(Path(source_file).resolve()) if source_file else None
    with session_scope(engine) as session:
        rec = session.execute(select(PlanRecord).where(PlanRecord.code == plan.code)).scalar_one_or_none()
        status = "loaded"
        if rec is None:
            rec = PlanRecord(code=plan.code, name=plan.title_zh, region_name=plan.region.name_zh,
                             region_code=plan.region.code, start_year=plan.start_year,
                             end_year=plan.end_year, baseline_year=plan.baseline_year,
                             source_file=src, content_hash=digest)
            session.add(rec)
            session.flush()
        elif rec.content_hash == digest:
            status = "unchanged"
            if src and rec.source_file != src:
                rec.source_file = src
        else:
            status = "updated"
            rec.name, rec.region_name, rec.region_code = plan.title_zh, plan.region.name_zh, plan.region.code
            rec.start_year, rec.end_year, rec.baseline_year = plan.start_year, plan.end_year, plan.baseline_year
            rec.content_hash = digest
            if src:
                rec.source_file = src
        if status != "unchanged":
            _sync(session, IndicatorRecord, rec.id, "key",
                  {i.key: _indicator_values(rec.id, i) for i in plan.indicators})
            _sync(session, KeyProjectRecord, rec.id, "number",
                  {p.number: _project_values(rec.id, p) for p in plan.key_projects})
            _sync(session, TaskRecord, rec.id, "key", {t.key: _task_values(rec.id, t) for t in plan.tasks})
        added = _append_municipal(session, rec.id, plan.municipal_targets)
        return PlanLoadResult(rec.id, plan.code, status, digest, counts, added)


def _append_municipal(session: Session, plan_id: int, targets: list[MunicipalTargetModel]) -> int:
    have = {_municipal_key(m.indicator_key, m.effective_date, m.document) for m in session.execute(
        select(MunicipalTarget).where(MunicipalTarget.plan_id == plan_id)).scalars()}
    added = 0
    for m in targets:
        k = _municipal_key(m.indicator_key, m.effective_date, m.document)
        if k in have:
            continue
        session.add(MunicipalTarget(plan_id=plan_id, indicator_key=m.indicator_key, year=m.year,
                                    target=m.target.model_dump(mode="json"),
                                    effective_date=m.effective_date, document=m.document))
        have.add(k)
        added += 1
    return added


def _plan_id(session: Session, code: str) -> int:
    rec = session.execute(select(PlanRecord).where(PlanRecord.code == code)).scalar_one_or_none()
    if rec is None:
        raise PlanError(f"数据库中没有规划 {code}，请先运行 ecoplan plan load",
                        f"Plan {code!r} is not in the database; run `ecoplan plan load` first")
    return rec.id


def record_municipal_target(engine: Engine, plan: Plan, indicator_key: str, target: Target,
                            effective_date: date, document: str, year: int | None = None) -> bool:
    """Append a target handed down by the city; returns False if that document is already recorded.
    Earlier overrides are never changed: the latest effective one prevails."""
    plan.indicator(indicator_key)  # PlanError for an unknown key
    if not document.strip():
        raise PlanError("市级下达目标必须注明文号", "A municipal target needs its document reference")
    with session_scope(engine) as session:
        pid = _plan_id(session, plan.code)
        before = _append_municipal(session, pid, [MunicipalTargetModel(
            indicator_key=indicator_key, target=target, effective_date=effective_date,
            document=document, year=year)])
    return before == 1


def municipal_targets_from_db(engine: Engine, plan_code: str) -> list[MunicipalTargetModel]:
    """Every recorded municipal target of a plan, oldest first."""
    with session_scope(engine) as session:
        pid = _plan_id(session, plan_code)
        rows = session.execute(select(MunicipalTarget).where(MunicipalTarget.plan_id == pid)
                               .order_by(MunicipalTarget.effective_date, MunicipalTarget.id)).scalars().all()
        return [MunicipalTargetModel(indicator_key=r.indicator_key, target=Target.model_validate(r.target),
                                     effective_date=r.effective_date, document=r.document, year=r.year)
                for r in rows]


def plan_with_db_overrides(engine: Engine, plan: Plan) -> Plan:
    """``plan`` with the municipal targets recorded in the database added to its own, so that
    :meth:`Plan.effective_target` sees them."""
    merged = list(plan.municipal_targets)
    seen = {_municipal_key(m.indicator_key, m.effective_date, m.document) for m in merged}
    for m in municipal_targets_from_db(engine, plan.code):
        if _municipal_key(m.indicator_key, m.effective_date, m.document) not in seen:
            merged.append(m)
    return plan.model_copy(update={"municipal_targets": merged})


@dataclass
class PlanEntry:
    """A plan loaded in the workspace: code, title, period and the file it was loaded from."""

    code: str
    title: str
    start_year: int
    end_year: int
    baseline_year: int
    source_file: str | None

    @property
    def period(self) -> str:
        return f"{self.start_year}-{self.end_year}"


def loaded_plans(engine: Engine) -> list[PlanEntry]:
    """Every plan loaded in the workspace, oldest period first (plans are versioned by period)."""
    with session_scope(engine) as session:
        rows = session.execute(select(PlanRecord).order_by(PlanRecord.start_year, PlanRecord.id)).scalars()
        return [PlanEntry(r.code, r.name, r.start_year, r.end_year, r.baseline_year, r.source_file)
                for r in rows]


def plan_source(engine: Engine, code: str) -> Path:
    """The file a loaded plan came from; PlanError when the plan is not loaded or its file is gone."""
    for e in loaded_plans(engine):
        if e.code == code:
            if e.source_file and Path(e.source_file).is_file():
                return Path(e.source_file)
            raise PlanError(f"规划 {code} 的文件 {e.source_file} 不存在，请重新运行 ecoplan plan load",
                            f"the file {e.source_file} of plan {code!r} is missing; run `ecoplan plan load` again")
    raise PlanError(f"数据库中没有规划 {code}，请先运行 ecoplan plan load",
                    f"Plan {code!r} is not in the database; run `ecoplan plan load` first")
