"""Measurement rows from decoded HJ 212 uploads: one row per (MN, CN, DataTime, factor).

Values are kept as sent, with the unit of the device type (never converted silently) and the
data flag of each factor (N, F, M, S, D, C, T, B …, 2005 flags and local extensions kept verbatim).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ecoplan.devices.codec import Packet, parse_time
from ecoplan.nomenclature import AIR_POLLUTANTS, UNITS
from ecoplan.standards.hj212_factors import canonical_name, current_code, unit_for
from ecoplan.standards.hj212_flags import VALID_FLAGS

# Period uploads (minute 2051, hour 2061, day 2031) are stored; real-time data (2011) is live only.
DATASETS = {"2051": "minute", "2061": "hour", "2031": "day"}
INTERVALS = {"2011": "realtime", "2051": "minute", "2061": "hour", "2031": "day"}

# Lake datasets of the ingestion path (ecoplan.ingest.pipeline) the gateway feeds.
AIR_HOURLY = "air_hourly"
WATER_SAMPLES = "water_samples"
AIR_MINUTE = "air_minute"
AIR_DAILY_DEVICE = "air_daily_device"
ONLINE_MONITORING = "online_monitoring"
#: device types whose station code is an enterprise outlet (排放口)
OUTLET_TYPES = frozenset({"cems", "wastewater"})
# Canonical units of air_hourly (GB 3095: μg/m³, CO mg/m³) and explicit conversions into them.
AIR_UNITS = UNITS
_MASS = {"ng/m³": 1e-3, "μg/m³": 1.0, "µg/m³": 1.0, "ug/m3": 1.0, "mg/m³": 1e3}


def lake_target(cn: str, device_type: str | None, station_code: str | None) -> tuple[str | None, str]:
    """Which lake dataset an upload feeds, or None with the reason it has none: air/dust hour →
    ``air_hourly``, minute → ``air_minute``, day → ``air_daily_device``; water →
    ``water_samples``; cems/wastewater minute/hour/day → ``online_monitoring``."""
    interval = DATASETS.get(cn)
    if interval is None:
        return None, "not period data"
    if not station_code:
        return None, "device has no station/section code"
    if device_type in ("air", "dust"):
        if interval == "hour":
            return AIR_HOURLY, ""
        return (AIR_MINUTE if interval == "minute" else AIR_DAILY_DEVICE), ""
    if device_type == "water":
        return WATER_SAMPLES, ""
    if device_type in OUTLET_TYPES:
        return ONLINE_MONITORING, ""
    return None, f"no lake dataset for {device_type or 'unknown'} {interval} data"


def unit_factor(unit: str | None, canonical: str) -> float | None:
    """Factor turning a value in ``unit`` into ``canonical`` (None if not convertible)."""
    if unit is None or unit == canonical:
        return 1.0
    a, b = _MASS.get(unit), _MASS.get(canonical)
    return a / b if a is not None and b is not None else None

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


_META: dict[tuple[str, str | None, int, tuple[tuple[str, str], ...] | None], tuple[Any, ...]] = {}


def _meta(sent: str, version: int, ctx: DeviceContext) -> tuple[Any, ...]:
    """(current code, pollutant, unit, cou unit) of a sent code — cached per device context."""
    key = (sent, ctx.device_type, version,
           tuple(sorted((ctx.code_map or {}).items())) + tuple(sorted((ctx.units or {}).items()))
           if ctx.code_map or ctx.units else None)
    hit = _META.get(key)
    if hit is None:
        code = current_code(sent, version, ctx.code_map)
        hit = (code, canonical_name(code), unit_for(code, ctx.device_type, ctx.units),
               unit_for(code, ctx.device_type, ctx.units, cou=True))
        if len(_META) < 100_000:
            _META[key] = hit
    return hit


def _num(raw: str | None) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        v = float(raw)
    except ValueError:
        return None
    return v if v == v and v not in (_INF, -_INF) else None


_INF = float("inf")
_NAN = float("nan")
_SUFFIX_INDEX = {s: i for i, s in enumerate(VALUE_SUFFIXES)}
_NV = len(VALUE_SUFFIXES)


def rows_of(p: Packet, ctx: DeviceContext, received_at: datetime) -> tuple[list[tuple[Any, ...]], list[RowProblem]]:
    """The measurement rows of one upload (tuples in :data:`COLUMNS` order) and the problems
    that kept values out."""
    problems: list[RowProblem] = []
    dt = parse_time(p.params.get("DataTime"))
    if dt is None:
        problems.append(RowProblem("datatime", "DataTime",
                                   f"数据时间 DataTime 缺失或无效：{p.params.get('DataTime')!r}",
                                   f"DataTime missing or invalid: {p.params.get('DataTime')!r}"))
        return [], problems
    rows: list[tuple[Any, ...]] = []
    version = p.version
    dialect = p.dialect
    head = (p.mn, ctx.device_type, ctx.station_code, ctx.enterprise, p.st, p.cn, dt)
    for sent_code, fac in p.factors.items():
        fields = fac.fields
        code, pollutant, unit, cou_unit = _meta(sent_code, version, ctx)
        values: list[float | None] = [None] * _NV
        any_value = False
        extra = None
        for suffix, raw in fields.items():
            idx = _SUFFIX_INDEX.get(suffix)
            if idx is None:
                if suffix not in KNOWN_SUFFIXES:
                    extra = f"{extra};{suffix}={raw}" if extra else f"{suffix}={raw}"
                continue
            if raw == "":
                continue
            try:
                value = float(raw)
            except ValueError:
                value = _NAN
            if value - value != 0.0:  # not a number, NaN or ±inf
                problems.append(RowProblem("not-a-number", f"{sent_code}-{suffix}",
                                           f"{sent_code}-{suffix} 不是数值：{raw[:20]!r}",
                                           f"{sent_code}-{suffix} is not a number: {raw[:20]!r}"))
                continue
            values[idx] = value
            any_value = True
        flag = fields.get("Flag")
        if not any_value and extra is None and flag is None:
            continue
        st = fields.get("SampleTime")
        rows.append((*head, code, sent_code, pollutant, unit, cou_unit, *values, flag,
                     fields.get("EFlag"), parse_time(st) if st else None, extra, p.qn, dialect,
                     received_at))
    return rows, problems


_AIR_COL = {p: j for j, p in enumerate(AIR_POLLUTANTS)}
_AIR_FACTOR: dict[tuple[str | None, str], float | None] = {}


def air_factor(unit: str | None, pollutant: str) -> float | None:
    """:func:`unit_factor` into the air_hourly unit of ``pollutant``, cached."""
    key = (unit, pollutant)
    if key in _AIR_FACTOR:
        return _AIR_FACTOR[key]
    factor = unit_factor(unit, AIR_UNITS[pollutant])
    if len(_AIR_FACTOR) < 10_000:
        _AIR_FACTOR[key] = factor
    return factor


# station_code, DataTime, pm25 … co, and their flags (None: no value is flagged)
AirRecord = tuple[Any, Any, tuple[float | None, ...], tuple[str | None, ...] | None]


def air_hour_record(p: Packet, ctx: DeviceContext) -> tuple[AirRecord, int] | None:
    """Fast path of an ``air_hourly`` upload: the station-hour record (values converted into
    μg/m³ / mg/m³, None where absent) and how many rows :func:`rows_of` would give — or None
    when anything needs the general path (a flag other than N, which is stored with the value;
    a value that is not a number, an unconvertible unit, a bad DataTime, which hold the
    packet with its reason)."""
    dt = parse_time(p.params.get("DataTime"))
    if dt is None:
        return None
    vals: list[float | None] = [None] * len(AIR_POLLUTANTS)
    n = 0
    version = p.version
    sidx = _SUFFIX_INDEX
    for sent_code, fac in p.factors.items():
        fields = fac.fields
        flag = fields.get("Flag")
        if flag not in VALID_FLAGS:
            return None
        counted = flag is not None
        for suffix, raw in fields.items():
            if suffix in sidx:
                if raw == "":
                    continue
                try:
                    v = float(raw)
                except ValueError:
                    return None
                if v - v != 0.0:
                    return None
                counted = True
            elif suffix not in KNOWN_SUFFIXES:
                counted = True
        if not counted:
            continue
        n += 1
        _code, pollutant, unit, _cou = _meta(sent_code, version, ctx)
        j = _AIR_COL.get(pollutant)
        if j is None:
            continue
        factor = air_factor(unit, pollutant)
        if factor is None:
            return None
        raw = fields.get("Avg")
        if raw is None or raw == "":
            raw = fields.get("Rtd")
        if raw is None or raw == "":
            continue
        value = float(raw)
        vals[j] = value * factor if factor != 1.0 else value
    return (ctx.station_code, dt, tuple(vals), None), n


def row_dict(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(COLUMNS, row, strict=True))
