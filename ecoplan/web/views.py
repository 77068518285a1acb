"""Read models for the pages and the API, built on the other layers' services.

Nothing here computes a standard or an assessment: the plan comes from :mod:`ecoplan.plan`,
approved department values and project/task progress from :mod:`ecoplan.assess.progress`.
Results are cached per process in ``WebContext.cache`` and dropped on every approval.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.assess import air_pipeline, air_validity, progress
from ecoplan.assess import indicators as ai
from ecoplan.assess.indicators import assess_indicators
from ecoplan.assess.owners import all_owners
from ecoplan.errors import LakeError
from ecoplan.plan import bundled_plan_path, bundled_plans, load_plan
from ecoplan.reports.build import build_report
from ecoplan.reports.evaluation import check_year, report_period
from ecoplan.reports.evaluation import default_year as report_year
from ecoplan.standards.water_sections import classify_section_period
from ecoplan.store import audit
from ecoplan.store.lake import Lake
from ecoplan.store.models import PlanRecord, Station
from ecoplan.store.workspace import Workspace
from ecoplan.supervision.report_sections import supervision_sections
from ecoplan.web.context import fresh
from ecoplan.web.inputs import BEIJING
from ecoplan.web.render import chart

DEFAULT_PLAN = "jiaocheng-2021-2025"
#: results computed from the lake are recomputed at most this often (new batches show up then)
_DEPT_PREFIX = re.compile(r"^(交城县|吕梁市|县|市)")






def today() -> date:
    """Today in Beijing (UTC+8), the date county users mean."""
    return datetime.now(BEIJING).date()


def normalise_department(name: str | None) -> str:
    """'县住建局' and '住建局' are the same office; '交城县林业局' and '林业局' too."""
    return _DEPT_PREFIX.sub("", (name or "").strip())


def department_matches(user_dept: str | None, names: list[str] | str | None) -> bool:
    if not user_dept or not names:
        return False
    wanted = normalise_department(user_dept)
    for n in [names] if isinstance(names, str) else names:
        got = normalise_department(n)
        if got and (got == wanted or got in wanted or wanted in got):
            return True
    return False


def current_plan(ctx: Any, session: Session) -> Any:
    """The plan of this workspace: the one loaded in the database, else the bundled default."""
    cached = ctx.cache.get("plan")
    if cached is not None:
        return cached

    rec = session.execute(select(PlanRecord).order_by(PlanRecord.id)).scalars().first()
    plan = None
    if rec is not None and rec.source_file and Path(rec.source_file).exists():
        plan = load_plan(rec.source_file)
    elif rec is not None and rec.code in bundled_plans():
        plan = load_plan(bundled_plan_path(rec.code))
    if plan is None:
        plan = load_plan(bundled_plan_path(DEFAULT_PLAN))
    ctx.cache["plan"] = plan
    return plan


@dataclass
class IndicatorRow:
    key: str
    number: int
    category: str
    name: str
    unit: str | None
    attribute: str
    baseline: str
    target: str
    value: Any = None
    value_year: int | None = None
    value_source: str | None = None
    status: str = "no_data"
    department: str | None = None
    rule: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def display(self) -> str:
        return str(self.extra.get("display", "—"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key, "number": self.number, "category": self.category,
            "name": self.name, "unit": self.unit, "attribute": self.attribute,
            "baseline": self.baseline, "target": self.target, "value": self.value,
            "value_display": self.display, "method": self.extra.get("method"),
            "value_year": self.value_year, "value_source": self.value_source,
            "status": self.status, "department": self.department,
        }


def default_year(plan: Any) -> int:
    """The year the overview assesses by default: this year, or the plan's end year after it."""
    return max(plan.baseline_year, min(today().year, plan.end_year))


def indicator_rows(ctx: Any, session: Session, lang: str = "zh",
                   year: int | None = None) -> list[IndicatorRow]:
    """The indicator table for ``year`` from the assessment layer (values computed from the
    lake or approved department reports, effective targets, statuses with their rule), binding
    indicators first. Cached until the next approval (and at most LAKE_CACHE_SECONDS)."""
    plan = current_plan(ctx, session)
    year = year or default_year(plan)
    key = f"indicators:{lang}:{year}"
    hit = ctx.cache.get(key)
    if fresh(hit):
        return hit[1]  # type: ignore[no-any-return]

    with ctx.lake_lock:
        hit = ctx.cache.get(key)
        if fresh(hit):
            return hit[1]  # type: ignore[no-any-return]
        assessment = assess_indicators(ctx.workspace, plan, year)
    rows: list[IndicatorRow] = []
    for a in assessment.rows:
        r = a.row(lang)
        ind = a.indicator
        m = ind.measurement
        has_value = a.value.value is not None or bool(a.value.value_text)
        rows.append(IndicatorRow(
            key=ind.key, number=ind.number, category=ind.category, name=r["name"],
            unit=ind.unit, attribute=ind.attribute, baseline=ind.baseline.text,
            target=r["target"], value=a.value.value if a.value.value is not None
            else a.value.value_text,
            value_year=year if has_value else None,
            value_source=a.value.source if has_value else None,
            status=a.status.status, department=getattr(m, "department", None) if m else None,
            rule=r["rule"], extra={"display": r["value"] if has_value else "—",
                                   "method": r["method"], "expected": r["expected"],
                                   "gap": r["gap"], "target_source": r["target_source"],
                                   "warnings": a.value.details.get(f"warnings_{lang}") or [],
                                   "conventions": a.value.details.get(f"conventions_{lang}")},
        ))
    ctx.cache[key] = (time.monotonic(), rows)
    return rows


# ---------------------------------------------------------------- projects and tasks
def project_rows(ctx: Any, session: Session) -> list[dict[str, Any]]:
    if "indicators:projects" in ctx.cache:
        return ctx.cache["indicators:projects"]  # type: ignore[no-any-return]

    plan = current_plan(ctx, session)
    approved = progress.approved_project_progress(session, plan.code)
    overdue = {o.subject.split(" ", 1)[0]: o for o in
               progress.overdue_projects(plan.key_projects, approved, as_of=today())}
    rows = []
    for p in plan.key_projects:
        view = approved.get(p.number)
        rec = view.record if view else None
        rows.append({
            "number": p.number, "category": p.category, "name": p.name,
            "investment_wan_yuan": p.investment_wan_yuan, "start_year": p.start_year,
            "end_year": p.end_year, "lead_departments": list(p.lead_departments),
            "percent_complete": rec.percent_complete if rec else None,
            "invested_wan_yuan": rec.invested_wan_yuan if rec else None,
            "status": rec.status if rec else None, "as_of": rec.as_of if rec else None,
            "overdue_days": overdue[str(p.number)].days_overdue if str(p.number) in overdue
            else None,
        })
    ctx.cache["indicators:projects"] = rows
    return rows


def task_rows(ctx: Any, session: Session) -> list[dict[str, Any]]:
    if "indicators:tasks" in ctx.cache:
        return ctx.cache["indicators:tasks"]  # type: ignore[no-any-return]

    plan = current_plan(ctx, session)
    approved = progress.approved_task_progress(session, plan.code)
    overdue = {o.subject: o for o in progress.overdue_tasks(plan.tasks, approved, as_of=today())}

    owners = all_owners(session, plan.code)
    rows = []
    for t in plan.tasks:
        view = approved.get(t.key)
        rec = view.record if view else None
        rows.append({
            "key": t.key, "chapter": t.chapter, "text": t.text, "deadline": t.deadline,
            "department": "、".join(owners.get(("task", t.key), [])) or t.department,
            "status": rec.status if rec else None,
            "percent_complete": rec.percent_complete if rec else None,
            "as_of": rec.as_of if rec else None,
            "overdue_days": overdue[t.key].days_overdue if t.key in overdue else None,
        })
    ctx.cache["indicators:tasks"] = rows
    return rows


def investment_summary(ctx: Any, session: Session) -> dict[str, Any]:
    plan = current_plan(ctx, session)
    projects = project_rows(ctx, session)
    invested = sum((Decimal(str(r["invested_wan_yuan"])) for r in projects
                    if r["invested_wan_yuan"] is not None), Decimal(0))
    return {"planned_wan_yuan": plan.total_investment(), "invested_wan_yuan": invested,
            "by_category": plan.investment_by_category(), "projects": len(projects),
            "completed": sum(1 for r in projects if r["status"] == "completed"),
            "overdue": sum(1 for r in projects if r["overdue_days"])}


# ---------------------------------------------------------------- measurements (the lake)
SITE_COLUMNS = ("station_code", "site", "section_code", "mn")
TIME_COLUMNS = ("timestamp", "time", "date")


def _measurement_table(ctx: Any, dataset: str, site: str | None, start: date | None,
                       end: date | None, lock: Any) -> Any:
    """The filtered, time-ordered rows of a lake dataset as an Arrow table (cached for
    LAKE_CACHE_SECONDS per filter, so paging through it does not re-run the query)."""
    key = ("measurements", dataset, site, start, end)
    hit = ctx.cache.get(key)
    if fresh(hit):
        return hit[1]
    with lock:
        an = ctx.lake_analytics()
        t = an.table(dataset)
        cols = t.columns
        tcol = next((c for c in TIME_COLUMNS if c in cols), None)
        scol = next((c for c in SITE_COLUMNS if c in cols), None)
        if site and scol:
            t = t.filter(t[scol] == site)
        if tcol and start:
            t = t.filter(t[tcol] >= start)
        if tcol and end:
            t = t.filter(t[tcol] < end)
        order = [c for c in (tcol, scol) if c]
        t = t.order_by(order) if order else t
        if tcol:
            t = t.drop(*[c for c in ("year", "month") if c in cols])
        table = t.to_pyarrow()
    measurement_keys = [k for k in ctx.cache if isinstance(k, tuple) and k[0] == "measurements"]
    for old in measurement_keys[: max(0, len(measurement_keys) - 7)]:
        ctx.cache.pop(old, None)
    ctx.cache[key] = (time.monotonic(), table)
    return table


def measurement_page(ctx: Any, dataset: str, *, site: str | None, start: date | None,
                     end: date | None, page: int, page_size: int, lock: Any) -> dict[str, Any]:
    """One page of a lake dataset, ordered by time then site, filtered by site and dates."""
    folder = Lake(ctx.settings.lake_dir).dataset_dir(dataset)
    if not folder.is_dir() or not any(folder.iterdir()):
        raise LakeError(f"数据湖中没有数据集 {dataset}。", f"The lake has no dataset {dataset}.")
    table = _measurement_table(ctx, dataset, site, start, end, lock)
    rows = table.slice((page - 1) * page_size, page_size).to_pylist()
    return {"dataset": dataset, "page": page, "page_size": page_size,
            "total": table.num_rows, "rows": rows}


# ---------------------------------------------------------------- generated reports
REPORT_SUFFIXES = (".docx", ".pdf", ".xlsx", ".csv")


def report_files(ctx: Any) -> list[dict[str, Any]]:
    folder = ctx.settings.reports_dir
    if not folder.exists():
        return []
    out = []
    for p in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES:
            st = p.stat()
            out.append({"name": p.name, "size": st.st_size,
                        "modified": datetime.fromtimestamp(st.st_mtime, UTC),
                        "url": f"/api/v1/reports/{p.name}"})
    return out


def report_path(ctx: Any, name: str) -> Any:
    folder = ctx.settings.reports_dir
    for item in report_files(ctx):
        if item["name"] == name:
            return folder / name
    return None


REPORT_KINDS = (("annual", "年度评估报告", "Annual evaluation report"),
                ("midterm", "中期评估报告", "Mid-term evaluation report"),
                ("final", "终期考核报告", "Final evaluation report"))


def report_kinds() -> list[tuple[str, str, str]]:
    """(kind, 中文, English) of the reports the reports layer generates."""
    return list(REPORT_KINDS)


def generate_report(ctx: Any, session: Session, actor: str, kind: str, year: int | None,
                    fmt: str) -> Any:
    """Write a report through :func:`ecoplan.reports.build.build_report` into the workspace's
    reports folder (audited); returns the path of the file to download (.pdf or .docx)."""
    plan = current_plan(ctx, session)
    year = year or report_year(plan, kind)
    check_year(plan, kind, year)
    out = ctx.settings.reports_dir / f"{plan.code}_{kind}_{year}.docx"
    out.parent.mkdir(parents=True, exist_ok=True)
    with ctx.lake_lock:
        ctx.workspace.forget_results()
        sections = supervision_sections(session, *report_period(plan, kind, year))
        result = build_report(ctx.workspace, plan, kind=kind, year=year, out=out,
                              fmt="pdf" if fmt == "pdf" else "docx", sections=sections)
    path = result.pdf if fmt == "pdf" and result.pdf else result.docx
    audit.record(session, actor, "generate", "report", path.name, None,
                 {"kind": kind, "year": year, "format": fmt, "file": path.name,
                  "digest": result.digest})
    return path


# ---------------------------------------------------------------- air and water
AQI_BANDS = [(0, 50, "#00e400", ("优", "good")), (51, 100, "#ffff00", ("良", "moderate")),
             (101, 150, "#ff7e00", ("轻度污染", "light")), (151, 200, "#ff0000",
                                                            ("中度污染", "moderate pollution")),
             (201, 300, "#99004c", ("重度污染", "heavy")), (301, 10000, "#7e0023",
                                                          ("严重污染", "severe"))]


def _lake_cached(ctx: Any, key: Any, compute: Any) -> Any:
    """Memoise a lake computation for LAKE_CACHE_SECONDS (one computation at a time)."""
    hit = ctx.cache.get(key)
    if fresh(hit):
        return hit[1]
    with ctx.lake_lock:
        hit = ctx.cache.get(key)
        if fresh(hit):
            return hit[1]
        ws = ctx.workspace
        ws.forget_results()  # the assessment layer's memo: fresh data
        value = compute(ws)
    ctx.cache[key] = (time.monotonic(), value)
    return value


#: the public name of the memoised, serialised lake read (the map, the station page)
lake_cached = _lake_cached


def air_years(ctx: Any) -> list[int]:
    """Years present in the lake's ``air_hourly`` dataset."""
    def compute(ws: Workspace) -> list[int]:
        if not ws.lake.files("air_hourly"):
            return []
        t = ws.analytics.table("air_hourly")
        df = ws.analytics.execute(t.select(y=t.timestamp.year()).distinct())
        return sorted(int(y) for y in df["y"].dropna())

    return _lake_cached(ctx, ("air", "years"), compute)  # type: ignore[no-any-return]


def _air_data(ctx: Any, year: int, years: list[int]) -> dict[str, Any]:
    """County-town daily AQI and annual statistics, per-station statistics and ranking."""
    def compute(ws: Workspace) -> dict[str, Any]:
        out: dict[str, Any] = {"daily": pd.DataFrame(), "annual": pd.DataFrame(),
                               "stations": pd.DataFrame(), "county_town": []}
        if not ws.lake.files("air_hourly"):
            return out
        out["county_town"] = ai.county_town_stations(ws)
        daily_aqi = getattr(ai, "county_town_daily_aqi", None)
        if out["county_town"] and daily_aqi is not None:
            out["daily"] = daily_aqi(ws, year)
            out["annual"] = ai.air_annual_statistics(ws, years)
        t = air_pipeline.without_invalid_values(ws.analytics.table("air_hourly"))
        t = t.filter(t.timestamp > datetime(year, 1, 1), t.timestamp <= datetime(year + 1, 1, 1))
        keep = [c for c in air_pipeline.HOURLY_COLUMNS if c in t.columns]
        out["stations"] = air_pipeline.run_period_stats(ws.analytics, t.select(keep),
                                                        period="year", by="station")
        return out

    return _lake_cached(ctx, ("air", year, tuple(years)), compute)  # type: ignore[no-any-return]


def _station_names(ctx: Any) -> dict[str, tuple[str, str, bool]]:
    with ctx.sessionmaker() as s:
        return {st.code: (st.name, st.network_level, bool(st.county_town))
                for st in s.execute(select(Station)).scalars()}


def _aqi_calendar(daily: Any, year: int, t: Any) -> dict[str, Any]:
    data = [[str(r.date)[:10], None if r.aqi != r.aqi or r.aqi is None else int(r.aqi)]
            for r in daily.itertuples()]
    option = {
        "tooltip": {"position": "top"},
        "visualMap": {"type": "piecewise", "orient": "horizontal", "left": "center", "bottom": 0,
                      "pieces": [{"min": lo, "max": hi, "color": c, "label": t(*name)}
                                 for lo, hi, c, name in AQI_BANDS]},
        "calendar": {"range": str(year), "top": 40, "left": 40, "right": 20,
                     "cellSize": ["auto", 16], "yearLabel": {"show": True},
                     "dayLabel": {"nameMap": "ZH" if t("zh", "en") == "zh" else "EN"},
                     "monthLabel": {"nameMap": "ZH" if t("zh", "en") == "zh" else "EN"}},
        "series": [{"type": "heatmap", "coordinateSystem": "calendar",
                    "data": [d for d in data if d[1] is not None]}],
    }
    rows = [[str(r.date)[:10], r.aqi, r.category, r.pm25] for r in daily.itertuples()]
    return chart("aqi-calendar", t(f"{year} 年县城区逐日空气质量指数", f"County-town daily AQI, {year}"),
                 option, ["日期" if t("zh", "en") == "zh" else "date", "AQI",
                          t("类别", "category"), "PM2.5 (μg/m³)"], rows,
                 t("县城评价点位的日均值取各站点日均值的算术平均（GB 3095 表4 数据有效性），按 HJ 633 "
                   "计算日 AQI；2026-03-01 起的数据按 2026 年版标准，之前按 2012 年版。",
                   "Daily values of the county-town stations averaged (GB 3095 Table 4 validity), "
                   "daily AQI by HJ 633; data from 2026-03-01 use the 2026 texts, earlier data "
                   "the 2012 ones."))


def _trend(annual: Any, column: str, target: Any, chart_id: str, title: str, unit: str,
           t: Any, rule: str) -> dict[str, Any]:
    years = [int(y) for y in annual["year"]]
    values = [None if v != v else round(float(v), 2) for v in annual[column]]
    series: dict[str, Any] = {"type": "line", "data": values, "name": title,
                              "label": {"show": True}}
    if target is not None:
        series["markLine"] = {"symbol": "none", "data": [{"yAxis": float(target),
                                                          "name": t("目标", "target")}],
                              "lineStyle": {"color": "#c62828", "type": "dashed"},
                              "label": {"formatter": t("目标 ", "target ") + str(target)}}
    option = {"tooltip": {"trigger": "axis"}, "grid": {"left": 50, "right": 70, "top": 30,
                                                      "bottom": 30},
              "xAxis": {"type": "category", "data": [str(y) for y in years]},
              "yAxis": {"type": "value", "name": unit}, "series": [series]}
    return chart(chart_id, title, option, [t("年份", "year"), f"{title} ({unit})",
                                           t("目标", "target")],
                 [[y, v, target] for y, v in zip(years, values, strict=True)], rule)


def _air_trends(ctx: Any, annual: Any, t: Any) -> list[dict[str, Any]]:
    if annual is None or annual.empty:
        return []
    plan = ctx.cache.get("plan")
    targets = {}
    if plan is not None:
        for key in ("1", "2"):
            tg = plan.effective_target(key)
            targets[key] = tg.value
    out = []
    if "pm25_mean" in annual.columns:
        out.append(_trend(annual, "pm25_mean", targets.get("1"), "pm25-trend",
                          t("PM2.5 年均浓度", "PM2.5 annual mean"), "μg/m³", t,
                          t("县城评价点位 PM2.5 年平均浓度（HJ 663，GB/T 8170 修约），虚线为规划"
                            "目标（约束性指标1）。", "PM2.5 annual mean of the county-town "
                            "stations (HJ 663, GB/T 8170 rounding); dashed: the plan's target "
                            "(binding indicator 1).")))
    if "good_day_ratio" in annual.columns:
        out.append(_trend(annual.assign(good_day_ratio=annual["good_day_ratio"].astype(float)),
                          "good_day_ratio", targets.get("2"), "good-days-trend",
                          t("优良天数比例", "Good-day ratio"), "%", t,
                          t("优良天数（日 AQI ≤ 100）÷ 有效天数，虚线为规划目标（约束性指标2）。",
                            "Good days (daily AQI ≤ 100) / valid days; dashed: the plan's "
                            "target (binding indicator 2).")))
    return out


def air_overview_charts(ctx: Any, session: Session, t: Any) -> list[dict[str, Any]]:
    """The main air charts of the overview and the public page (monitoring results only)."""
    years = air_years(ctx)
    if not years:
        return []
    current_plan(ctx, session)
    year = years[-1]
    data = _air_data(ctx, year, years)
    out = []
    if not data["daily"].empty:
        out.append(_aqi_calendar(data["daily"], year, t))
    out.extend(_air_trends(ctx, data["annual"], t))
    return out


def air_page(ctx: Any, session: Session, t: Any, year: int | None = None) -> dict[str, Any]:
    years = air_years(ctx)
    empty = {"charts": [], "stations": [], "station_columns": [], "ranking": [],
             "ranking_columns": [], "ranking_rule": None, "note": None, "years": years,
             "year": year, "warnings": [], "conventions": None}
    if not years:
        return empty
    plan = current_plan(ctx, session)
    if year not in years:
        # default: the plan's last year when the lake has it (the year being assessed), else
        # the latest year in the lake
        end = getattr(plan, "end_year", None)
        year = end if end in years else years[-1]
    data = _air_data(ctx, year, years)
    charts: list[dict[str, Any]] = []
    note = None
    if not data["county_town"]:
        note = t("未登记县城评价点位（站点登记表 county_town），逐日 AQI 日历与年度趋势无法计算；"
                 "下表为数据湖中各站点的统计。", "No county-town evaluation stations are "
                 "registered (station registry county_town): no daily AQI calendar or annual "
                 "trend; the tables show every station in the lake.")
    elif data["daily"].empty:
        note = t(f"县城评价点位在 {year} 年没有有效的日数据，逐日 AQI 日历无法绘制；"
                 "下表为数据湖中各站点的统计。", f"The county-town evaluation stations have no "
                 f"valid daily data in {year}: no daily AQI calendar; the tables show every "
                 "station in the lake.")
    else:
        charts.append(_aqi_calendar(data["daily"], year, t))
    charts.extend(_air_trends(ctx, data["annual"], t))
    names = _station_names(ctx)
    st = data["stations"]
    stations, ranking = [], []
    if not st.empty:
        st = st.sort_values(["composite_rank", "station_code"], na_position="last")
        for r in st.itertuples():
            name, level, town = names.get(r.station_code, ("", "", False))
            stations.append([r.station_code, name, level, t("是", "yes") if town else "",
                             r.valid_days, r.pm25_mean, r.pm10_mean, r.o3_8h_p90,
                             r.good_day_ratio, r.heavy_days])
            ranking.append([r.composite_rank, r.station_code, name, r.composite_index,
                            r.single_index_pm25, r.single_index_o3_8h])
        top = st.dropna(subset=["composite_index"]).head(30)
        labels = [f"{c} {names.get(c, ('',))[0]}".strip() for c in top.station_code]
        option = {"tooltip": {"trigger": "axis"},
                  "grid": {"left": 150, "right": 30, "top": 10, "bottom": 30},
                  "xAxis": {"type": "value"},
                  "yAxis": {"type": "category", "data": labels, "inverse": True},
                  "series": [{"type": "bar", "data": [float(x) for x in top.composite_index],
                              "itemStyle": {"color": "#0b6e4f"}}]}
        rule = t(f"{year} 年各站点环境空气质量综合指数（HJ 663 附录：六项污染物单项指数之和），"
                 "数值越小空气质量越好，按从小到大排名。",
                 f"{year} composite index per station (HJ 663: the sum of the six single "
                 "indices); lower is better, ranked ascending.")
        charts.append(chart("composite", t("综合指数排名", "Composite-index ranking"), option,
                            [t("排名", "rank"), t("站点", "station"), t("综合指数", "index")],
                            [[r[0], r[1] + " " + r[2], r[3]] for r in ranking], rule))
    annual = data["annual"]
    warnings: list[str] = []
    conventions = None
    if not annual.empty and "year" in annual.columns and (annual["year"] == year).any():
        row = annual[annual["year"] == year].iloc[0].to_dict()
        lang = "zh" if t("zh", "en") == "zh" else "en"
        warnings = [t("县城", "County town") + " " + w
                    for w in row.get(f"pm25_warnings_{lang}") or []]
        conventions = air_validity.conventions_text(row, lang)
    return {**empty, "charts": charts, "stations": stations, "ranking": ranking,
            "warnings": warnings, "conventions": conventions,
            "station_columns": [t("代码", "code"), t("名称", "name"), t("级别", "level"),
                                t("县城点位", "county town"), t("有效天数", "valid days"),
                                "PM2.5 (μg/m³)", "PM10 (μg/m³)", "O3-8h P90 (μg/m³)",
                                t("优良天数比例 %", "good-day %"), t("重污染天数", "heavy days")],
            "ranking_columns": [t("排名", "rank"), t("代码", "code"), t("名称", "name"),
                                t("综合指数", "composite index"), t("PM2.5 单项指数", "PM2.5 index"),
                                t("O3 单项指数", "O3 index")],
            "ranking_rule": None, "note": note, "year": year}


WATER_PROFILE = "jiaocheng-2021-2025"
WATER_CLASS_COLOURS = ["#44b5e8", "#1a7fd0", "#4caf50", "#f9c623", "#f57c00", "#d32f2f"]
WATER_LABELS = ["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ"]


def water_monthly(ctx: Any) -> Any:
    """Monthly section classes with the plan's targets (GB 3838-2002 via the water engine),
    computed from the lake's ``water_samples``; None when the lake has none."""
    hit = ctx.cache.get("water_monthly")
    if fresh(hit):
        return hit[1]

    result = None
    if "water_samples" in Lake(ctx.settings.lake_dir).datasets():
        an = ctx.lake_analytics()
        t = an.table("water_samples")
        keep = [c for c in ("site", "time", "parameter", "value", "unit", "waterbody",
                            "below_dl", "known") if c in t.columns]
        df = an.execute(t.select(keep))
        if not df.empty:
            result = classify_section_period(df, "month", profile=WATER_PROFILE)
    ctx.cache["water_monthly"] = (time.monotonic(), result)
    return result


def _water_heatmap(res: Any, t: Any) -> dict[str, Any]:
    sites = sorted(res["site"].unique().tolist())
    months = sorted(res["period"].unique().tolist())
    data = [[months.index(r.period), sites.index(r.site), int(r.water_class)]
            for r in res.itertuples() if int(r.water_class) > 0]
    option = {
        "tooltip": {"position": "top"},
        "grid": {"left": 110, "right": 20, "top": 20, "bottom": 70},
        "xAxis": {"type": "category", "data": months, "axisLabel": {"rotate": 45}},
        "yAxis": {"type": "category", "data": sites},
        "visualMap": {"type": "piecewise", "orient": "horizontal", "left": "center",
                      "bottom": 0, "pieces": [
                          {"value": i + 1, "label": lab, "color": WATER_CLASS_COLOURS[i]}
                          for i, lab in enumerate(WATER_LABELS)]},
        "series": [{"type": "heatmap", "data": data,
                    "label": {"show": len(months) <= 24, "formatter": "{@[2]}"}}],
    }
    rows = [[r.site, r.period, r.label, r.target if "target" in res.columns else None,
             (t("达标", "yes") if r.attained else t("未达标", "no")) if "attained" in res.columns
             and r.attained is not None else "—", r.main_pollutants or ""]
            for r in res.sort_values(["site", "period"]).itertuples()]

    return chart("water-months", t("断面逐月水质类别", "Section class by month"), option,
                 [t("断面", "section"), t("月份", "month"), t("类别", "class"),
                  t("目标", "target"), t("达标", "attained"), t("主要污染指标", "main pollutants")],
                 rows,
                 t("月均值（同月多次采样取算术平均）按 GB 3838-2002 表1 和《地表水环境质量评价办法"
                   "（试行）》（环办〔2011〕22号）21 项单因子评价，类别取最差项；目标取规划水质目标配置"
                   f"（{WATER_PROFILE}），磁窑河武良断面按冬/夏季氨氮限值。",
                   "Monthly means (samples of a month averaged) classified item by item by GB "
                   "3838-2002 Table 1 and the 2011 evaluation method (21 items, worst item "
                   f"decides); targets from the plan's water profile ({WATER_PROFILE}), with "
                   "the seasonal NH3-N limits of the Wuliang section."))


def water_page(ctx: Any, session: Session, t: Any) -> dict[str, Any]:
    res = water_monthly(ctx)
    if res is None or res.empty:
        return {"charts": [], "sections": [], "section_columns": [], "note": None}
    block = _water_heatmap(res, t)
    return {"charts": [block], "sections": block["rows"], "section_columns": block["columns"],
            "note": None}


def water_public_charts(ctx: Any, session: Session, t: Any) -> list[dict[str, Any]]:
    res = water_monthly(ctx)
    return [] if res is None or res.empty else [_water_heatmap(res, t)]
