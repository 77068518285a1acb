"""Measurement rows from decoded HJ 212 uploads: one row per (MN, CN, DataTime, factor).

Values are kept as sent, with the unit of the device type (never converted silently) and the
data flag of each factor (N, F, M, S, D, C, T, B …, 2005 flags and local extensions kept verbatim).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ecoplan.ingest.hj212.codec import Packet, parse_time
from ecoplan.ingest.hj212.factors import canonical_name, current_code, unit_for

# Upload CN → lake dataset (minute, hour and day data are stored; real-time data is live only).
DATASETS = {"2051": "hj212_minute", "2061": "hj212_hour", "2031": "hj212_day"}
INTERVALS = {"2011": "realtime", "2051": "minute", "2061": "hour", "2031": "day"}

VALUE_SUFFIXES = ("Rtd", "Avg", "Min", "Max", "Cou", "ZsRtd", "ZsAvg", "ZsMin", "ZsMax")
VALUE_COLUMNS = tuple(s.lower().replace("zs", "zs_") for s in VALUE_SUFFIXES)
KNOWN_SUFFIXES = frozenset(VALUE_SUFFIXES) | {"Flag", "EFlag", "SampleTime"}

COLUMNS = ("mn", "device_type", "station_code", "enterprise", "st", "cn", "data_time", "code",
           "code_sent", "pollutant", "unit", "cou_unit", *VALUE_COLUMNS, "flag", "eflag",
           "sample_time", "extra", "qn", "dialect", "received_at")


@dataclass(frozen=True, slots=True)
class DeviceContext:
    """What the registry knows about the device that sent a packet."""

    device_type: str | None = None
    station_code: str | None = None
    enterprise: str | None = None
    code_map: dict[str, str] | None = None
    units: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class RowProblem:
    code: str
    field: str | None
    zh: str
    en: str


def rows_of(p: Packet, ctx: DeviceContext, received_at: datetime) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    """The measurement rows of one upload and the problems that kept values out."""
    problems: list[RowProblem] = []
    dt = parse_time(p.params.get("DataTime"))
    if dt is None:
        problems.append(RowProblem("datatime", "DataTime",
                                   f"数据时间 DataTime 缺失或无效：{p.params.get('DataTime')!r}",
                                   f"DataTime missing or invalid: {p.params.get('DataTime')!r}"))
        return [], problems
    rows: list[dict[str, Any]] = []
    version = p.version
    for sent_code, fac in p.factors.items():
        code = current_code(sent_code, version, ctx.code_map)
        row: dict[str, Any] = {
            "mn": p.mn, "device_type": ctx.device_type, "station_code": ctx.station_code,
            "enterprise": ctx.enterprise, "st": p.st, "cn": p.cn, "data_time": dt,
            "code": code, "code_sent": sent_code, "pollutant": canonical_name(code),
            "unit": unit_for(code, ctx.device_type, ctx.units),
            "cou_unit": unit_for(code, ctx.device_type, ctx.units, cou=True),
            "flag": fac.fields.get("Flag"), "eflag": fac.fields.get("EFlag"),
            "sample_time": parse_time(fac.fields.get("SampleTime")),
            "qn": p.qn, "dialect": p.dialect, "received_at": received_at,
        }
        any_value = False
        for suffix, col in zip(VALUE_SUFFIXES, VALUE_COLUMNS, strict=True):
            raw = fac.fields.get(suffix)
            value = fac.number(suffix)
            if raw not in (None, "") and value is None:
                problems.append(RowProblem("not-a-number", f"{sent_code}-{suffix}",
                                           f"{sent_code}-{suffix} 不是数值：{raw[:20]!r}",
                                           f"{sent_code}-{suffix} is not a number: {raw[:20]!r}"))
            row[col] = value
            any_value = any_value or value is not None
        extra = {k: v for k, v in fac.fields.items() if k not in KNOWN_SUFFIXES}
        row["extra"] = ";".join(f"{k}={v}" for k, v in extra.items()) or None
        if not any_value and not extra and row["flag"] is None:
            continue
        rows.append(row)
    return rows, problems
