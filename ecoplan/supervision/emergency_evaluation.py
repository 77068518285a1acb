"""After-action evaluation of a heavy-pollution response (应急响应效果评估) and the yearly count
of heavy-pollution days for the plan's target "基本消除重污染天气".

Air quality comes from the lake's ``air_hourly`` (values flagged invalid at the source or by a
reviewer are left out) through the existing engines: hourly AQI per station-hour
(:func:`ecoplan.standards.air_hourly.hourly_aqi_table`, HJ 633) and the daily AQI of the area —
the selected stations averaged per day like a city (:func:`ecoplan.assess.air_pipeline.daily_table`
with ``by="city"``, HJ 663). A heavy-pollution day is a daily AQI > 200 (HJ 633 levels 5–6).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import ibis
import pandas as pd
from sqlalchemy import Engine

from ecoplan.assess.air_pipeline import daily_table, hourly_table, lake_hours
from ecoplan.errors import Location
from ecoplan.standards.air_daily import hj663
from ecoplan.standards.air_hourly import hourly_aqi_table
from ecoplan.standards.air_period import gbt8170_round
from ecoplan.store.engine import connect
from ecoplan.store.reviewed_flags import excluded_values
from ecoplan.supervision.emergency import (
    EmergencyError,
    inspections,
    now_local,
    response_state,
)

AREA = "area"
HEAVY_AQI = 200


def station_hours(engine: Engine, lake: Any, stations: list[str], lo: datetime | None = None,
            hi: datetime | None = None) -> pd.DataFrame:
    """Hourly rows of ``stations`` in (lo, hi] from the lake, invalid values nulled."""
    if not stations:
        raise EmergencyError("没有选定评估站点", "No stations selected for the evaluation",
                             location=Location(field="stations"))
    if not lake.files("air_hourly"):
        raise EmergencyError("数据湖中没有小时空气数据（air_hourly），请先导入",
                             "The lake has no hourly air data (air_hourly); ingest it first")
    return lake_hours(lake, excluded_values(engine), stations=stations, lo=lo, hi=hi)


def area_daily(frame: pd.DataFrame, engine_name: str = "duckdb") -> pd.DataFrame:
    """Daily AQI of the stations taken together (per-day mean of stations, HJ 663 city rule)."""
    if frame.empty:
        return pd.DataFrame(columns=["date", "aqi", "pm25", "category", "n_sites"])
    con = connect(engine_name)  # type: ignore[arg-type]
    stations = pd.DataFrame({"station_code": sorted(frame["station_code"].unique()),
                             "city": AREA})
    hourly = hourly_table(con, frame, reviews=pd.DataFrame())
    daily = daily_table(con, hourly, ruleset="auto", by="city", stations=stations, cache=False)
    out = con.execute(daily.order_by("date"))
    out["date"] = pd.to_datetime(out["date"]).dt.date
    return out[["date", "aqi", "pm25", "category", "n_sites"]]


def area_hourly_aqi(frame: pd.DataFrame, engine_name: str = "duckdb") -> pd.DataFrame:
    """Hourly AQI per station-hour (HJ 633 real-time rule) of the rows of ``frame``."""
    if frame.empty:
        return pd.DataFrame(columns=["station_code", "timestamp", "aqi"])
    con = connect(engine_name)  # type: ignore[arg-type]
    t = ibis.memtable(frame)
    out = con.execute(hourly_aqi_table(t).select("station_code", "timestamp", "aqi"))
    out["timestamp"] = pd.to_datetime(out["timestamp"])
    return out


def _summary(daily: pd.DataFrame, hourly: pd.DataFrame) -> dict[str, Any]:
    aqi = pd.to_numeric(daily["aqi"], errors="coerce").dropna()
    pm = pd.to_numeric(daily["pm25"], errors="coerce").dropna()
    h = pd.to_numeric(hourly["aqi"], errors="coerce").dropna() if len(hourly) else pd.Series()
    r = lambda x: None if x is None or pd.isna(x) else round(float(x), 1)  # noqa: E731
    return {
        "days": int(len(daily)), "valid_days": int(len(aqi)),
        "daily_aqi_mean": r(aqi.mean()) if len(aqi) else None,
        "daily_aqi_max": int(aqi.max()) if len(aqi) else None,
        "pm25_mean": r(pm.mean()) if len(pm) else None,
        "heavy_days": int((aqi > HEAVY_AQI).sum()),
        "hourly_aqi_mean": r(h.mean()) if len(h) else None,
        "hourly_aqi_max": int(h.max()) if len(h) else None,
        "station_hours": int(len(h)),
        "daily": [{"date": d["date"].isoformat(),
                   "aqi": None if pd.isna(d["aqi"]) else int(d["aqi"]),
                   "pm25": None if pd.isna(d["pm25"]) else float(d["pm25"]),
                   "category": d["category"]} for d in daily.to_dict("records")],
    }


def evaluate(engine: Engine, lake: Any, response_id: int, stations: list[str], *,
             before_days: int | None = None, engine_name: str = "duckdb") -> dict[str, Any]:
    """Air quality during a response vs the days before, and the compliance of inspections.

    The response runs from its issue time to its lifting (or planned end, or now). Days are
    CNEMC days (hour-ending 01:00 … 24:00); the response days are the calendar days it touches,
    the comparison days the ``before_days`` days before (as many as the response by default).
    Hourly AQI compares the exact response hours with the same number of hours just before.
    """
    st = response_state(engine, response_id)
    if st is None:
        raise EmergencyError(f"应急响应 {response_id} 没有事件", f"Response {response_id} has no events")
    start = st.start
    end = st.ended or st.planned_end or now_local()
    first_day = start.date()
    last_day = (end - timedelta(seconds=1)).date()
    n_days = (last_day - first_day).days + 1
    before = before_days if before_days is not None else n_days
    if before < 1:
        raise EmergencyError("对比天数至少为 1", "Comparison days must be at least 1",
                             location=Location(field="before_days"))
    b_first = first_day - timedelta(days=before)
    lo = datetime.combine(b_first, datetime.min.time())  # rows after 00:00 of the first day
    span = end - start
    lo = min(lo, start - span)
    hi = datetime.combine(last_day + timedelta(days=1), datetime.min.time())
    frame = station_hours(engine, lake, stations, lo, max(hi, end))
    daily = area_daily(frame, engine_name)
    during_days = daily[(daily["date"] >= first_day) & (daily["date"] <= last_day)]
    before_days_df = daily[(daily["date"] >= b_first) & (daily["date"] < first_day)]
    hourly = area_hourly_aqi(frame, engine_name)
    ts = hourly["timestamp"] if len(hourly) else pd.Series(dtype="datetime64[ns]")
    h_during = hourly[(ts > pd.Timestamp(start)) & (ts <= pd.Timestamp(end))]
    h_before = hourly[(ts > pd.Timestamp(start - span)) & (ts <= pd.Timestamp(start))]
    d, b = _summary(during_days, h_during), _summary(before_days_df, h_before)
    change: dict[str, float | None] = {}
    for k in ("daily_aqi_mean", "pm25_mean", "hourly_aqi_mean"):
        change[k] = (round((d[k] - b[k]) / b[k] * 100, 1)
                     if d[k] is not None and b[k] not in (None, 0) else None)
    ins = inspections(engine, response_id)
    complied = sum(1 for i in ins if i["complied"])
    return {
        "response": st.as_dict(),
        "stations": sorted(stations),
        "period": {"start": start.isoformat(), "end": end.isoformat(),
                   "first_day": first_day.isoformat(), "last_day": last_day.isoformat(),
                   "before_first_day": b_first.isoformat(), "before_days": before},
        "during": d, "before": b, "change_percent": change,
        "inspections": {"total": len(ins), "complied": complied,
                        "not_complied": len(ins) - complied,
                        "compliance_rate": round(complied / len(ins) * 100, 1) if ins else None,
                        "enterprises": len({i["credit_code"] for i in ins})},
    }


def heavy_ratio_percent(heavy_days: int, valid_days: int) -> float | None:
    """重污染天数比例 in % at the precision of the period statistics (HJ 663 修约要求 as in
    ``ecoplan/standards/data/hj663-2013.yaml``: one decimal, GB/T 8170 half-to-even), computed
    exactly, so that ``emergency heavy-days`` and ``air stats`` print the same figure."""

    if valid_days <= 0:
        return None
    digits = int(hj663()["rounding"]["digits"]["ratio_percent"])
    return gbt8170_round(Decimal(heavy_days) * 100 / Decimal(valid_days), digits)


def heavy_days_per_year(engine: Engine, lake: Any, stations: list[str], *,
                        engine_name: str = "duckdb") -> list[dict[str, Any]]:
    """Per year: valid days, days with area daily AQI > 200 and their share in % of the valid
    days — plan Table 1 indicator 3 "县城重污染天数比例（%）": 4.66 in 2020, target 基本消除."""
    daily = area_daily(station_hours(engine, lake, stations), engine_name)
    if daily.empty:
        return []
    daily = daily.assign(year=[d.year for d in daily["date"]])
    out = []
    for year, part in daily.groupby("year"):
        aqi = pd.to_numeric(part["aqi"], errors="coerce").dropna()
        if aqi.empty:  # e.g. 2018-12-31 made of the single row labelled 2019-01-01 00:00
            continue
        heavy = part[pd.to_numeric(part["aqi"], errors="coerce") > HEAVY_AQI]
        out.append({"year": int(year), "valid_days": int(len(aqi)),
                    "heavy_days": int(len(heavy)),
                    # the same figure `air stats` reports: % at the HJ 663 ratio precision
                    # (hj663-2013.yaml rounding.digits.ratio_percent), GB/T 8170 rounding
                    "heavy_day_ratio": heavy_ratio_percent(len(heavy), len(aqi)),
                    "heavy_day_ratio_raw": len(heavy) / len(aqi) * 100,
                    "heavy_dates": [d.isoformat() for d in heavy["date"]]})
    return out
