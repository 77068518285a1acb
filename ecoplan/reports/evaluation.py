"""The evaluation report's content: everything a report shows, gathered from the assessments
(never from raw files), plus the problems and recommendations generated from the gaps.

Kinds (plan chapter 13 (四) 严格目标考核): ``annual`` (年度评估, any plan year), ``midterm``
(中期评估, by default the middle year), ``final`` (终期考核, the end year).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

import pandas as pd
from sqlalchemy import select

from ecoplan.assess.indicators import (
    Assessment,
    IndicatorAssessment,
    air_annual_statistics,
    assess_indicators,
    county_town_daily_aqi,
    site_registries,
)
from ecoplan.assess.projects import ProjectSummary, project_summary
from ecoplan.assess.risk_records import registry_summary
from ecoplan.assess.snapshot import DataSnapshot, take_snapshot
from ecoplan.assess.tasks import TaskSummary, task_summary
from ecoplan.errors import EcoplanError
from ecoplan.plan import Plan
from ecoplan.standards.air_period import gbt8170_round
from ecoplan.standards.water_sections import classify_section_period
from ecoplan.store.data_labels import DEMO_LABEL_ZH
from ecoplan.store.models import IngestBatch
from ecoplan.store.plan_store import content_hash
from ecoplan.store.workspace import Workspace

ReportKind = Literal["annual", "midterm", "final"]
KINDS: dict[str, tuple[str, str]] = {
    "annual": ("年度实施情况评估报告", "annual implementation assessment"),
    "midterm": ("中期评估报告", "mid-term evaluation"),
    "final": ("终期考核报告", "final assessment"),
}
DATASETS = ("air_hourly", "water_samples", "groundwater_samples")


class ReportError(EcoplanError):
    """A report cannot be produced as asked (wrong year for its kind, converter missing …)."""


@dataclass(frozen=True)
class ReportSection:
    """A chapter handed to the report by a layer above it (e.g. supervision): a title, its
    paragraphs and where the figures come from."""

    title: str
    paragraphs: list[str]
    source: str = ""


def report_period(plan: Plan, kind: str, year: int) -> tuple[date, date]:
    """The dates a report of ``kind`` for ``year`` covers: the year (annual) or the plan period
    up to the end of ``year`` (mid-term, final)."""
    first = year if kind == "annual" else plan.start_year
    return date(first, 1, 1), date(year, 12, 31)


@dataclass
class ReportData:
    """Everything one report shows, with the data snapshot it was made from."""

    kind: str
    year: int
    plan: Plan
    assessment: Assessment
    projects: ProjectSummary
    tasks: TaskSummary
    snapshot: DataSnapshot
    report_date: date
    demo: bool
    daily_aqi: dict[date, int | None] | None = None
    water_monthly: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[dict[str, str]] = field(default_factory=list)
    recommendations: list[dict[str, str]] = field(default_factory=list)
    next_baseline: list[dict[str, Any]] = field(default_factory=list)
    #: chapters gathered above the reports layer (supervision), written after the tasks
    sections: list[ReportSection] = field(default_factory=list)
    #: figures of the risk, hazardous-waste and radiation registries (None: registries empty)
    risk: dict[str, Any] | None = None

    @property
    def title(self) -> str:
        name = KINDS[self.kind][0]
        if self.kind == "annual":
            return f"{self.plan.title_zh}{self.year}年度实施情况评估报告"
        return f"{self.plan.title_zh}{name}"

    @property
    def period_text(self) -> str:
        if self.kind == "annual":
            return f"{self.year}年"
        return f"{self.plan.start_year}—{self.year}年"


def default_year(plan: Plan, kind: str) -> int:
    if kind == "final":
        return plan.end_year
    if kind == "midterm":
        return plan.start_year + (plan.end_year - plan.start_year) // 2
    return plan.end_year


def check_year(plan: Plan, kind: str, year: int) -> None:
    if kind not in KINDS:
        raise ReportError(f"未知的报告类型 {kind}（annual|midterm|final）",
                          f"Unknown report kind {kind} (annual|midterm|final)")
    if not plan.start_year <= year <= plan.end_year + 5:
        raise ReportError(f"{year} 年不在规划期 {plan.start_year}—{plan.end_year} 内",
                          f"{year} is outside the plan period {plan.start_year}–{plan.end_year}")
    if kind == "final" and year < plan.end_year:
        raise ReportError(f"终期考核应针对规划末年 {plan.end_year} 年（收到 {year}）",
                          f"The final assessment is for the end year {plan.end_year} (got {year})")


# ---------------------------------------------------------------------------- gathering
def _water_monthly(ws: Workspace, ar: Assessment, years: list[int]) -> dict[str, dict[str, int]]:
    """Monthly class per section for the section indicators (rows 'name year')."""
    codes: list[str] = []
    names: dict[str, str] = {}
    for row in ar.rows:
        m = row.indicator.measurement
        if m is None or m.statistic != "water.section_class":
            continue
        for y in years:
            iv = row.series.get(y)
            if iv is None:
                continue
            for c in iv.details.get("section_codes", []):
                if c not in codes:
                    codes.append(c)
            for n, _ in iv.details.get("sections", {}).items():
                names.setdefault(n, n)
    if not codes or not ws.lake.files("water_samples"):
        return {}
    t = ws.analytics.table("water_samples")
    df = ws.analytics.execute(t.filter(t.year.isin(years), t.site.isin(codes)))
    if df.empty:
        return {}
    res = classify_section_period(df, "month")

    reg = site_registries(ws)["section"]
    label = dict(zip(reg.code, reg.name, strict=False))
    out: dict[str, dict[str, int]] = {}
    for code in codes:
        for y in years:
            sub = res[(res.site == code) & res.period.astype(str).str.startswith(str(y))]
            if sub.empty:
                continue
            name = label.get(code, code).split("（")[0][:16]
            key = f"{name} {y}" if len(years) > 1 else name
            out[key] = {str(r.period): int(r.water_class) for r in sub.itertuples()}
    return out


def _daily_aqi(ws: Workspace, year: int, years: list[int]) -> dict[date, int | None] | None:
    """The county town's daily AQI of ``year`` from the air pipeline (None without data)."""
    df = county_town_daily_aqi(ws, year, years=years)
    if df.empty:
        return None
    return {pd.Timestamp(d).date(): (None if pd.isna(a) else int(a))
            for d, a in zip(df["date"], df["aqi"], strict=True)}


def gather(ws: Workspace, plan: Plan, kind: str, year: int, *, report_date: date | None = None
           ) -> ReportData:
    """Run the assessments a report needs and record the data snapshot they used."""
    check_year(plan, kind, year)
    ar = assess_indicators(ws, plan, year)
    as_of = date(year, 12, 31)
    ps = project_summary(ws, plan, as_of)
    ts = task_summary(ws, plan, as_of)
    years = list(range(plan.baseline_year, year + 1))
    snap = take_snapshot(ws, DATASETS, years=years, plan_code=plan.code,
                         content_hash=content_hash(plan))
    demo = uses_demo_data(ws)
    span = [year] if kind == "annual" else list(range(plan.start_year, year + 1))
    data = ReportData(kind, year, ar.plan, ar, ps, ts, snap, report_date or date.today(), demo,
                      daily_aqi=_daily_aqi(ws, year, years), water_monthly=_water_monthly(ws, ar, span))
    with ws.session() as s:
        data.risk = registry_summary(s, year)
    data.problems, data.recommendations = problems_and_recommendations(data)
    if kind == "final":
        data.next_baseline = next_plan_baseline(ws, year)
    return data


def next_plan_baseline(ws: Workspace, year: int) -> list[dict[str, Any]]:
    """The end year's county-town air figures under the rules in force for its data (2012) and
    recomputed under the 2026 rules (GB 3095-2026 / HJ 633-2026 / HJ 663-2026) — the baseline
    the next plan needs, since its years will be judged by the new rules."""
    out: list[dict[str, Any]] = []
    old = air_annual_statistics(ws, [year], "auto")
    new = air_annual_statistics(ws, [year], "2026")
    if old.empty or new.empty:
        return out
    o, n = old.iloc[0], new.iloc[0]
    for label, unit, col, digits in (("县城区PM2.5年均浓度", "μg/m³", "pm25_mean_raw", 0),
                                     ("县城区空气质量优良天数比例", "%", "good_day_ratio_raw", 2),
                                     ("县城重污染天数比例", "%", "heavy_day_ratio_raw", 2)):
        out.append({"indicator": label, "unit": unit,
                    "rules_2012": gbt8170_round(float(o[col]), digits),
                    "rules_2026": gbt8170_round(float(n[col]), digits),
                    "days_2012": f"{int(o['good_days'])}/{int(o['heavy_days'])}/{int(o['valid_days'])}",
                    "days_2026": f"{int(n['good_days'])}/{int(n['heavy_days'])}/{int(n['valid_days'])}"})
    return out


def uses_demo_data(ws: Workspace) -> bool:
    with ws.session() as s:
        return any(DEMO_LABEL_ZH in (b or "") for b in
                   s.scalars(select(IngestBatch.source_file)))


# ---------------------------------------------------------------------------- narrative
#: recommendations by statistic / indicator category, citing the plan chapter they come from
ADVICE: dict[str, tuple[str, str]] = {
    "air.pm25_annual_mean": (
        "4", "强化PM2.5和O3协同治理：加快焦化、水泥等行业超低排放改造收尾和验收，巩固散煤清零成果，"
        "加强秋冬季重点时段错峰生产和扬尘管控（规划第四章）。"),
    "air.good_day_ratio": (
        "4.5", "加强重点时段污染防控：完善重污染天气应急减排清单，落实“一厂一策”，提升预报预警和区域联防联控水平（规划第四章第五节）。"),
    "air.heavy_day_ratio": (
        "4.5", "聚焦秋冬季重污染天气：提前启动预警响应，强化绩效分级差异化管控（规划第四章第五节）。"),
    "water.section_class": (
        "5.2", "强化水污染防治：加快城镇污水管网建设和提标改造，推进工业废水稳定达标和农业面源治理，落实河湖长制（规划第五章第二节）。"),
    "water.drinking_source_class": (
        "6.2", "加强集中式饮用水水源地保护：规范保护区划定和整治，开展补给区污染源排查（规划第六章第二节）。"),
    "groundwater.point_class": (
        "6.2", "加大地下水保护力度：开展超标点位成因排查，对焦化企业、垃圾填埋场等重点污染源加密监测（规划第六章第二节）。"),
}
CATEGORY_ADVICE = ("13.4", "对照目标逐项落实责任部门，按月调度、按季通报，确保数据按时填报、审核、批准（规划第十三章第四节）。")


def problems_and_recommendations(data: ReportData) -> tuple[list[dict[str, str]],
                                                             list[dict[str, str]]]:
    """Problems found (indicators not on track, overdue projects and tasks, missing data) and
    the recommendations that follow from them — each naming the figures behind it."""
    problems: list[dict[str, str]] = []
    recs: list[dict[str, str]] = []
    seen: set[str] = set()

    def advise(code: str, zh: str, basis: str) -> None:
        if code in seen:
            return
        seen.add(code)
        recs.append({"text": zh, "basis": basis})

    for r in data.assessment.rows:
        st = r.status.status
        if st not in ("off_track", "at_risk", "no_data"):
            continue
        if st == "no_data" and r.status.rule_id == "target.none":
            continue
        ind = r.indicator
        unit = ind.unit or ""
        if st == "no_data":
            problems.append({"indicator": ind.key, "severity": "no_data",
                             "text": f"指标{ind.number}“{ind.name_zh}”{data.year}年缺少可评估的数值或认定："
                                     f"{r.status.rule_zh}"})
            dept = ind.measurement.department if ind.measurement and ind.measurement.department \
                else "责任部门"
            advise(f"data:{dept}", f"督促{dept}按时填报并提交佐证材料，经审核批准后纳入评估。",
                   f"指标{ind.number}")
            continue
        gap = ""
        if r.status.gap is not None and not r.value.details.get("is_class"):
            gap = f"，与目标差距 {format(r.status.gap.normalize(), 'f')}{unit}"
        word = "未实现目标" if st == "off_track" and data.year >= data.plan.end_year else (
            "进展滞后" if st == "off_track" else "存在不能按期实现的风险")
        problems.append({
            "indicator": ind.key, "severity": st,
            "text": f"指标{ind.number}“{ind.name_zh}”（{ind.attribute_zh}）{data.year}年为"
                    f"{r.value.display}{unit if not r.value.details.get('is_class') else ''}，"
                    f"目标{r.target.text}{gap}，{word}。"})
        stat = ind.measurement.statistic if ind.measurement else None
        if stat in ADVICE:
            chap, text = ADVICE[stat]
            advise(stat, text, f"指标{ind.number}")
        else:
            advise(f"cat:{ind.category}", f"针对“{ind.name_zh}”，由{(ind.measurement.department if ind.measurement else None) or '责任部门'}"
                   f"制定专项推进措施并按季报告进展（{CATEGORY_ADVICE[1]}）", f"指标{ind.number}")
    for p in data.projects.overdue:
        pr = p.project
        problems.append({"indicator": "", "severity": "overdue_project",
                         "text": f"重点工程{pr.number}“{pr.name}”（{_short(pr.content)}，{pr.period_text}，"
                                 f"{'、'.join(pr.lead_departments)}）未按期完成，最新进度"
                                 f"{'无已批准填报' if p.percent is None else format(p.percent.normalize(), 'f') + '%'}。"})
    if data.projects.overdue:
        advise("projects", "对逾期重点工程建立台账，明确完成时限和责任人，"
               "资金缺口纳入年度预算或争取上级专项资金（规划第十三章第二节）。", "重点工程")
    for t in data.tasks.overdue:
        problems.append({"indicator": "", "severity": "overdue_task",
                         "text": f"任务{t.task.key}（{t.task.deadline_text or t.task.deadline}）未按期完成："
                                 f"{t.task.text[:60]}{'…' if len(t.task.text) > 60 else ''}"})
    if data.tasks.overdue:
        advise("tasks", "对未按期完成的任务开展督查，定期通报工作进度（规划第十三章第四节）。", "任务")
    if not problems:
        advise("keep", "巩固已取得的成效，保持监测与填报质量，为下一规划期确定基准值。", "全部指标")
    if data.demo:
        problems.insert(0, {"indicator": "", "severity": "demo",
                            "text": "本报告所用监测数据和部门填报为生成的示例数据（generated example data），"
                                    "不代表交城县实际情况。"})
    return problems, recs


# ---------------------------------------------------------------------------- summaries
def summary_paragraphs(data: ReportData) -> list[str]:
    """The summary (总体情况) paragraphs."""
    ar = data.assessment
    counts = ar.counts()
    n = len(ar.rows)
    binding = [r for r in ar.rows if r.indicator.attribute == "binding"]
    b_ok = sum(1 for r in binding if r.status.status == "achieved")
    parts = [
        f"本报告依据《{data.plan.title_zh}》第十三章“严格目标考核”的要求，对{data.period_text}规划"
        f"指标、重点工程和主要任务的完成情况进行{KINDS[data.kind][0].replace('报告', '')}。"
        f"评估数据截至{data.year}年12月31日，报告生成日期{data.report_date:%Y年%m月%d日}。",
        f"规划共{n}项评估指标（表1第4项分为文峪河、磁窑河两项），其中达标{counts.get('achieved', 0)}项、"
        f"进展顺利{counts.get('on_track', 0)}项、存在风险{counts.get('at_risk', 0)}项、"
        f"滞后{counts.get('off_track', 0)}项、无数据或无目标{counts.get('no_data', 0)}项"
        + (f"（其中{invalid}项数值不满足数据有效性要求，未据以判定）" if (invalid := sum(
            1 for r in ar.rows if r.status.rule_id == "value.invalid")) else "")
        + f"；约束性指标{len(binding)}项中达标{b_ok}项。",
    ]
    tot = data.projects.totals()
    parts.append(
        f"规划重点工程{tot['projects']}项，估算总投资{_wan(tot['planned_wan_yuan'])}万元；截至"
        f"{data.year}年底已完成{tot['completed']}项，累计完成投资{_wan(tot['invested_wan_yuan'])}万元"
        f"（{tot['invested_share']}%），逾期未完成{tot['overdue']}项。")
    ts = data.tasks
    done = sum(1 for t in ts.tasks if t.status == "completed")
    parts.append(f"规划中有明确完成时限的任务{len(ts.tasks)}项，已完成{done}项，"
                 f"到期未完成{len(ts.overdue)}项。")
    air = {r.indicator.measurement.statistic: r for r in ar.rows
           if r.indicator.measurement and r.indicator.measurement.statistic}
    if "air.pm25_annual_mean" in air and air["air.pm25_annual_mean"].value.value is not None:
        pm, good, heavy = (air.get(k) for k in AIR_KEYS)
        warn = pm.value.details.get("warnings_zh") if pm else None  # type: ignore[union-attr]
        parts.append(
            f"{data.year}年县城区PM2.5年均浓度{pm.value.display}μg/m³"  # type: ignore[union-attr]
            + ("（无效：" + "；".join(warn) + "）" if warn else "")
            + (f"，优良天数比例{good.value.display}%" if good and good.value.value is not None else "")
            + (f"，重污染天数比例{heavy.value.display}%" if heavy and heavy.value.value is not None
               else "") + "。")
    return parts


def _short(text: str, n: int = 40) -> str:
    t = text.strip().rstrip("。；;，,")
    return t if len(t) <= n else t[:n] + "…"


AIR_KEYS = ("air.pm25_annual_mean", "air.good_day_ratio", "air.heavy_day_ratio")


def _wan(x: Decimal) -> str:
    return f"{x.quantize(Decimal('0.01')).normalize():f}"


def indicator_panels(rows: list[IndicatorAssessment], plan: Plan, year: int) -> list[dict[str, Any]]:
    """Chart panels for the quantitative and class indicators with at least one value."""
    panels: list[dict[str, Any]] = []
    for r in rows:
        ind = r.indicator
        t = r.target
        is_class = t.kind == "water_class"
        numeric = t.kind in ("value", "eliminate", "maintain", "not_decrease") or is_class
        if not numeric:
            continue
        ys = list(range(plan.baseline_year, year + 1))
        vals = [float(r.series[y].value) if y in r.series and r.series[y].value is not None
                else None for y in ys]
        if all(v is None for v in vals):
            continue
        base = ind.baseline
        b = float(base.value) if base.kind == "value" and base.value is not None else (
            float(base.water_class) if base.kind == "water_class" and base.water_class else None)
        tv = r.status.target_value
        target = float(tv) if tv is not None else (float(t.water_class) if is_class and
                                                   t.water_class else None)
        if t.kind in ("maintain", "not_decrease"):
            target = b
        panels.append({"title": f"{ind.number}{ind.part or ''} {ind.name_zh}", "unit": ind.unit or "",
                       "years": ys, "values": vals, "baseline_year": plan.baseline_year,
                       "baseline": b, "end_year": plan.end_year, "target": target,
                       "operator": t.operator if t.kind == "value" else ("≤" if is_class else ""),
                       "is_class": is_class})
    return panels
