"""The names of the six air pollutants of GB 3095, in one place: the canonical code the engines
and the lake use (``pm25`` …), the symbol files and CNEMC releases print (``PM2.5``), the display
form with subscripts (``SO₂``), the Chinese and English names, the HJ 212 factor code, the unit of
``air_hourly`` and the decimals of an hourly concentration.

Sources: GB 3095-2012/-2026 Table 1 (pollutants, units: CO in mg/m³, the others in μg/m³);
HJ 212-2017 Table B.2 (factor codes; O3 ``a05024`` from HJ 524-2009, as air stations send it);
HJ 633-2012/-2026 §4.2.2 (hourly concentrations: CO to one decimal, the others whole numbers;
``ecoplan/standards/data/hj633-2012.yaml`` ``input_decimals``). Every module that lists these
pollutants takes them from here; the water parameters have their own table
(``standards/data/water_parameters.csv``), the other HJ 212 factors theirs
(``standards/data/hj212_factors.csv``).

A leaf module: it imports nothing of ecoplan, so every layer may use it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Pollutant:
    code: str        # canonical: lake columns, engines, plan indicators
    symbol: str      # as files and CNEMC print it
    display: str     # with subscripts, for pages and charts
    name_zh: str
    name_en: str
    hj212: str       # HJ 212-2017 factor code
    unit: str        # unit of the air_hourly column
    decimals: int    # decimals of an hourly concentration (HJ 633 §4.2.2)


_TABLE = (
    Pollutant("pm25", "PM2.5", "PM2.5", "细颗粒物", "fine particulate matter", "a34004",
              "μg/m³", 0),
    Pollutant("pm10", "PM10", "PM10", "可吸入颗粒物", "inhalable particulate matter", "a34002",
              "μg/m³", 0),
    Pollutant("so2", "SO2", "SO₂", "二氧化硫", "sulphur dioxide", "a21026", "μg/m³", 0),
    Pollutant("no2", "NO2", "NO₂", "二氧化氮", "nitrogen dioxide", "a21004", "μg/m³", 0),
    Pollutant("o3", "O3", "O₃", "臭氧", "ozone", "a05024", "μg/m³", 0),
    Pollutant("co", "CO", "CO", "一氧化碳", "carbon monoxide", "a21005", "mg/m³", 1),
)

#: The six pollutants by canonical code.
POLLUTANTS: dict[str, Pollutant] = {p.code: p for p in _TABLE}
#: Column order of ``air_hourly`` and of the readers (particles first).
AIR_POLLUTANTS: tuple[str, ...] = tuple(p.code for p in _TABLE)
#: Order of GB 3095 Table 1 / HJ 633 Table 1 (sub-indices, ties of the primary pollutant).
GB3095_ORDER: tuple[str, ...] = ("so2", "no2", "co", "o3", "pm10", "pm25")
#: Canonical code → symbol as printed in files (``pm25`` → ``PM2.5``).
SYMBOLS: dict[str, str] = {p.code: p.symbol for p in _TABLE}
#: Canonical code → display form with subscripts (``so2`` → ``SO₂``).
DISPLAY: dict[str, str] = {p.code: p.display for p in _TABLE}
#: Canonical code → HJ 212 factor code.
HJ212_CODES: dict[str, str] = {p.code: p.hj212 for p in _TABLE}
#: Canonical code → unit of ``air_hourly``.
UNITS: dict[str, str] = {p.code: p.unit for p in _TABLE}
#: Canonical code → decimals of an hourly concentration.
DECIMALS: dict[str, int] = {p.code: p.decimals for p in _TABLE}
