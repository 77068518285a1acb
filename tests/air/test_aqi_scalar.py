"""HJ 633 scalar API: breakpoint tables, special cases, exactness, primary pollutants, categories."""

from __future__ import annotations

import csv
import math
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoplan.errors import StandardError
from ecoplan.standards import air_rules
from ecoplan.standards.aqi import (
    aqi,
    category,
    daily_aqi,
    exceeding_pollutants,
    hourly_aqi,
    iaqi,
    iaqi_exact,
    load_ruleset,
    primary_pollutants,
)

DATA = Path(__file__).parents[1] / "data" / "air"


def _rows(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


BREAKPOINTS = _rows("hj633_breakpoints.csv")
CASES = _rows("iaqi_cases.csv")


def test_yaml_tables_match_reference_transcription() -> None:
    expected: dict[tuple[str, str, str], list[tuple[int, Fraction]]] = {}
    for r in BREAKPOINTS:
        key = (r["ruleset"], r["pollutant"], r["averaging"])
        expected.setdefault(key, []).append((int(r["iaqi"]), Fraction(r["concentration"])))
    loaded = {
        (name, p, a): [(lvl, bp) for bp, lvl in load_ruleset(name).table(p, a)]
        for name in ("2012", "2026")
        for (p, a) in load_ruleset(name).breakpoints
    }
    assert loaded == {k: sorted(v) for k, v in expected.items()}


@pytest.mark.parametrize("row", BREAKPOINTS, ids=lambda r: "-".join(
    (r["ruleset"], r["pollutant"], r["averaging"], r["iaqi"])))
def test_iaqi_at_every_breakpoint(row: dict[str, str]) -> None:
    rs, p, a = row["ruleset"], row["pollutant"], row["averaging"]
    c, level = Decimal(row["concentration"]), int(row["iaqi"])
    assert iaqi_exact(p, c, a, rs) == level
    assert iaqi(p, c, a, rs) == level
    # just above a breakpoint the next segment starts: ceiling goes one up (unless at the top)
    eps = Decimal("0.001")
    above = iaqi(p, c + eps, a, rs)
    top = load_ruleset(rs).table(p, a)[-1][0]
    if c < top:
        assert above == level + 1
    if c > 0:
        assert iaqi(p, c - eps, a, rs) == level


@pytest.mark.parametrize("row", CASES, ids=lambda r: "-".join(
    (r["ruleset"], r["pollutant"], r["averaging"], r["concentration"])))
def test_reference_cases(row: dict[str, str]) -> None:
    expected = int(row["expected_iaqi"]) if row["expected_iaqi"] else None
    value = float(row["concentration"])  # floats on purpose: the exact path must not be fooled
    assert iaqi(row["pollutant"], value, row["averaging"], row["ruleset"]) == expected
    assert iaqi(row["pollutant"], row["concentration"], row["averaging"],
                row["ruleset"]) == expected


def test_pm_1h_uses_daily_breakpoints() -> None:
    for rs in ("2012", "2026"):
        for p in ("pm10", "pm25"):
            for c in (0, 17, 35, 60, 77, 118, 250, 499):
                assert iaqi(p, c, "1h", rs) == iaqi(p, c, "24h", rs)


def test_missing_and_bad_values() -> None:
    assert iaqi("so2", None, "1h") is None
    assert iaqi("so2", float("nan"), "1h") is None
    assert iaqi("so2", "", "1h") is None
    with pytest.raises(StandardError, match="negative"):
        iaqi("so2", -1, "1h")
    with pytest.raises(StandardError, match="Unknown pollutant"):
        iaqi("nox", 1, "1h")
    with pytest.raises(StandardError):
        iaqi("pm25", 10, "8h")
    with pytest.raises(StandardError, match="rule set"):
        iaqi("pm25", 10, "24h", "2020")


def test_pollutant_aliases() -> None:
    assert iaqi("PM2.5", 68, "1h", "2026") == iaqi("pm2_5", 68, "hour", "2026") == 108


def test_aqi_primary_ties_and_threshold() -> None:
    iaqis = {"so2": 20, "no2": 40, "co": 10, "o3": 30, "pm10": 121, "pm25": 121}
    assert aqi(iaqis) == 121
    assert primary_pollutants(iaqis) == ("pm10", "pm25")
    assert primary_pollutants({"pm25": 50, "pm10": 50}) == ()  # AQI ≤ 50: none
    assert primary_pollutants({"pm25": 51, "pm10": 50}) == ("pm25",)
    assert aqi({"a": None}) is None
    assert exceeding_pollutants(iaqis, "2012") == ("pm10", "pm25")
    assert exceeding_pollutants({"pm25": 100}, "2012") == ()
    assert exceeding_pollutants(iaqis, "2026") is None  # deleted by HJ 633-2026


@pytest.mark.parametrize(("value", "level", "name", "hex_"), [
    (0, 1, "优", "#00E400"), (50, 1, "优", "#00E400"), (51, 2, "良", "#FFFF00"),
    (100, 2, "良", "#FFFF00"), (101, 3, "轻度污染", "#FF7E00"), (150, 3, "轻度污染", "#FF7E00"),
    (151, 4, "中度污染", "#FF0000"), (200, 4, "中度污染", "#FF0000"),
    (201, 5, "重度污染", "#99004C"), (300, 5, "重度污染", "#99004C"),
    (301, 6, "严重污染", "#7E0023"), (500, 6, "严重污染", "#7E0023"),
])
@pytest.mark.parametrize("rs", ["2012", "2026"])
def test_categories(rs: str, value: int, level: int, name: str, hex_: str) -> None:
    cat = category(value, rs)
    assert cat is not None
    assert (cat.level, cat.category_zh, cat.hex) == (level, name, hex_)
    assert cat.advice_zh and cat.advice_en and cat.health_effect_zh and cat.health_effect_en


def test_wording_differs_between_editions() -> None:
    assert "易感人群" in category(120, "2012").health_effect_zh  # type: ignore[union-attr]
    assert "敏感人群" in category(120, "2026").health_effect_zh  # type: ignore[union-attr]
    assert "青少年儿童" in category(250, "2026").advice_zh  # type: ignore[union-attr]
    assert load_ruleset("2026").sensitive_groups["co"]["zh"] == "患有心血管系统疾病的人"
    assert load_ruleset("2012").sensitive_groups == {}


def test_hourly_aqi_special_and_missing_rules() -> None:
    full = {"so2": 900, "no2": 40, "co": 1.0, "o3": 50, "pm10": 60, "pm25": 40}
    r12 = hourly_aqi(full, "2012", so2_24h=300)
    assert r12.iaqi["so2"] == iaqi("so2", 300, "24h", "2012") == 124
    r26 = hourly_aqi(full, "2026")
    assert r26.iaqi["so2"] == 200 and r26.aqi == 200
    low = {"so2": 5, "no2": 10, "co": 0.4, "o3": None, "pm10": 30, "pm25": 20}
    assert hourly_aqi(low, "2012").published_aqi == 30  # 2012: published anyway
    r = hourly_aqi(low, "2026")
    assert r.aqi == 30 and r.published_aqi is None and r.category is None
    high = dict(low, pm25=80)
    assert hourly_aqi(high, "2026").published_aqi == 119  # §5.3.1: > 100 is published


def test_round_concentration_gb_t_8170() -> None:
    from ecoplan.standards.aqi import round_concentration

    assert round_concentration("pm25", "60.5") == 60  # half to even
    assert round_concentration("pm25", 61.5) == 62
    assert round_concentration("co", 2.25) == Fraction(22, 10)
    assert round_concentration("co", "2.35") == Fraction(24, 10)
    assert round_concentration("co", 2.251) == Fraction(23, 10)
    assert round_concentration("so2", None) is None
    # the report functions round first: PM2.5 60.5 → 60 → IAQI 100 (2026), not 101
    r = hourly_aqi({"so2": 5, "no2": 10, "co": 0.4, "o3": 20, "pm10": 30, "pm25": 60.5}, "2026")
    assert r.iaqi["pm25"] == 100


def test_hourly_publication_variants() -> None:
    no_pm10 = {"so2": 6, "no2": 10, "co": 0.4, "o3": 38, "pm10": None, "pm25": 17}
    assert hourly_aqi(no_pm10, "2026").published_aqi == 25  # CNEMC 3994A, 2026-03-10 09:00
    assert hourly_aqi(no_pm10, "2026", publication="hj633").published_aqi is None
    no_co = dict(no_pm10, pm10=30, co=None)
    assert hourly_aqi(no_co, "2026").published_aqi is None
    assert hourly_aqi(no_co, "2026", not_monitored=["co"]).published_aqi == 30


def test_daily_aqi_o3_rules() -> None:
    day = {"so2": 10, "no2": 30, "co": 2.2, "pm10": 40, "pm25": 20, "o3_8h": 850,
           "o3_1h_max": 900}
    assert daily_aqi(day, "2012").iaqi["o3_8h"] == iaqi("o3", 900, "1h", "2012") == 350
    assert daily_aqi(day, "2026").iaqi["o3_8h"] == 300
    day2 = dict(day, o3_8h=100, o3_1h_max=210)
    assert daily_aqi(day2, "2012").aqi == 55  # CO 2.2 → 55; O3 1-h max not used by default
    assert daily_aqi(day2, "2012", include_o3_1h=True).aqi == iaqi("o3", 210, "1h") == 105


def test_ruleset_by_data_time() -> None:
    from datetime import date, datetime

    assert air_rules.select_ruleset(date(2026, 2, 28)) == "2012"
    assert air_rules.select_ruleset(date(2026, 3, 1)) == "2026"
    assert air_rules.select_ruleset(datetime(2026, 3, 1, 0, 0)) == "2012"  # closes 2026-02-28
    assert air_rules.select_ruleset(datetime(2026, 3, 1, 1, 0)) == "2026"
    assert air_rules.select_ruleset("2025-06-01", "2026") == "2026"
    assert air_rules.select_ruleset("2027-06-01 10:00", "2012") == "2012"
    with pytest.raises(StandardError):
        air_rules.select_ruleset("2025-06-01", "2030")


# ----------------------------------------------------------------------------- properties
_SERIES = [(rs, p, a) for rs in ("2012", "2026") for (p, a) in load_ruleset(rs).breakpoints]
_decimals = st.decimals(min_value=0, max_value=4000, places=3, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_SERIES), _decimals, _decimals)
def test_iaqi_monotonic(series: tuple[str, str, str], x: Decimal, y: Decimal) -> None:
    rs, p, a = series
    lo, hi = min(x, y), max(x, y)
    if load_ruleset(rs).special_case(p, a) and hi > 800:
        return  # above the note's threshold the 2012 value is not computed (tested separately)
    assert iaqi(p, lo, a, rs) <= iaqi(p, hi, a, rs)  # type: ignore[operator]
    assert iaqi_exact(p, lo, a, rs) <= iaqi_exact(p, hi, a, rs)  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_SERIES), st.integers(min_value=1, max_value=6),
       st.fractions(min_value=0, max_value=Fraction(1, 100)))
def test_iaqi_continuous_at_breakpoints(series: tuple[str, str, str], index: int,
                                        delta: Fraction) -> None:
    rs, p, a = series
    table = load_ruleset(rs).table(p, a)
    if index >= len(table) - 1:
        index = len(table) - 2
    bp, level = table[index]
    left = iaqi_exact(p, bp - delta, a, rs)
    right = iaqi_exact(p, bp + delta, a, rs)
    # slopes are at most 50 IAQI per 0.01 concentration unit step scale: |Δ| ≤ slope·delta
    slope = max(Fraction(table[i][1] - table[i - 1][1], table[i][0] - table[i - 1][0])
                for i in range(1, len(table)))
    assert abs(left - level) <= slope * delta  # type: ignore[operator]
    assert abs(right - level) <= slope * delta  # type: ignore[operator]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(_SERIES), _decimals)
def test_ceiling_exact_on_decimal_inputs(series: tuple[str, str, str], c: Decimal) -> None:
    rs, p, a = series
    exact = iaqi_exact(p, c, a, rs)
    value = iaqi(p, c, a, rs)
    if exact is None:
        assert value is None
        return
    assert value == math.ceil(exact)
    assert value - 1 < exact <= value  # type: ignore[operator]
    assert iaqi(p, float(c), a, rs) == value  # a float of the same decimal gives the same IAQI


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["so2", "no2", "co", "o3", "pm10", "pm25"]),
                       st.one_of(st.none(), st.integers(min_value=0, max_value=500)),
                       min_size=1))
def test_aqi_is_max_and_primary_are_argmax(iaqis: dict[str, int | None]) -> None:
    present = [v for v in iaqis.values() if v is not None]
    assert aqi(iaqis) == (max(present) if present else None)
    primary = primary_pollutants(iaqis)
    if not present or max(present) <= 50:
        assert primary == ()
    else:
        assert set(primary) == {k for k, v in iaqis.items() if v == max(present)}
