"""Air quality index (HJ 633-2012 / HJ 633-2026): exact IAQI, AQI, primary pollutants, category.

Two forms of the same rules, both exact (no float-then-ceiling error: CO 2.2 mg/m³ on the daily
table gives IAQI 55, not 56):

* scalar functions (:func:`iaqi`, :func:`aqi`, :func:`primary_pollutants`,
  :func:`exceeding_pollutants`, :func:`category`) computing with :class:`fractions.Fraction`;
* Ibis expressions (:func:`iaqi_expr`, :func:`aqi_exprs`) computing on scaled integers so that
  DuckDB and PySpark return identical results.

The tables (breakpoints, special cases, categories, colours, health advice) are read from
``ecoplan/standards/data/hj633-<year>.yaml``; nothing of the standard is written in this code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from ecoplan.errors import StandardError
from ecoplan.nomenclature import GB3095_ORDER, SYMBOLS
from ecoplan.standards.datafile import read_yaml

Averaging = Literal["1h", "24h", "8h"]

DATA_DIR = Path(__file__).with_name("data")

#: Canonical pollutant codes in code, in the order used for listing ties.
POLLUTANTS: tuple[str, ...] = GB3095_ORDER
#: Codes users see in files (glossary).
DISPLAY_CODES: dict[str, str] = {
    **{code: SYMBOLS[code] for code in GB3095_ORDER}, "o3_8h": "O3", "o3_1h_max": "O3",
}
_AVERAGING_ALIASES = {
    "1h": "1h", "1-h": "1h", "hour": "1h", "hourly": "1h", "1小时": "1h",
    "24h": "24h", "24-h": "24h", "day": "24h", "daily": "24h", "24小时": "24h", "日": "24h",
    "8h": "8h", "8-h": "8h", "8小时": "8h",
}
_RULESET_ALIASES = {
    "2012": "2012", "hj633-2012": "2012", "hj 633-2012": "2012",
    "2026": "2026", "hj633-2026": "2026", "hj 633-2026": "2026",
}
#: Scale of the exact integer representation used by the Ibis expressions (10⁻⁶ units).
MICRO = 1_000_000


# --------------------------------------------------------------------------- the rule set
@dataclass(frozen=True)
class Category:
    """One AQI category of HJ 633 Table 2 (2012) / Table 1 (2026) with colour and advice."""

    level: int
    level_zh: str
    aqi_min: int
    aqi_max: int | None
    category_zh: str
    category_en: str
    colour_zh: str
    colour_en: str
    hex: str
    rgb: tuple[int, int, int]
    cmyk: tuple[int, int, int, int]
    health_effect_zh: str
    health_effect_en: str
    advice_zh: str
    advice_en: str

    def name(self, lang: str = "zh") -> str:
        return self.category_zh if lang == "zh" else self.category_en


@dataclass(frozen=True)
class SpecialCase:
    """A table note such as "SO2 1-h above 800 μg/m³" and what the standard does instead."""

    key: str
    pollutant: str
    averaging: str
    above: Fraction
    action: str  # "use_24h_iaqi" | "use_1h_iaqi" | "fixed"
    iaqi: int | None
    clause: str


@dataclass(frozen=True)
class Indicator:
    """One indicator of a report: a pollutant on an averaging period, under a column name."""

    name: str
    pollutant: str
    averaging: str
    optional: bool = False


@dataclass(frozen=True)
class Ruleset:
    """An HJ 633 edition loaded from its data file: breakpoints, special cases, categories."""

    name: str
    standard: str
    title_zh: str
    title_en: str
    iaqi_levels: tuple[int, ...]
    breakpoints: dict[tuple[str, str], tuple[Fraction, ...]]
    units: dict[str, str]
    input_decimals: dict[str, int]
    pm_1h_uses: str
    special_cases: dict[str, SpecialCase]
    above_table_iaqi: int
    categories: tuple[Category, ...]
    primary_aqi_above: int
    exceeding_iaqi_above: int | None
    hourly_indicators: tuple[Indicator, ...]
    daily_indicators: tuple[Indicator, ...]
    o3_1h_max_default: bool
    missing_publish: str  # "always" | "only_above"
    missing_publish_above: int | None
    sensitive_groups: dict[str, dict[str, str]]
    display_names_zh: dict[str, str]
    clauses: dict[str, str] = field(default_factory=dict)
    source_file: str = ""

    def table(self, pollutant: str, averaging: str) -> list[tuple[Fraction, int]]:
        """The (concentration, IAQI) breakpoints of one column of the table."""
        key = self._key(pollutant, averaging)
        return list(zip(self.breakpoints[key], self.iaqi_levels, strict=False))

    def _key(self, pollutant: str, averaging: str) -> tuple[str, str]:
        p = normalise_pollutant(pollutant)
        a = normalise_averaging(averaging)
        if p in ("pm10", "pm25") and a == "1h":
            a = self.pm_1h_uses
        key = (p, a)
        if key not in self.breakpoints:
            raise StandardError(
                f"{self.standard} 没有 {DISPLAY_CODES.get(p, p)} 的 {a} 浓度限值",
                f"{self.standard} has no {a} breakpoints for {DISPLAY_CODES.get(p, p)}",
            )
        return key

    def special_case(self, pollutant: str, averaging: str) -> SpecialCase | None:
        p, a = normalise_pollutant(pollutant), normalise_averaging(averaging)
        for case in self.special_cases.values():
            if case.pollutant == p and case.averaging == a:
                return case
        return None


def normalise_pollutant(name: str) -> str:
    """``PM2.5``/``pm2_5``/``PM25`` → ``pm25`` etc.; error for an unknown pollutant."""
    key = str(name).strip().lower().replace(".", "").replace("_", "").replace("-", "")
    key = key.replace(" ", "").replace("₂", "2").replace("₃", "3")
    if key in POLLUTANTS:
        return key
    raise StandardError(f"未知的污染物：{name!r}", f"Unknown pollutant: {name!r}")


def normalise_averaging(averaging: str) -> str:
    """``1h``/``24h``/``8h`` (also ``hour``, ``day`` …)."""
    key = str(averaging).strip().lower()
    if key in _AVERAGING_ALIASES:
        return _AVERAGING_ALIASES[key]
    raise StandardError(f"未知的平均时间：{averaging!r}（应为 1h、24h 或 8h）",
                        f"Unknown averaging period {averaging!r} (expected 1h, 24h or 8h)")


def ruleset_name(ruleset: str | Ruleset) -> str:
    """"2012"/"2026" from a name, a standard number or a loaded :class:`Ruleset`."""
    if isinstance(ruleset, Ruleset):
        return ruleset.name
    key = str(ruleset).strip().lower()
    if key in _RULESET_ALIASES:
        return _RULESET_ALIASES[key]
    raise StandardError(
        f"未知的 AQI 规则版本：{ruleset!r}（应为 2012 或 2026；auto 需按数据时间先选定）",
        f"Unknown AQI rule set {ruleset!r} (expected 2012 or 2026; resolve 'auto' by data time "
        "first, see ecoplan.standards.air_rules)",
    )


def _frac(value: Any) -> Fraction:
    return Fraction(Decimal(str(value)))


@cache
def load_ruleset(name: str = "2012") -> Ruleset:
    """Load HJ 633-2012 or HJ 633-2026 from its data file (cached)."""
    key = ruleset_name(name)
    path = DATA_DIR / f"hj633-{key}.yaml"
    raw = read_yaml(path)
    bp = raw["breakpoints"]
    levels = tuple(int(v) for v in bp["iaqi_levels"])
    breakpoints: dict[tuple[str, str], tuple[Fraction, ...]] = {}
    for pollutant, columns in bp["pollutants"].items():
        for averaging, values in columns.items():
            points = tuple(_frac(v) for v in values)
            if len(points) > len(levels) or list(points) != sorted(set(points)):
                raise StandardError(f"{path.name}：{pollutant} {averaging} 浓度限值无效",
                                    f"{path.name}: invalid breakpoints {pollutant} {averaging}")
            breakpoints[(pollutant, str(averaging))] = points
    specials: dict[str, SpecialCase] = {}
    above_table = 500
    for k, v in (raw.get("special_cases") or {}).items():
        if k == "above_table":
            above_table = int(v["iaqi"])
            continue
        specials[k] = SpecialCase(k, v["pollutant"], str(v["averaging"]), _frac(v["above"]),
                                  v["action"], v.get("iaqi"), v["clause"])
    cats = tuple(
        Category(
            level=int(c["level"]), level_zh=c["level_zh"], aqi_min=int(c["aqi_min"]),
            aqi_max=None if c["aqi_max"] is None else int(c["aqi_max"]),
            category_zh=c["category_zh"], category_en=c["category_en"],
            colour_zh=c["colour_zh"], colour_en=c["colour_en"], hex=c["hex"],
            rgb=tuple(c["rgb"]), cmyk=tuple(c["cmyk"]),  # type: ignore[arg-type]
            health_effect_zh=c["health_effect_zh"], health_effect_en=c["health_effect_en"],
            advice_zh=c["advice_zh"], advice_en=c["advice_en"],
        )
        for c in raw["categories"]["levels"]
    )
    reports = raw["reports"]

    def indicators(items: Sequence[Mapping[str, Any]]) -> tuple[Indicator, ...]:
        return tuple(
            Indicator(i.get("name", i["pollutant"]), i["pollutant"], str(i["averaging"]),
                      bool(i.get("optional", False)))
            for i in items
        )

    exceeding = raw.get("exceeding_pollutant")
    missing = reports["missing_data"]
    return Ruleset(
        name=key,
        standard=raw["standard"],
        title_zh=raw["title_zh"],
        title_en=raw["title_en"],
        iaqi_levels=levels,
        breakpoints=breakpoints,
        units=dict(raw["units"]),
        input_decimals={k: int(v) for k, v in raw["input_decimals"].items()},
        pm_1h_uses=str(raw.get("pm_1h_uses", "24h")),
        special_cases=specials,
        above_table_iaqi=above_table,
        categories=cats,
        primary_aqi_above=int(raw["primary_pollutant"]["aqi_above"]),
        exceeding_iaqi_above=None if not exceeding else int(exceeding["iaqi_above"]),
        hourly_indicators=indicators(reports["hourly"]["indicators"]),
        daily_indicators=indicators(reports["daily"]["indicators"]),
        o3_1h_max_default=bool(reports["daily"].get("o3_1h_max_default", False)),
        missing_publish=str(missing["publish_aqi"]),
        missing_publish_above=missing.get("aqi_above"),
        sensitive_groups=dict((raw.get("sensitive_groups") or {}).get("pollutants", {})),
        display_names_zh=dict(raw["display_names_zh"]),
        clauses={
            "breakpoints": bp["clause"],
            "formula": raw["formula"]["clause"],
            "rounding": raw["formula"]["rounding_clause"],
            "categories": raw["categories"]["clause"],
            "primary_pollutant": raw["primary_pollutant"]["clause"],
            "missing_data": missing["clause"],
            **({"exceeding_pollutant": exceeding["clause"]} if exceeding else {}),
        },
        source_file=path.name,
    )


# --------------------------------------------------------------------------- scalar API
def to_fraction(value: Any) -> Fraction | None:
    """An exact rational of a concentration: floats by their shortest decimal form (2.2 → 11/5).

    ``None``/NaN/empty → None (missing). Negative or non-numeric values raise StandardError.
    """
    if value is None:
        return None
    if isinstance(value, Fraction):
        result = value
    elif isinstance(value, bool):
        raise StandardError(f"浓度不是数值：{value!r}", f"Concentration is not a number: {value!r}")
    elif isinstance(value, int):
        result = Fraction(value)
    elif isinstance(value, Decimal):
        if value.is_nan():
            return None
        result = Fraction(value)
    else:
        try:
            f = float(value) if not isinstance(value, str) else None
        except (TypeError, ValueError):
            f = None
        if f is not None and math.isnan(f):
            return None
        text = repr(f) if f is not None else str(value).strip()
        if text == "" or text.lower() in {"nan", "na"}:
            return None
        try:
            d = Decimal(text)
        except InvalidOperation as exc:
            raise StandardError(f"浓度不是数值：{value!r}",
                                f"Concentration is not a number: {value!r}") from exc
        if not d.is_finite():
            if d.is_nan():
                return None
            raise StandardError(f"浓度无效：{value!r}", f"Invalid concentration: {value!r}")
        result = Fraction(d)
    if result < 0:
        raise StandardError(f"浓度不能为负：{value}", f"Concentration cannot be negative: {value}")
    return result


def iaqi_exact(pollutant: str, concentration: Any, averaging: str = "24h",
               ruleset: str | Ruleset = "2012") -> Fraction | None:
    """Unrounded IAQI by HJ 633 formula (1) (2012 §5.2, 2026 §4.2.5); None if not computed."""
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset_name(ruleset))
    c = to_fraction(concentration)
    if c is None:
        return None
    p, a = normalise_pollutant(pollutant), normalise_averaging(averaging)
    points = rs.breakpoints[rs._key(p, a)]
    case = rs.special_case(p, a)
    if case is not None and c > case.above:
        return Fraction(case.iaqi) if case.action == "fixed" else None
    if c > points[-1]:
        return Fraction(rs.above_table_iaqi)
    levels = rs.iaqi_levels
    for i in range(1, len(points)):
        if c <= points[i]:
            lo, hi = points[i - 1], points[i]
            return Fraction(levels[i] - levels[i - 1]) * (c - lo) / (hi - lo) + levels[i - 1]
    raise AssertionError("unreachable")  # pragma: no cover


def iaqi(pollutant: str, concentration: Any, averaging: str = "24h",
         ruleset: str | Ruleset = "2012") -> int | None:
    """IAQI rounded up to an integer (HJ 633-2012 §6.2, HJ 633-2026 §4.2.6).

    ``averaging`` is "1h", "24h" or "8h"; PM 1-h values use the 24-h breakpoints. Returns None
    for a missing value and where the standard says not to compute it (HJ 633-2012 Table 1 notes
    2 and 3: SO2 1 h > 800 → report the 24-h IAQI; O3 8 h > 800 → report the 1-h IAQI).
    """
    exact = iaqi_exact(pollutant, concentration, averaging, ruleset)
    return None if exact is None else math.ceil(exact)


def aqi(iaqis: Mapping[str, int | None] | Sequence[int | None]) -> int | None:
    """AQI = max of the available sub-indices (HJ 633 formula (2)); None if none is available."""
    values = iaqis.values() if isinstance(iaqis, Mapping) else iaqis
    present = [v for v in values if v is not None]
    return max(present) if present else None


def primary_pollutants(iaqis: Mapping[str, int | None],
                       ruleset: str | Ruleset = "2012") -> tuple[str, ...]:
    """Pollutants with the largest IAQI, all ties, only when AQI > 50 (HJ 633 §3.3)."""
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset_name(ruleset))
    top = aqi(iaqis)
    if top is None or top <= rs.primary_aqi_above:
        return ()
    return tuple(k for k, v in iaqis.items() if v == top)


def exceeding_pollutants(iaqis: Mapping[str, int | None],
                         ruleset: str | Ruleset = "2012") -> tuple[str, ...] | None:
    """Pollutants with IAQI > 100 (HJ 633-2012 §3.4); None under HJ 633-2026 (concept deleted)."""
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset_name(ruleset))
    if rs.exceeding_iaqi_above is None:
        return None
    limit = rs.exceeding_iaqi_above
    return tuple(k for k, v in iaqis.items() if v is not None and v > limit)


def category(aqi_value: int | None, ruleset: str | Ruleset = "2012") -> Category | None:
    """Level, category, colour and advice of an AQI (HJ 633-2012 Table 2, 2026 Table 1)."""
    if aqi_value is None:
        return None
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset_name(ruleset))
    if aqi_value < 0:
        raise StandardError(f"AQI 不能为负：{aqi_value}", f"AQI cannot be negative: {aqi_value}")
    for cat in rs.categories:
        if cat.aqi_max is None or aqi_value <= cat.aqi_max:
            return cat
    return rs.categories[-1]


def display_codes(names: Sequence[str]) -> tuple[str, ...]:
    """Indicator names → codes users see (``pm25`` → ``PM2.5``; both O3 indicators → ``O3``)."""
    out: list[str] = []
    for n in names:
        code = DISPLAY_CODES.get(n, n)
        if code not in out:
            out.append(code)
    return tuple(out)


@dataclass(frozen=True)
class AqiResult:
    """The AQI of one station-hour or one day with everything HJ 633 reports about it."""

    ruleset: str
    iaqi: dict[str, int | None]
    aqi: int | None
    primary_pollutants: tuple[str, ...]
    exceeding_pollutants: tuple[str, ...] | None
    category: Category | None
    complete: bool
    published_aqi: int | None
    #: what was done where the standard's rule could not be applied (e.g. SO2 1 h > 800
    #: without a 24-h value: the SO2 sub-index is missing and the AQI is incomplete)
    notes: tuple[str, ...] = ()


#: Pollutants whose absence alone the CNEMC real-time feed ignores when publishing the AQI
#: (all 5 such station-hours with AQI ≤ 100 seen in the 2026-03-10 releases; docs/air.md).
CNEMC_TOLERATED_MISSING: tuple[str, ...] = ("pm10",)


def round_concentration(pollutant: str, value: Any) -> Fraction | None:
    """A concentration rounded per GB/T 8170 (half to even) to the digits of HJ 633-2026 §4.2.2."""
    exact = to_fraction(value)
    if exact is None:
        return None
    digits = load_ruleset("2026").input_decimals[normalise_pollutant(pollutant)]
    as_decimal = Decimal(exact.numerator) / Decimal(exact.denominator)
    return Fraction(as_decimal.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN))


def _result(rs: Ruleset, iaqis: dict[str, int | None], complete: bool,
            blocking: bool | None = None) -> AqiResult:
    value = aqi(iaqis)
    publish = value
    if (not complete if blocking is None else blocking) and rs.missing_publish == "only_above":
        limit = rs.missing_publish_above or 0
        publish = value if value is not None and value > limit else None
    shown = publish
    return AqiResult(
        ruleset=rs.name,
        iaqi=iaqis,
        aqi=value,
        primary_pollutants=display_codes(primary_pollutants(iaqis, rs)) if shown is not None
        else (),
        exceeding_pollutants=None if rs.exceeding_iaqi_above is None
        else display_codes(exceeding_pollutants(iaqis, rs) or ()),
        category=category(shown, rs),
        complete=complete,
        published_aqi=publish,
    )


def hourly_aqi(values: Mapping[str, Any], ruleset: str | Ruleset = "2012", *,
               so2_24h: Any = None, not_monitored: Sequence[str] = (),
               publication: str = "cnemc") -> AqiResult:
    """Real-time (hourly) AQI of one station-hour as CNEMC publishes it (HJ 633-2026 §4.2).

    ``values`` maps ``so2, no2, co, o3, pm10, pm25`` to 1-h concentrations (missing → None),
    rounded per GB/T 8170 first (§4.2.2). ``so2_24h`` is the 24-h moving SO2 mean used when
    SO2 1 h > 800 under HJ 633-2012. Under HJ 633-2026 §5.3.1 an hour with a missing pollutant
    publishes its AQI only when it is above 100 (``published_aqi``; ``aqi`` keeps the value of
    the available pollutants); pollutants in ``not_monitored`` ("/", §5.3.2) do not count as
    missing, nor — with ``publication="cnemc"`` — a missing PM10 (the feed's practice).
    """
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset_name(ruleset))
    iaqis: dict[str, int | None] = {}
    complete = True
    blocking = False
    notes: list[str] = []
    for ind in rs.hourly_indicators:
        raw = round_concentration(ind.pollutant, values.get(ind.name))
        if raw is None:
            if ind.name not in not_monitored:
                complete = False
                if not (publication == "cnemc" and ind.name in CNEMC_TOLERATED_MISSING):
                    blocking = True
            iaqis[ind.name] = None
            continue
        value = iaqi(ind.pollutant, raw, ind.averaging, rs)
        if value is None and ind.pollutant == "so2":
            value = iaqi("so2", round_concentration("so2", so2_24h), "24h", rs)
            if value is None:
                # HJ 633-2012 Table 1 note 2 wants the 24-h IAQI, which is not available: the
                # SO2 sub-index is missing — said in ``notes`` and ``complete``, never silent
                complete = False
                notes.append("so2_1h_above_800_without_24h")
        iaqis[ind.name] = value
    res = _result(rs, iaqis, complete, blocking)
    return replace(res, notes=tuple(notes)) if notes else res


def daily_aqi(values: Mapping[str, Any], ruleset: str | Ruleset = "2012", *,
              include_o3_1h: bool | None = None) -> AqiResult:
    """Daily AQI from daily values (HJ 633-2012 §4.2 / HJ 633-2026 daily report).

    ``values`` maps ``so2, no2, co, pm10, pm25`` (24-h means), ``o3_8h`` (daily max 8-h) and,
    under the 2012 rules when ``include_o3_1h``, ``o3_1h_max`` (daily max 1-h). O3 8 h > 800
    uses the 1-h IAQI (2012) or 300 (2026). Values are rounded per GB/T 8170 first.
    """
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset_name(ruleset))
    use_1h = rs.o3_1h_max_default if include_o3_1h is None else include_o3_1h
    iaqis: dict[str, int | None] = {}
    complete = True
    for ind in rs.daily_indicators:
        if ind.optional and not use_1h:
            continue
        raw = round_concentration(ind.pollutant, values.get(ind.name))
        if raw is None:
            iaqis[ind.name] = None
            complete = complete and ind.optional
            continue
        value = iaqi(ind.pollutant, raw, ind.averaging, rs)
        if value is None and ind.name == "o3_8h":
            value = iaqi("o3", round_concentration("o3", values.get("o3_1h_max")), "1h", rs)
        iaqis[ind.name] = value
    return _result(rs, iaqis, complete)


# --------------------------------------------------------------------------- Ibis expressions
def _is_expr(value: Any) -> bool:
    return isinstance(value, ir.Expr)


def micro_units_expr(col: Any) -> Any:
    """Concentration column → exact int64 count of 10⁻⁶ units (decimal inputs ≤ 6 digits).

    NaN and ±infinity become NULL (Spark keeps NaN distinct from NULL and refuses to cast it).
    """
    if col.type().is_integer():
        return col.cast("int64") * MICRO
    x = col.cast("float64")
    # NULL propagates through isnan/isinf into the else branch, so NULL needs no test.
    return ibis.ifelse(x.isnan() | x.isinf(), ibis.null("float64"), x * MICRO).round() \
        .cast("int64")


def round_half_even_expr(micro: Any, decimals: int) -> Any:
    """GB/T 8170 rounding (round half to even) of a micro-unit int64 column; returns micro units."""
    unit = 10 ** (6 - decimals)
    half = unit // 2
    k = (micro + half) // unit  # round half up …
    tie = (micro % unit) == half
    # … then a tie that went up to an odd digit goes back down to the even one.
    return ((k - ibis.ifelse(tie & (k % 2 == 1), 1, 0)) * unit).cast("int64")


def stage(table: Any) -> Any:
    """Stop Ibis from inlining ``table``'s computed columns into the next projection.

    Ibis merges consecutive projections, which repeats every reference to a computed column
    (an IAQI formula is referenced by the AQI, the primary pollutants and the category) and
    makes the SQL grow multiplicatively. A non-deterministic dummy column is a merge barrier;
    it is dropped at once and the engines never compute it.
    """
    return table.mutate(_stage=ibis.random()).drop("_stage")


def iaqi_expr(col: Any, pollutant: str, averaging: str = "24h",
              ruleset: Any = "2012", *, round_input: bool = False) -> Any:
    """Ibis int64 IAQI of a concentration column, exact (HJ 633 formula (1) and ceiling rule).

    ``ruleset`` is "2012", "2026" or an Ibis string column holding one of them per row.
    With ``round_input`` the concentration is first rounded per GB/T 8170 to the digits of
    HJ 633-2026 §4.2.2 (integer μg/m³, CO 0.1 mg/m³). NULL for a missing or negative value and
    where the 2012 notes say not to compute (SO2 1 h > 800, O3 8 h > 800). For many columns of
    a table prefer :func:`with_iaqis`, which keeps the generated SQL small.
    """
    m = micro_units_expr(col)
    if round_input:
        m = round_half_even_expr(m, load_ruleset("2026").input_decimals[normalise_pollutant(
            pollutant)])
    return iaqi_micro_expr(m, pollutant, averaging, ruleset)


def iaqi_micro_expr(m: Any, pollutant: str, averaging: str = "24h",
                    ruleset: Any = "2012") -> Any:
    """IAQI (HJ 633 formula (1), ceiling) of an int64 column of 10⁻⁶ concentration units."""
    if _is_expr(ruleset):
        return ibis.ifelse(ruleset == "2026", iaqi_micro_expr(m, pollutant, averaging, "2026"),
                           iaqi_micro_expr(m, pollutant, averaging, "2012"))
    rs = load_ruleset(ruleset_name(ruleset))
    p, a = normalise_pollutant(pollutant), normalise_averaging(averaging)
    points = rs.breakpoints[rs._key(p, a)]
    levels = rs.iaqi_levels
    null = ibis.null("int64")
    # Every breakpoint in micro units is an integer (the tables have at most 1 decimal).
    pts = [int(bp * MICRO) for bp in points]
    # NULL fails every condition below and ends in else_ (NULL).
    branches: list[tuple[Any, Any]] = [(m < 0, null)]
    case = rs.special_case(p, a)
    if case is not None:
        fixed = ibis.literal(case.iaqi, "int64") if case.action == "fixed" else null
        branches.append((m > int(case.above * MICRO), fixed))
    branches.append((m > pts[-1], ibis.literal(rs.above_table_iaqi, "int64")))
    for i in range(1, len(pts)):
        lo, hi = pts[i - 1], pts[i]
        span = levels[i] - levels[i - 1]
        # ceil(span·(m−lo)/(hi−lo)) on integers: the quotient is < 2⁹ and the divisor < 2³¹,
        # so the float64 division is exact when the quotient is an integer and never crosses
        # an integer otherwise — the ceiling is exact on every engine.
        sub = ((m - lo) * span / (hi - lo)).ceil().cast("int64") + levels[i - 1]
        branches.append((m <= hi, sub))
    return ibis.cases(*branches, else_=null)


def with_iaqis(table: Any, indicators: Mapping[str, tuple[str, str, str]], ruleset: Any = "2012",
               *, round_input: bool = True, prefix: str = "iaqi_") -> Any:
    """``table`` plus one int64 IAQI column per indicator (HJ 633 formula (1), ceiling).

    ``indicators`` maps an output name to ``(column, pollutant, averaging)``, e.g.
    ``{"pm25": ("pm25", "pm25", "24h"), "o3_8h": ("o3_8h", "o3", "8h")}``; the columns are
    named ``prefix + name``. ``ruleset`` is "2012", "2026" or the name of a string column of
    ``table`` holding one of them per row. Concentrations are rounded per GB/T 8170 first
    (HJ 633-2026 §4.2.2) unless ``round_input=False``. Intermediate columns are staged so the
    SQL stays small on every engine.
    """
    rs = table[ruleset] if isinstance(ruleset, str) and ruleset in table.columns else ruleset
    digits = load_ruleset("2026").input_decimals
    micro = {}
    for name, (column, pollutant, _avg) in indicators.items():
        m = micro_units_expr(table[column])
        if round_input:
            m = round_half_even_expr(m, digits[normalise_pollutant(pollutant)])
        micro[f"_m_{name}"] = m
    t = stage(table.mutate(**micro))
    if _is_expr(rs):
        rs = t[rs.get_name()]
    out = {f"{prefix}{name}": iaqi_micro_expr(t[f"_m_{name}"], pollutant, averaging, rs)
           for name, (_c, pollutant, averaging) in indicators.items()}
    return stage(t.mutate(**out)).drop(*micro)


def round_concentration_expr(col: Any, pollutant: str) -> Any:
    """Concentration rounded per GB/T 8170 to the reporting digits (HJ 633-2026 §4.2.2).

    Integer μg/m³ (int64) for SO2, NO2, O3, PM10, PM2.5; CO to 0.1 mg/m³ (float64).
    """
    p = normalise_pollutant(pollutant)
    d = load_ruleset("2026").input_decimals[p]
    m = round_half_even_expr(micro_units_expr(col), d)
    return (m // (10 ** (6 - d))).cast("float64") / (10 ** d) if d else (m // MICRO).cast("int64")


def category_exprs(aqi_col: Any, ruleset: Any = "2012") -> dict[str, Any]:
    """Ibis ``level`` (int), ``category`` (Chinese name) and ``colour`` (hex) of an AQI column."""
    if _is_expr(ruleset):
        a, b = category_exprs(aqi_col, "2026"), category_exprs(aqi_col, "2012")
        return {k: ibis.ifelse(ruleset == "2026", a[k], b[k]) for k in a}
    rs = load_ruleset(ruleset_name(ruleset))
    out: dict[str, Any] = {}
    for key, attr, typ in (("level", "level", "int64"), ("category", "category_zh", "string"),
                           ("colour", "hex", "string")):
        branches = [(aqi_col.isnull(), ibis.null(typ))]
        for cat in rs.categories:
            cond = aqi_col <= cat.aqi_max if cat.aqi_max is not None else aqi_col >= cat.aqi_min
            branches.append((cond, ibis.literal(getattr(cat, attr), typ)))
        out[key] = ibis.cases(*branches, else_=ibis.literal(getattr(rs.categories[-1], attr), typ))
    return out


def _greatest(values: Sequence[Any]) -> Any:
    """NULL-skipping maximum of non-negative int64 expressions (NULL only when all are NULL)."""
    top = ibis.greatest(*[v.fill_null(-1) for v in values]) if len(values) > 1 \
        else values[0].fill_null(-1)
    return ibis.ifelse(top < 0, ibis.null("int64"), top)


def aqi_exprs(source: Any, columns: Mapping[str, str] | Sequence[str] | None = None,
              ruleset: Any = "2012", *, aqi_column: str | None = None) -> dict[str, Any]:
    """AQI, primary pollutants, exceeding pollutants and category expressions (HJ 633 §4–§5).

    ``source`` is an Ibis table holding int64 IAQI columns — ``columns`` maps indicator names
    (``so2`` … ``pm25``, ``o3_8h``, ``o3_1h_max``) to its column names (a sequence means the
    names are the columns) — or directly a mapping of indicator names to IAQI expressions.
    Keep the IAQIs as table columns (``table.mutate(**iaqis)`` first): the expressions below
    refer to each several times and inlined IAQI formulas make very large SQL.

    Returns ``aqi`` (max, formula (2)), ``primary_pollutants`` (codes such as ``PM10,PM2.5``,
    all ties, only when AQI > 50 — §3.3), ``exceeding_pollutants`` (IAQI > 100, 2012 rules
    only, NULL under 2026), ``level``, ``category`` (Chinese name), ``colour`` (hex).
    ``aqi_column`` names a column of ``source`` already holding the AQI (saves SQL size).
    """
    if isinstance(source, Mapping):
        iaqis = dict(source)
    else:
        if columns is None:
            raise StandardError("未指定分指数列", "No IAQI columns given")
        mapping = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
        iaqis = {name: source[col] for name, col in mapping.items()}
    names = list(iaqis)
    if aqi_column is not None and not isinstance(source, Mapping):
        top = source[aqi_column]
    else:
        top = _greatest([iaqis[n] for n in names])
    codes: dict[str, list[str]] = {}
    for n in names:
        codes.setdefault(DISPLAY_CODES.get(n, n), []).append(n)

    def listing(pred: Any) -> Any:
        parts = []
        for code, members in codes.items():
            cond = pred(iaqis[members[0]])
            for extra in members[1:]:
                cond = cond | pred(iaqis[extra])
            parts.append(ibis.ifelse(cond.fill_null(False), ibis.literal(code),
                                     ibis.null("string")))
        return ibis.literal(",").join(parts)

    def primary_for(rs_name: str) -> Any:
        rs = load_ruleset(rs_name)
        return ibis.ifelse(top > rs.primary_aqi_above, listing(lambda e: e == top).nullif(""),
                           ibis.null("string"))

    def exceeding_for(rs_name: str) -> Any:
        rs = load_ruleset(rs_name)
        if rs.exceeding_iaqi_above is None:
            return ibis.null("string")
        limit = rs.exceeding_iaqi_above
        return ibis.ifelse(top.isnull(), ibis.null("string"), listing(lambda e: e > limit))

    if _is_expr(ruleset):
        primary = ibis.ifelse(ruleset == "2026", primary_for("2026"), primary_for("2012"))
        exceeding = ibis.ifelse(ruleset == "2026", exceeding_for("2026"), exceeding_for("2012"))
    else:
        name = ruleset_name(ruleset)
        primary, exceeding = primary_for(name), exceeding_for(name)
    return {"aqi": top, "primary_pollutants": primary, "exceeding_pollutants": exceeding,
            **category_exprs(top, ruleset)}
