"""The plan as data (indicators, key projects, tasks, municipal overrides), its loader and check.

Public API::

    from ecoplan.plan import load_plan, bundled_plan_path, Plan
    plan = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
    plan.indicator("4b").target          # Ⅲ类
    plan.effective_target("9", date(2024, 1, 1))

This package imports nothing of ecoplan except :mod:`ecoplan.errors` and :mod:`ecoplan.i18n`.
"""

from ecoplan.plan.loader import (
    PlanFileError,
    bundled_plan_path,
    bundled_plans,
    load_plan,
    parse_plan_text,
)
from ecoplan.plan.model import (
    Baseline,
    Chapter,
    Indicator,
    KeyProject,
    Measurement,
    MunicipalTarget,
    Plan,
    Region,
    StatedFigure,
    Target,
    Task,
    TaskTarget,
)

__all__ = [
    "Baseline",
    "Chapter",
    "Indicator",
    "KeyProject",
    "Measurement",
    "MunicipalTarget",
    "Plan",
    "PlanFileError",
    "Region",
    "StatedFigure",
    "Target",
    "Task",
    "TaskTarget",
    "bundled_plan_path",
    "bundled_plans",
    "load_plan",
    "parse_plan_text",
]
