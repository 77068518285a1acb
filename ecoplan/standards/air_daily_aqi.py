"""Daily AQI from a table of daily values — to compute or check a published daily release.

Input: one row per site and day with the daily values of the HJ 633 daily report — ``so2, no2,
co, pm10, pm25`` (24-h means; μg/m³, CO mg/m³), ``o3_8h`` (O3 daily maximum 8-h mean) and
optionally ``o3_1h_max`` (O3 daily maximum 1-h mean). Users' spellings (``PM2.5``, ``O3_8h``,
``细颗粒物`` …) are mapped by :func:`canonical_daily_columns`.

Rules (HJ 633-2012 §4.2 / HJ 633-2026 daily report; ``/work/shared/reference/air-standards.md``):
daily breakpoints, IAQI rounded up, AQI = max, primary pollutants when AQI > 50 (all ties),
O3 8 h > 800 → the 1-h IAQI (2012) or 300 (2026). The O3 daily max 1-h sub-index is left out by
default: the published city daily AQI (CNEMC via aqistudy, 2016 and 2019–2022) is reproduced
without it; ``include_o3_1h=True`` adds it under the 2012 rules (the 2026 daily report has no
O3 1-h indicator). Values are rounded per GB/T 8170 before the IAQI (HJ 633-2026 §4.2.2).
A day missing a pollutant gets the AQI of the others under the 2012 rules; under HJ 633-2026
§5.3.1 only when it is above 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from ecoplan.errors import StandardError
from ecoplan.nomenclature import GB3095_ORDER
from ecoplan.standards.air_rules import check_choice, ruleset_expr_daily
from ecoplan.standards.aqi import aqi_exprs, load_ruleset, stage, with_iaqis

#: Daily indicators in the order of the daily report.
_DAILY_MEANS = tuple(p for p in GB3095_ORDER if p != "o3")  # so2 no2 co pm10 pm25
DAILY_INDICATORS: tuple[str, ...] = (*_DAILY_MEANS, "o3_8h", "o3_1h_max")
REQUIRED: tuple[str, ...] = (*_DAILY_MEANS, "o3_8h")
#: Daily indicator → (pollutant, averaging) of its IAQI breakpoints.
INDICATOR_POLLUTANTS: dict[str, tuple[str, str]] = {
    "so2": ("so2", "24h"), "no2": ("no2", "24h"), "co": ("co", "24h"), "pm10": ("pm10", "24h"),
    "pm25": ("pm25", "24h"), "o3_8h": ("o3", "8h"), "o3_1h_max": ("o3", "1h"),
}
_ALIASES = {
    "so2": "so2", "二氧化硫": "so2",
    "no2": "no2", "二氧化氮": "no2",
    "co": "co", "一氧化碳": "co",
    "pm10": "pm10", "可吸入颗粒物": "pm10", "颗粒物": "pm10",
    "pm25": "pm25", "细颗粒物": "pm25",
    "o38h": "o3_8h", "o38hmax": "o3_8h", "o3日最大8小时平均": "o3_8h", "臭氧8小时": "o3_8h",
    "o31hmax": "o3_1h_max", "o31h": "o3_1h_max", "o3日最大1小时平均": "o3_1h_max",
    "臭氧1小时": "o3_1h_max",
    "date": "date", "日期": "date", "timepoint": "date", "time_point": "date",
    "site": "site", "station": "site", "station_code": "site", "city": "site", "站点": "site",
    "城市": "site",
}


def canonical_daily_columns(names: Iterable[str]) -> dict[str, str]:
    """Map the columns of a daily-values file (``PM2.5``, ``O3_8h``, ``日期`` …) to canonical names.

    Returns ``{original: canonical}`` for the columns it recognises (others are left out).
    """
    out: dict[str, str] = {}
    for name in names:
        base = str(name).strip().lstrip("\ufeff").split("(")[0].split("（")[0]
        key = base.lower().replace(".", "").replace("_", "").replace(" ", "").replace("-", "")
        canon = _ALIASES.get(key) or _ALIASES.get(base.lower())
        if canon is not None and canon not in out.values():
            out[str(name)] = canon
    return out


#: Output columns of :func:`daily_aqi_table`, in order (``iaqi_o3_1h_max`` only when used).
OUTPUT_COLUMNS: tuple[str, ...] = (
    "site", "date", "ruleset", "aqi", "primary_pollutants", "category", "level", "colour",
    "exceeding_pollutants", "iaqi_so2", "iaqi_no2", "iaqi_co", "iaqi_pm10", "iaqi_pm25",
    "iaqi_o3_8h", "aqi_computed", "complete",
)


def daily_aqi_table(table: ir.Table, ruleset: str = "auto", *,
                    include_o3_1h: bool | None = None, date: str = "date", site: str = "site",
                    keep: Sequence[str] = ()) -> ir.Table:
    """Daily AQI, IAQIs, primary pollutants and category of daily values (HJ 633 daily report).

    ``table`` has ``date`` (a date), ``site`` and the canonical daily columns; ``ruleset``
    "auto" chooses per day (from 2026-03-01 → 2026). Returns :data:`OUTPUT_COLUMNS` (plus
    ``iaqi_o3_1h_max`` when the O3 1-h maximum is used, and the ``keep`` columns).
    """
    choice = check_choice(ruleset)
    missing = [c for c in (date, site, *REQUIRED) if c not in table.columns]
    if missing:
        raise StandardError(f"日数据缺少列：{', '.join(missing)}",
                            f"Daily data lack the columns: {', '.join(missing)}")
    names = ["2012", "2026"] if choice == "auto" else [choice]
    rsets = {n: load_ruleset(n) for n in names}
    use_1h = {n: (r.o3_1h_max_default if include_o3_1h is None else include_o3_1h)
              and any(i.name == "o3_1h_max" for i in r.daily_indicators)
              for n, r in rsets.items()}
    has_1h = "o3_1h_max" in table.columns
    if any(use_1h.values()) and not has_1h:
        raise StandardError("要计入臭氧日最大1小时平均，需要 o3_1h_max 列",
                            "Including the O3 daily max 1-h needs an o3_1h_max column")
    t = table.mutate(site=table[site].cast("string"), date=table[date].cast("date"))
    t = t.mutate(ruleset=ruleset_expr_daily(t.date, choice))
    indicators = {n: (n, *INDICATOR_POLLUTANTS[n]) for n in REQUIRED}
    if has_1h:
        indicators["o3_1h_max"] = ("o3_1h_max", *INDICATOR_POLLUTANTS["o3_1h_max"])
    rs_arg = "ruleset" if choice == "auto" else choice
    t = with_iaqis(t, indicators, rs_arg)
    fix: dict[str, Any] = {}
    if has_1h:
        # HJ 633-2012 Table 1 note 3: O3 8 h > 800 → the IAQI of the 1-h value is reported.
        fix["iaqi_o3_8h"] = ibis.ifelse(t.o3_8h.notnull() & t.iaqi_o3_8h.isnull(),
                                        t.iaqi_o3_1h_max, t.iaqi_o3_8h)
        era_uses = [n for n in names if use_1h[n]]
        if not era_uses:
            fix["iaqi_o3_1h_max"] = ibis.null("int64")
        elif len(era_uses) < len(names):
            fix["iaqi_o3_1h_max"] = ibis.ifelse(t.ruleset == era_uses[0], t.iaqi_o3_1h_max,
                                                ibis.null("int64"))
    t = t.mutate(**fix)
    complete: Any = ibis.literal(True)
    for n in REQUIRED:  # a value the standard leaves uncomputed counts as missing
        complete = complete & t[f"iaqi_{n}"].notnull()
    t = t.mutate(complete=complete)
    cols = {n: f"iaqi_{n}" for n in indicators}
    t = stage(t.mutate(aqi_computed=aqi_exprs(t, cols, "2012")["aqi"]))

    def shown_for(name: str) -> Any:
        r = rsets[name]
        if r.missing_publish == "only_above":
            return t.complete | (t.aqi_computed > int(r.missing_publish_above or 0))
        return ibis.literal(True)

    shown = ibis.ifelse(t.ruleset == "2026", shown_for("2026"), shown_for("2012")) \
        if len(names) == 2 else shown_for(names[0])
    t = stage(t.mutate(aqi=ibis.ifelse(shown.fill_null(False), t.aqi_computed,
                                       ibis.null("int64"))))
    res = aqi_exprs(t, cols, t.ruleset if choice == "auto" else choice, aqi_column="aqi")
    t = t.mutate(**{k: ibis.ifelse(t.aqi.notnull(), v, ibis.null(v.type()))
                    for k, v in res.items() if k != "aqi"})
    extra = ["iaqi_o3_1h_max"] if has_1h and any(use_1h.values()) else []
    return t.select(*OUTPUT_COLUMNS, *extra, *[c for c in keep if c not in OUTPUT_COLUMNS])
