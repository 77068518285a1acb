"""Enterprise environmental credit evaluation (企业环境信用评价).

The rule set is the data file ``data/credit_rules.yaml`` (indicators with points, caps, vetoes
and grade thresholds, each with its source; values not taken from the province's published
table are marked ``verified: false`` — configurable defaults). :func:`evaluate` computes every
registered enterprise's score from the cases (decisions, fines, legal basis, overdue
rectification), the exceedance episodes (counts handed in, computed by
:func:`ecoplan.supervision.exceedance_report.find_exceedances`) and the permits in force, and
appends one :class:`~ecoplan.store.case_models.CreditGrade` per enterprise (history is never
overwritten). :func:`current_grades` is the latest grade per enterprise — the input of the
random-inspection draw; :func:`write_dishonest_list` exports the 失信 list for the
joint-punishment platform.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecoplan.errors import ValidationError
from ecoplan.store import audit
from ecoplan.store.case_models import CreditGrade
from ecoplan.store.supervision_models import Enterprise
from ecoplan.supervision import cases as C
from ecoplan.supervision.sources import permit_in_force

DATA_FILE = Path(__file__).parent / "data" / "credit_rules.yaml"


class CreditError(ValidationError):
    """A credit evaluation that cannot be made (e.g. a broken rule file)."""


@cache
def bundled_rules() -> dict[str, Any]:
    return load_rules(DATA_FILE)


def load_rules(path: Path) -> dict[str, Any]:
    """Read and check a rule file (a county's own may replace the bundled defaults)."""
    try:
        rules = yaml.safe_load(path.read_text(encoding="utf-8"))
        codes = [g["code"] for g in rules["grades"]]
        for ind in rules["indicators"]:
            if "points" not in ind and "veto" not in ind:
                raise KeyError(f"indicator {ind['id']}: points or veto")
            if ind.get("veto") and ind["veto"] not in codes:
                raise KeyError(f"indicator {ind['id']}: veto grade {ind['veto']}")
        int(rules["initial_points"])
    except (OSError, KeyError, TypeError, ValueError) as exc:
        raise CreditError(f"信用评价规则文件 {path} 无效：{exc}",
                          f"credit rule file {path} is not valid: {exc}") from exc
    return rules


def grade_name(code: str, lang: str = "zh", rules: Mapping[str, Any] | None = None) -> str:
    for g in (rules or bundled_rules())["grades"]:
        if g["code"] == code:
            return str(g[lang])
    return code


def indicator_name(ind_id: str, lang: str = "zh", rules: Mapping[str, Any] | None = None) -> str:
    for i in (rules or bundled_rules())["indicators"]:
        if i["id"] == ind_id:
            return str(i[lang])
    return ind_id


def hits_text(hits: list[dict[str, Any]], lang: str = "zh",
              rules: Mapping[str, Any] | None = None) -> str:
    """The deductions in words: "受到生态环境行政处罚（每件）×1（-10）；…"."""
    parts = []
    for h in hits:
        what = f"{indicator_name(h['id'], lang, rules)} ×{h['count']}"
        parts.append(what + (f" → {h['veto']}" if h.get("veto") else f" ({h['points']})"))
    return ("；" if lang == "zh" else "; ").join(parts)


@dataclass
class Evaluation:
    enterprise: str
    name: str
    score: Decimal
    grade: str
    hits: list[dict[str, Any]] = field(default_factory=list)


def _grade_for(score: Decimal, rules: Mapping[str, Any]) -> str:
    for g in rules["grades"]:
        if score >= Decimal(str(g["min_points"])):
            return str(g["code"])
    return str(rules["grades"][-1]["code"])


def score_enterprise(ent: Enterprise, facts: Mapping[str, list[dict[str, Any]]],
                     rules: Mapping[str, Any]) -> Evaluation:
    """Score one enterprise from its facts per indicator id (a list of occurrences each)."""
    score = Decimal(str(rules["initial_points"]))
    hits: list[dict[str, Any]] = []
    veto: str | None = None
    for ind in rules["indicators"]:
        occ = facts.get(ind["id"], [])
        if not occ:
            continue
        if ind.get("veto"):
            veto = ind["veto"]
            hits.append({"id": ind["id"], "count": len(occ), "points": 0, "veto": veto,
                         "source": ind["source"], "evidence": occ})
            continue
        pts = Decimal(str(ind["points"])) * len(occ)
        if "cap" in ind:
            pts = max(pts, Decimal(str(ind["cap"])))
        score += pts
        hits.append({"id": ind["id"], "count": len(occ), "points": str(pts),
                     "source": ind["source"], "evidence": occ})
    grade = _grade_for(score, rules)
    if veto is not None:
        codes = [g["code"] for g in rules["grades"]]
        grade = max(grade, veto, key=codes.index)
    return Evaluation(ent.credit_code, ent.name, score, grade, hits)


def gather_facts(session: Session, on: date, start: date,
                 exceedance_counts: Mapping[str, int] | None = None,
                 rules: Mapping[str, Any] | None = None) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Facts per enterprise and indicator for the period [start, on]."""
    rules = rules or bundled_rules()
    ind = {i["id"]: i for i in rules["indicators"]}
    facts: dict[str, dict[str, list[dict[str, Any]]]] = {}

    def add(ent: str | None, key: str, item: dict[str, Any]) -> None:
        if ent and key in ind:
            facts.setdefault(ent, {}).setdefault(key, []).append(item)

    large = Decimal(str(ind.get("penalty_large", {}).get("threshold_yuan", 100000)))
    veto_bases = {b for i in rules["indicators"] for b in i.get("legal_basis", [])}
    for v in C.list_cases(session):
        ent = v.case.enterprise
        if v.decision and start <= v.stage_dates["decision"] <= on:
            item = {"case": v.case.number, "on": v.stage_dates["decision"].isoformat(),
                    "fine": v.decision["fine"], "basis": v.decision["basis"]}
            add(ent, "penalty_decision", item)
            if Decimal(v.decision["fine"]) >= large:
                add(ent, "penalty_large", item)
            if v.decision["basis"] in veto_bases:
                add(ent, "continuous_penalty", item)
        if any(d.id == "review_30" for d in v.overdue(on)):
            add(ent, "overdue_rectification", {"case": v.case.number})
        if v.case.source_kind == "complaint" and start <= v.case.opened_on <= on:
            add(ent, "complaint_verified", {"case": v.case.number,
                                            "complaint": v.case.source_id})
    for ent, n in (exceedance_counts or {}).items():
        for k in range(int(n)):
            add(ent, "exceedance_episode", {"episode": k + 1})
    for e in session.execute(select(Enterprise)).scalars():
        if e.permit_required and permit_in_force(session, e.credit_code, on) is None:
            add(e.credit_code, "no_valid_permit", {"on": on.isoformat()})
    return facts


def evaluate(session: Session, *, on: date, actor: str,
             exceedance_counts: Mapping[str, int] | None = None,
             rules: Mapping[str, Any] | None = None) -> list[Evaluation]:
    """Evaluate every registered enterprise on ``on`` and append the grades (audited)."""
    rules = rules or bundled_rules()
    start = on - timedelta(days=round(int(rules["period_months"]) * 365 / 12)) + timedelta(days=1)
    facts = gather_facts(session, on, start, exceedance_counts, rules)
    out: list[Evaluation] = []
    for ent in session.execute(select(Enterprise).order_by(Enterprise.credit_code)).scalars():
        ev = score_enterprise(ent, facts.get(ent.credit_code, {}), rules)
        out.append(ev)
        session.add(CreditGrade(enterprise=ent.credit_code, evaluated_on=on, period_from=start,
                                period_to=on, score=ev.score, grade=ev.grade,
                                rules_version=str(rules["version"]), hits=ev.hits, actor=actor))
    audit.record(session, actor, "credit_evaluate", "credit", on.isoformat(), None,
                 {"enterprises": len(out), "rules": rules["version"],
                  "grades": {g: sum(1 for e in out if e.grade == g)
                             for g in sorted({e.grade for e in out})}})
    return out


def _latest(session: Session) -> list[CreditGrade]:
    newest = select(CreditGrade.enterprise, func.max(CreditGrade.id).label("mid")) \
        .group_by(CreditGrade.enterprise).subquery()
    return list(session.execute(select(CreditGrade).join(
        newest, CreditGrade.id == newest.c.mid).order_by(CreditGrade.enterprise)).scalars())


def current_grades(session: Session) -> dict[str, str]:
    """The latest credit grade per enterprise, keyed by the registry's key (统一社会信用代码,
    :class:`~ecoplan.store.supervision_models.Enterprise.credit_code`)."""
    return {g.enterprise: g.grade for g in _latest(session)}


def latest_grades(session: Session) -> list[CreditGrade]:
    return _latest(session)


def history(session: Session, enterprise: str) -> list[CreditGrade]:
    return list(session.execute(select(CreditGrade).where(CreditGrade.enterprise == enterprise)
                                .order_by(CreditGrade.id)).scalars())


def dishonest(session: Session, rules: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Enterprises whose latest grade is on the dishonest list (失信 / 环保不良)."""
    rules = rules or bundled_rules()
    bad = set(rules["dishonest_grades"])
    names = dict(session.execute(select(Enterprise.credit_code, Enterprise.name)).all())
    return [{"credit_code": g.enterprise, "name": names.get(g.enterprise, ""),
             "grade": g.grade, "grade_zh": grade_name(g.grade, "zh", rules),
             "score": str(g.score), "evaluated_on": g.evaluated_on.isoformat(),
             "reasons": hits_text(g.hits, "zh", rules),
             "rules_version": g.rules_version}
            for g in _latest(session) if g.grade in bad]


def write_dishonest_list(rows: list[dict[str, Any]], out: Path, *, issuer: str) -> Path:
    """The 失信 list as an Excel workbook for the joint-punishment platform (Chinese headers)."""
    import openpyxl  # deferred: openpyxl loads only to write the workbook
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "环境失信企业名单"
    header = ["序号", "统一社会信用代码", "企业名称", "信用等级", "信用得分", "评价日期",
              "扣分事项", "评价规则版本", "认定单位"]
    ws.append(header)
    for c in ws[1]:
        c.font = Font(bold=True)
    for i, r in enumerate(rows, start=1):
        ws.append([i, r["credit_code"], r["name"], r["grade_zh"], float(r["score"]),
                   r["evaluated_on"], r["reasons"], r["rules_version"], issuer])
    for col, width in zip("ABCDEFGHI", (6, 22, 32, 12, 10, 12, 40, 24, 24), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
