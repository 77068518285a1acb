"""Inspection records (现场检查记录): who, when, where, what was checked, findings, evidence
with SHA-256, the enterprise representative's confirmation. Append-only: a correction is a new
version (the earlier ones stay), findings are rows with stable ids (a case is opened from
``inspection_findings.id``). Indicators per period: inspections done vs planned by the draws,
share of registered enterprises inspected.

Every function takes an open session and leaves committing to the caller; each write is in the
audit log (:mod:`ecoplan.store.audit`).
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.errors import Location, ValidationError
from ecoplan.ingest.validation import BEIJING
from ecoplan.store import audit
from ecoplan.store.inspection_models import (
    Inspection,
    InspectionDraw,
    InspectionFinding,
    InspectionVersion,
    Inspector,
)
from ecoplan.store.supervision_models import Enterprise
from ecoplan.supervision import sources as S
from ecoplan.supervision.inspection_draw import parse_period

CHECKLIST_FILE = Path(__file__).parent / "data" / "inspection_checklists.yaml"
ANSWERS = ("ok", "problem", "na")
ANSWER_NAMES = {"ok": ("符合", "ok"), "problem": ("存在问题", "problem"),
                "na": ("不涉及", "not applicable")}
KINDS = {"random": ("双随机抽查", "random draw"), "complaint": ("信访投诉", "complaint"),
         "special": ("专项检查", "special campaign"), "other": ("其他", "other")}


class InspectionError(ValidationError):
    """An inspection record is invalid."""


def _err(zh: str, en: str, field: str | None = None) -> InspectionError:
    return InspectionError(zh, en, location=Location(field=field) if field else None)


# ---------------------------------------------------------------- checklists
@dataclass(frozen=True)
class Checklist:
    key: str
    name: tuple[str, str]
    items: tuple[tuple[str, str, str], ...]  # (code, zh, en), common items first


def load_checklists(home: Path | None = None) -> dict[str, Checklist]:
    """The checklists of the data file (or the workspace's own copy)."""
    path = CHECKLIST_FILE
    if home is not None and (Path(home) / "inspection_checklists.yaml").is_file():
        path = Path(home) / "inspection_checklists.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    def triples(rows: Any) -> tuple[tuple[str, str, str], ...]:
        return tuple((str(r["code"]), str(r["zh"]), str(r["en"])) for r in rows or [])

    common = triples(raw.get("common"))
    out = {}
    for key, c in (raw.get("checklists") or {}).items():
        items = common + triples(c.get("items"))
        out[key] = Checklist(key, (c["name"][0], c["name"][1]), items)
    out.setdefault("general", Checklist("general", ("通用检查表", "general checklist"), common))
    return out


def checklist_for_industry(industry: str | None, home: Path | None = None) -> str:
    """The checklist key for an enterprise's industry text (``general`` when none matches)."""
    raw = yaml.safe_load((CHECKLIST_FILE if home is None or not (
        Path(home) / "inspection_checklists.yaml").is_file() else Path(home)
        / "inspection_checklists.yaml").read_text(encoding="utf-8"))
    for key, c in (raw.get("checklists") or {}).items():
        if industry and any(word in industry for word in c.get("industries") or []):
            return str(key)
    return "general"


# ---------------------------------------------------------------- evidence
def keep_evidence_file(home: Path, path: Path) -> dict[str, Any]:
    """Copy a local evidence file (photo, video, document) into the workspace, addressed by its
    SHA-256 (``<home>/evidence/<sha256>``, the layout of the web uploads)."""
    p = Path(path)
    if not p.is_file():
        raise InspectionError(f"证据文件不存在：{p}", f"Evidence file not found: {p}",
                              location=Location(file=str(p), field="evidence"))
    digest = hashlib.sha256()
    with p.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    sha = digest.hexdigest()
    folder = Path(home) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / sha).exists():
        shutil.copyfile(p, folder / sha)
    return {"name": p.name, "sha256": sha, "size": p.stat().st_size, "uri": None}


def _check_evidence(evidence: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for ev in evidence:
        sha = str(ev.get("sha256") or "")
        if len(sha) != 64 or any(ch not in "0123456789abcdef" for ch in sha):
            raise _err(f"证据 {ev.get('name')} 缺少有效的 SHA-256",
                       f"Evidence {ev.get('name')} has no valid SHA-256", "evidence")
        out.append({k: ev.get(k) for k in ("name", "sha256", "size", "uri", "media_type")
                    if ev.get(k) is not None})
    return out


# ---------------------------------------------------------------- records
def _as_utc(at: datetime) -> datetime:
    """A stored time (naive from SQLite: UTC) as an aware UTC time."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).replace(microsecond=0)


def entered_time(at: datetime) -> datetime:
    """A time a user entered: without a zone it is Beijing time (as on the form and the CLI)."""
    return at if at.tzinfo else at.replace(tzinfo=BEIJING)


def _check_fields(session: Session, *, inspected_at: datetime, inspectors: Sequence[str],
                  latitude: float | None, longitude: float | None, checklist: str,
                  items: Mapping[str, str], home: Path | None) -> tuple[list[str], dict[str, str]]:
    if _as_utc(inspected_at) > datetime.now(UTC) + timedelta(minutes=10):
        raise _err("检查时间不能晚于现在", "The inspection time cannot be in the future",
                   "inspected_at")
    codes = [c.strip() for c in inspectors if c and c.strip()]
    if not codes:
        raise _err("至少填写一名执法人员", "At least one inspector is required", "inspectors")
    known = set(session.scalars(select(Inspector.code).where(Inspector.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise _err(f"未登记的执法人员：{'、'.join(unknown)}",
                   f"Unknown inspectors: {', '.join(unknown)}", "inspectors")
    if (latitude is None) != (longitude is None):
        raise _err("经纬度应同时填写", "Give both latitude and longitude", "latitude")
    if latitude is not None and not (-90 <= latitude <= 90 and -180 <= longitude <= 180):  # type: ignore[operator]
        raise _err("经纬度超出范围", "Latitude/longitude out of range", "latitude")
    lists = load_checklists(home)
    if checklist not in lists:
        raise _err(f"没有检查表 {checklist}", f"No checklist {checklist}", "checklist")
    allowed = {code for code, _, _ in lists[checklist].items}
    answers = {}
    for code, ans in items.items():
        if code not in allowed:
            raise _err(f"检查项 {code} 不在检查表 {checklist} 中",
                       f"Item {code} is not on checklist {checklist}", f"items.{code}")
        if ans not in ANSWERS:
            raise _err(f"检查项 {code} 的结果“{ans}”无效（ok/problem/na）",
                       f"Answer '{ans}' of item {code} is invalid (ok/problem/na)",
                       f"items.{code}")
        answers[code] = ans
    return codes, answers


def _findings_in(findings: Sequence[Mapping[str, Any] | str]) -> list[dict[str, Any]]:
    out = []
    for f in findings:
        d = {"item": None, "description": f} if isinstance(f, str) else dict(f)
        text = str(d.get("description") or "").strip()
        if text:
            out.append({"item": (d.get("item") or None), "description": text})
    return out


def record_inspection(session: Session, enterprise: str, *, inspected_at: datetime,
                      inspectors: Sequence[str], actor: str, place: str | None = None,
                      latitude: float | None = None, longitude: float | None = None,
                      checklist: str | None = None, items: Mapping[str, str] | None = None,
                      findings: Sequence[Mapping[str, Any] | str] = (),
                      evidence: Sequence[Mapping[str, Any]] = (),
                      representative: str | None = None, confirmed: bool = False,
                      confirmation_note: str | None = None, note: str | None = None,
                      department: str | None = None, draw_id: int | None = None,
                      kind: str = "random", client_uuid: str | None = None,
                      home: Path | None = None) -> Inspection:
    """Record an inspection (version 1). A repeated ``client_uuid`` (a draft submitted twice
    from a phone) returns the first record and writes nothing."""
    if client_uuid:
        prior = session.scalars(select(Inspection)
                                .where(Inspection.client_uuid == client_uuid)).first()
        if prior is not None:
            return prior
    ent = S.find_enterprise(session, enterprise)
    if kind not in KINDS:
        raise _err(f"检查类型“{kind}”无效", f"Invalid inspection kind '{kind}'", "kind")
    if draw_id is not None:
        d = session.get(InspectionDraw, int(draw_id))
        if d is None or ent.credit_code not in {r["credit_code"] for r in d.result}:
            raise _err(f"企业 {ent.name} 不在抽查 {draw_id} 的结果中",
                       f"Enterprise {ent.name} is not in the result of draw {draw_id}", "draw")
    key = checklist or checklist_for_industry(ent.industry, home)
    inspected_at = entered_time(inspected_at)
    codes, answers = _check_fields(session, inspected_at=inspected_at, inspectors=inspectors,
                                   latitude=latitude, longitude=longitude, checklist=key,
                                   items=items or {}, home=home)
    now = datetime.now(UTC).replace(microsecond=0)
    head = Inspection(enterprise=ent.credit_code, draw_id=draw_id, kind=kind,
                      department=department, created_by=actor, created_at=now,
                      client_uuid=client_uuid or None)
    session.add(head)
    session.flush()
    _add_version(session, head, 1, inspected_at=inspected_at, inspectors=codes, place=place,
                 latitude=latitude, longitude=longitude, checklist=key, items=answers,
                 findings=_findings_in(findings), evidence=_check_evidence(evidence),
                 representative=representative, confirmed=confirmed,
                 confirmation_note=confirmation_note, note=note, reason=None, actor=actor,
                 previous=[])
    return head


def _add_version(session: Session, head: Inspection, version: int, *, inspected_at: datetime,
                 inspectors: list[str], place: str | None, latitude: float | None,
                 longitude: float | None, checklist: str, items: dict[str, str],
                 findings: list[dict[str, Any]], evidence: list[dict[str, Any]],
                 representative: str | None, confirmed: bool, confirmation_note: str | None,
                 note: str | None, reason: str | None, actor: str,
                 previous: list[InspectionFinding]) -> InspectionVersion:
    v = InspectionVersion(inspection_id=head.id, version=version,
                          inspected_at=_as_utc(inspected_at), inspectors=inspectors,
                          place=(place or "").strip() or None, latitude=latitude,
                          longitude=longitude, checklist=checklist, items=items,
                          evidence=evidence, representative=(representative or "").strip()
                          or None, confirmed=bool(confirmed),
                          confirmation_note=(confirmation_note or "").strip() or None,
                          note=(note or "").strip() or None, correction_reason=reason,
                          recorded_by=actor, recorded_at=datetime.now(UTC).replace(microsecond=0))
    session.add(v)
    session.flush()
    by_item = {f.item: f.id for f in previous if f.item}
    ids = []
    for f in findings:
        row = InspectionFinding(inspection_id=head.id, version_id=v.id, item=f["item"],
                                description=f["description"],
                                supersedes=by_item.get(f["item"]) if f["item"] else None)
        session.add(row)
        session.flush()
        ids.append(row.id)
    audit.record(session, actor, "create" if version == 1 else "correct", "inspection",
                 head.id, None, {"version": version, "enterprise": head.enterprise,
                                 "inspected_at": v.inspected_at, "inspectors": inspectors,
                                 "findings": ids, "evidence": [e["sha256"] for e in evidence],
                                 "confirmed": v.confirmed, "reason": reason})
    return v


def correct_inspection(session: Session, inspection_id: int, *, reason: str, actor: str,
                       home: Path | None = None, **changes: Any) -> InspectionVersion:
    """A new version of an inspection: the latest version with ``changes`` applied (same
    keyword names as :func:`record_inspection`); ``findings`` replaces the list when given,
    ``evidence`` is added to the earlier files."""
    head = get_inspection(session, inspection_id)
    if not (reason or "").strip():
        raise _err("更正须说明理由", "A correction needs a reason", "reason")
    last = latest_version(session, head.id)
    allowed = {"inspected_at", "inspectors", "place", "latitude", "longitude", "checklist",
               "items", "findings", "evidence", "representative", "confirmed",
               "confirmation_note", "note"}
    wrong = set(changes) - allowed
    if wrong:
        raise _err(f"不能更正字段 {', '.join(sorted(wrong))}",
                   f"Fields {', '.join(sorted(wrong))} cannot be corrected", sorted(wrong)[0])
    prev_findings = findings_of(session, last.id)
    merged: dict[str, Any] = {
        "inspected_at": last.inspected_at, "inspectors": list(last.inspectors),
        "place": last.place, "latitude": last.latitude, "longitude": last.longitude,
        "checklist": last.checklist, "items": dict(last.items),
        "representative": last.representative, "confirmed": last.confirmed,
        "confirmation_note": last.confirmation_note, "note": last.note}
    merged.update({k: v for k, v in changes.items() if k not in ("findings", "evidence")
                   and v is not None})
    merged["inspected_at"] = entered_time(merged["inspected_at"]) if changes.get(
        "inspected_at") is not None else _as_utc(merged["inspected_at"])
    codes, answers = _check_fields(session, inspected_at=merged["inspected_at"],
                                   inspectors=merged["inspectors"],
                                   latitude=merged["latitude"], longitude=merged["longitude"],
                                   checklist=merged["checklist"], items=merged["items"],
                                   home=home)
    findings = (_findings_in(changes["findings"]) if changes.get("findings") is not None
                else [{"item": f.item, "description": f.description} for f in prev_findings])
    evidence = list(last.evidence) + _check_evidence(changes.get("evidence") or [])
    return _add_version(session, head, last.version + 1, inspected_at=merged["inspected_at"],
                        inspectors=codes, place=merged["place"], latitude=merged["latitude"],
                        longitude=merged["longitude"], checklist=merged["checklist"],
                        items=answers, findings=findings, evidence=evidence,
                        representative=merged["representative"],
                        confirmed=merged["confirmed"],
                        confirmation_note=merged["confirmation_note"], note=merged["note"],
                        reason=reason.strip(), actor=actor, previous=prev_findings)


def get_inspection(session: Session, inspection_id: int) -> Inspection:
    row = session.get(Inspection, int(inspection_id))
    if row is None:
        raise _err(f"没有编号为 {inspection_id} 的检查记录",
                   f"No inspection with id {inspection_id}", "inspection")
    return row


def latest_version(session: Session, inspection_id: int) -> InspectionVersion:
    return session.scalars(select(InspectionVersion)
                           .where(InspectionVersion.inspection_id == inspection_id)
                           .order_by(InspectionVersion.version.desc())).first()  # type: ignore[return-value]


def findings_of(session: Session, version_id: int) -> list[InspectionFinding]:
    return list(session.scalars(select(InspectionFinding)
                                .where(InspectionFinding.version_id == version_id)
                                .order_by(InspectionFinding.id)))


def version_dict(session: Session, v: InspectionVersion) -> dict[str, Any]:
    # times in Beijing time, with their offset
    return {"version": v.version,
            "inspected_at": _as_utc(v.inspected_at).astimezone(BEIJING).isoformat(),
            "inspectors": list(v.inspectors), "place": v.place, "latitude": v.latitude,
            "longitude": v.longitude, "checklist": v.checklist, "items": dict(v.items),
            "evidence": list(v.evidence), "representative": v.representative,
            "confirmed": bool(v.confirmed), "confirmation_note": v.confirmation_note,
            "note": v.note, "correction_reason": v.correction_reason,
            "recorded_by": v.recorded_by, "recorded_at": _as_utc(v.recorded_at).astimezone(BEIJING).isoformat(),
            "findings": [{"id": f.id, "item": f.item, "description": f.description,
                          "supersedes": f.supersedes} for f in findings_of(session, v.id)]}


def inspection_dict(session: Session, head: Inspection, *, history: bool = False
                    ) -> dict[str, Any]:
    versions = list(session.scalars(select(InspectionVersion)
                                    .where(InspectionVersion.inspection_id == head.id)
                                    .order_by(InspectionVersion.version)))
    ent = session.get(Enterprise, head.enterprise)
    out = {"id": head.id, "enterprise": head.enterprise, "enterprise_name": ent.name if ent
           else head.enterprise, "kind": head.kind, "draw_id": head.draw_id,
           "department": head.department, "created_by": head.created_by,
           "latest": version_dict(session, versions[-1]), "versions": len(versions)}
    if history:
        out["history"] = [version_dict(session, v) for v in versions]
    return out


def list_inspections(session: Session, start: date | None = None, end: date | None = None,
                     *, department: str | None = None, enterprise: str | None = None
                     ) -> list[dict[str, Any]]:
    """Inspections (latest version) inspected within [start, end], newest first."""
    q = select(Inspection).order_by(Inspection.id.desc())
    if department:
        q = q.where(Inspection.department == department)
    if enterprise:
        q = q.where(Inspection.enterprise == S.find_enterprise(session, enterprise).credit_code)
    out = []
    for head in session.scalars(q):
        d = inspection_dict(session, head)
        day = date.fromisoformat(d["latest"]["inspected_at"][:10])
        if (start is None or day >= start) and (end is None or day <= end):
            out.append(d)
    return out


# ---------------------------------------------------------------- indicators
def stats(session: Session, period: str) -> dict[str, Any]:
    """Per period: objects planned by the draws, of them inspected, all inspections, share of
    the registered enterprises inspected at least once, per supervision class."""
    label, start, end = parse_period(period)
    draws = [d for d in session.scalars(select(InspectionDraw))
             if d.period_start <= end and d.period_end >= start]
    planned = {(d.id, r["credit_code"]): r["class"] for d in draws for r in d.result}
    done_rows = list_inspections(session, start, end)
    done_planned = {(r["draw_id"], r["enterprise"]) for r in done_rows} & set(planned)
    inspected = {r["enterprise"] for r in done_rows}
    registered = [e.credit_code for e in S.list_enterprises(session)]
    per_class: dict[str, dict[str, int]] = {}
    for key, cls in planned.items():
        c = per_class.setdefault(cls, {"planned": 0, "done": 0})
        c["planned"] += 1
        c["done"] += key in done_planned
    n_reg = len(registered)
    return {"period": label, "start": start.isoformat(), "end": end.isoformat(),
            "draws": len(draws), "planned": len(planned), "planned_done": len(done_planned),
            "done_rate": round(len(done_planned) / len(planned), 4) if planned else None,
            "inspections": len(done_rows), "registered": n_reg,
            "enterprises_inspected": len(inspected & set(registered)),
            "share_inspected": (round(len(inspected & set(registered)) / n_reg, 4) if n_reg
                                else None),
            "findings": sum(len(r["latest"]["findings"]) for r in done_rows),
            "confirmed": sum(1 for r in done_rows if r["latest"]["confirmed"]),
            "per_class": per_class}


def annual_section(session: Session, year: int) -> dict[str, Any]:
    """Figures and sentences of a supervision section of the annual report (zh, en): the
    reports layer is below supervision, so a report builder is handed this data."""
    s = stats(session, str(year))
    pct = f"{s['share_inspected'] * 100:.1f}%" if s["share_inspected"] is not None else "—"
    zh = (f"{year} 年开展“双随机、一公开”抽查 {s['draws']} 次，抽取检查对象 {s['planned']} 家次，"
          f"已完成 {s['planned_done']} 家次；全年现场检查 {s['inspections']} 次，"
          f"覆盖登记企业 {s['enterprises_inspected']}/{s['registered']} 家（{pct}），"
          f"发现问题 {s['findings']} 项。")
    en = (f"In {year}, {s['draws']} random draws picked {s['planned']} inspection objects, "
          f"{s['planned_done']} of them inspected; {s['inspections']} on-site inspections in "
          f"all covered {s['enterprises_inspected']} of {s['registered']} registered "
          f"enterprises ({pct}) and found {s['findings']} problems.")
    return {"stats": s, "zh": zh, "en": en}

