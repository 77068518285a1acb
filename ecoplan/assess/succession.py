"""From one plan to the next: the next plan's baselines computed from the workspace's data, and
the target check (目标可达性分析) of a draft.

Baselines (:func:`draft_baselines`) are the final assessment's figures of the last year of the
previous plan, computed by the same engines (:func:`ecoplan.assess.indicators.indicator_values`):
air indicators under the rules in force on the data's dates (2012 rules for 2025 — the figure
the final assessment reports) **and** recomputed under the 2026 rules (GB 3095-2026, HJ 633-2026,
the basis on which the new plan is judged); water classes (GB 3838-2002, GB/T 14848-2017);
department-reported values (the latest approved report). Indicators without data are marked
``to_enter``.

The target check (:func:`target_check`) adds to the pure arithmetic of
:mod:`ecoplan.plan.succession` what needs the county's data:

* **PM2.5 target vs good-day target** — the good-day ratio a PM2.5 annual level implies, from the
  county town's own 2025 daily distribution: every day's PM2.5 and PM10 are multiplied by
  ``k = target ÷ the 2025 annual mean`` (the particulate share of each day is kept; SO2, NO2, CO
  and O3 unchanged), each day's AQI is recomputed under the HJ 633-2026 daily breakpoints
  (:func:`ecoplan.standards.aqi.daily_aqi`) and the share of days with AQI ≤ 100 counted.
* **effect of the 2026 rules** — the same 2025 concentrations judged under both rule sets
  (good-day and heavy-pollution ratios, the PM2.5 target against the GB 3095 annual limits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from ecoplan.assess.indicators import (
    WATER_CLASS_LABELS,
    IndicatorValue,
    county_town_daily,
    indicator_values,
)
from ecoplan.plan import Baseline, Plan
from ecoplan.plan.model import BaselineFigure, Indicator
from ecoplan.plan.succession import (
    AIR_RULES,
    HigherCheck,
    HigherTarget,
    TrendCheck,
    air_rule_basis,
    check_higher,
    check_trend,
    target_number,
)
from ecoplan.standards.air_period import gbt8170_round
from ecoplan.standards.aqi import daily_aqi
from ecoplan.store.workspace import Workspace

NEW_RULES = "2026"
OLD_RULES = "2012"
DAILY_POLLUTANTS = ("so2", "no2", "co", "pm10", "pm25", "o3_8h")
# GB 3095 class-2 annual PM2.5 limits: 2012 Table 1 (35); 2026 transitional limit to 2030 (30)
PM25_ANNUAL_LIMIT = {"2012": Decimal(35), "2026": Decimal(30)}


def _figure(iv: IndicatorValue, ruleset: str) -> BaselineFigure:
    is_class = bool(iv.details.get("is_class"))
    return BaselineFigure(
        ruleset=ruleset, text=iv.display,
        value=None if is_class else iv.value,
        water_class=int(iv.value) if is_class and iv.value is not None else None,
        rule_versions="；".join(str(v) for v in iv.rule_versions.values()) or None,
        note=iv.method_zh or None)


def baseline_from_value(ind: Indicator, iv: IndicatorValue | None, year: int,
                        alt: IndicatorValue | None = None) -> Baseline:
    """A draft baseline from the final assessment's value of ``year`` (``alt``: the same under
    the 2026 air rules)."""
    if iv is None or (iv.value is None and not iv.value_text):
        return Baseline(text="待填报", kind="none", year=year, source="entry", to_enter=True,
                        source_text=(iv.method_zh if iv is not None else "") or "无数据，待填报")
    if iv.value is None:  # a reported statement (完成 …)
        return Baseline(text=iv.value_text or "", kind="other", year=year, source="reported",
                        source_text=iv.method_zh)
    is_class = bool(iv.details.get("is_class"))
    air = air_rule_basis(ind.measurement.statistic if ind.measurement else None)
    ruleset = str(iv.details.get("ruleset", OLD_RULES)) if air else None
    figures: list[BaselineFigure] = []
    if air:
        figures.append(_figure(iv, ruleset or OLD_RULES))
        if alt is not None and alt.value is not None:
            figures.append(_figure(alt, NEW_RULES))
    elif is_class:
        figures.append(_figure(iv, "GB 3838-2002" if "GB 3838" in " ".join(iv.rule_versions.values())
                               else "GB/T 14848-2017"))
    return Baseline(
        text=WATER_CLASS_LABELS[int(iv.value)] if is_class else iv.display,
        kind="water_class" if is_class else "value",
        value=None if is_class else iv.value,
        water_class=int(iv.value) if is_class else None,
        year=year, source=iv.source if iv.source in ("computed", "reported") else "computed",
        source_text=iv.method_zh, ruleset=AIR_RULES.get(ruleset or "", None) if air else
        "；".join(str(v) for v in iv.rule_versions.values()) or None,
        figures=figures)


@dataclass
class DraftBaselines:
    """The computed baselines of a draft and the 2020–2025 history under both air rule sets."""

    year: int
    baselines: dict[str, Baseline]
    history: dict[str, dict[int, IndicatorValue]]
    history_2026: dict[str, dict[int, IndicatorValue]]


def draft_baselines(ws: Workspace, previous: Plan, year: int | None = None) -> DraftBaselines:
    """Baselines of the next plan = the previous plan's final-year values, by the same engines
    as the final assessment; air values also under the 2026 rules."""
    year = year or previous.end_year
    years = list(range(previous.baseline_year, year + 1))
    vals = indicator_values(ws, previous, years)
    air = [i for i in previous.indicators if air_rule_basis(i.measurement.statistic if i.measurement
                                                             else None)]
    vals26: dict[str, dict[int, IndicatorValue]] = {}
    if air:
        only_air = previous.model_copy(update={"indicators": air})
        vals26 = indicator_values(ws, only_air, years, air_ruleset=NEW_RULES)
    out: dict[str, Baseline] = {}
    for ind in previous.indicators:
        iv = vals.get(ind.key, {}).get(year)
        alt = vals26.get(ind.key, {}).get(year)
        out[ind.key] = baseline_from_value(ind, iv, year, alt)
    return DraftBaselines(year, out, vals, vals26)


# ---------------------------------------------------------------------------- implied ratios
def county_town_daily_values(ws: Workspace, year: int) -> pd.DataFrame:
    """The county town's daily values of ``year`` (``date`` and the six daily pollutants)."""
    got = county_town_daily(ws, [year])
    if got is None:
        return pd.DataFrame(columns=["date", *DAILY_POLLUTANTS])
    analytics, daily = got
    cols = [c for c in ("date", *DAILY_POLLUTANTS) if c in daily.columns]
    df = analytics.execute(daily.select(*cols).order_by("date"))
    return df[pd.to_datetime(df["date"]).dt.year == year].reset_index(drop=True)


@dataclass
class ImpliedRatios:
    """Day counts of a daily distribution with its particulates scaled by ``factor``."""

    factor: float
    valid_days: int
    good_days: int
    heavy_days: int
    ruleset: str

    @property
    def good_ratio(self) -> float | None:
        return None if not self.valid_days else 100 * self.good_days / self.valid_days

    @property
    def heavy_ratio(self) -> float | None:
        return None if not self.valid_days else 100 * self.heavy_days / self.valid_days


def implied_ratios(daily: pd.DataFrame, factor: float, ruleset: str) -> ImpliedRatios:
    """Scale every day's PM2.5 and PM10 by ``factor`` and count good (AQI ≤ 100) and heavy
    (AQI > 200) days under ``ruleset``'s daily AQI (HJ 633 daily report, values rounded per
    GB/T 8170 first). Days without an AQI (a pollutant missing) are not valid days."""
    valid = good = heavy = 0
    for row in daily.itertuples(index=False):
        values: dict[str, Any] = {}
        for p in DAILY_POLLUTANTS:
            v = getattr(row, p, None)
            if v is None or (isinstance(v, float) and v != v):
                continue
            values[p] = float(v) * factor if p in ("pm25", "pm10") else float(v)
        res = daily_aqi(values, ruleset)
        if res.aqi is None:
            continue
        valid += 1
        good += res.aqi <= 100
        heavy += res.aqi > 200
    return ImpliedRatios(factor, valid, good, heavy, ruleset)


# ---------------------------------------------------------------------------- the check
@dataclass
class Consistency:
    """A pair of related indicators checked against each other."""

    keys: tuple[str, str]
    title_zh: str
    title_en: str
    values: dict[str, Any]
    consistent: bool | None
    text_zh: str
    text_en: str


@dataclass
class RulesEffect:
    key: str
    name: str
    unit: str | None
    old: float | None
    new: float | None
    text_zh: str
    text_en: str


@dataclass
class TargetCheckReport:
    plan: Plan
    trends: list[TrendCheck]
    higher: list[HigherCheck]
    higher_example: bool
    higher_note: str | None
    consistency: list[Consistency]
    rules_effect: list[RulesEffect]
    method_zh: list[str] = field(default_factory=list)
    method_en: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def plain(o: Any) -> Any:
            return {k: v for k, v in o.__dict__.items()}
        return {"plan": self.plan.code, "period": self.plan.period,
                "trends": [{**plain(t), "verdict_zh": t.verdict_text("zh"),
                            "verdict_en": t.verdict_text("en")} for t in self.trends],
                "higher": [plain(h) for h in self.higher], "higher_example": self.higher_example,
                "consistency": [plain(c) for c in self.consistency],
                "rules_effect": [plain(r) for r in self.rules_effect],
                "method_zh": self.method_zh, "method_en": self.method_en}


def _num(x: Decimal | float | int | None) -> float | None:
    return None if x is None else float(x)


def _by_stat(plan: Plan, statistic: str) -> Indicator | None:
    for i in plan.indicators:
        if i.measurement and i.measurement.statistic == statistic:
            return i
    return None


def _pm25_raw(daily: pd.DataFrame) -> float | None:
    s = pd.to_numeric(daily.get("pm25"), errors="coerce").dropna() if "pm25" in daily else pd.Series()
    return float(s.mean()) if len(s) else None


def pm25_good_day_consistency(draft: Plan, daily: pd.DataFrame, baseline_mean: float | None
                              ) -> Consistency | None:
    """The good-day ratio the PM2.5 target implies (2026 breakpoints) against the good-day target."""
    pm = _by_stat(draft, "air.pm25_annual_mean")
    gd = _by_stat(draft, "air.good_day_ratio")
    if pm is None or gd is None:
        return None
    t_pm = target_number(pm.target)
    t_gd = target_number(gd.target)
    if t_pm is None or not baseline_mean or daily.empty:
        return Consistency((pm.key, gd.key), "PM2.5 目标与优良天数比例目标", "PM2.5 vs good-day target",
                           {}, None, "缺少 PM2.5 目标或日数据，无法估算", "no PM2.5 target or daily data")
    k = t_pm / baseline_mean
    new = implied_ratios(daily, k, NEW_RULES)
    old = implied_ratios(daily, k, OLD_RULES)
    ratio = new.good_ratio
    vals = {"pm25_target": t_pm, "pm25_2025_mean_raw": round(baseline_mean, 2), "factor": round(k, 4),
            "valid_days": new.valid_days, "good_days_2026": new.good_days,
            "implied_good_ratio_2026": None if ratio is None else round(ratio, 2),
            "implied_good_ratio_2012": None if old.good_ratio is None else round(old.good_ratio, 2),
            "implied_heavy_ratio_2026": None if new.heavy_ratio is None else round(new.heavy_ratio, 2),
            "good_day_target": t_gd}
    if t_gd is None or ratio is None:
        return Consistency((pm.key, gd.key), "PM2.5 目标与优良天数比例目标", "PM2.5 vs good-day target",
                           vals, None,
                           f"PM2.5 降至 {t_pm:g} μg/m³ 时按 2026 年分级估算优良天数比例约 {ratio or 0:.1f}%；"
                           "优良天数比例目标尚未确定",
                           f"PM2.5 at {t_pm:g} implies a good-day ratio of about {ratio or 0:.1f}% "
                           "(2026 breakpoints); no good-day target yet")
    consistent = t_gd <= ratio + 1e-9
    zh = (f"PM2.5 年均浓度降至 {t_pm:g} μg/m³（2025 年日浓度分布整体乘以 {k:.3f}）时，按 HJ 633-2026 "
          f"日报分级估算优良天数比例约 {ratio:.1f}%（{new.good_days}/{new.valid_days} 天；按 2012 年分级为 "
          f"{old.good_ratio or 0:.1f}%）；优良天数比例目标 {t_gd:g}% "
          + ("不高于该估算值，两项目标相互协调" if consistent else
             f"高于该估算值 {t_gd - ratio:.1f} 个百分点：仅达到 PM2.5 目标不足以实现优良天数目标，"
             "还需降低臭氧等其他污染物或进一步降低 PM2.5"))
    en = (f"PM2.5 at {t_pm:g} μg/m³ (2025 daily distribution × {k:.3f}) implies a good-day ratio of "
          f"about {ratio:.1f}% under the HJ 633-2026 breakpoints ({new.good_days}/{new.valid_days} days; "
          f"{old.good_ratio or 0:.1f}% under 2012); the good-day target {t_gd:g}% is "
          + ("within it: consistent" if consistent else
             f"{t_gd - ratio:.1f} points above it: the PM2.5 target alone does not reach it"))
    return Consistency((pm.key, gd.key), "PM2.5 目标与优良天数比例目标", "PM2.5 vs good-day target",
                       vals, consistent, zh, en)


def rules_effect(draft: Plan, daily: pd.DataFrame, baseline_mean: float | None) -> list[RulesEffect]:
    """The same concentrations under the 2012 and the 2026 rules: each air baseline, and the
    PM2.5 target against the GB 3095 annual limits."""
    out: list[RulesEffect] = []
    for ind in draft.indicators:
        if not air_rule_basis(ind.measurement.statistic if ind.measurement else None):
            continue
        f_old, f_new = ind.baseline.figure(OLD_RULES), ind.baseline.figure(NEW_RULES)
        old = _num(f_old.value) if f_old else None
        new = _num(f_new.value) if f_new else None
        if old is not None and new is not None:
            d = new - old
            out.append(RulesEffect(
                ind.key, ind.name_zh, ind.unit, old, new,
                f"{draft.baseline_year} 年同一浓度数据：2012 年规则 {old:g}，2026 年规则 {new:g}"
                f"（{d:+.2f}{' 个百分点' if ind.unit == '%' else ind.unit or ''}）",
                f"{draft.baseline_year}, same data: {old:g} under the 2012 rules, {new:g} under 2026 "
                f"({d:+.2f} {'points' if ind.unit == '%' else ind.unit or ''})"))
        if ind.measurement and ind.measurement.statistic == "air.pm25_annual_mean":
            t = target_number(ind.target)
            if t is not None:
                lo, hi = PM25_ANNUAL_LIMIT["2026"], PM25_ANNUAL_LIMIT["2012"]
                m12 = (t - float(hi)) / float(hi)
                m26 = (t - float(lo)) / float(lo)
                out.append(RulesEffect(
                    ind.key, f"{ind.name_zh}目标（对照二级年均限值）", ind.unit, m12, m26,
                    f"目标 {t:g} μg/m³：相对 GB 3095-2012 二级限值 {hi} 的超标倍数 "
                    f"{max(m12, 0):.2f}，相对 GB 3095-2026 过渡期限值 {lo} 的超标倍数 {max(m26, 0):.2f}"
                    + ("（达到新标准）" if t <= float(lo) else "（仍未达到新标准过渡期限值）"),
                    f"target {t:g}: exceedance multiple {max(m12, 0):.2f} of the 2012 limit {hi}, "
                    f"{max(m26, 0):.2f} of the 2026 transitional limit {lo}"))
    pm = _by_stat(draft, "air.pm25_annual_mean")
    if pm is not None and baseline_mean and not daily.empty:
        t = target_number(pm.target)
        if t is not None:
            k = t / baseline_mean
            a, b = implied_ratios(daily, k, OLD_RULES), implied_ratios(daily, k, NEW_RULES)
            if a.good_ratio is not None and b.good_ratio is not None:
                out.append(RulesEffect(
                    pm.key, f"PM2.5 {t:g} μg/m³ 时的优良天数比例", "%", a.good_ratio, b.good_ratio,
                    f"同一组（按目标缩放的）日浓度：2012 年分级优良天数比例 {a.good_ratio:.1f}%，2026 年分级 "
                    f"{b.good_ratio:.1f}%（{b.good_ratio - a.good_ratio:+.1f} 个百分点）",
                    f"same scaled daily values: good-day ratio {a.good_ratio:.1f}% under 2012, "
                    f"{b.good_ratio:.1f}% under 2026 ({b.good_ratio - a.good_ratio:+.1f} points)"))
    return out


def _history(draft: Plan, ind: Indicator, db: DraftBaselines | None
             ) -> tuple[dict[int, Decimal | None], str | None, str | None]:
    """2020–2025 values of the predecessor indicator, under the 2026 rules for air indicators."""
    if db is None or ind.predecessor is None:
        return {}, None, None
    air = air_rule_basis(ind.measurement.statistic if ind.measurement else None)
    src = db.history_2026 if air else db.history
    series = src.get(ind.predecessor.key, {})
    return ({y: v.value for y, v in series.items()}, NEW_RULES if air else None,
            NEW_RULES if air else None)


def target_check(ws: Workspace | None, draft: Plan, *, baselines: DraftBaselines | None = None,
                 previous: Plan | None = None, higher: Sequence[HigherTarget] = (),
                 higher_example: bool = False, higher_note: str | None = None,
                 daily: pd.DataFrame | None = None) -> TargetCheckReport:
    """The target check of ``draft``. With a workspace, the 2020–2025 history is computed by
    the engines (``previous`` = the predecessor plan) and the daily distribution of the
    baseline year read from the lake; ``baselines``/``daily`` may be given instead."""
    if ws is not None and previous is not None and baselines is None:
        baselines = draft_baselines(ws, previous, draft.baseline_year)
    if daily is None:
        daily = county_town_daily_values(ws, draft.baseline_year) if ws is not None else pd.DataFrame()
    trends: list[TrendCheck] = []
    checks: list[HigherCheck] = []
    for ind in draft.indicators:
        hist, rs, hrs = _history(draft, ind, baselines)
        trends.append(check_trend(ind, baseline_year=draft.baseline_year, end_year=draft.end_year,
                                  history=hist, ruleset=rs, history_ruleset=hrs))
        checks += check_higher(ind, higher, ruleset=rs)
    mean = _pm25_raw(daily) if not daily.empty else None
    cons = [c for c in [pm25_good_day_consistency(draft, daily, mean)] if c is not None]
    effect = rules_effect(draft, daily, mean)
    return TargetCheckReport(draft, trends, checks, higher_example, higher_note, cons, effect,
                             METHOD_ZH, METHOD_EN)


METHOD_ZH = [
    "年均所需变化 =（目标值 − 基准值）÷ 年数；年均所需变化率 =（目标值 ÷ 基准值）^(1/年数) − 1；年数 = 规划期末年 − 基准年（5）。",
    "历史趋势：2020—2025 年逐年数值的最小二乘线性斜率（每年变化量），并给出首末年复合变化率；空气指标的历史序列按 2026 年规则重新计算，与新规划的评价口径一致。",
    "趋势外推值 = 基准值 + 年数 × 斜率；目标与趋势的距离 = 目标值 − 趋势外推值。所需改善速度 ÷ 历史改善速度 ≤ 1 为按趋势可达，1～2 倍为需加快，2 倍以上为需远快于历史趋势。",
    "上级目标：县级目标须不低于（浓度类不高于）上级要求；相对变化目标用本县基准值折算：基准值 ×（1 + 变化百分比）。",
    "PM2.5 与优良天数：把基准年县城每日 PM2.5、PM10 浓度同乘系数 k = 目标值 ÷ 基准年年均值（保留日间分布和颗粒物比例，SO2、NO2、CO、O3 不变），按 HJ 633-2026 日报分级重算每日 AQI，统计 AQI ≤ 100 的天数比例。",
    "2026 年规则的影响：同一浓度数据分别按 GB 3095-2012/HJ 633-2012/HJ 663-2013 与 GB 3095-2026/HJ 633-2026 计算。",
]
METHOD_EN = [
    "Required change per year = (target − baseline) ÷ years; required annual rate = (target ÷ baseline)^(1/years) − 1; years = end year − baseline year (5).",
    "Historical trend: least-squares slope of the 2020–2025 values (change per year) and the compound rate first → last year; air series are recomputed under the 2026 rules, the new plan's basis.",
    "Trend projection = baseline + years × slope; distance = target − projection. Required ÷ historical improvement per year ≤ 1: reachable at the trend; 1–2: needs acceleration; > 2: far beyond the trend.",
    "Higher-level targets: the county's target must be at least as strict; a relative change is turned into a value with the county's baseline: baseline × (1 + percent).",
    "PM2.5 vs good days: every baseline-year county-town day's PM2.5 and PM10 are multiplied by k = target ÷ baseline annual mean (day-to-day distribution and particulate ratio kept; SO2, NO2, CO, O3 unchanged), each day's AQI recomputed under the HJ 633-2026 daily breakpoints, and the share of days with AQI ≤ 100 counted.",
    "Effect of the 2026 rules: the same concentrations under GB 3095-2012/HJ 633-2012/HJ 663-2013 and under GB 3095-2026/HJ 633-2026.",
]


RULESET_WORDS = {"2012": ("2012 年规则", "2012 rules"), "2026": ("2026 年规则", "2026 rules")}


def trend_rows(report: TargetCheckReport, lang: str = "zh") -> list[dict[str, Any]]:
    """The trend table as rows of text (shared by the annex, the web page and the CLI)."""
    rows = []
    for t in report.trends:
        def f(x: float | None, d: int = 2, pct: bool = False) -> str:
            if x is None:
                return "—"
            return f"{x * 100:+.2f}%" if pct else f"{gbt8170_round(x, d):g}" if d >= 0 else f"{x}"
        rows.append({
            "key": t.key, "name": t.name, "unit": t.unit or "",
            "baseline": (WATER_CLASS_LABELS.get(int(t.baseline_value), "—")
                         if t.direction == "class" and t.baseline_value is not None else f(t.baseline_value)),
            "baseline_ruleset": RULESET_WORDS.get(t.baseline_ruleset or "", ("", ""))[lang != "zh"],
            "target": t.target_text or "—", "required_per_year": f(t.required_per_year),
            "required_rate": f(t.required_rate, pct=True), "trend_slope": f(t.trend_slope),
            "trend_rate": f(t.trend_rate, pct=True), "projection": f(t.trend_projection),
            "distance": f(t.distance), "pace_ratio": f(t.pace_ratio),
            "verdict": t.verdict, "verdict_text": t.verdict_text(lang)})
    return rows
