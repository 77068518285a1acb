"""Validity warnings and convention lines of HJ 663 period statistics, shared by the terminal
(``ecoplan air stats``), the evaluation report and the web (issue 21 deliverable 5, issue 20
points 3 and 6): a statistic flagged not valid gets a visible warning line naming the months
that fall short, and every output says which conventions produced its air figures."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from ecoplan.i18n import get_lang
from ecoplan.standards.air_daily import hj663
from ecoplan.standards.air_period import dust_conventions

#: pollutant → (name, the statistic whose validity the warning names, zh / en)
VALIDITY = {"pm25": ("PM2.5", "平均浓度", "mean"), "pm10": ("PM10", "平均浓度", "mean"),
            "so2": ("SO2", "平均浓度", "mean"), "no2": ("NO2", "平均浓度", "mean"),
            "co": ("CO", "第95百分位数", "95th percentile"),
            "o3_8h": ("O3 日最大8小时", "第90百分位数", "90th percentile")}
PERIOD_WORD = {"year": ("年", "annual"), "quarter": ("季度", "quarterly"),
               "month": ("月", "monthly"), "range": ("时段", "period")}

#: the conventions of the air figures (docs/air-statistics.md §4), zh / en wording
_CONVENTION_WORDS = {
    "dust_convention": ("沙尘扣除口径", "dust deduction"),
    "station_set": ("点位集合", "station set"),
    "incomplete_days": ("不完整日规则", "incomplete-day rule"),
    "composite_inputs": ("综合指数输入", "composite inputs"),
    "limits_ruleset": ("超标倍数限值", "exceedance limits"),
}


def month_days(analytics: Any, daily: Any, key: str) -> pd.DataFrame:
    """Valid daily values per key, calendar month and pollutant (for the validity warnings)."""
    aggs = {p: daily[p].count() for p in VALIDITY if p in daily.columns}
    t = daily.mutate(yr=daily.date.year(), mon=daily.date.month())
    return analytics.execute(t.group_by([key, "yr", "mon"]).aggregate(**aggs))  # type: ignore[no-any-return]


def validity_warnings(out: pd.DataFrame, md: pd.DataFrame, key: str, period: str, *,
                      lang: str | None = None, pollutants: Iterable[str] | None = None,
                      with_key: bool = True) -> list[str]:
    """One warning line per statistic that is not valid (GB 3095 Table 4 / HJ 663 §5: ≥ 324
    days a year, ≥ 27 a month, ≥ 25 in February), naming the months that fall short, e.g.
    "1081A 2019 PM2.5 年平均浓度无效：8 月、9 月有效天数不足 27 天". ``lang`` defaults to the
    active language; ``pollutants`` limits the lines to those pollutants; ``with_key=False``
    leaves out the station/city (the report names the county town itself)."""
    zh = (lang or get_lang()) == "zh"
    v = hj663()["validity"]
    per_month, feb, per_year = int(v["min_days_per_month"]), int(v["min_days_february"]), \
        int(v["min_days_per_year"])
    wanted = set(pollutants) if pollutants is not None else set(VALIDITY)
    lines = []
    pw_zh, pw_en = PERIOD_WORD.get(period, ("", ""))
    for r in out.itertuples(index=False):
        row = r._asdict()
        for p, (name, stat_zh, stat_en) in VALIDITY.items():
            valid = row.get(f"{p}_valid")
            if p not in wanted or valid is None or valid != valid or bool(valid):
                continue
            m_rows = md[(md[key] == row[key])]
            m_rows = m_rows[_in_period(m_rows, str(row["period"]), period)]
            short = [(int(m.mon), int(getattr(m, p))) for m in m_rows.itertuples()
                     if int(getattr(m, p)) < (feb if int(m.mon) == 2 else per_month)]
            days = int(row.get(f"{p}_days") or 0)
            where = f"{row[key]} {row['period']} " if with_key else f"{row['period']} "
            if short:
                short.sort()
                months = "、".join(f"{m} 月" for m, _ in short)
                months_en = ", ".join(f"month {m} ({d} days)" for m, d in short)
                only_feb = [m for m, _ in short] == [2]
                need_zh = f"{feb} 天" if only_feb else f"{per_month} 天" + (
                    f"（2 月 {feb} 天）" if any(m == 2 for m, _ in short) else "")
                lines.append(
                    f"{where}{name} {pw_zh}{stat_zh}无效：{months}有效天数不足 {need_zh}" if zh
                    else f"{where}{name} {pw_en} {stat_en} is not valid: too few valid days in "
                         f"{months_en}; {per_month} needed ({feb} in February)")
            else:
                lines.append(f"{where}{name} {pw_zh}{stat_zh}无效：有效天数 {days} 天，不足 "
                             f"{per_year} 天" if zh else
                             f"{where}{name} {pw_en} {stat_en} is not valid: {days} valid "
                             f"days, {per_year} needed")
    return lines


def _in_period(md: pd.DataFrame, label: str, period: str) -> Any:
    if period == "year" and label[:4].isdigit():
        return (md["yr"] == int(label[:4])).to_numpy()
    if period == "month" and len(label) >= 7:
        return ((md["yr"] == int(label[:4])) & (md["mon"] == int(label[5:7]))).to_numpy()
    if period == "quarter" and "Q" in label:
        q = int(label.split("Q")[-1])
        return ((md["yr"] == int(label[:4])) & ((md["mon"] - 1) // 3 + 1 == q)).to_numpy()
    return pd.Series(True, index=md.index).to_numpy()


def conventions_text(row: dict[str, Any], lang: str | None = None) -> str:
    """The conventions one statistics row was computed with, as one sentence (dust deduction,
    station set, incomplete-day rule, composite inputs, exceedance limits and — for a period
    spanning 2026-03-01 — the alternative limits basis with its exceedance multiples)."""
    zh = (lang or get_lang()) == "zh"
    parts = []
    for k, w in _CONVENTION_WORDS.items():
        v = row.get(k)
        if v is None or v != v:
            continue
        if k == "dust_convention":  # the convention's own wording (hj663-2013.yaml)
            d = dust_conventions().get(str(v), {})
            v = f"{v}（{d.get('zh')}）" if zh and d else (f"{v} ({d.get('en')})" if d else v)
        parts.append(f"{w[0] if zh else w[1]}={v}")
    text = ("；" if zh else "; ").join(parts)
    alt = alternative_limits_text(row, lang)
    return text + (("；" if zh else "; ") + alt if alt else "")


def alternative_limits_text(row: dict[str, Any], lang: str | None = None) -> str:
    """For a period spanning 2026-03-01: the exceedance multiples against the other limits
    (``alt_limits_ruleset``, ``alt_exceedance_multiple_*``); empty otherwise."""
    zh = (lang or get_lang()) == "zh"
    alt = row.get("alt_limits_ruleset")
    if alt is None or alt != alt:
        return ""
    vals = []
    for k, v in row.items():
        if k.startswith("alt_exceedance_multiple_") and v is not None and v == v:
            name = k.removeprefix("alt_exceedance_multiple_")
            vals.append(f"{VALIDITY.get(name, (name.upper(),))[0]} {float(v):g}")
    got = ("、" if zh else ", ").join(vals) or "—"
    return (f"时段跨 2026-03-01，另按 GB 3095-{alt} 限值的超标倍数：{got}" if zh else
            f"the period spans 2026-03-01; exceedance multiples against the GB 3095-{alt} "
            f"limits: {got}")
