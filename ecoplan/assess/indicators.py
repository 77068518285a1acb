"""Indicator values per year — from the lake through the air and water engines, or from approved
department reports — and their assessment against the (effective) targets.

Every value carries how it was obtained (``method_zh/en``), the rule versions behind it and its
evidence (lake files and batches, or the approved report with its history), so a reader can
trace each number of a report to its rule, data and rule version.

Monitoring indicators (``measurement.kind == "computed"``):

* ``air.pm25_annual_mean``, ``air.good_day_ratio``, ``air.heavy_day_ratio`` — county-town annual
  statistics of the air engine (:mod:`ecoplan.assess.air_pipeline`: hourly → daily values with
  GB 3095 Table 4 validity → county-town daily values = mean of the county-town stations →
  HJ 633 daily AQI → HJ 663 annual statistics), rule set chosen by the date of the data (2012 rules
  for 2021–2025). PM2.5 is reported as an integer (GB/T 8170); ratios are rounded (GB/T 8170) to
  the two decimals the plan's Table 1 uses, from the engine's unrounded ratio.
* ``water.section_class`` — annual class of each section (环办〔2011〕22号: annual value = mean of
  the monthly means; GB 3838-2002 single-factor class); the indicator value is the worst class
  of its sections (all registry sections of the river when the plan counts more sections than it
  names).
* ``water.drinking_source_class`` / ``groundwater.point_class`` — GB/T 14848-2017 §8.3 class of
  every sample; a site's annual class is its worst sample class of the year (ecoplan's rule: the
  standard classifies samples, not years) and the indicator value the worst site.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import select

from ecoplan.assess import air_daily_cache, air_pipeline, air_validity, risk_records
from ecoplan.assess import progress as pg
from ecoplan.assess.status import StatusResult, evaluate, load_rules
from ecoplan.errors import EcoplanError
from ecoplan.plan import Indicator, Plan, Target
from ecoplan.standards.air_daily import DailyRules
from ecoplan.standards.air_period import gbt8170_round
from ecoplan.standards.air_stations import is_assessment
from ecoplan.standards.groundwater import classify_groundwater_frame
from ecoplan.standards.water_sections import classify_section_year
from ecoplan.store.models import (
    DrinkingWaterSource,
    GroundwaterPoint,
    SiteAlias,
    Station,
    WaterSection,
)
from ecoplan.store.plan_store import plan_with_db_overrides
from ecoplan.store.workspace import Workspace

AIR_STATISTICS = ("air.pm25_annual_mean", "air.good_day_ratio", "air.heavy_day_ratio")
WATER_CLASS_LABELS = {1: "Ⅰ类", 2: "Ⅱ类", 3: "Ⅲ类", 4: "Ⅳ类", 5: "Ⅴ类", 6: "劣Ⅴ类"}


class AssessmentError(EcoplanError):
    """An assessment cannot be made (no plan loaded, an engine is missing …)."""


@dataclass
class IndicatorValue:
    """One indicator's value for one year, with how it was obtained and its evidence."""

    key: str
    year: int
    value: Decimal | None = None
    value_text: str | None = None
    unit: str | None = None
    source: str = "none"  # computed | reported | none
    method_zh: str = ""
    method_en: str = ""
    rule_versions: dict[str, str] = field(default_factory=dict)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The value as shown in tables: a number, a water class label or the reported words."""
        if self.value is None:
            return self.value_text or "—"
        if self.details.get("is_class"):
            return WATER_CLASS_LABELS.get(int(self.value), str(self.value))
        return format(self.value.normalize(), "f")


@dataclass
class IndicatorAssessment:
    """An indicator in a year: value, baseline, effective target, expected path, gap, status."""

    indicator: Indicator
    year: int
    target: Target
    target_source: str
    value: IndicatorValue
    status: StatusResult
    series: dict[int, IndicatorValue] = field(default_factory=dict)

    def row(self, lang: str = "zh") -> dict[str, Any]:
        ind = self.indicator
        st = self.status
        return {
            "key": ind.key, "number": ind.number, "category": ind.category,
            "name": ind.name_zh if lang == "zh" else (ind.name_en or ind.name_zh),
            "unit": ind.unit or "", "attribute": ind.attribute,
            "attribute_name": (ind.attribute_zh if lang == "zh" else ind.attribute),
            "baseline": ind.baseline.text, "target": self.target.text or "—",
            "target_source": self.target_source, "year": self.year,
            "value": self.value.display, "value_number": self.value.value,
            "source": self.value.source,
            "expected": _fmt(st.expected, self.value.details.get("is_class")),
            "gap": None if st.gap is None else format(st.gap.normalize(), "f"),
            "status": st.status, "status_name": st.name_zh if lang == "zh" else st.name_en,
            "rule": st.rule(lang), "rule_id": st.rule_id, "rules_version": st.rules_version,
            "method": self.value.method_zh if lang == "zh" else self.value.method_en,
            "rule_versions": self.value.rule_versions, "evidence": self.value.evidence,
            "details": self.value.details,
        }


def _fmt(x: Decimal | None, is_class: bool | None = None) -> str | None:
    if x is None:
        return None
    if not x.is_finite() or abs(x) >= Decimal(10) ** 15:
        return "—"  # a stored value out of any sensible range never breaks a page
    if is_class:
        return WATER_CLASS_LABELS.get(int(x), str(x))
    return format(x.quantize(Decimal("0.01")).normalize(), "f")


def _dec(x: Any, digits: int | None = None) -> Decimal | None:
    if x is None or (isinstance(x, float) and x != x):
        return None
    d = Decimal(repr(float(x))) if isinstance(x, float) else Decimal(str(x))
    if digits is not None:
        r = gbt8170_round(float(x), digits)
        return Decimal(int(r)) if digits == 0 and r is not None else Decimal(str(r))
    return d


# ---------------------------------------------------------------------------- registries
def site_registries(ws: Workspace) -> dict[str, pd.DataFrame]:
    """The site registries of the workspace as frames: station, section, drinking_source,
    groundwater_point and their aliases (``alias``)."""
    out: dict[str, pd.DataFrame] = {}
    with ws.session() as s:
        for name, model in (("station", Station), ("section", WaterSection),
                            ("drinking_source", DrinkingWaterSource),
                            ("groundwater_point", GroundwaterPoint)):
            cols = [c.key for c in model.__table__.columns]
            out[name] = pd.DataFrame([{c: getattr(o, c) for c in cols}
                                      for o in s.scalars(select(model))], columns=cols)
        out["alias"] = pd.DataFrame([{"kind": a.kind, "code": a.code, "alias": a.alias}
                                     for a in s.scalars(select(SiteAlias))],
                                    columns=["kind", "code", "alias"])
    return out


def _resolve(reg: dict[str, pd.DataFrame], kind: str, names: Iterable[str]) -> list[str]:
    table = reg[kind]
    aliases = reg["alias"][reg["alias"].kind == kind]
    out: list[str] = []
    for n in names:
        hit = table[(table.code == n) | (table.name == n)].code.tolist() or \
            aliases[aliases.alias == n].code.tolist()
        for c in hit:
            if c not in out:
                out.append(c)
    return out


def county_town_stations(ws: Workspace) -> list[str]:
    """Codes of the active county-town evaluation stations (registry ``county_town``); a
    station whose HJ 664 type is not an assessment type (e.g. 对照点) is left out
    (:func:`ecoplan.standards.air_stations.is_assessment`)."""
    st = site_registries(ws)["station"]
    if st.empty:
        return []
    st = st[(st.county_town == True) & (st.active != False)]  # noqa: E712
    if "station_type" in st.columns:
        keep = pd.Series([is_assessment(t if isinstance(t, str) else None)
                          for t in st.station_type], index=st.index, dtype=bool)
        st = st[keep]
    return sorted(st.code)


# ---------------------------------------------------------------------------- lake readers
def lake_frame(ws: Workspace, dataset: str, years: Sequence[int], sites: Sequence[str]) -> pd.DataFrame:
    """Water samples of ``sites`` in ``years`` from the lake, as the assessment reads them
    (also the reader of ``ecoplan water classify|assess --from-lake``)."""
    if not ws.lake.files(dataset) or not sites:
        return pd.DataFrame(columns=["site", "time", "parameter", "value", "unit", "below_dl",
                                     "waterbody", "batch"])
    t = ws.analytics.table(dataset)
    expr = t.filter(t.year.isin(list(years)), t.site.isin(list(sites)))
    df = ws.analytics.execute(expr)
    df["time"] = pd.to_datetime(df["time"])
    return df


def _lake_evidence(ws: Workspace, dataset: str, df: pd.DataFrame, year: int) -> dict[str, Any]:
    batches = sorted(int(b) for b in df["batch"].dropna().unique()) if "batch" in df else []
    files = [str(f.relative_to(ws.lake.root)) for f in ws.lake.files(dataset)
             if f"year={year}" in f.parts]
    return {"type": "lake", "dataset": dataset, "year": year, "rows": int(len(df)),
            "batches": batches, "files": files}


# ---------------------------------------------------------------------------- water
def _surface_values(ws: Workspace, plan: Plan, ind: Indicator, years: Sequence[int],
                    reg: dict[str, pd.DataFrame]) -> dict[int, IndicatorValue]:
    m = ind.measurement
    assert m is not None
    codes = _resolve(reg, "section", m.sections)
    if m.river and (m.section_count or 0) > len(codes):
        sec = reg["section"]
        codes += [c for c in sec[sec.river == m.river].code if c not in codes]
    names = dict(zip(reg["section"].code, reg["section"].name, strict=False))
    df = lake_frame(ws, "water_samples", years, codes)
    res = classify_section_year(df) if not df.empty else pd.DataFrame()
    out: dict[int, IndicatorValue] = {}
    for y in years:
        sub = res[res.period.astype(str) == str(y)] if not res.empty else res
        per = {str(r.site): int(r.water_class) for r in sub.itertuples() if int(r.water_class) > 0}
        iv = IndicatorValue(ind.key, y, unit=None, source="computed", rule_versions={
            "water": "GB 3838-2002 表1；环办〔2011〕22号（21项单因子，年均值=月均值的算术平均）"})
        iv.method_zh = (f"{'、'.join(names.get(c, c) for c in codes) or '（断面未登记）'} 断面 "
                        f"{y} 年水质类别（年均值按月均值算术平均，单因子评价），取各断面最差类别"
                        + ("" if per else "；本年度数据湖中没有这些断面的监测数据"))
        iv.method_en = (f"annual class of the sections {', '.join(codes)} in {y} (annual value = "
                        "mean of the monthly means, single-factor), worst section")
        iv.details = {"is_class": True, "sections": {names.get(c, c): WATER_CLASS_LABELS[v]
                                                     for c, v in per.items()},
                      "section_codes": codes,
                      "missing_sections": [c for c in codes if c not in per]}
        if per:
            iv.value = Decimal(max(per.values()))
            iv.evidence.append(_lake_evidence(ws, "water_samples",
                                              df[df.time.dt.year == y], y))
        out[y] = iv
    return out


def _groundwater_values(ws: Workspace, plan: Plan, ind: Indicator, years: Sequence[int],
                        reg: dict[str, pd.DataFrame]) -> dict[int, IndicatorValue]:
    m = ind.measurement
    assert m is not None
    if m.statistic == "water.drinking_source_class":
        codes = _resolve(reg, "drinking_source", m.sources)
        names = dict(zip(reg["drinking_source"].code, reg["drinking_source"].name, strict=False))
    else:
        gp = reg["groundwater_point"]
        codes = sorted(gp.code) if m.points in (None, "all") else \
            _resolve(reg, "groundwater_point", m.points if isinstance(m.points, list) else [m.points])
        names = dict(zip(gp.code, gp.name, strict=False))
    frames = [f for f in (lake_frame(ws, d, years, codes) for d in
                          ("groundwater_samples", "water_samples")) if not f.empty]
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    res = classify_groundwater_frame(df) if not df.empty else pd.DataFrame()
    if not res.empty:
        res["year"] = pd.to_datetime(res["time"]).dt.year
    out: dict[int, IndicatorValue] = {}
    for y in years:
        sub = res[(res.year == y) & (res.water_class > 0)] if not res.empty else res
        per = sub.groupby("site").water_class.max().to_dict() if not sub.empty else {}
        iv = IndicatorValue(ind.key, y, source="computed", rule_versions={
            "groundwater": "GB/T 14848-2017 §8.2–8.3（单指标类别，点位取最差指标）"})
        iv.method_zh = (f"{'、'.join(names.get(c, c) for c in codes)} {y} 年各次采样的地下水质量类别，"
                        "点位年度类别取当年最差一次（ecoplan 规则），指标取最差点位")
        iv.method_en = (f"GB/T 14848-2017 class of every {y} sample of {', '.join(codes)}; a "
                        "site's year = its worst sample (ecoplan's rule); indicator = worst site")
        iv.details = {"is_class": True,
                      "sites": {names.get(c, c): WATER_CLASS_LABELS[int(v)] for c, v in per.items()},
                      "site_codes": codes, "missing_sites": [c for c in codes if c not in per]}
        if per:
            iv.value = Decimal(int(max(per.values())))
            iv.evidence.append(_lake_evidence(ws, "groundwater_samples" if frames else
                                              "water_samples", df[df.time.dt.year == y], y))
        out[y] = iv
    return out


# ---------------------------------------------------------------------------- air
def county_town_daily(ws: Workspace, years: Sequence[int], ruleset: str = "auto"
                      ) -> tuple[Any, Any] | None:
    """(analytics, cached Ibis table) of the county town's daily values and AQI for ``years``
    through the air pipeline (:func:`ecoplan.assess.air_pipeline.daily_table`, ``by="city"``,
    rule set chosen by the date of the data); None without stations or data. Memoised on the
    workspace so that the statistics, the calendar and the report share one computation."""
    stations = county_town_stations(ws)
    if not stations or not ws.lake.files("air_hourly"):
        return None
    key = (tuple(sorted(years)), tuple(stations), ruleset)
    memo = ws.memo("air_daily")
    if key not in memo:
        lo, hi = min(years), max(years)
        t = ws.analytics.table("air_hourly")
        # hour-ending labels: the days of years lo…hi are the hours (lo-01-01 00:00, hi+1-01-01 00:00]
        t = t.filter(t.station_code.isin(stations),
                     t.timestamp > datetime(lo, 1, 1), t.timestamp <= datetime(hi + 1, 1, 1))
        hourly = air_pipeline.hourly_table(ws.analytics, t)
        st = pd.DataFrame({"station_code": stations, "city": "county_town"})
        # the station daily values of each month are kept between runs (recomputed when the
        # month's lake files, the reviews or the rules change: air_daily_cache)
        rules = DailyRules.for_ruleset("2012" if ruleset == "auto" else ruleset)
        kept = air_daily_cache.station_daily(ws.analytics, ws.settings.home, stations, lo, hi,
                                             rules)
        memo[key] = (ws.analytics, air_pipeline.daily_table(
            ws.analytics, hourly, ruleset=ruleset, rules=rules, stations=st, by="city",
            station_daily=None if kept is None else kept.table))
    return memo[key]


def air_annual_statistics(ws: Workspace, years: Sequence[int], ruleset: str = "auto") -> pd.DataFrame:
    """County-town HJ 663 annual statistics per year from the air pipeline (``year`` column).

    ``ruleset="auto"`` judges each day by the rules in force on its date (2012 rules before
    2026-03-01); ``"2026"`` recomputes old years under the new rules (the next plan's baseline)."""
    got = county_town_daily(ws, years, ruleset)
    if got is None:
        return pd.DataFrame()
    analytics, daily = got
    stats = air_pipeline.run_period_stats(analytics, None, ruleset=ruleset, period="year",
                                          by="city", daily=daily)
    stats["year"] = stats["period"].astype(str).str[:4].astype(int)
    batches = analytics.execute(
        ws.analytics.table("air_hourly").filter(
            lambda t: t.station_code.isin(county_town_stations(ws)))
        .group_by("year").aggregate(batches=lambda t: t.batch.collect()))
    by_year = {int(r.year): sorted({int(b) for b in r.batches}) for r in batches.itertuples()}
    stats["batches"] = [by_year.get(y, []) for y in stats["year"]]
    # the validity warning lines of the PM2.5 annual mean (the only flagged indicator statistic)
    md = air_validity.month_days(analytics, daily, "city")
    for lang in ("zh", "en"):
        stats[f"pm25_warnings_{lang}"] = [
            air_validity.validity_warnings(stats.iloc[[i]], md, "city", "year", lang=lang,
                                           pollutants=["pm25"], with_key=False)
            for i in range(len(stats))]
    return stats[stats.year.isin(list(years))].reset_index(drop=True)


def county_town_daily_aqi(ws: Workspace, year: int, *, years: Sequence[int] | None = None
                          ) -> pd.DataFrame:
    """The county town's daily AQI of ``year`` (columns ``date, aqi, category, pm25``);
    ``years`` names a computed range to reuse (it must contain ``year``)."""
    got = county_town_daily(ws, list(years) if years and year in years else [year])
    if got is None:
        return pd.DataFrame(columns=["date", "aqi", "category", "pm25"])
    analytics, daily = got
    df = analytics.execute(daily.select("date", "aqi", "category", "pm25").order_by("date"))
    return df[pd.to_datetime(df["date"]).dt.year == year].reset_index(drop=True)


def _air_values(ws: Workspace, plan: Plan, inds: list[Indicator], years: Sequence[int],
                ruleset: str = "auto") -> dict[str, dict[int, IndicatorValue]]:
    try:
        stats = air_annual_statistics(ws, years, ruleset)
    except ImportError:
        # the air orchestration is a separate module; without it the air indicators have no
        # value and say why (status "no data"), the rest of the assessment still runs
        return {ind.key: {y: IndicatorValue(
            ind.key, y, unit=ind.unit, source="computed",
            method_zh="空气质量统计模块（ecoplan.assess.air_pipeline）未安装，无法计算",
            method_en="the air statistics module (ecoplan.assess.air_pipeline) is not "
                      "installed; not computed") for y in years} for ind in inds}
    out: dict[str, dict[int, IndicatorValue]] = {}
    stations = county_town_stations(ws)
    for ind in inds:
        stat = ind.measurement.statistic if ind.measurement else None
        out[ind.key] = {}
        for y in years:
            iv = IndicatorValue(ind.key, y, unit=ind.unit, source="computed")
            row = stats[stats.year == y] if not stats.empty else stats
            if row.empty:
                iv.method_zh = (f"数据湖中没有县城评价点位 {'、'.join(stations) or '（未登记）'} "
                                f"{y} 年的空气质量小时数据，无法计算")
                iv.method_en = (f"the lake holds no hourly air data of the county-town stations "
                                f"{', '.join(stations) or '(none registered)'} for {y}; not computed")
                out[ind.key][y] = iv
                continue
            r = row.iloc[0].to_dict()
            rs = str(r.get("ruleset", "2012"))
            iv.rule_versions = {"air": r.get("rule_versions") or (
                "GB 3095-2012 表4（数据有效性）、HJ 633-2012（AQI）、HJ 663-2013（年评价）"
                if rs == "2012" else "GB 3095-2026、HJ 633-2026、HJ 663-2026"),
                "rounding": "GB/T 8170"}
            common = {"valid_days": r.get("valid_days"), "good_days": r.get("good_days"),
                      "heavy_days": r.get("heavy_days"), "pm25_days": r.get("pm25_days"),
                      "stations": stations, "ruleset": rs}
            common["conventions_zh"] = air_validity.conventions_text(r, "zh")
            common["conventions_en"] = air_validity.conventions_text(r, "en")
            if stat == "air.pm25_annual_mean":
                common["warnings_zh"] = list(r.get("pm25_warnings_zh") or [])
                common["warnings_en"] = list(r.get("pm25_warnings_en") or [])
                iv.value = _dec(r.get("pm25_mean"), 0)
                iv.method_zh = (f"县城评价点位 {'、'.join(stations)} {y} 年 PM2.5 年平均浓度"
                                f"（{r.get('pm25_days')} 个有效日，GB/T 8170 修约为整数）")
                iv.method_en = (f"PM2.5 annual mean of the county-town stations {', '.join(stations)}"
                                f" in {y} ({r.get('pm25_days')} valid days, GB/T 8170 to an integer)")
                common["raw"] = r.get("pm25_mean_raw")
            elif stat == "air.good_day_ratio":
                iv.value = _dec(r.get("good_day_ratio_raw"), 2)
                iv.method_zh = (f"{y} 年优良天数 {r.get('good_days')} ÷ 有效天数 {r.get('valid_days')}"
                                "（AQI ≤ 100），按规划表1精度修约至两位小数")
                iv.method_en = (f"{y} good days {r.get('good_days')} / valid days "
                                f"{r.get('valid_days')} (AQI ≤ 100), rounded to the plan's 2 decimals")
                common["raw"] = r.get("good_day_ratio_raw")
            else:
                iv.value = _dec(r.get("heavy_day_ratio_raw"), 2)
                iv.method_zh = (f"{y} 年重污染天数 {r.get('heavy_days')} ÷ 有效天数 {r.get('valid_days')}"
                                "（AQI > 200），按规划表1精度修约至两位小数")
                iv.method_en = (f"{y} heavy-pollution days {r.get('heavy_days')} / valid days "
                                f"{r.get('valid_days')} (AQI > 200), rounded to 2 decimals")
                common["raw"] = r.get("heavy_day_ratio_raw")
            iv.details = {k: (v.item() if hasattr(v, "item") else v) for k, v in common.items()}
            iv.evidence.append({"type": "lake", "dataset": "air_hourly", "year": y,
                                "stations": stations, "batches": r.get("batches", []),
                                "files": [str(f.relative_to(ws.lake.root))
                                          for f in ws.lake.files("air_hourly")
                                          if f"year={y}" in f.parts]})
            out[ind.key][y] = iv
    return out


# ---------------------------------------------------------------------------- reported
def _reported_values(ws: Workspace, plan: Plan, ind: Indicator, years: Sequence[int],
                     approved: dict[tuple[str, int], Any]) -> dict[int, IndicatorValue]:
    dept = ind.measurement.department if ind.measurement else None
    out: dict[int, IndicatorValue] = {}
    for y in years:
        iv = IndicatorValue(ind.key, y, unit=ind.unit, source="reported",
                            rule_versions={"workflow": "填报→审核→批准（仅已批准数值参与评估）"})
        view = approved.get((ind.key, y))
        if view is None:
            iv.method_zh = f"由{dept or '责任部门'}填报，{y} 年尚无已批准数值"
            iv.method_en = f"reported by {dept or 'the department'}; no approved value for {y}"
            out[y] = iv
            continue
        r = view.record
        iv.value = r.value
        iv.value_text = r.value_text
        appr = [e for e in view.events if e.state == "approved"][-1]
        iv.method_zh = (f"{r.department}填报（{r.reporter}），{appr.actor} 于 "
                        f"{appr.at:%Y-%m-%d} 批准；填报编号 {r.id}")
        iv.method_en = (f"reported by {r.department} ({r.reporter}), approved by {appr.actor} on "
                        f"{appr.at:%Y-%m-%d}; report id {r.id}")
        iv.evidence.append({"type": "report", "kind": "indicator", "id": r.id,
                            "department": r.department, "reporter": r.reporter,
                            "files": r.evidence, "note": r.note,
                            "history": [{"state": e.state, "actor": e.actor,
                                         "at": e.at.isoformat(), "reason": e.reason}
                                        for e in view.events]})
        iv.details = {"note": r.note}
        out[y] = iv
    return out


# ---------------------------------------------------------------------------- assembling
def indicator_values(ws: Workspace, plan: Plan, years: Sequence[int], *, air_ruleset: str = "auto"
                     ) -> dict[str, dict[int, IndicatorValue]]:
    """Every indicator's value for every year in ``years``; ``air_ruleset="2026"`` judges the
    air indicators of every year by the 2026 rules (the next plan's basis) instead of the rules
    in force on each day's date."""
    reg = site_registries(ws)
    out: dict[str, dict[int, IndicatorValue]] = {}
    air = [i for i in plan.indicators if i.measurement and i.measurement.kind == "computed"
           and i.measurement.statistic in AIR_STATISTICS]
    if air:
        out.update(_air_values(ws, plan, air, years, air_ruleset))
    with ws.session() as s:
        approved = pg.approved_indicator_values(s, plan.code)
        for ind in plan.indicators:
            if ind.key in out:
                continue
            m = ind.measurement
            if m is not None and m.kind == "computed":
                if m.statistic == "water.section_class":
                    out[ind.key] = _surface_values(ws, plan, ind, years, reg)
                elif m.statistic in ("water.drinking_source_class", "groundwater.point_class"):
                    out[ind.key] = _groundwater_values(ws, plan, ind, years, reg)
                else:
                    out[ind.key] = {y: IndicatorValue(
                        ind.key, y, method_zh=f"统计量 {m.statistic} 尚无计算方法",
                        method_en=f"no computation for statistic {m.statistic}") for y in years}
            else:
                out[ind.key] = _reported_values(ws, plan, ind, years, approved)
                if m is not None and m.statistic in RECORD_STATISTICS:
                    for y in years:
                        rec = _record_value(s, ind, y)
                        if rec is not None:
                            out[ind.key][y] = rec
                        else:
                            fb = out[ind.key][y]
                            fb.method_zh = f"{y} 年台账无记录，采用部门填报：{fb.method_zh}"
                            fb.method_en = f"no registry records for {y}; department entry: {fb.method_en}"
    return out


# ---------------------------------------------------------------------------- from the registries
#: indicators computed from the risk registries when they hold records for the year
RECORD_STATISTICS = ("hazwaste.safe_disposal_rate", "land.key_construction_safe_use")


def _record_value(s: Any, ind: Indicator, year: int) -> IndicatorValue | None:
    """The value of a registry-backed indicator, or None without records for the year."""
    stat = ind.measurement.statistic if ind.measurement else None
    if stat == "hazwaste.safe_disposal_rate":
        r = risk_records.safe_disposal_rate(s, year)
        if r is None:
            return None
        iv = IndicatorValue(ind.key, year, value=r.rate, unit=ind.unit, source="computed",
                            rule_versions={"waste_list": "国家危险废物名录（2021年版）",
                                           "rule": "ecoplan 危险废物安全处置率口径 2026-12"})
        iv.method_zh = (f"由危险废物台账和转移联单计算：{len(r.lines)} 个产废单位·废物代码，"
                        f"安全处置 {r.safe} t（自行利用处置、持证单位接收、期限内贮存），"
                        f"未安全处置 {format(r.unsafe.normalize(), 'f')} t（未接收、无证接收、超期贮存、物料平衡缺口）")
        iv.method_en = (f"computed from the hazardous-waste ledger and transfer manifests: "
                        f"{len(r.lines)} producer/waste-code lines, safe {format(r.safe.normalize(), 'f')} t, "
                        f"unsafe {format(r.unsafe.normalize(), 'f')} t")
        iv.evidence = [{"type": "hazwaste", "unit": ln.unit, "name": ln.name,
                        "waste_code": ln.waste_code, "safe": str(ln.safe),
                        "unsafe": str(ln.unsafe), "reasons": list(ln.reasons),
                        "reasons_en": [getattr(x, "en", x) for x in ln.reasons],
                        "balance": ln.balance.as_dict()} for ln in r.lines]
        return iv
    if stat == "land.key_construction_safe_use":
        lr = risk_records.key_land_safe_use(s, year)
        if lr is None:
            return None
        iv = IndicatorValue(ind.key, year, value_text="有效保障" if lr.ensured else "未达标",
                            source="computed",
                            rule_versions={"rule": "土壤污染防治法 §59/§66；一住两公（GB 50137-2011 R/A 类）"})
        iv.method_zh = (f"由重点建设用地地块台账判定：{year} 年再开发利用的重点建设用地 {lr.total} 块，"
                        f"安全利用 {lr.safe} 块")
        iv.method_en = (f"judged from the key construction-land register: {lr.total} key plots "
                        f"reused in {year}, {lr.safe} reused safely")
        iv.evidence = [{"type": "land_plot", **p} for p in lr.plots]
        iv.details = {"safe": lr.safe, "total": lr.total}
        return iv
    return None


@dataclass
class Assessment:
    """The assessment of a plan's indicators for one year (binding indicators first)."""

    plan: Plan
    year: int
    rows: list[IndicatorAssessment]
    years: list[int]
    status_rules_version: str

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            out[r.status.status] = out.get(r.status.status, 0) + 1
        return out


def effective_plan(ws: Workspace, plan: Plan) -> Plan:
    """The plan with the municipal overrides recorded in the database."""
    return plan_with_db_overrides(ws.engine, plan)


def assess_indicators(ws: Workspace, plan: Plan, year: int, *, values: dict[str, dict[int, IndicatorValue]]
                      | None = None) -> Assessment:
    """Assess every indicator in ``year``: value, effective target, expected path, gap, status."""
    plan = effective_plan(ws, plan)
    years = list(range(plan.baseline_year, max(year, plan.baseline_year) + 1))
    vals = values if values is not None else indicator_values(ws, plan, years)
    rules = load_rules()
    rows: list[IndicatorAssessment] = []
    for ind in plan.indicators:
        on = date(year, 12, 31)
        target = plan.effective_target(ind.key, on)
        overrides = [m for m in plan.municipal_history(ind.key) if m.effective_date <= on]
        source = f"市级下达：{overrides[-1].document}" if overrides else "规划表1"
        series = vals.get(ind.key, {})
        iv = series.get(year) or IndicatorValue(ind.key, year, unit=ind.unit)
        earlier = [series[y].value for y in sorted(series) if plan.start_year <= y <= year
                   and series[y].value is not None]
        warn_zh, warn_en = iv.details.get("warnings_zh") or [], iv.details.get("warnings_en") or []
        st = evaluate(ind, target, year=year, baseline_year=plan.baseline_year,
                      end_year=plan.end_year, value=iv.value, value_text=iv.value_text,
                      reference=earlier[0] if earlier else None, rules=rules,
                      invalid=("；".join(warn_zh), "; ".join(warn_en)) if warn_zh else None)
        rows.append(IndicatorAssessment(ind, year, target, source, iv, st, dict(series)))
    rows.sort(key=lambda r: (r.indicator.attribute != "binding", r.indicator.number,
                             r.indicator.key))
    return Assessment(plan, year, rows, years, rules.version)
