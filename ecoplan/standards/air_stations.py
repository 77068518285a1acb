"""Air station types (HJ 664-2013 §3) and the station set that makes a city / county value.

A city's (or county town's) concentration is the mean of its *assessment* stations only
(城市环境空气质量排名技术规定, 环办〔2014〕64号 三(一) "所有评价点位"); clean reference stations
(对照点, marked in CNEMC's national station list), background, regional, roadside and source
points are measured but not averaged into the city value. The types and their sources are in
``data/air_station_types.yaml``. ``station_set="all"`` switches the rule off (every registered
station of the city counts), for comparison with earlier outputs.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml

from ecoplan.errors import StandardError

DATA = Path(__file__).parent / "data" / "air_station_types.yaml"

StationSet = Literal["assessment", "all"]
STATION_SETS: tuple[str, ...] = ("assessment", "all")


@cache
def station_types() -> dict[str, Any]:
    """The station-type table (types, aliases, name markers) of ``air_station_types.yaml``."""
    with open(DATA, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def type_codes() -> tuple[str, ...]:
    return tuple(station_types()["types"])


def normalise_type(value: str) -> str:
    """A type code from a Chinese or English name (城市评价点 → ``urban``, 对照点 → ``reference``)."""
    text = str(value).strip()
    low = text.lower()
    for code, names in station_types()["aliases"].items():
        if low == code or text in names or low in {n.lower() for n in names}:
            return code
    raise StandardError(f"未知的站点类型：{value}（可用：{'、'.join(type_codes())}）",
                        f"Unknown station type: {value} (known: {', '.join(type_codes())})")


def infer_type(name: str | None, network_level: str | None = "national") -> str:
    """Station type from the name's marker (``(对照点)`` …) or else the network level."""
    spec = station_types()
    for code, markers in spec["name_markers"].items():
        if name and any(m in str(name) for m in markers):
            return str(code)
    return str(spec["network_level_default"].get(network_level or "national", "urban"))


def is_assessment(station_type: str | None) -> bool:
    """True for the types averaged into a city / county-town value (urban, county)."""
    if station_type is None or (isinstance(station_type, float) and pd.isna(station_type)):
        return True  # an untyped station counts (the registry types every bundled station)
    return bool(station_types()["types"][normalise_type(station_type)]["assessment"])


def check_station_set(value: str) -> StationSet:
    if value not in STATION_SETS:
        raise StandardError(f"未知的站点集合：{value}（应为 assessment 或 all）",
                            f"Unknown station set: {value} (expected assessment or all)")
    return value  # type: ignore[return-value]


def select_stations(stations: pd.DataFrame, station_set: str = "assessment") -> pd.DataFrame:
    """The rows of ``stations`` (``station_code``, a key such as ``city``, optionally
    ``station_type`` and ``name``) that enter the city / county value, with ``station_type``.

    ``assessment`` keeps the assessment types only (环办〔2014〕64号 三(一)); ``all`` keeps
    every station. Types missing from the table are inferred from the name and network level.
    """
    check_station_set(station_set)
    out = stations.copy()
    if "station_type" not in out.columns:
        out["station_type"] = None
    names = out["name"] if "name" in out.columns else pd.Series([None] * len(out), index=out.index)
    levels = (out["network_level"] if "network_level" in out.columns
              else pd.Series(["national"] * len(out), index=out.index))
    inferred = [infer_type(n if isinstance(n, str) else None, lv if isinstance(lv, str) else None)
                for n, lv in zip(names, levels, strict=True)]
    given = out["station_type"]
    out["station_type"] = [normalise_type(g) if isinstance(g, str) and g.strip() else i
                           for g, i in zip(given, inferred, strict=True)]
    if station_set == "assessment":
        keep = pd.Series([is_assessment(t) for t in out["station_type"]], index=out.index,
                         dtype=bool)
        out = out[keep]
    return out.reset_index(drop=True)


def station_set_summary(stations: pd.DataFrame, key: str = "city") -> pd.DataFrame:
    """Per key: the station codes used (``stations_used``) and their number (``n_stations``)."""
    g = stations.sort_values("station_code").groupby(key)["station_code"]
    return pd.DataFrame({"stations_used": g.apply(lambda s: " ".join(map(str, s))),
                         "n_stations": g.size()}).reset_index()
