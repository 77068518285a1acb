"""Real-time (hourly) AQI of station-hours exactly as CNEMC publishes it, in both rule eras.

The rule (``/work/shared/reference/air-standards.md`` §1.6, reproduced on published data):

* six 1-hour values — SO2, NO2, CO, O3, PM10, PM2.5; PM on the daily (24-h) breakpoints; no
  O3 8-h sub-index (HJ 633-2026 §4.2; CNEMC practice since long before 2026);
* SO2 1 h > 800 μg/m³: HJ 633-2012 reports the SO2 IAQI of the 24-h (moving) mean, HJ 633-2026
  sets it to 200; above the top of a table the IAQI is 500;
* concentrations rounded per GB/T 8170 to integer μg/m³ and CO to 0.1 mg/m³ (HJ 633-2026 §4.2.2);
  published feeds are already rounded so this changes nothing for them;
* missing data: under HJ 633-2012 the AQI is published from the available pollutants; under
  HJ 633-2026 §5.3.1 an hour with a missing pollutant publishes its AQI, primary pollutants and
  category only when the AQI is above 100. A pollutant marked "/" (not monitored, §5.3.2) does
  not block publication. ``publication="cnemc"`` (default) also follows what the CNEMC feed does
  when only PM10 is missing — it publishes the AQI anyway (all 5 such station-hours with
  AQI ≤ 100 in the 2026-03-10 09:00 and 15:00 releases, while every other missing pollutant
  withheld it); ``publication="hj633"`` applies the letter of §5.3.1.

The rule set of each row is chosen from its hour-ending timestamp (``ruleset="auto"``, see
:mod:`ecoplan.standards.air_rules`) or forced.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from ecoplan.errors import StandardError
from ecoplan.nomenclature import GB3095_ORDER
from ecoplan.standards.air_rules import check_choice, ruleset_expr_hourly
from ecoplan.standards.aqi import CNEMC_TOLERATED_MISSING, aqi_exprs, stage, with_iaqis

#: Canonical input columns (μg/m³, CO mg/m³) in the order of HJ 633's real-time report.
HOURLY_POLLUTANTS: tuple[str, ...] = GB3095_ORDER

Publication = Literal["cnemc", "hj633"]

#: Output columns of :func:`hourly_aqi_table`, in order.
OUTPUT_COLUMNS: tuple[str, ...] = (
    "station_code", "timestamp", "ruleset", "aqi", "primary_pollutants", "category", "level",
    "colour", "exceeding_pollutants",
    *(f"iaqi_{p}" for p in HOURLY_POLLUTANTS),
    "aqi_computed", "complete", "published",
)


def _so2_24h_column(table: ir.Table) -> Any | None:
    for name in ("so2_24h", "published_so2_24h"):
        if name in table.columns:
            return table[name]
    return None


def hourly_aqi_table(table: ir.Table, ruleset: str = "auto", *,
                     publication: Publication = "cnemc", keep: Sequence[str] = ()) -> ir.Table:
    """Hourly AQI per station-hour (HJ 633-2012 Table 4 as practised / HJ 633-2026 §4.2, §5.3).

    ``table`` has the canonical columns ``station_code, timestamp`` (naive Beijing time,
    hour-ending label) and ``so2, no2, co, o3, pm10, pm25``; optional ``so2_24h`` (or
    ``published_so2_24h``) for the 2012 SO2 > 800 rule and ``not_monitored`` (comma-separated
    codes of pollutants marked "/"). Returns :data:`OUTPUT_COLUMNS`: ``aqi`` and what goes with
    it are NULL where the publication rule withholds them; ``aqi_computed`` is always the
    maximum of the available sub-indices. Columns named in ``keep`` are passed through.
    """
    missing_cols = [c for c in ("station_code", "timestamp", *HOURLY_POLLUTANTS)
                    if c not in table.columns]
    if missing_cols:
        raise StandardError(
            f"小时数据缺少列：{', '.join(missing_cols)}",
            f"Hourly data lack the columns: {', '.join(missing_cols)}",
        )
    if publication not in ("cnemc", "hj633"):
        raise StandardError(f"未知的发布规则：{publication!r}（应为 cnemc 或 hj633）",
                            f"Unknown publication rule {publication!r} (cnemc or hj633)")
    choice = check_choice(ruleset)
    rs_col = ruleset_expr_hourly(table.timestamp, choice)
    t = table.mutate(ruleset=rs_col)
    rs: Any = choice if choice != "auto" else t.ruleset

    # HJ 633-2026 §4.2.2: concentrations rounded per GB/T 8170 before formula (1).
    indicators = {p: (p, p, "1h") for p in HOURLY_POLLUTANTS}
    so2_24h = _so2_24h_column(t)
    if so2_24h is not None:
        indicators["so2_24h"] = (so2_24h.get_name(), "so2", "24h")
    t = with_iaqis(t, indicators, "ruleset" if choice == "auto" else choice)
    if so2_24h is not None:
        # HJ 633-2012 Table 1 note 2: SO2 1 h > 800 → the 24-h IAQI is reported instead.
        t = t.mutate(iaqi_so2=ibis.ifelse(t.so2.notnull() & t.iaqi_so2.isnull(),
                                          t.iaqi_so2_24h, t.iaqi_so2))
    if "not_monitored" in t.columns:
        nm = ibis.literal(",") + t.not_monitored.cast("string").fill_null("") + ","
        monitored = {p: ~nm.contains(f",{p},") for p in HOURLY_POLLUTANTS}
    else:
        monitored = {p: ibis.literal(True) for p in HOURLY_POLLUTANTS}

    blocking = [p for p in HOURLY_POLLUTANTS
                if not (publication == "cnemc" and p in CNEMC_TOLERATED_MISSING)]
    missing_any = ibis.literal(False)
    blocking_any = ibis.literal(False)
    for p in HOURLY_POLLUTANTS:
        absent = t[f"iaqi_{p}"].isnull() & monitored[p]
        missing_any = missing_any | absent
        if p in blocking:
            blocking_any = blocking_any | absent
    cols = {p: f"iaqi_{p}" for p in HOURLY_POLLUTANTS}
    top = aqi_exprs(t, cols, rs)["aqi"]
    t = stage(t.mutate(complete=~missing_any, _blocking=blocking_any, aqi_computed=top))
    era_2026 = t.ruleset == "2026" if choice == "auto" else ibis.literal(choice == "2026")
    # HJ 633-2026 §5.3.1: with a missing pollutant, publish only an AQI above 100.
    withhold = era_2026 & t._blocking & (t.aqi_computed <= 100)
    t = t.mutate(published=t.aqi_computed.notnull() & ~withhold.fill_null(False))
    ex = aqi_exprs(t, cols, rs, aqi_column="aqi_computed")
    shown = {k: ibis.ifelse(t.published, v, ibis.null(v.type())) for k, v in ex.items()}
    t = t.mutate(**shown)
    return t.select(*OUTPUT_COLUMNS, *[c for c in keep if c not in OUTPUT_COLUMNS])
