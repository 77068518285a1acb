"""Plan tasks with a deadline: latest approved status, overdue list, counts by department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ecoplan.assess import progress as pg
from ecoplan.plan import Plan, Task
from ecoplan.store.workspace import Workspace


@dataclass
class TaskStatus:
    task: Task
    report: Any | None
    overdue: pg.Overdue | None

    @property
    def status(self) -> str:
        return self.report.status if self.report else "no_report"

    @property
    def department(self) -> str:
        if self.report is not None:
            return str(self.report.department)
        return self.task.department or "—"

    def status_name(self, lang: str = "zh") -> str:
        if self.report is None:
            return "无已批准填报" if lang == "zh" else "no approved report"
        zh, en = pg.PROJECT_STATUS_NAMES[self.report.status]
        return zh if lang == "zh" else en

    def row(self, lang: str = "zh") -> dict[str, Any]:
        t, r = self.task, self.report
        return {"key": t.key, "chapter": t.chapter, "text": t.text, "deadline": t.deadline,
                "deadline_text": t.deadline_text, "department": self.department,
                "status": self.status, "status_name": self.status_name(lang),
                "overdue": self.overdue is not None,
                "overdue_days": self.overdue.days_overdue if self.overdue else 0,
                "report_id": r.id if r else None, "evidence": r.evidence if r else []}


@dataclass
class TaskSummary:
    as_of: date
    tasks: list[TaskStatus]

    @property
    def overdue(self) -> list[TaskStatus]:
        return [t for t in self.tasks if t.overdue is not None]

    def by_department(self) -> list[dict[str, Any]]:
        groups: dict[str, dict[str, Any]] = {}
        for t in self.tasks:
            g = groups.setdefault(t.department, {"department": t.department, "tasks": 0,
                                                 "completed": 0, "overdue": 0})
            g["tasks"] += 1
            g["completed"] += int(t.status == "completed")
            g["overdue"] += int(t.overdue is not None)
        return sorted(groups.values(), key=lambda g: (-g["overdue"], g["department"]))


def task_summary(ws: Workspace, plan: Plan, as_of: date) -> TaskSummary:
    """The plan's dated tasks (deadline on or before the end of the plan) as of ``as_of``."""
    dated = [t for t in plan.tasks if t.deadline is not None]
    with ws.session() as s:
        approved = pg.approved_task_progress(s, plan.code, as_of=as_of)
    overdue = {o.subject: o for o in pg.overdue_tasks(dated, approved, as_of=as_of)}
    return TaskSummary(as_of, [TaskStatus(t, approved[t.key].record if t.key in approved
                                          else None, overdue.get(t.key)) for t in dated])
