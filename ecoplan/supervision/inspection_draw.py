"""双随机、一公开: random draws of inspection objects and inspectors, reproducible and auditable.

Pools
    The **object pool** is built from the pollution-source registry (:mod:`.sources`): every
    registered enterprise falls into one supervision class — ``special`` (特殊监管对象: listed in
    the configuration or named at draw time), ``key`` (重点: ``key_enterprise`` in the registry or
    a 重点管理 discharge permit in force) or ``general`` (一般). Each entry carries the
    enterprise's environmental-credit grade (an input of the draw) and the inspectors who
    inspected it last time. The **inspector pool** lists the active inspectors with unit,
    certificate expiry and the enterprises each is recused from.

Draw (algorithm ``sha256-rank/1``)
    A 256-bit seed is generated at draw time (:mod:`secrets`). Every choice orders candidates by
    ``SHA-256(seed | purpose | …)`` — a rule anyone can recompute in any language, independent
    of a random-number library:

    1. per class and per credit grade, ``n = ceil(size × min(1, ratio × multiplier(grade)))``
       objects: the ``n`` smallest ranks ``SHA-256(seed|object|class|credit_code)``;
    2. for each drawn object in order (class order, then rank), ``per_object`` inspectors among
       the eligible ones — active, certificate valid on ``valid_on``, not recused from that
       enterprise, not among the inspectors of its last inspection, and (when
       ``pairs_from_different_units``) from a unit not yet in its team — the one with the fewest
       assignments so far, ties by ``SHA-256(seed|inspector|credit_code|code)``. An object without
       enough eligible inspectors is kept with status ``short``.

    The seed, the pool snapshots and their SHA-256, the configuration and the result are stored
    (append-only) and written to the audit log; :func:`verify_document` re-derives a draw from
    them (``ecoplan inspect draw --verify``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.errors import Location, ValidationError
from ecoplan.store import audit
from ecoplan.store.inspection_models import (
    DrawPublication,
    Inspection,
    InspectionDraw,
    InspectionVersion,
    Inspector,
    InspectorRecusal,
)
from ecoplan.supervision import sources as S
from ecoplan.supervision.credit import current_grades

ALGORITHM = "sha256-rank/1"
DOCUMENT_FORMAT = "ecoplan-inspection-draw/1"
CLASSES = ("key", "general", "special")
CLASS_ORDER = ("special", "key", "general")
CONFIG_FILE = Path(__file__).parent / "data" / "inspection_pools.yaml"
PERIOD_KINDS = ("year", "half", "quarter", "month")


class DrawError(ValidationError):
    """A draw, inspector or recusal request is invalid."""


def _err(zh: str, en: str, field: str | None = None) -> DrawError:
    return DrawError(zh, en, location=Location(field=field) if field else None)


# ---------------------------------------------------------------- configuration
def load_config(path: Path | None = None, home: Path | None = None) -> dict[str, Any]:
    """The pool configuration: ``path``, else ``<home>/inspection_pools.yaml``, else the
    bundled defaults (``supervision/data/inspection_pools.yaml``)."""
    if path is None and home is not None and (Path(home) / "inspection_pools.yaml").is_file():
        path = Path(home) / "inspection_pools.yaml"
    path = path or CONFIG_FILE
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DrawError(f"无法读取抽查配置 {path}：{exc}",
                        f"Cannot read the draw configuration {path}: {exc}",
                        location=Location(file=str(path))) from None
    return check_config(raw, str(path))


def check_config(raw: Any, where: str = "config") -> dict[str, Any]:
    """Validate a configuration (the stored snapshot of a draw goes through here too)."""
    def bad(field_: str, zh: str, en: str) -> DrawError:
        return DrawError(zh, en, location=Location(file=where, field=field_))

    if not isinstance(raw, dict):
        raise bad("", "抽查配置应为映射", "The draw configuration must be a mapping")
    period = raw.get("period", "quarter")
    if period not in PERIOD_KINDS:
        raise bad("period", f"抽查周期“{period}”无效", f"Invalid draw period '{period}'")
    classes = raw.get("classes") or {}
    out_classes: dict[str, Any] = {}
    for cls in CLASSES:
        c = classes.get(cls)
        if not isinstance(c, dict):
            raise bad(f"classes.{cls}", f"缺少监管类别 {cls} 的配置",
                      f"The configuration of class {cls} is missing")
        ratio = Fraction(str(c.get("ratio")))
        if not 0 <= ratio <= 1:
            raise bad(f"classes.{cls}.ratio", f"{cls} 的抽查比例应在 0 到 1 之间",
                      f"The ratio of {cls} must be between 0 and 1")
        name = c.get("name") or [cls, cls]
        out_classes[cls] = {"name": list(name), "ratio": str(c.get("ratio")),
                            "configurable_default": bool(c.get("configurable_default", False))}
    mult = {str(k): str(v) for k, v in (raw.get("grade_multipliers") or {}).items()}
    for k, v in mult.items():
        if Fraction(v) < 0:
            raise bad(f"grade_multipliers.{k}", "倍数不能为负", "A multiplier cannot be negative")
    insp = raw.get("inspectors") or {}
    per_object = int(insp.get("per_object", 2))
    if per_object < 1:
        raise bad("inspectors.per_object", "每家企业至少抽取 1 名执法人员",
                  "At least one inspector per enterprise")
    return {
        "source": str(raw.get("source", "")),
        "period": period,
        "publish_within_days": int(raw.get("publish_within_days", 20)),
        "classes": out_classes,
        "special_credit_codes": sorted(str(x).upper() for x in raw.get("special_credit_codes")
                                       or []),
        "grade_multipliers": mult,
        "inspectors": {
            "per_object": per_object,
            "pairs_from_different_units": bool(insp.get("pairs_from_different_units", False)),
            "certificate_valid_through_period": bool(
                insp.get("certificate_valid_through_period", True)),
        },
    }


# ---------------------------------------------------------------- periods
def parse_period(text: str) -> tuple[str, date, date]:
    """``2026`` / ``2026H2`` / ``2026Q4`` / ``2026-11`` → (label, first day, last day)."""
    t = (text or "").strip().upper()
    try:
        if len(t) == 4 and t.isdigit():
            y = int(t)
            return t, date(y, 1, 1), date(y, 12, 31)
        if len(t) == 6 and t[4] == "H" and t[5] in "12":
            y, h = int(t[:4]), int(t[5])
            return t, date(y, 6 * h - 5, 1), (date(y, 6, 30) if h == 1 else date(y, 12, 31))
        if len(t) == 6 and t[4] == "Q" and t[5] in "1234":
            y, q = int(t[:4]), int(t[5])
            start = date(y, 3 * q - 2, 1)
            return t, start, _month_end(y, 3 * q)
        if len(t) == 7 and t[4] == "-":
            y, m = int(t[:4]), int(t[5:])
            return t, date(y, m, 1), _month_end(y, m)
    except ValueError:
        pass
    raise _err(f"周期“{text}”无效，应为 2026、2026H2、2026Q4 或 2026-11",
               f"Invalid period '{text}'; use 2026, 2026H2, 2026Q4 or 2026-11", "period")


def _month_end(y: int, m: int) -> date:
    return (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)


def period_of(day: date, kind: str) -> str:
    """The label of the period of ``kind`` containing ``day``."""
    if kind == "year":
        return f"{day.year}"
    if kind == "half":
        return f"{day.year}H{1 if day.month <= 6 else 2}"
    if kind == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


# ---------------------------------------------------------------- the pure algorithm
def canonical(value: Any) -> bytes:
    """The canonical JSON bytes hashed for pools and results (sorted keys, no spaces)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode("utf-8")


def content_hash(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def _rank(seed: str, *parts: str) -> str:
    return hashlib.sha256("|".join((seed, *parts)).encode("utf-8")).hexdigest()


def multiplier(config: Mapping[str, Any], grade: str | None) -> Fraction:
    m = config["grade_multipliers"].get(grade or "")
    return Fraction(m) if m is not None else Fraction(1)


def quota(size: int, ratio: Fraction) -> int:
    """How many of ``size`` objects a ratio asks for: rounded up (a started one counts)."""
    return math.ceil(size * min(Fraction(1), ratio))


def certified(inspector: Mapping[str, Any], valid_on: str) -> bool:
    exp = inspector.get("certificate_expires")
    return bool(inspector.get("certificate_no")) and exp is not None and exp >= valid_on


def derive(seed: str, config: Mapping[str, Any], objects: Sequence[Mapping[str, Any]],
           inspectors: Sequence[Mapping[str, Any]], valid_on: str) -> list[dict[str, Any]]:
    """The draw's result from the seed and the pools (pure and deterministic)."""
    chosen: list[Mapping[str, Any]] = []
    for cls in CLASS_ORDER:
        members = [o for o in objects if o["class"] == cls]
        base = Fraction(config["classes"][cls]["ratio"])
        for grade in sorted({o.get("grade") or "" for o in members}):
            group = [o for o in members if (o.get("grade") or "") == grade]
            n = quota(len(group), base * multiplier(config, grade))
            group.sort(key=lambda o: _rank(seed, "object", cls, o["credit_code"]))
            chosen.extend(group[:n])
    order = {c: i for i, c in enumerate(CLASS_ORDER)}
    chosen.sort(key=lambda o: (order[o["class"]], _rank(seed, "object", o["class"],
                                                        o["credit_code"])))
    rules = config["inspectors"]
    load: dict[str, int] = {i["code"]: 0 for i in inspectors}
    result = []
    for o in chosen:
        code = o["credit_code"]
        last = set(o.get("last_inspectors") or [])
        eligible = [i for i in inspectors
                    if i.get("active", True) and certified(i, valid_on)
                    and code not in (i.get("recused") or []) and i["code"] not in last]
        team: list[Mapping[str, Any]] = []
        while len(team) < rules["per_object"]:
            units = {t["unit"] for t in team}
            left = [i for i in eligible if i not in team
                    and not (rules["pairs_from_different_units"] and i["unit"] in units)]
            if not left:
                break
            pick = min(left, key=lambda i: (load[i["code"]], _rank(seed, "inspector", code,
                                                                   i["code"])))
            team.append(pick)
            load[pick["code"]] += 1
        result.append({"credit_code": code, "name": o.get("name", ""), "class": o["class"],
                       "grade": o.get("grade"), "inspectors": [t["code"] for t in team],
                       "inspector_names": [t["name"] for t in team],
                       "units": [t["unit"] for t in team],
                       "status": "ok" if len(team) == rules["per_object"] else "short"})
    return result


# ---------------------------------------------------------------- inspectors and recusals
def add_inspector(session: Session, code: str, name: str, unit: str, *,
                  certificate_no: str | None = None, certificate_expires: date | None = None,
                  actor: str = "cli") -> Inspector:
    code, name, unit = (code or "").strip(), (name or "").strip(), (unit or "").strip()
    for value, fld, zh, en in ((code, "code", "编号", "code"), (name, "name", "姓名", "name"),
                               (unit, "unit", "单位", "unit")):
        if not value:
            raise _err(f"执法人员{zh}不能为空", f"Inspector {en} is required", fld)
    if session.scalars(select(Inspector).where(Inspector.code == code)).first() is not None:
        raise _err(f"执法人员 {code} 已登记", f"Inspector {code} is already registered", "code")
    row = Inspector(code=code, name=name, unit=unit, certificate_no=certificate_no or None,
                    certificate_expires=certificate_expires, active=True)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "inspector", code, None, inspector_dict(row))
    return row


def get_inspector(session: Session, code: str) -> Inspector:
    row = session.scalars(select(Inspector).where(Inspector.code == (code or "").strip())).first()
    if row is None:
        raise _err(f"未登记的执法人员：{code}", f"Unknown inspector: {code}", "inspector")
    return row


def set_inspector(session: Session, code: str, *, actor: str = "cli",
                  active: bool | None = None, certificate_no: str | None = None,
                  certificate_expires: date | None = None, unit: str | None = None
                  ) -> Inspector:
    """Change an inspector's certificate, unit or active flag (audited before/after)."""
    row = get_inspector(session, code)
    before = inspector_dict(row)
    if active is not None:
        row.active = active
    if certificate_no is not None:
        row.certificate_no = certificate_no or None
    if certificate_expires is not None:
        row.certificate_expires = certificate_expires
    if unit:
        row.unit = unit.strip()
    session.flush()
    audit.record(session, actor, "update", "inspector", row.code, before, inspector_dict(row))
    return row


def list_inspectors(session: Session, *, active_only: bool = False) -> list[Inspector]:
    q = select(Inspector).order_by(Inspector.unit, Inspector.code)
    if active_only:
        q = q.where(Inspector.active.is_(True))
    return list(session.scalars(q))


def inspector_dict(row: Inspector) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "unit": row.unit,
            "certificate_no": row.certificate_no,
            "certificate_expires": (row.certificate_expires.isoformat()
                                    if row.certificate_expires else None),
            "active": bool(row.active)}


def add_recusal(session: Session, inspector: str, enterprise: str, reason: str, *,
                actor: str = "cli") -> InspectorRecusal:
    insp = get_inspector(session, inspector)
    ent = S.find_enterprise(session, enterprise)
    if not (reason or "").strip():
        raise _err("回避理由不能为空", "A reason for the recusal is required", "reason")
    row = InspectorRecusal(inspector=insp.code, enterprise=ent.credit_code,
                           reason=reason.strip(), recorded_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", "inspector_recusal", row.id, None,
                 {"inspector": insp.code, "enterprise": ent.credit_code, "reason": row.reason})
    return row


def recusals(session: Session) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {}
    for r in session.scalars(select(InspectorRecusal)):
        out.setdefault(r.inspector, set()).add(r.enterprise)
    return {k: sorted(v) for k, v in out.items()}


# ---------------------------------------------------------------- pools
def normalise_grades(grades: Mapping[Any, str] | None) -> dict[str, str]:
    """Credit grades keyed by credit code (upper case), values stripped."""
    return {str(k).strip().upper(): str(v).strip() for k, v in (grades or {}).items()
            if str(v).strip()}


def last_inspectors(session: Session, before: datetime) -> dict[str, list[str]]:
    """Per enterprise, the inspectors of its latest inspection (recorded or drawn) before
    ``before``: a recorded inspection's latest version, else the latest draw's team."""
    latest: dict[str, tuple[datetime, list[str]]] = {}

    def keep(code: str, at: datetime, team: list[str]) -> None:
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        if at <= before and (code not in latest or at >= latest[code][0]) and team:
            latest[code] = (at, list(team))

    for d in session.scalars(select(InspectionDraw).order_by(InspectionDraw.id)):
        for r in d.result:
            keep(r["credit_code"], d.drawn_at, r.get("inspectors") or [])
    rows = session.execute(select(Inspection.enterprise, InspectionVersion.inspected_at,
                                  InspectionVersion.inspectors, InspectionVersion.version,
                                  InspectionVersion.inspection_id)
                           .join(InspectionVersion, InspectionVersion.inspection_id
                                 == Inspection.id)
                           .order_by(InspectionVersion.inspection_id, InspectionVersion.version))
    for ent, at, team, _v, _i in rows:
        keep(ent, at, [str(x) for x in team])
    return {k: sorted(v[1]) for k, v in latest.items()}


def build_pools(session: Session, config: Mapping[str, Any], period_start: date,
                grades: Mapping[Any, str] | None = None, special: Iterable[str] = (),
                at: datetime | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The object and inspector pools (sorted, JSON-ready) as the registry stands."""
    g = normalise_grades(grades)
    special_codes = set(config["special_credit_codes"]) | {S.find_enterprise(session, s)
                                                           .credit_code for s in special}
    last = last_inspectors(session, at or datetime.now(UTC))
    objects = []
    for e in sorted(S.list_enterprises(session), key=lambda e: e.credit_code):
        permit = S.permit_in_force(session, e.credit_code, period_start)
        if e.credit_code in special_codes:
            cls = "special"
        elif e.key_enterprise or (permit is not None and permit.management_class == "key"):
            cls = "key"
        else:
            cls = "general"
        objects.append({"credit_code": e.credit_code, "name": e.name, "class": cls,
                        "grade": g.get(e.credit_code), "industry": e.industry, "town": e.town,
                        "last_inspectors": last.get(e.credit_code, [])})
    rec = recusals(session)
    inspectors = [inspector_dict(i) | {"recused": rec.get(i.code, [])}
                  for i in sorted(list_inspectors(session, active_only=True),
                                  key=lambda i: i.code)]
    return objects, inspectors


# ---------------------------------------------------------------- draws
def run_draw(session: Session, period: str, *, actor: str = "cli",
             grades: Mapping[Any, str] | None = None, special: Iterable[str] = (),
             config: Mapping[str, Any] | None = None) -> InspectionDraw:
    """Make a draw for ``period`` with a fresh seed; stored, audited, published by the due
    date. ``grades`` are the enterprises' environmental-credit grades (credit code → grade);
    ``None`` takes each enterprise's latest evaluated grade (:func:`credit.current_grades`),
    so the credit evaluation feeds the draw ratio."""
    cfg = check_config(dict(config) if config is not None else load_config())
    if grades is None:
        grades = current_grades(session)
    label, start, end = parse_period(period)
    now = datetime.now(UTC).replace(microsecond=0)
    objects, inspectors = build_pools(session, cfg, start, grades, special, now)
    if not objects:
        raise _err("污染源登记中没有企业，无法抽查", "The source registry has no enterprise to draw",
                   "period")
    valid_on = (end if cfg["inspectors"]["certificate_valid_through_period"]
                else now.date()).isoformat()
    seed = secrets.token_hex(32)
    result = derive(seed, cfg, objects, inspectors, valid_on)
    cfg_stored = dict(cfg) | {"valid_on": valid_on}
    row = InspectionDraw(period=label, period_start=start, period_end=end, drawn_at=now,
                         drawn_by=actor, seed=seed, algorithm=ALGORITHM, config=cfg_stored,
                         object_pool=objects, inspector_pool=inspectors,
                         object_pool_hash=content_hash(objects),
                         inspector_pool_hash=content_hash(inspectors), result=result,
                         result_hash=content_hash(result),
                         publish_due=now.date() + timedelta(days=cfg["publish_within_days"]))
    session.add(row)
    session.flush()
    audit.record(session, actor, "draw", "inspection_draw", row.id, None, _audit_body(row))
    return row


def _audit_body(row: InspectionDraw) -> dict[str, Any]:
    return {"period": row.period, "seed": row.seed, "algorithm": row.algorithm,
            "object_pool_hash": row.object_pool_hash,
            "inspector_pool_hash": row.inspector_pool_hash, "config_hash":
            content_hash(row.config), "result_hash": row.result_hash,
            "objects": len(row.result)}


def get_draw(session: Session, draw_id: int) -> InspectionDraw:
    row = session.get(InspectionDraw, int(draw_id))
    if row is None:
        raise _err(f"没有编号为 {draw_id} 的抽查", f"No draw with id {draw_id}", "draw")
    return row


def list_draws(session: Session, period: str | None = None) -> list[InspectionDraw]:
    q = select(InspectionDraw).order_by(InspectionDraw.id.desc())
    if period:
        q = q.where(InspectionDraw.period == parse_period(period)[0])
    return list(session.scalars(q))


def draw_document(row: InspectionDraw) -> dict[str, Any]:
    """The published form of a draw: everything needed to re-derive it."""
    return {"format": DOCUMENT_FORMAT, "draw_id": row.id, "period": row.period,
            "period_start": row.period_start.isoformat(),
            "period_end": row.period_end.isoformat(),
            "drawn_at": audit._stamp(row.drawn_at), "drawn_by": row.drawn_by, "seed": row.seed,
            "algorithm": row.algorithm, "config": row.config,
            "object_pool": row.object_pool, "object_pool_hash": row.object_pool_hash,
            "inspector_pool": row.inspector_pool,
            "inspector_pool_hash": row.inspector_pool_hash,
            "result": row.result, "result_hash": row.result_hash}


def publish(session: Session, draw_id: int, *, actor: str = "cli") -> DrawPublication:
    """Publish a draw on the public pages now (it is public at its due date anyway)."""
    row = get_draw(session, draw_id)
    existing = session.scalars(select(DrawPublication)
                               .where(DrawPublication.draw_id == row.id)).first()
    if existing is not None:
        return existing
    pub = DrawPublication(draw_id=row.id, published_at=datetime.now(UTC).replace(microsecond=0),
                          published_by=actor)
    session.add(pub)
    session.flush()
    audit.record(session, actor, "publish", "inspection_draw", row.id, None,
                 {"result_hash": row.result_hash})
    return pub


def published_on(session: Session, row: InspectionDraw) -> date:
    pub = session.scalars(select(DrawPublication)
                          .where(DrawPublication.draw_id == row.id)).first()
    if pub is None:
        return row.publish_due
    at = pub.published_at if pub.published_at.tzinfo else pub.published_at.replace(tzinfo=UTC)
    return min(row.publish_due, at.date())


def public_draws(session: Session, today: date) -> list[InspectionDraw]:
    """Draws on the public pages on ``today``: published, or past their due date."""
    return [d for d in list_draws(session) if published_on(session, d) <= today]


# ---------------------------------------------------------------- verification
@dataclass
class Verification:
    """The outcome of verifying a draw: each check with its outcome."""

    draw_id: int | None
    checks: list[tuple[str, bool, str, str]] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return all(ok for _, ok, _, _ in self.checks)

    def add(self, name: str, ok: bool, zh: str, en: str) -> None:
        self.checks.append((name, ok, zh, en))

    def as_dict(self) -> dict[str, Any]:
        return {"draw_id": self.draw_id, "identical": self.identical,
                "checks": [{"check": n, "ok": ok, "zh": zh, "en": en}
                           for n, ok, zh, en in self.checks]}


def verify_document(doc: Mapping[str, Any]) -> Verification:
    """Re-derive a published draw from its seed and pools; compare hashes and result."""
    v = Verification(doc.get("draw_id"))
    if doc.get("format") != DOCUMENT_FORMAT or doc.get("algorithm") != ALGORITHM:
        v.add("format", False, f"不支持的格式或算法：{doc.get('format')} / {doc.get('algorithm')}",
              f"Unsupported format or algorithm: {doc.get('format')} / {doc.get('algorithm')}")
        return v
    try:
        cfg = check_config(doc["config"])
        objects, inspectors = list(doc["object_pool"]), list(doc["inspector_pool"])
        seed, valid_on = str(doc["seed"]), str(doc["config"]["valid_on"])
    except (KeyError, TypeError, ValueError) as exc:
        v.add("format", False, f"文件不完整：{exc}", f"Incomplete document: {exc}")
        return v
    for name, zh, en, pool, recorded in (
            ("object_pool", "检查对象名录", "object pool", objects, doc.get("object_pool_hash")),
            ("inspector_pool", "执法人员名录", "inspector pool", inspectors,
             doc.get("inspector_pool_hash"))):
        h = content_hash(pool)
        v.add(name, h == recorded, f"{zh}哈希 {h[:16]}… {'一致' if h == recorded else '不一致'}",
              f"{en} hash {h[:16]}… {'matches' if h == recorded else 'differs'}")
    again = derive(seed, cfg, objects, inspectors, valid_on)
    same = canonical(again) == canonical(doc.get("result"))
    v.add("result", same, "由种子与名录重新抽取的结果" + ("相同" if same else "不同"),
          "Result re-derived from the seed and pools is " + ("identical" if same else "different"))
    h = content_hash(again)
    v.add("result_hash", h == doc.get("result_hash"),
          f"结果哈希 {h[:16]}… {'一致' if h == doc.get('result_hash') else '不一致'}",
          f"result hash {h[:16]}… {'matches' if h == doc.get('result_hash') else 'differs'}")
    return v


def verify_draw(session: Session, draw_id: int) -> Verification:
    """Verify a stored draw: re-derive it, and check the audit log recorded this seed and
    these hashes when it was made."""
    row = get_draw(session, draw_id)
    v = verify_document(draw_document(row))
    _total, logged = audit.entries(session, entity="inspection_draw", actions=("draw",),
                                   limit=100000)
    entry = next((e for e in logged if e.entity_id == str(row.id)), None)
    expected = audit._jsonable(_audit_body(row))
    ok = entry is not None and entry.after == expected
    v.add("audit", ok, "审计日志中的种子与哈希" + ("一致" if ok else "缺失或不一致"),
          "Seed and hashes in the audit log " + ("match" if ok else "are missing or differ"))
    return v


def parse_grades_file(path: Path) -> dict[str, str]:
    """A CSV ``credit_code,grade`` (header optional) → grades by credit code."""
    out: dict[str, str] = {}
    try:
        with Path(path).open(encoding="utf-8-sig", newline="") as f:
            for n, row in enumerate(csv.reader(f), start=1):
                if not row or row[0].strip().lower() in ("credit_code", "信用代码"):
                    continue
                if len(row) < 2 or not row[1].strip():
                    raise DrawError(f"第 {n} 行缺少信用等级", f"Row {n} has no grade",
                                    location=Location(file=str(path), row=n, field="grade"))
                out[row[0].strip().upper()] = row[1].strip()
    except OSError as exc:
        raise DrawError(f"无法读取 {path}：{exc}", f"Cannot read {path}: {exc}",
                        location=Location(file=str(path))) from None
    return out
