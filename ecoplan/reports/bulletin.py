"""The county's environmental-quality bulletins (环境质量月报/年报): air and surface water.

Every figure comes from the engines the assessments use — the county town's HJ 663 statistics
from the air pipeline (:func:`ecoplan.assess.indicators.county_town_daily`,
:func:`ecoplan.assess.air_pipeline.run_period_stats`), section classes from
:func:`ecoplan.standards.water_sections.classify_section_period` — never from raw files. The
statistics read the audited data: a site-day locked by the daily data audit
(:mod:`ecoplan.store.data_audit`) counts with the auditor's decisions, every other day is the
real-time data and the bulletin says how many site-days are 未审核 (unaudited).

A bulletin shows: the county town's figures of the period against the same period last year,
the year-to-date figures against the plan's target path (indicators 1–3), the stations ranked
by composite index (环办〔2014〕64号), the daily AQI chart, the sections' classes against their
targets (GB 3838-2002, 环办〔2011〕22号), and the rule basis chosen by the data's date
(HJ 633-2012/HJ 663-2013 before 2026-03-01, the 2026 versions from then on). A statistic that
is not valid by HJ 663 (too few valid days) is printed with （无效）.
"""

from __future__ import annotations

import calendar
import hashlib
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from ecoplan.assess import air_pipeline
from ecoplan.assess.indicators import (
    county_town_daily,
    county_town_daily_aqi,
    county_town_stations,
    lake_frame,
    site_registries,
)
from ecoplan.assess.status import expected_path
from ecoplan.errors import EcoplanError
from ecoplan.plan import Plan
from ecoplan.plan.model import WATER_CLASS_LABELS
from ecoplan.reports import charts
from ecoplan.reports.evaluation import uses_demo_data
from ecoplan.standards.air_period import gbt8170_round
from ecoplan.standards.air_rules import STANDARDS, select_ruleset
from ecoplan.standards.surface_water import parse_class
from ecoplan.standards.water_sections import classify_section_period
from ecoplan.store.data_audit import audit_coverage
from ecoplan.store.data_labels import DEMO_LABEL, DEMO_LABEL_ZH
from ecoplan.store.workspace import Workspace

KINDS = ("air", "water", "both")
#: (column of the HJ 663 statistics, Chinese label, unit, validity column)
AIR_ROWS: tuple[tuple[str, str, str, str | None], ...] = (
    ("pm25_mean", "PM2.5平均浓度", "μg/m³", "pm25_valid"),
    ("pm10_mean", "PM10平均浓度", "μg/m³", "pm10_valid"),
    ("so2_mean", "SO2平均浓度", "μg/m³", "so2_valid"),
    ("no2_mean", "NO2平均浓度", "μg/m³", "no2_valid"),
    ("co_p95", "CO第95百分位数", "mg/m³", "co_valid"),
    ("o3_8h_p90", "O3日最大8小时第90百分位数", "μg/m³", "o3_8h_valid"),
    ("composite_index", "环境空气质量综合指数", "", None),
    ("good_day_ratio", "优良天数比例", "%", None),
    ("heavy_days", "重污染天数", "天", None),
)
INVALID = "（无效）"
UNAUDITED = "未审核"


class BulletinError(EcoplanError):
    """A bulletin cannot be made as asked (bad period, kind, no data …)."""


@dataclass(frozen=True)
class Period:
    """A bulletin's period: a month (``2025-12``) or a year (``2025``)."""

    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        t = str(text).strip()
        try:
            if len(t) == 4:
                return cls(int(t))
            y, m = t.split("-")
            if not 1 <= int(m) <= 12:
                raise ValueError(m)
            return cls(int(y), int(m))
        except ValueError:
            raise BulletinError(f"时段无效：{text}（应为 YYYY-MM 或 YYYY）",
                                f"Invalid period: {text} (expected YYYY-MM or YYYY)") from None

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)

    @property
    def zh(self) -> str:
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年"

    @property
    def first(self) -> date:
        return date(self.year, self.month or 1, 1)

    @property
    def last(self) -> date:
        m = self.month or 12
        return date(self.year, m, calendar.monthrange(self.year, m)[1])

    @property
    def kind_word(self) -> str:
        return "月报" if self.month else "年报"

    def last_year(self) -> Period:
        return Period(self.year - 1, self.month)


@dataclass
class BulletinData:
    """Everything one bulletin shows."""

    kind: str
    period: Period
    county: str
    demo: bool
    rulesets: list[str]
    air: dict[str, Any] | None = None
    water: dict[str, Any] | None = None
    audited_days: int = 0
    total_days: int = 0
    plan_title: str = ""

    @property
    def title(self) -> str:
        what = {"air": "环境空气质量", "water": "地表水环境质量", "both": "环境质量"}[self.kind]
        return f"{self.county}{what}{self.period.kind_word}"


def _num(v: Any, digits: int | None = None) -> str:
    if v is None or (isinstance(v, float) and v != v) or v is pd.NA:
        return "—"
    if digits is not None:
        return f"{float(v):.{digits}f}"
    f = float(v)
    return str(int(f)) if f == int(f) else f"{f:g}"


def _cell(row: pd.Series | None, col: str, valid_col: str | None) -> str:
    if row is None:
        return "—"
    v = row.get(col)
    if col == "good_day_ratio" and row.get("good_day_ratio_raw") is not None \
            and not pd.isna(row.get("good_day_ratio_raw")):
        # as the plan's indicator 2 (GB/T 8170 to 2 decimals of the unrounded ratio)
        v = gbt8170_round(float(row["good_day_ratio_raw"]), 2)
    text = _num(v, 2 if col in ("composite_index", "good_day_ratio") else
                (1 if col == "co_p95" else None))
    if valid_col and text != "—" and not bool(row.get(valid_col, True)):
        text += INVALID
    return text


def _change(cur: pd.Series | None, prev: pd.Series | None, col: str) -> str:
    if cur is None or prev is None:
        return "—"
    a, b = cur.get(col), prev.get(col)
    if a is None or b is None or pd.isna(a) or pd.isna(b):
        return "—"
    if col in ("good_day_ratio",):
        d = float(a) - float(b)
        return f"{d:+.2f}个百分点"
    if col == "heavy_days":
        return f"{int(a) - int(b):+d}天"
    if float(b) == 0:
        return "—"
    return f"{(float(a) - float(b)) / float(b) * 100:+.1f}%"


def _row(frame: pd.DataFrame, key: str, value: str, label: str) -> pd.Series | None:
    sub = frame[(frame[key].astype(str) == value) & (frame["period"].astype(str) == label)]
    return None if sub.empty else sub.iloc[0]


def rule_basis(first: date, last: date) -> list[str]:
    """The air rule sets of the data's dates (chosen by date: the 2026 rules from 2026-03-01)."""
    sets = sorted({select_ruleset(first), select_ruleset(last)})
    return [f"{STANDARDS[s]['limits']}、{STANDARDS[s]['aqi']}、{STANDARDS[s]['evaluation']}"
            for s in sets]


def _air(ws: Workspace, plan: Plan, period: Period) -> dict[str, Any] | None:
    stations = county_town_stations(ws)
    years = [period.year - 1, period.year]
    got = county_town_daily(ws, years)
    if got is None:
        return None
    analytics, daily = got
    kind = "month" if period.month else "year"
    city = air_pipeline.run_period_stats(analytics, None, period=kind, by="city", daily=daily)
    cur = _row(city, "city", "county_town", period.label)
    if cur is None:
        return None
    prev = _row(city, "city", "county_town", period.last_year().label)
    ytd = air_pipeline.run_period_stats(analytics, None, period="range", by="city", daily=daily,
                                        start=date(period.year, 1, 1), end=period.last)
    ytd_row = ytd.iloc[0] if len(ytd) else None
    # stations: the same engine per station, ranked by composite index (环办〔2014〕64号)
    t = ws.analytics.table("air_hourly")
    lo = datetime(period.first.year, period.first.month, 1)
    t = t.filter(t.station_code.isin(stations), t.timestamp > lo,
                 t.timestamp <= datetime.combine(period.last, datetime.min.time())
                 + pd.Timedelta(days=1))
    st = air_pipeline.run_period_stats(ws.analytics, air_pipeline.hourly_table(ws.analytics, t),
                                       period=kind)
    st = st[st["period"].astype(str) == period.label].sort_values("composite_rank")
    names = dict(zip(site_registries(ws)["station"].code, site_registries(ws)["station"].name,
                     strict=False))
    aqi = county_town_daily_aqi(ws, period.year, years=years)
    aqi = aqi[pd.to_datetime(aqi["date"]).dt.month == period.month] if period.month else aqi
    daily_aqi = {pd.Timestamp(d).date(): (None if pd.isna(a) else int(a))
                 for d, a in zip(aqi["date"], aqi["aqi"], strict=True)}
    # year to date against the plan's target path (indicators 1–3, linear from the baseline)
    path = []
    for key, col, digits in (("1", "pm25_mean_raw", 0), ("2", "good_day_ratio_raw", 2),
                             ("3", "heavy_day_ratio_raw", 2)):
        try:
            ind = plan.indicator(key)
        except (KeyError, EcoplanError):
            continue
        target = plan.effective_target(key, period.last)
        if target.value is None or ind.baseline.value is None or ytd_row is None:
            continue
        expected = expected_path(ind.baseline.value, target.value, period.year,
                                 plan.baseline_year, plan.end_year)
        value = ytd_row.get(col)
        ok = None
        if value is not None and not pd.isna(value):
            value = gbt8170_round(float(value), digits)  # as the indicator assessment rounds
            v = Decimal(str(value))
            ok = v <= expected if target.operator in ("<=", "<", "≤") else v >= expected
        path.append({"key": key, "name": ind.name_zh, "unit": ind.unit or "", "value": value,
                     "expected": expected, "target": target.text, "ok": ok,
                     "valid": bool(ytd_row.get("pm25_valid", True)) if key == "1" else True})
    return {"city": cur, "prev": prev, "ytd": ytd_row, "stations": st, "names": names,
            "daily_aqi": daily_aqi, "path": path, "station_codes": stations}


def _water(ws: Workspace, period: Period) -> dict[str, Any] | None:
    reg = site_registries(ws)["section"]
    reg = reg[reg["target_profile"].notna()]
    codes = [str(c) for c in reg["code"]]
    if not codes or not ws.lake.files("water_samples"):
        return None
    df = lake_frame(ws, "water_samples", [period.year - 1, period.year], codes)
    if df.empty:
        return None
    res = classify_section_period(df, "month" if period.month else "year")
    if res.empty:
        return None
    rows = []
    for r in reg.itertuples():
        now = res[(res.site == r.code) & (res.period.astype(str) == period.label)]
        before = res[(res.site == r.code) & (res.period.astype(str) == period.last_year().label)]
        if now.empty:
            continue
        cls = int(now.iloc[0].water_class)
        target = parse_class(str(r.target_profile))
        rows.append({"code": r.code, "name": r.name, "river": r.river or "", "class": cls,
                     "target": target, "met": 0 < cls <= target,
                     "prev": int(before.iloc[0].water_class) if not before.empty else None,
                     "main": str(now.iloc[0].get("main_pollutants") or "")})
    if not rows:
        return None
    rows.sort(key=lambda x: (x["class"], x["name"]))
    return {"sections": rows}


def gather(ws: Workspace, plan: Plan, period: Period, kind: str = "both") -> BulletinData:
    """Compute everything the bulletin of ``period`` shows (``kind``: air, water or both)."""
    if kind not in KINDS:
        raise BulletinError(f"未知的公报类型 {kind}（air|water|both）",
                            f"Unknown bulletin kind {kind} (air|water|both)")
    data = BulletinData(kind, period, plan.region.name_zh, uses_demo_data(ws),
                        rule_basis(period.first, period.last), plan_title=plan.title_zh)
    if kind in ("air", "both"):
        data.air = _air(ws, plan, period)
        if data.air is not None:
            data.audited_days, data.total_days = audit_coverage(
                ws.engine, "air_hourly", data.air["station_codes"], period.first, period.last)
    if kind in ("water", "both"):
        data.water = _water(ws, period)
    if data.air is None and data.water is None:
        raise BulletinError(f"{period.zh}没有可用于公报的监测数据",
                            f"No monitoring data for a bulletin of {period.label}")
    return data


# ---------------------------------------------------------------------------- writing
def write_docx(data: BulletinData, out: Path, *, issued: date | None = None) -> Path:
    """Write the bulletin as Word in the official-document style (docx_building)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # deferred: python-docx only when writing

    from ecoplan.reports import docx_building as b

    doc = b.official_document()
    if data.demo:
        b.demo_header(doc.sections[0], DEMO_LABEL_ZH)
    b.paragraph(doc, data.title, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
                indent=False, space_after=6)
    b.paragraph(doc, f"（{data.period.zh}）", size=16, align=WD_ALIGN_PARAGRAPH.CENTER,
                indent=False)
    issued = issued or date.today()
    b.paragraph(doc, f"{data.county}生态环境监测站    {issued.year}年{issued.month}月{issued.day}日",
                size=12, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=10)
    part = 0
    numerals = "一二三四五"
    tables = 0
    figures = 0
    with tempfile.TemporaryDirectory() as tmp:
        if data.air is not None:
            b.heading(doc, f"{numerals[part]}、环境空气质量", 1)
            part += 1
            tables, figures = _write_air(doc, data, Path(tmp), tables, figures)
        if data.water is not None:
            b.heading(doc, f"{numerals[part]}、地表水环境质量", 1)
            part += 1
            tables = _write_water(doc, data, tables)
        b.heading(doc, f"{numerals[part]}、数据与评价依据说明", 1)
        _write_notes(doc, data)
        out.parent.mkdir(parents=True, exist_ok=True)
        doc.save(str(out))
    return out


def _write_air(doc: Any, data: BulletinData, tmp: Path, tables: int, figures: int
               ) -> tuple[int, int]:
    from docx.shared import Cm  # deferred: python-docx only when writing

    from ecoplan.reports import docx_building as b

    a = data.air
    assert a is not None
    cur, prev, p = a["city"], a["prev"], data.period
    good, valid, heavy = int(cur["good_days"]), int(cur["valid_days"]), int(cur["heavy_days"])
    text = (f"{p.zh}，县城区环境空气质量有效监测{valid}天，优良{good}天，优良天数比例"
            f"{_cell(cur, 'good_day_ratio', None)}%")
    if prev is not None:
        text += f"，同比{_change(cur, prev, 'good_day_ratio')}"
    text += f"；重污染{heavy}天"
    if prev is not None:
        text += f"（去年同期{int(prev['heavy_days'])}天）"
    text += f"。PM2.5平均浓度{_cell(cur, 'pm25_mean', 'pm25_valid')}μg/m³"
    if prev is not None:
        text += f"，同比{_change(cur, prev, 'pm25_mean')}"
    text += f"；环境空气质量综合指数{_cell(cur, 'composite_index', None)}。"
    b.heading(doc, "（一）县城区总体状况", 2)
    b.paragraph(doc, text)
    tables += 1
    b.caption(doc, f"表{tables}  县城区主要污染物浓度及同比变化")
    b.table(doc, ["项目", "单位", p.zh, f"{p.last_year().zh}（同期）", "同比变化"],
            [[lab, unit, _cell(cur, col, vc), _cell(prev, col, vc), _change(cur, prev, col)]
             for col, lab, unit, vc in AIR_ROWS], widths=[5.2, 1.8, 3.0, 3.6, 2.6])
    if a["daily_aqi"]:
        figures += 1
        label = DEMO_LABEL if data.demo else None
        if p.month:  # a month: one bar per day; a year: the month × day calendar
            png = charts.daily_aqi_bars(a["daily_aqi"], tmp / "aqi.png",
                                        title=f"{p.zh}县城区逐日AQI", demo_label=label)
        else:
            png = charts.aqi_calendar(a["daily_aqi"], p.year, tmp / "aqi.png",
                                      title=f"{p.zh}县城区逐日AQI", demo_label=label)
        doc.add_picture(str(png), width=Cm(min(15.5, b.text_width_cm(doc))))
        b.caption(doc, f"图{figures}  {p.zh}县城区逐日空气质量指数（AQI）")
    if a["path"]:
        b.heading(doc, "（二）与规划目标路径对比", 2)
        ytd = f"{p.year}年1—{p.month}月" if p.month and p.month > 1 else p.zh
        b.paragraph(doc, f"{ytd}累计，对照《{data.plan_title}》指标的线性目标路径"
                         f"（{p.year}年路径值，由{data.county}基准年数值至规划目标线性推算）：")
        tables += 1
        b.caption(doc, f"表{tables}  空气质量指标累计值与目标路径")
        rows = []
        for r in a["path"]:
            v = _num(r["value"], 2 if r["key"] != "1" else 0)
            if not r["valid"] and v != "—":
                v += INVALID
            state = "—" if r["ok"] is None else ("达到路径要求" if r["ok"] else "未达路径要求")
            rows.append([r["name"], r["unit"], v,
                         _num(float(r["expected"]), 1 if r["key"] == "1" else 2), r["target"],
                         state])
        b.table(doc, ["指标", "单位", "累计值", "路径值", "规划目标", "评价"], rows,
                widths=[5.0, 1.6, 2.2, 2.0, 2.0, 3.0])
    st = a["stations"]
    if len(st):
        b.heading(doc, "（三）各监测站点排名", 2)
        b.paragraph(doc, "按环境空气质量综合指数由低到高排名（综合指数越小空气质量越好，"
                         "排名方法参照《城市环境空气质量排名技术规定》环办〔2014〕64号）。")
        tables += 1
        b.caption(doc, f"表{tables}  {p.zh}县城区各站点综合指数排名")
        rows = []
        for r in st.itertuples():
            row = st.loc[r.Index]
            rows.append([_num(r.composite_rank), a["names"].get(r.station_code, r.station_code),
                         _cell(row, "composite_index", None), _cell(row, "pm25_mean", "pm25_valid"),
                         _cell(row, "pm10_mean", "pm10_valid"),
                         _cell(row, "o3_8h_p90", "o3_8h_valid"), _cell(row, "good_day_ratio", None)])
        b.table(doc, ["排名", "站点", "综合指数", "PM2.5", "PM10", "O3-8h", "优良比例%"], rows,
                widths=[1.2, 6.4, 1.8, 1.6, 1.6, 1.6, 1.8])
    return tables, figures


def _write_water(doc: Any, data: BulletinData, tables: int) -> int:
    from ecoplan.reports import docx_building as b

    w = data.water
    assert w is not None
    secs = w["sections"]
    met = sum(s["met"] for s in secs)
    good = sum(0 < s["class"] <= 3 for s in secs)
    p = data.period
    b.paragraph(doc, f"{p.zh}，县域{len(secs)}个地表水监测断面中，水质达到目标要求的{met}个，"
                     f"达标率{met / len(secs) * 100:.1f}%；Ⅰ—Ⅲ类水质断面{good}个，"
                     f"占{good / len(secs) * 100:.1f}%。")
    tables += 1
    b.caption(doc, f"表{tables}  {p.zh}地表水断面水质状况（按水质类别排序）")
    rows = [[str(i), s["name"], s["river"], WATER_CLASS_LABELS[s["class"]],
             WATER_CLASS_LABELS[s["target"]], "达标" if s["met"] else "未达标",
             WATER_CLASS_LABELS[s["prev"]] if s["prev"] else "—", s["main"] or "—"]
            for i, s in enumerate(secs, start=1)]
    b.table(doc, ["排序", "断面", "河流", "本期类别", "目标", "达标情况", "去年同期", "主要污染指标"],
            rows, widths=[1.1, 4.6, 1.6, 1.6, 1.4, 1.8, 1.8, 2.1])
    return tables


def _write_notes(doc: Any, data: BulletinData) -> None:
    from ecoplan.reports import docx_building as b

    lines = [f"环境空气质量评价依据：{'；'.join(data.rulesets)}（按监测数据日期选用：2026年3月1日前"
             "为GB 3095-2012、HJ 633-2012、HJ 663-2013，此后为2026年版）。",
             "地表水水质评价依据：GB 3838-2002，《地表水环境质量评价办法（试行）》（环办〔2011〕22号）。"]
    if data.total_days:
        unaudited = data.total_days - data.audited_days
        lines.append(f"数据审核：本期县城区站点共{data.total_days}个站日，其中经数据审核并锁定"
                     f"{data.audited_days}个站日（采用审核后数据）；其余{unaudited}个站日为{UNAUDITED}的"
                     "实时数据，发布前以审核结果为准。" if unaudited else
                     f"数据审核：本期县城区站点共{data.total_days}个站日，全部经数据审核并锁定。")
    lines.append(f"标注“{INVALID}”的统计值有效天数不足（HJ 663：每月至少27天，2月至少25天；"
                 "每年至少324天），仅供参考。")
    if data.demo:
        lines.append(f"本期公报使用{DEMO_LABEL_ZH}，非{data.county}实测数据，仅供演示。")
    for line in lines:
        b.paragraph(doc, line, size=12)


@dataclass
class BulletinFile:
    """A written bulletin and what it was made from."""

    path: Path
    digest: str
    data: BulletinData


def build_bulletin(ws: Workspace, plan: Plan, period: Period, *, kind: str = "both",
                   out: Path | None = None, issued: date | None = None) -> BulletinFile:
    """Gather and write the bulletin (default file: the workspace's reports folder)."""
    data = gather(ws, plan, period, kind)
    if out is None:
        out = Path(ws.settings.reports_dir) / f"bulletin_{kind}_{period.label}.docx"
    out = Path(out)
    if out.suffix.lower() != ".docx":
        raise BulletinError(f"输出文件须以 .docx 结尾：{out}", f"The output must end in .docx: {out}")
    write_docx(data, out, issued=issued)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    return BulletinFile(out, digest, data)


def due_periods(today: date, *, after_day: int = 5) -> list[Period]:
    """The bulletins due on ``today``: last month's once the ``after_day``-th has passed, and
    last year's annual bulletin in January after that day."""
    if today.day <= after_day:
        return []
    y, m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    out = [Period(y, m)]
    if today.month == 1:
        out.append(Period(today.year - 1))
    return out
