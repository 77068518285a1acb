"""Key projects (表2): approved progress as of a date, overdue detection, investment by category
and by lead department (planned estimate vs money invested to date)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ecoplan.assess import progress as pg
from ecoplan.plan import KeyProject, Plan
from ecoplan.store.workspace import Workspace


@dataclass
class ProjectStatus:
    """One key project as of a date: plan data plus its latest approved progress report."""

    project: KeyProject
    as_of: date
    report: Any | None
    overdue: pg.Overdue | None

    @property
    def percent(self) -> Decimal | None:
        return self.report.percent_complete if self.report else None

    @property
    def invested(self) -> Decimal:
        return self.report.invested_wan_yuan if self.report else Decimal(0)

    @property
    def status(self) -> str:
        return self.report.status if self.report else "no_report"

    def status_name(self, lang: str = "zh") -> str:
        if self.report is None:
            return "无已批准填报" if lang == "zh" else "no approved report"
        zh, en = pg.PROJECT_STATUS_NAMES[self.report.status]
        return zh if lang == "zh" else en

    @property
    def department(self) -> str:
        return (self.project.lead_departments or ["—"])[0]

    def row(self, lang: str = "zh") -> dict[str, Any]:
        p, r = self.project, self.report
        return {
            "number": p.number, "category": p.category, "name": p.name, "content": p.content,
            "investment_wan_yuan": p.investment_wan_yuan, "period": p.period_text or "",
            "department": "、".join(p.lead_departments), "percent": self.percent,
            "invested_wan_yuan": self.invested, "status": self.status,
            "status_name": self.status_name(lang), "overdue": self.overdue is not None,
            "overdue_days": self.overdue.days_overdue if self.overdue else 0,
            "report_id": r.id if r else None, "report_as_of": r.as_of if r else None,
            "reporter": r.reporter if r else None, "evidence": r.evidence if r else [],
            "milestones": r.milestones if r else [],
        }


@dataclass
class ProjectSummary:
    as_of: date
    projects: list[ProjectStatus]
    by_category: list[dict[str, Any]] = field(default_factory=list)
    by_department: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overdue(self) -> list[ProjectStatus]:
        return [p for p in self.projects if p.overdue is not None]

    def totals(self) -> dict[str, Any]:
        planned = sum((p.project.investment_wan_yuan or Decimal(0) for p in self.projects),
                      Decimal(0))
        invested = sum((p.invested for p in self.projects), Decimal(0))
        done = sum(1 for p in self.projects if p.status == "completed")
        return {"projects": len(self.projects), "completed": done,
                "overdue": len(self.overdue), "planned_wan_yuan": planned,
                "invested_wan_yuan": invested,
                "invested_share": (invested / planned * 100).quantize(Decimal("0.1"))
                if planned else None}


def _group(projects: list[ProjectStatus], key: str) -> list[dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for p in projects:
        k = p.project.category if key == "category" else p.department
        g = groups.setdefault(k, {key: k, "projects": 0, "completed": 0, "overdue": 0,
                                  "planned_wan_yuan": Decimal(0), "invested_wan_yuan": Decimal(0)})
        g["projects"] += 1
        g["completed"] += int(p.status == "completed")
        g["overdue"] += int(p.overdue is not None)
        g["planned_wan_yuan"] += p.project.investment_wan_yuan or Decimal(0)
        g["invested_wan_yuan"] += p.invested
    return list(groups.values())


def project_summary(ws: Workspace, plan: Plan, as_of: date) -> ProjectSummary:
    """Every key project's latest approved progress as of ``as_of`` and the overdue ones."""
    with ws.session() as s:
        approved = pg.approved_project_progress(s, plan.code, as_of=as_of)
    overdue = {int(o.subject.split()[0]): o for o in
               pg.overdue_projects(plan.key_projects, approved, as_of=as_of)}
    rows = [ProjectStatus(p, as_of, approved[p.number].record if p.number in approved else None,
                          overdue.get(p.number)) for p in plan.key_projects]
    return ProjectSummary(as_of, rows, _group(rows, "category"), _group(rows, "department"))
