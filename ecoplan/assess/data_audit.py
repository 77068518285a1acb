"""The day view of the daily data audit (数据审核): one air station's raw hours of a day with
the automatic suggestions and the auditor's decisions, and the day's values in the real-time
and the audited version side by side.

Suggestions (never decisions — the auditor decides, :mod:`ecoplan.store.data_audit`):

* HJ 212 data flags on the value (HJ 212-2017 table 8): C calibration → A01, M maintenance →
  A02, D/F fault or stopped → A03, P/B power or link failure → A04, other invalid flags → A05;
* the validation flags of the load (``ingest_flags``: ``suspect_high`` …) and reviewers' flags;
* physical checks of HJ 817-2018/HJ 818-2018 data validity: a negative concentration → A05,
  PM2.5 above PM10 in the same hour → A06.

Reason codes and their clauses: :mod:`ecoplan.standards.audit_reasons`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select

from ecoplan.assess.air_pipeline import HOURLY_COLUMNS, drop_invalid_values
from ecoplan.nomenclature import AIR_POLLUTANTS
from ecoplan.standards.audit_reasons import audit_reasons
from ecoplan.standards.hj212_flags import INVALID_SOURCE_FLAGS
from ecoplan.store import data_audit
from ecoplan.store.ingest_models import QualityFlag
from ecoplan.store.workspace import Workspace

DATASET = "air_hourly"
#: HJ 212 source flag → suggested reason code
FLAG_REASON = {"hj212:C": "A01", "hj212:M": "A02", "hj212:D": "A03", "hj212:F": "A03",
               "hj212:P": "A04", "hj212:B": "A04"}


@dataclass
class Suggestion:
    timestamp: datetime
    parameter: str
    code: str
    why_zh: str
    why_en: str


@dataclass
class DayView:
    """Everything the auditor sees for one site-day."""

    site: str
    day: date
    state: data_audit.DayState
    hours: pd.DataFrame                 # timestamp, pollutants, <p>_flag
    suggestions: list[Suggestion] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    in_force: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    realtime_means: dict[str, float | None] = field(default_factory=dict)
    audited_means: dict[str, float | None] = field(default_factory=dict)


def _hours(ws: Workspace, site: str, day: date) -> pd.DataFrame:
    lo, hi = data_audit.hours_of(day)
    if not ws.lake.files(DATASET):
        return pd.DataFrame(columns=list(HOURLY_COLUMNS))
    t = ws.analytics.table(DATASET)
    t = t.filter(t.station_code == site, t.timestamp > lo, t.timestamp <= hi)
    cols = [c for c in t.columns if c in HOURLY_COLUMNS or c.endswith("_flag")]
    df = ws.analytics.execute(t.select(*cols).order_by("timestamp"))
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return df.reset_index(drop=True)


def _suggest(df: pd.DataFrame, flags: list[tuple[datetime, str, str, str | None]]
             ) -> list[Suggestion]:
    out: list[Suggestion] = []
    for r in df.itertuples(index=False):
        row = r._asdict()
        ts = row["timestamp"].to_pydatetime()
        for p in AIR_POLLUTANTS:
            flag = row.get(f"{p}_flag")
            for f in (str(flag).split(",") if flag and flag == flag else []):
                if f in INVALID_SOURCE_FLAGS:
                    code = FLAG_REASON.get(f, "A05")
                    out.append(Suggestion(ts, p, code, f"数采仪数据标记 {f}（HJ 212 表8）",
                                          f"data logger flag {f} (HJ 212 table 8)"))
            v = row.get(p)
            if v is not None and v == v and v < 0:
                out.append(Suggestion(ts, p, "A05", "浓度为负值", "negative concentration"))
        pm25, pm10 = row.get("pm25"), row.get("pm10")
        if pm25 == pm25 and pm10 == pm10 and pm25 is not None and pm10 is not None \
                and pm25 > pm10:
            out.append(Suggestion(ts, "pm25", "A06", f"PM2.5（{pm25:g}）大于 PM10（{pm10:g}）",
                                  f"PM2.5 ({pm25:g}) above PM10 ({pm10:g})"))
    for ts, p, flag, reason in flags:
        out.append(Suggestion(ts, p, "A05" if flag not in ("valid",) else "V01",
                              f"入库校验/复核标记：{flag}" + (f"（{reason}）" if reason else ""),
                              f"validation/reviewer flag: {flag}" + (f" ({reason})" if reason else "")))
    return out


def _means(df: pd.DataFrame) -> dict[str, float | None]:
    return {p: (None if df[p].isna().all() else round(float(df[p].mean()), 1))
            for p in AIR_POLLUTANTS if p in df.columns}


def day_view(ws: Workspace, site: str, day: date) -> DayView:
    """The site-day as the auditor sees it."""
    df = _hours(ws, site, day)
    lo, hi = data_audit.hours_of(day)
    with ws.session() as s:
        state = data_audit.day_state(s, DATASET, site, day)
        decs = data_audit.decisions(s, DATASET, site, day)
        flags = [(ts, p, f, reason) for ts, p, f, reason in s.execute(
            select(QualityFlag.timestamp, QualityFlag.parameter, QualityFlag.flag,
                   QualityFlag.reason).where(QualityFlag.dataset == DATASET,
                                             QualityFlag.site_code == site,
                                             QualityFlag.timestamp > lo,
                                             QualityFlag.timestamp <= hi))]
    reasons = audit_reasons()
    rows = [{"id": d.id, "timestamp": d.timestamp, "parameter": d.parameter,
             "decision": d.decision, "code": d.reason_code, "reason_zh": reasons[d.reason_code].zh,
             "source": reasons[d.reason_code].source, "note": d.note, "actor": d.actor,
             "at": d.at} for d in decs]
    in_force = {(r["timestamp"].strftime("%Y-%m-%d %H:%M"), r["parameter"]): r for r in rows}
    view = DayView(site, day, state, df, _suggest(df, flags), rows, in_force)
    if not df.empty:
        cols = [c for c in df.columns if c in HOURLY_COLUMNS]
        view.realtime_means = _means(drop_invalid_values(
            df[cols].copy(), ws.reviewed_flags.excluded(DATASET, audited=False)))
        # the audited version: what the statistics use once the day is locked
        audited = pd.DataFrame(
            [(site, r["timestamp"], r["parameter"]) for r in in_force.values()
             if r["decision"] == "invalid"], columns=["station_code", "timestamp", "parameter"])
        base = ws.reviewed_flags.excluded(DATASET, audited=False)
        view.audited_means = _means(drop_invalid_values(
            df[cols].copy(), pd.concat([base, audited], ignore_index=True)))
    return view
