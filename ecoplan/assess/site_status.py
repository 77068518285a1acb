"""The latest state of each monitoring site, for the map and the alerts: the latest hourly AQI
of every air station (HJ 633 real-time report, the rule set chosen by the hour's date) and the
latest monthly class of every surface-water section against its target (GB 3838-2002 with
环办〔2011〕22号, the plan's water profile)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from ecoplan.assess.air_pipeline import hourly_table
from ecoplan.nomenclature import GB3095_ORDER
from ecoplan.standards.air_hourly import hourly_aqi_table
from ecoplan.standards.water_sections import classify_section_period
from ecoplan.store.workspace import Workspace

#: the water profile of the bundled plan (targets of its sections)
WATER_PROFILE = "jiaocheng-2021-2025"
WATER_LABELS = ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ", "Ⅴ", "劣Ⅴ")


@dataclass(frozen=True)
class StationAqi:
    """The latest published hour of one air station."""

    station_code: str
    timestamp: datetime
    aqi: int | None
    level: int | None
    category: str | None
    colour: str | None
    primary_pollutants: str | None
    ruleset: str
    #: the sub-index of each pollutant (IAQI, HJ 633 §4.2), None where missing
    iaqi: dict[str, int | None] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"station_code": self.station_code, "timestamp": self.timestamp.isoformat(),
                "aqi": self.aqi, "level": self.level, "category": self.category,
                "colour": self.colour, "primary_pollutants": self.primary_pollutants,
                "ruleset": self.ruleset, "iaqi": dict(self.iaqi)}


@dataclass(frozen=True)
class SectionClass:
    """The latest monthly class of one water section and its target."""

    site: str
    period: str
    water_class: int
    label: str
    target: str | None
    attained: bool | None
    main_pollutants: str | None


def _int(v: Any) -> int | None:
    return None if v is None or (isinstance(v, float) and v != v) or v is pd.NA else int(v)


def latest_station_aqi(ws: Workspace, stations: list[str] | None = None
                       ) -> dict[str, StationAqi]:
    """The AQI of every station's latest hour in the lake's ``air_hourly`` (invalid and
    reviewed-out values left out); empty when the lake has no air hours."""
    if not ws.lake.files("air_hourly"):
        return {}
    t = hourly_table(ws.analytics, "air_hourly")
    if stations is not None:
        t = t.filter(t.station_code.isin(stations))
    last = t.group_by("station_code").agg(_last=t.timestamp.max())
    latest = t.inner_join(last, "station_code")
    latest = latest.filter(latest.timestamp == latest._last).drop("_last")
    df = ws.analytics.execute(hourly_aqi_table(latest))
    out: dict[str, StationAqi] = {}
    for r in df.itertuples():
        prim = r.primary_pollutants
        out[str(r.station_code)] = StationAqi(
            station_code=str(r.station_code), timestamp=pd.Timestamp(r.timestamp).to_pydatetime(),
            aqi=_int(r.aqi), level=_int(r.level),
            category=r.category if isinstance(r.category, str) else None,
            colour=r.colour if isinstance(r.colour, str) else None,
            primary_pollutants=prim if isinstance(prim, str) else None, ruleset=str(r.ruleset),
            iaqi={p: _int(getattr(r, f"iaqi_{p}")) for p in GB3095_ORDER})
    return out


_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5}


def target_class(text: str | None) -> int | None:
    """A registry's target class ("III", "Ⅲ", "3", "Ⅲ类") as a number; None if not a class."""
    t = (text or "").strip().removesuffix("类").strip()
    return int(t) if t.isdigit() and 1 <= int(t) <= 5 else _ROMAN.get(t.upper() if t.isascii()
                                                                        else t)


def latest_section_classes(ws: Workspace, targets: dict[str, str | None] | None = None
                           ) -> dict[str, SectionClass]:
    """Every section's latest monthly class (month means of ``water_samples``) and target.
    Where the plan's water profile gives no verdict, the registry's target class
    (``targets``: site → target) decides: attained when the class is not worse."""
    if not ws.lake.files("water_samples"):
        return {}
    t = ws.analytics.table("water_samples")
    keep = [c for c in ("site", "time", "parameter", "value", "unit", "waterbody", "below_dl",
                        "known") if c in t.columns]
    last = t.group_by("site").agg(_last=t.time.max())
    j = t.inner_join(last, "site")
    j = j.filter((j.time.year() == j._last.year()) & (j.time.month() == j._last.month()))
    df = ws.analytics.execute(j.select(keep))
    if df.empty:
        return {}
    res = classify_section_period(df, "month", profile=WATER_PROFILE)
    out: dict[str, SectionClass] = {}
    for r in res.itertuples():
        wc = int(r.water_class)
        attained = getattr(r, "attained", None)
        target = str(r.target) or None if getattr(r, "target", None) is not None \
            and r.target == r.target else None
        if (attained is None or attained != attained) and targets and \
                target_class(targets.get(str(r.site))) is not None:
            target = targets[str(r.site)]
            attained = wc <= (target_class(target) or 0)
        out[str(r.site)] = SectionClass(
            site=str(r.site), period=str(r.period), water_class=wc,
            label=WATER_LABELS[wc - 1] if 1 <= wc <= 6 else "—",
            target=target,
            attained=None if attained is None or attained != attained else bool(attained),
            main_pollutants=r.main_pollutants or None)
    return out


__all__ = ["SectionClass", "StationAqi", "latest_section_classes", "latest_station_aqi",
           "station_recent_hours"]


def station_recent_hours(ws: Workspace, code: str, hours: int = 24) -> list[StationAqi]:
    """The station's last ``hours`` hours in the lake with their AQI, newest first."""
    if not ws.lake.files("air_hourly"):
        return []
    t = hourly_table(ws.analytics, "air_hourly")
    t = t.filter(t.station_code == code).order_by(t.timestamp.desc()).limit(hours)
    df = ws.analytics.execute(hourly_aqi_table(t)).sort_values("timestamp", ascending=False)
    return [StationAqi(
        station_code=code, timestamp=pd.Timestamp(r.timestamp).to_pydatetime(), aqi=_int(r.aqi),
        level=_int(r.level), category=r.category if isinstance(r.category, str) else None,
        colour=r.colour if isinstance(r.colour, str) else None,
        primary_pollutants=r.primary_pollutants if isinstance(r.primary_pollutants, str)
        else None, ruleset=str(r.ruleset)) for r in df.itertuples()]
