"""The plan as data: a county eco-environment protection plan's indicators, key projects and tasks.

The model follows the plan's own tables (表1 指标体系, 表2 重点工程表) and its dated task sentences.
Every value the plan writes is kept as written (``text``) next to its parsed form, so a reader can
always check the transcription against the document.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ecoplan.errors import PlanError

Attribute = Literal["binding", "expected"]
"""约束性 (binding) or 预期性 (expected)."""

Operator = Literal["<=", ">=", "<", ">", "=", "between"]

BaselineKind = Literal["value", "water_class", "none", "other"]
"""A number, a water class (Ⅰ–Ⅴ, 劣Ⅴ = 6), no baseline given ("/"), or text ecoplan cannot read."""

TargetKind = Literal[
    "value",          # a number with an operator: ≤44, ≥75, 25 (implied ≥)
    "water_class",    # a water class to reach or keep: Ⅲ类
    "eliminate",      # 基本消除 — (basically) eliminate
    "maintain",       # 持续保持 — keep at the baseline level
    "not_decrease",   # 不降低 — not below the baseline
    "municipal",      # 完成市下达的任务 — meet the task set by the city
    "ensure",         # 有效保障 — effectively ensure (qualitative)
    "none",           # the cell is empty
    "other",          # a phrase ecoplan does not know; the text is kept for the editor
]

MeasurementKind = Literal["computed", "reported"]
"""computed from monitoring data by ecoplan, or reported by a named department."""

WATER_CLASS_LABELS = {1: "Ⅰ类", 2: "Ⅱ类", 3: "Ⅲ类", 4: "Ⅳ类", 5: "Ⅴ类", 6: "劣Ⅴ类"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False, populate_by_name=True)


BaselineSource = Literal["plan", "computed", "reported", "entry"]
"""Where a baseline comes from: the plan's table, computed from monitoring data by ecoplan, an
approved department report, or still to be entered (待填报)."""


class BaselineFigure(_Model):
    """One figure of a baseline under one rule set (a draft's air baselines have two: the
    2012 rules the final assessment used and the 2026 rules the next plan is judged by)."""

    ruleset: str = Field(description="e.g. '2012', '2026', 'GB 3838-2002'")
    text: str
    value: Decimal | None = None
    water_class: int | None = Field(default=None, ge=1, le=6)
    rule_versions: str | None = None
    note: str | None = None


class Baseline(_Model):
    """基准值: the baseline-year value as the table writes it (a draft computes it from data)."""

    text: str = Field(description="the cell as written, e.g. '58.63', 'Ⅱ类', '/'")
    kind: BaselineKind
    value: Decimal | None = None
    water_class: int | None = Field(default=None, ge=1, le=6)
    year: int | None = None
    source: BaselineSource | None = None
    source_text: str | None = Field(default=None, description="how the value was obtained")
    ruleset: str | None = Field(default=None, description="rule set of ``value``")
    figures: list[BaselineFigure] = Field(default_factory=list)
    to_enter: bool = Field(default=False, description="no data: the value is to be entered")

    def figure(self, ruleset: str) -> BaselineFigure | None:
        """The figure under ``ruleset`` ('2012', '2026' …), if the draft computed one."""
        for f in self.figures:
            if f.ruleset == ruleset:
                return f
        return None

    @model_validator(mode="after")
    def _consistent(self) -> Baseline:
        if self.kind == "value" and self.value is None:
            raise ValueError("kind 'value' needs 'value' / 数值型基准需要 value")
        if self.kind == "water_class" and self.water_class is None:
            raise ValueError("kind 'water_class' needs 'water_class' / 水质类别基准需要 water_class")
        return self


class Target(_Model):
    """目标值: what the plan sets for the end year, or a qualitative kind."""

    text: str = Field(description="the cell as written, e.g. '≤44', 'Ⅲ类', '基本消除', ''")
    kind: TargetKind
    operator: Operator | None = None
    value: Decimal | None = None
    value_max: Decimal | None = None
    water_class: int | None = Field(default=None, ge=1, le=6)
    implied_operator: bool = Field(
        default=False, description="the table writes a bare number; the operator follows the "
        "indicator's direction")

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.kind == "value" and (self.value is None or self.operator is None):
            raise ValueError("kind 'value' needs 'operator' and 'value' / 数值型目标需要 operator 与 value")
        if self.operator == "between" and self.value_max is None:
            raise ValueError("operator 'between' needs 'value_max' / 区间目标需要 value_max")
        if self.kind == "water_class" and self.water_class is None:
            raise ValueError("kind 'water_class' needs 'water_class' / 水质类别目标需要 water_class")
        return self

    @property
    def usable(self) -> bool:
        """True when the target can be assessed without further information."""
        return self.kind in {"value", "water_class", "eliminate", "maintain", "not_decrease"}


class Measurement(_Model):
    """How an indicator is measured.

    ``computed``: ecoplan computes ``statistic`` (e.g. ``air.pm25_annual_mean``) over the
    ``stations`` / ``sections`` / ``sources`` / ``points`` named here. ``reported``: the value
    comes from ``department``'s report.
    """

    kind: MeasurementKind
    statistic: str | None = Field(default=None, pattern=r"^[a-z0-9_]+\.[a-z0-9_]+$")
    stations: str | list[str] | None = Field(
        default=None, description="'county_town' (the county-town evaluation stations) or codes")
    river: str | None = None
    sections: list[str] = Field(default_factory=list)
    section_count: int | None = Field(default=None, ge=1)
    sources: list[str] = Field(default_factory=list)
    points: str | list[str] | None = None
    department: str | None = None
    ruleset_note: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Measurement:
        if self.kind == "computed" and not self.statistic:
            raise ValueError("a computed measurement names its 'statistic' / 计算型指标须写明统计量 statistic")
        if self.kind == "reported" and not self.department:
            raise ValueError("a reported measurement names its 'department' / 报送型指标须写明报送部门 department")
        return self


LinkChangeKind = Literal["rule_basis", "unit", "section", "name", "target_kind", "measurement",
                         "attribute", "other"]


class LinkChange(_Model):
    """One stated difference between an indicator and its predecessor."""

    kind: LinkChangeKind
    old: str | None = Field(default=None, alias="from")
    new: str | None = Field(default=None, alias="to")
    note: str | None = None


class IndicatorLink(_Model):
    """The indicator of the previous plan that measures the same thing, and what changed."""

    plan: str = Field(pattern=r"^[a-z0-9-]+$")
    key: str = Field(pattern=r"^[0-9]+[a-z]?$")
    changes: list[LinkChange] = Field(default_factory=list)


class Indicator(_Model):
    """One assessable row of the indicator table (indicator 4 has two: keys '4a' and '4b')."""

    key: str = Field(pattern=r"^[0-9]+[a-z]?$")
    number: int = Field(ge=1)
    part: str | None = Field(default=None, pattern=r"^[a-z]$")
    category: str
    name_zh: str
    name_en: str | None = None
    unit: str | None = None
    attribute: Attribute
    direction: Literal["decrease", "increase", "class", "qualitative"] | None = None
    baseline: Baseline
    target: Target
    measurement: Measurement | None = None
    note: str | None = None
    predecessor: IndicatorLink | None = None

    @model_validator(mode="after")
    def _key_matches(self) -> Indicator:
        expected = f"{self.number}{self.part or ''}"
        if self.key != expected:
            raise ValueError(f"key '{self.key}' should be '{expected}' (number + part) / "
                             f"键 '{self.key}' 应为 '{expected}'")
        return self

    @property
    def attribute_zh(self) -> str:
        return "约束性" if self.attribute == "binding" else "预期性"


class KeyProject(_Model):
    """One row of the key-project table (表2)."""

    number: int = Field(ge=1)
    category: str
    name: str
    content: str
    investment_wan_yuan: Decimal | None = Field(default=None, ge=0)
    investment_text: str | None = None
    start_year: int | None = Field(default=None, ge=1900, le=2100)
    end_year: int | None = Field(default=None, ge=1900, le=2100)
    period_text: str | None = None
    lead_departments: list[str] = Field(default_factory=list)

    @field_validator("investment_wan_yuan", mode="before")
    @classmethod
    def _decimal_from_text(cls, v: object) -> object:
        if isinstance(v, float):
            return Decimal(repr(v))
        return v

    @model_validator(mode="after")
    def _years(self) -> KeyProject:
        if self.start_year and self.end_year and self.end_year < self.start_year:
            raise ValueError("end_year before start_year / 结束年份早于开始年份")
        return self


class TaskTarget(_Model):
    """A measurable target stated in a task sentence (e.g. 农田灌溉水利用效率 ≥ 0.56)."""

    quantity: str
    operator: Operator
    value: Decimal | None = None
    value_max: Decimal | None = None
    water_class: int | None = Field(default=None, ge=1, le=6)
    unit: str | None = None
    per: Literal["year", "quarter", "month"] | None = None


class Task(_Model):
    """A task (工作要求) of the plan text: the sentence, its chapter, deadline and target."""

    key: str = Field(pattern=r"^[0-9]+(\.[0-9]+)?-[0-9]+$")
    chapter: str = Field(pattern=r"^[0-9]+(\.[0-9]+)?$", description="e.g. '5.2' for 五（二）")
    text: str
    deadline: date | None = None
    deadline_text: str | None = None
    recurring: Literal["yearly", "quarterly", "monthly", "seasonal"] | None = None
    department: str | None = None
    target: TaskTarget | None = None
    indicator_key: str | None = None
    project_number: int | None = None


class StatedFigure(_Model):
    """A figure the plan text states outside its tables, kept so it can be checked against them.

    ``quantity`` names what is counted using a small vocabulary the plan check knows
    (``air.good_days``, ``air.heavy_days``, ``key_project.category_count`` …) or free text.
    """

    quantity: str
    year: int | None = None
    value: Decimal
    unit: str | None = None
    chapter: str
    text: str
    indicator_key: str | None = None
    relation: Literal["value", "count", "annual_increase", "limit"] = "value"
    parameter: str | None = Field(default=None, description="e.g. 'nh3n' for a stated limit")
    season: str | None = None
    items: list[str] = Field(default_factory=list, description="the things counted, as listed")
    note: str | None = None


class MunicipalTarget(_Model):
    """A target handed down by the city (市级下达) that prevails over the plan's own."""

    indicator_key: str
    target: Target
    effective_date: date
    document: str = Field(min_length=1, description="the city's document reference")
    year: int | None = None
    note: str | None = None


class Region(_Model):
    name_zh: str
    name_en: str | None = None
    code: str | None = Field(default=None, pattern=r"^[0-9]{6}$",
                             description="administrative division code (GB/T 2260)")
    parent_zh: str | None = None


class Chapter(_Model):
    number: str = Field(pattern=r"^[0-9]+(\.[0-9]+)?$")
    title: str


class Plan(_Model):
    """A county eco-environment protection plan."""

    code: str = Field(pattern=r"^[a-z0-9-]+$")
    title_zh: str
    title_en: str | None = None
    region: Region
    start_year: int
    end_year: int
    baseline_year: int
    source: str | None = None
    municipal_override_note: str | None = None
    chapters: list[Chapter] = Field(default_factory=list)
    indicators: list[Indicator]
    key_projects: list[KeyProject] = Field(default_factory=list)
    tasks: list[Task] = Field(default_factory=list)
    stated_figures: list[StatedFigure] = Field(default_factory=list)
    municipal_targets: list[MunicipalTarget] = Field(default_factory=list)
    status: Literal["issued", "draft", "example"] = Field(
        default="issued", description="an issued plan, a draft, or a constructed example")
    predecessor: str | None = Field(default=None, pattern=r"^[a-z0-9-]+$",
                                    description="code of the previous plan of the same region")
    status_note: str | None = None

    @property
    def period(self) -> str:
        return f"{self.start_year}-{self.end_year}"

    @model_validator(mode="after")
    def _period(self) -> Plan:
        if self.end_year < self.start_year:
            raise ValueError("end_year before start_year / 规划期末早于期初")
        return self

    # ------------------------------------------------------------------ look-ups
    def indicator(self, key: str) -> Indicator:
        """The indicator with ``key`` ('1', '4a' …); PlanError if there is none."""
        for ind in self.indicators:
            if ind.key == key:
                return ind

        raise PlanError(f"规划 {self.code} 中没有指标 {key}",
                        f"Plan {self.code} has no indicator {key!r}")

    def indicators_by_number(self) -> dict[int, list[Indicator]]:
        """The numbered rows of the indicator table (18 for Jiaocheng), each with its parts."""
        out: dict[int, list[Indicator]] = {}
        for ind in self.indicators:
            out.setdefault(ind.number, []).append(ind)
        return out

    def task(self, key: str) -> Task:
        for t in self.tasks:
            if t.key == key:
                return t

        raise PlanError(f"规划 {self.code} 中没有任务 {key}", f"Plan {self.code} has no task {key!r}")

    def chapter_title(self, number: str) -> str | None:
        for ch in self.chapters:
            if ch.number == number:
                return ch.title
        return None

    def municipal_history(self, key: str) -> list[MunicipalTarget]:
        """Every override recorded for ``key``, oldest first (history is never rewritten)."""
        return sorted((m for m in self.municipal_targets if m.indicator_key == key),
                      key=lambda m: m.effective_date)

    def effective_target(self, key: str, on_date: date | None = None) -> Target:
        """The target in force on ``on_date``: the latest municipal override effective by then,
        otherwise the plan's own (表1 note: the city's final target prevails)."""
        ind = self.indicator(key)
        current = ind.target
        for m in self.municipal_history(key):
            if on_date is None or m.effective_date <= on_date:
                current = m.target
        return current

    def total_investment(self) -> Decimal:
        return sum((p.investment_wan_yuan or Decimal(0) for p in self.key_projects), Decimal(0))

    def investment_by_category(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for p in self.key_projects:
            out[p.category] = out.get(p.category, Decimal(0)) + (p.investment_wan_yuan or Decimal(0))
        return out

    def project_categories(self) -> list[str]:
        seen: list[str] = []
        for p in self.key_projects:
            if p.category not in seen:
                seen.append(p.category)
        return seen
