"""The supervision chapter of the evaluation report (生态环境监管执法): random inspections,
cases and complaints of the report's period, as paragraphs the report writer is handed.

The reports layer sits below supervision (docs/architecture.md), so the commands, the web and the
demo gather these paragraphs here and pass them to :func:`ecoplan.reports.build.build_report`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ecoplan.reports.evaluation import ReportSection
from ecoplan.supervision import cases as C
from ecoplan.supervision import complaints as Q
from ecoplan.supervision.inspections import annual_section


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{Decimal(str(rate)) * 100:.1f}%"


def supervision_sections(session: Session, start: date, end: date) -> list[ReportSection]:
    """The chapter's paragraphs for ``start``–``end`` (the last year's inspections, the period's
    cases and complaints); empty when no inspection, case or complaint is recorded."""
    paragraphs: list[str] = []
    insp = annual_section(session, end.year)
    if insp["stats"]["draws"] or insp["stats"]["inspections"]:
        paragraphs.append(insp["zh"])
    cases = C.indicators(C.list_cases(session), start, end)
    if cases["opened"] or cases["closed"] or cases["overdue"]:
        paragraphs.append(
            f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}，立案查处环境违法案件{cases['opened']}件，"
            f"作出处罚决定{cases['decided']}件，罚款{cases['fines_yuan']}元，结案{cases['closed']}件；"
            f"截至评估时超过法定期限未办结{cases['overdue']}件。")
    comp = Q.indicators(Q.list_complaints(session), start, end)
    if comp["received"]:
        paragraphs.append(
            f"同期受理信访投诉（信、访、网、电、微及12345、12369）{comp['received']}件，已答复"
            f"{comp['replied']}件，按期办结率{_pct(comp['in_time_rate'])}，群众满意率"
            f"{_pct(comp['satisfaction_rate'])}（{comp['rated']}件评价）。")
    if not paragraphs:
        return []
    return [ReportSection(title="生态环境监管执法", paragraphs=paragraphs,
                          source="ecoplan.supervision：双随机抽查、执法案件、信访投诉台账")]
