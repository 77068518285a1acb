"""The daily AQI of HJ 633 on NumPy arrays — the same rules as :mod:`ecoplan.standards.aqi`.

:func:`ecoplan.standards.air_daily_aqi.daily_aqi_table` is the reference: an Ibis expression that
DuckDB and PySpark run. This module computes the same table from the columns of a daily-values
table held as arrays, for the store's fast path (``ecoplan/store/air_kernel.py``), and must give
the reference's numbers bit for bit (``tests/air/test_aqi_arrays.py`` compares them on every
breakpoint and rounding tie). It therefore follows the reference's integer arithmetic step by
step — the first three steps in C (``iaqi()`` of ``_air_daily_kernel.c``, :func:`iaqi_values`):

* concentration → exact count of 10⁻⁶ units: ``ROUND(x · 10⁶)``, half away from zero as SQL's
  ``ROUND``;
* GB/T 8170 rounding to the digits of HJ 633-2026 §4.2.2 (half to even) with SQL's floor
  division and truncated remainder;
* HJ 633 formula (1) with the ceiling of HJ 633-2012 §6.2 / 2026 §4.2.6: ``ceil(span · (m − lo)
  / (hi − lo))`` in float64 on integers below 2⁵³ — exact;
* the table notes (SO2 1 h > 800, O3 8 h > 800), the cap above the table, AQI = max (formula
  (2)), primary pollutants (§3.3, all ties, AQI > 50), exceeding pollutants (2012 §3.4), the
  category (2012 Table 2, 2026 Table 1) and the 2026 rule that an incomplete day publishes its
  AQI only above 100 (HJ 633-2026 §5.3.1).

A nullable integer column is a pair ``(values, valid)`` of int64 and bool arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from ecoplan.errors import StandardError
from ecoplan.standards.air_daily_aqi import INDICATOR_POLLUTANTS as _INDICATORS
from ecoplan.standards.air_daily_aqi import OUTPUT_COLUMNS, REQUIRED
from ecoplan.standards.air_rules import SWITCH_DATE, check_choice
from ecoplan.standards.aqi import (
    DISPLAY_CODES,
    MICRO,
    Ruleset,
    load_ruleset,
    normalise_averaging,
    normalise_pollutant,
)

try:
    from ecoplan.standards import _air_daily_kernel as _kernel  # type: ignore[attr-defined]
except ImportError:  # not built: the engines compute (the store checks this)
    _kernel = None

Nullable = tuple[np.ndarray, np.ndarray]  # (int64 values, bool valid)

_EPOCH = date(1970, 1, 1)


def iaqi_values(x: np.ndarray, pollutant: str, averaging: str, ruleset: str | Ruleset
                ) -> Nullable:
    """IAQI of float64 concentrations (NaN = missing) exactly as
    :func:`ecoplan.standards.aqi.with_iaqis` computes them: rounded per GB/T 8170 to the digits
    of HJ 633-2026 §4.2.2, then formula (1) rounded up, the table notes and the cap above the
    table (the compiled ``iaqi`` of ``_air_daily_kernel.c``). Raises :class:`StandardError`
    when the compiled kernel is missing or a value lies beyond the exact range."""
    if _kernel is None:
        raise StandardError("未编译空气日值计算内核", "The air daily kernel is not built")
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
    p, a = normalise_pollutant(pollutant), normalise_averaging(averaging)
    points = np.array([int(bp * MICRO) for bp in rs.breakpoints[rs._key(p, a)]], dtype=np.int64)
    levels = np.array(rs.iaqi_levels[: len(points)], dtype=np.int64)
    case = rs.special_case(p, a)
    special_above = int(case.above * MICRO) if case is not None else -1
    special_iaqi = int(case.iaqi or 0) if case is not None and case.action == "fixed" else -1
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(len(x), dtype=np.int64)
    ok = np.empty(len(x), dtype=np.bool_)
    status = _kernel.iaqi(x, int(load_ruleset("2026").input_decimals[p]), points, levels,
                          int(rs.above_table_iaqi), special_above, special_iaqi, out,
                          ok.view(np.uint8))
    if status:
        raise StandardError("浓度超出精确计算范围", "A concentration is out of the exact range")
    return out, ok


def ruleset_per_day(days: np.ndarray, choice: str) -> np.ndarray:
    """True where a day (int32 days since 1970-01-01) follows the 2026 rules — the reference's
    :func:`ecoplan.standards.air_rules.ruleset_expr_daily`."""
    if choice != "auto":
        return np.full(len(days), choice == "2026")
    return days >= (SWITCH_DATE - _EPOCH).days


def _pick(mask: np.ndarray, a: Nullable, b: Nullable) -> Nullable:
    """``a`` where ``mask``, else ``b``."""
    return np.where(mask, a[0], b[0]), np.where(mask, a[1], b[1])


def _greatest(cols: list[Nullable]) -> Nullable:
    """NULL-skipping maximum of non-negative integers (the reference's ``_greatest``)."""
    top = np.full(len(cols[0][0]), -1, dtype=np.int64)
    for values, valid in cols:
        top = np.maximum(top, np.where(valid, values, -1))
    return top, top >= 0


def _nullable(values: Nullable) -> pa.Array:
    return pa.array(values[0], pa.int64(), mask=~values[1])


def _listing(codes: list[tuple[str, list[np.ndarray]]]) -> tuple[np.ndarray, list[str]]:
    """Per row, the codes whose condition holds joined by "," (``concat_ws`` of the
    reference): a bit mask per row and the text of every mask."""
    if len(codes) > 7:
        raise StandardError("指标过多", "Too many indicators for a listing")
    mask = np.zeros(len(codes[0][1][0]), dtype=np.int8)
    for bit, (_code, conds) in enumerate(codes):
        hit = conds[0]
        for extra in conds[1:]:
            hit = hit | extra
        mask |= hit.view(np.int8) << np.int8(bit)
    texts = [",".join(code for bit, (code, _c) in enumerate(codes) if m >> bit & 1)
             for m in range(1 << len(codes))]
    return mask, texts


def _text(index: np.ndarray, texts: list[str], valid: np.ndarray) -> pa.Array:
    """Texts by index, dictionary-encoded (engines read them as plain text)."""
    return pa.DictionaryArray.from_arrays(pa.array(index, mask=~valid),
                                          pa.array(texts, pa.string()))


@dataclass(frozen=True)
class DailyAqi:
    """The daily AQI of :func:`daily_aqi_arrays`: its Arrow columns, and as arrays the numbers
    the period statistics count (AQI, IAQIs by ``iaqi_<indicator>``, completeness)."""

    columns: dict[str, pa.Array]
    aqi: Nullable
    iaqi: dict[str, Nullable]
    complete: np.ndarray


def daily_aqi_arrays(values: Mapping[str, np.ndarray], days: np.ndarray, ruleset: str = "auto",
                     *, include_o3_1h: bool | None = None) -> dict[str, pa.Array]:
    """:func:`daily_aqi` (its Arrow columns)."""
    return daily_aqi(values, days, ruleset, include_o3_1h=include_o3_1h).columns


def daily_aqi(values: Mapping[str, np.ndarray], days: np.ndarray, ruleset: str = "auto",
              *, include_o3_1h: bool | None = None) -> DailyAqi:
    """The daily AQI columns of :func:`ecoplan.standards.air_daily_aqi.daily_aqi_table` for
    daily values given as float64 arrays (NaN = missing): ``so2 no2 co pm10 pm25 o3_8h`` and
    ``o3_1h_max``; ``days`` are the dates as int32 days since 1970-01-01.

    The columns are the output columns from ``ruleset`` to ``complete`` (no site nor date),
    plus ``iaqi_o3_1h_max`` when the O3 1-h maximum is used, as Arrow arrays of the reference's
    types. Raises :class:`StandardError` for a value beyond the exact range.
    """
    choice = check_choice(ruleset)
    names = ["2012", "2026"] if choice == "auto" else [choice]
    rsets = {n: load_ruleset(n) for n in names}
    use_1h = {n: bool((r.o3_1h_max_default if include_o3_1h is None else include_o3_1h)
                      and any(i.name == "o3_1h_max" for i in r.daily_indicators))
              for n, r in rsets.items()}
    is26 = ruleset_per_day(days, choice)
    indicators = {n: _INDICATORS[n] for n in (*REQUIRED, "o3_1h_max")}
    iaqi: dict[str, Nullable] = {}
    for name, (pollutant, averaging) in indicators.items():
        per = {n: iaqi_values(values[name], pollutant, averaging, rsets[n]) for n in names}
        iaqi[name] = _pick(is26, per["2026"], per["2012"]) if len(names) == 2 else per[names[0]]
    # HJ 633-2012 Table 1 note 3: O3 8 h > 800 → the IAQI of the 1-h value is reported
    o3_present = ~np.isnan(np.asarray(values["o3_8h"], dtype=np.float64))
    iaqi["o3_8h"] = _pick(o3_present & ~iaqi["o3_8h"][1], iaqi["o3_1h_max"], iaqi["o3_8h"])
    era_uses = [n for n in names if use_1h[n]]
    one_h = iaqi["o3_1h_max"]
    if not era_uses:
        one_h = (one_h[0], np.zeros(len(days), dtype=bool))
    elif len(era_uses) < len(names):
        keep = is26 if era_uses[0] == "2026" else ~is26
        one_h = (one_h[0], one_h[1] & keep)
    iaqi["o3_1h_max"] = one_h
    complete = np.ones(len(days), dtype=bool)
    for n in REQUIRED:
        complete &= iaqi[n][1]
    computed = _greatest(list(iaqi.values()))

    def shown_for(name: str) -> np.ndarray:
        r = rsets[name]
        if r.missing_publish == "only_above":
            return complete | (computed[1] & (computed[0] > int(r.missing_publish_above or 0)))
        return np.ones(len(days), dtype=bool)

    shown = np.where(is26, shown_for("2026"), shown_for("2012")) if len(names) == 2 \
        else shown_for(names[0])
    aqi = (computed[0], computed[1] & shown)
    top, has = aqi
    groups: dict[str, list[str]] = {}
    for n in iaqi:
        groups.setdefault(DISPLAY_CODES.get(n, n), []).append(n)
    primary_mask, primary_texts = _listing(
        [(code, [iaqi[m][1] & (iaqi[m][0] == top) for m in members])
         for code, members in groups.items()])
    primary_above = np.where(is26, rsets["2026"].primary_aqi_above if "2026" in rsets else 0,
                             rsets["2012"].primary_aqi_above if "2012" in rsets else 0)
    primary_valid = has & (top > primary_above) & (primary_mask != 0)
    exceeding_valid = has.copy()
    exceed_conds = []
    for code, members in groups.items():
        conds = []
        for m in members:
            hit = np.zeros(len(days), dtype=bool)
            for n in names:
                limit = rsets[n].exceeding_iaqi_above
                if limit is None:
                    continue
                era = is26 if n == "2026" else ~is26
                hit |= era & iaqi[m][1] & (iaqi[m][0] > limit)
            conds.append(hit)
        exceed_conds.append((code, conds))
    exceed_mask, exceed_texts = _listing(exceed_conds)
    for n in names:
        if rsets[n].exceeding_iaqi_above is None:
            exceeding_valid &= ~(is26 if n == "2026" else ~is26)
    level = np.zeros(len(days), dtype=np.int64)
    category = np.zeros(len(days), dtype=np.int8)  # index into the texts below
    cat_texts: list[str] = []
    colour_texts: list[str] = []
    for n in names:
        era = is26 if n == "2026" else ~is26
        if len(names) == 1:
            era = np.ones(len(days), dtype=bool)
        cats = rsets[n].categories
        done = ~era
        for cat in cats:
            hit = ~done & (top <= cat.aqi_max if cat.aqi_max is not None else top >= cat.aqi_min)
            level[hit] = cat.level
            category[hit] = len(cat_texts)
            cat_texts.append(cat.category_zh)
            colour_texts.append(cat.hex)
            done |= hit
        last = cats[-1]
        rest = ~done
        level[rest] = last.level
        category[rest] = len(cat_texts)
        cat_texts.append(last.category_zh)
        colour_texts.append(last.hex)
    ruleset_text = _text(is26.view(np.int8), ["2012", "2026"], np.ones(len(days), dtype=bool))
    out: dict[str, pa.Array] = {
        "ruleset": ruleset_text,
        "aqi": _nullable(aqi),
        "primary_pollutants": _text(primary_mask, primary_texts, primary_valid),
        "category": _text(category, cat_texts, has),
        "level": pa.array(level, pa.int64(), mask=~has),
        "colour": _text(category, colour_texts, has),
        "exceeding_pollutants": _text(exceed_mask, exceed_texts, exceeding_valid),
    }
    for n in REQUIRED:
        out[f"iaqi_{n}"] = _nullable(iaqi[n])
    out["aqi_computed"] = _nullable(computed)
    out["complete"] = pa.array(complete, pa.bool_())
    if any(use_1h.values()):
        out["iaqi_o3_1h_max"] = _nullable(iaqi["o3_1h_max"])
    assert list(out)[: len(OUTPUT_COLUMNS) - 2] == list(OUTPUT_COLUMNS[2:])
    return DailyAqi(out, aqi, {f"iaqi_{n}": v for n, v in iaqi.items()}, complete)
