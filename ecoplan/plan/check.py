"""``plan check``: the review a careful editor runs before a plan is adopted or reported on.

Each rule is a function ``(ctx) -> Iterator[Finding]``. A finding has a severity (error, warning,
info), a location (chapter / table / row / field, and the line in the source text when known),
the conflicting values and a suggested fix, in Chinese and English. Rules look only at the plan
(and, when given, the plan's source text); reference values live in ``data/check_rules.yaml``
and the alias dictionary in ``data/aliases.yaml``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from functools import lru_cache
from importlib.resources import files
from typing import Any, Literal

import yaml

from ecoplan.plan.importer import Document, cn_number
from ecoplan.plan.model import WATER_CLASS_LABELS, Indicator, Plan, StatedFigure

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass
class FindingLocation:
    chapter: str | None = None
    table: str | None = None
    row: str | None = None
    field: str | None = None
    line: int | None = None
    file: str | None = None

    def describe(self, lang: str = "zh") -> str:
        parts: list[str] = []
        if self.table:
            parts.append(self.table)
        if self.row:
            parts.append(f"{self.row}" if lang == "zh" else f"row {self.row}")
        if self.chapter:
            parts.append(f"第{self.chapter}节" if lang == "zh" else f"chapter {self.chapter}")
        if self.field:
            parts.append(self.field)
        if self.line is not None:
            parts.append(f"原文第{self.line}行" if lang == "zh" else f"source line {self.line}")
        return "，".join(parts) if lang == "zh" else ", ".join(parts)


@dataclass
class Finding:
    code: str
    severity: Severity
    locations: list[FindingLocation]
    values: dict[str, Any]
    message_zh: str
    message_en: str
    fix_zh: str
    fix_en: str

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["locations"] = [{k: v for k, v in asdict(loc).items() if v is not None} for loc in self.locations]
        d["values"] = {k: (str(v) if isinstance(v, Decimal) else v) for k, v in self.values.items()}
        return d


@dataclass
class CheckReport:
    plan_code: str
    findings: list[Finding]
    summary: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"plan": self.plan_code, "counts": self.counts(), "summary": self.summary,
                "findings": [f.as_dict() for f in self.findings]}


@dataclass
class _Ctx:
    plan: Plan
    source: Document | None
    rules: dict[str, Any]
    aliases: list[dict[str, Any]]


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    return yaml.safe_load(files("ecoplan.plan").joinpath("data/check_rules.yaml").read_text("utf-8"))


@lru_cache(maxsize=1)
def _aliases() -> list[dict[str, Any]]:
    text = files("ecoplan.plan").joinpath("data/aliases.yaml").read_text("utf-8")
    return list(yaml.safe_load(text)["entries"])


def _ind_loc(ind: Indicator, field_: str | None = None) -> FindingLocation:
    return FindingLocation(table="表1", row=f"指标{ind.key}", field=field_)


def _fig_loc(plan: Plan, f: StatedFigure, ctx: _Ctx) -> FindingLocation:
    return FindingLocation(chapter=f.chapter, field=f.quantity, line=_line_of(ctx, f.text))


def _line_of(ctx: _Ctx, sentence: str) -> int | None:
    if ctx.source is None:
        return None
    for par in ctx.source.paragraphs:
        if sentence in par.text:
            return par.line
    return None


def _fmt(v: Decimal) -> str:
    return format(v.normalize(), "f") if v == v.to_integral() else str(v)


# ---------------------------------------------------------------- rules


def rule_days_vs_ratio(ctx: _Ctx) -> Iterator[Finding]:
    """A count of good (or heavy) days stated in the text against the table's ratio of that year."""
    plan = ctx.plan
    for f in plan.stated_figures:
        if f.quantity not in {"air.good_days", "air.heavy_days"} or not f.indicator_key:
            continue
        ind = plan.indicator(f.indicator_key)
        if f.year != plan.baseline_year or ind.baseline.value is None:
            continue
        ratio = ind.baseline.value
        exp = ratio.as_tuple().exponent
        places = Decimal(1).scaleb(exp if isinstance(exp, int) else -2)
        days_in_year = 366 if calendar.isleap(f.year) else 365
        fits = []
        for valid in range(324, days_in_year + 1):  # GB 3095-2012 §8: ≥324 daily values a year
            share = f.value / Decimal(valid) * 100
            if share.quantize(places, ROUND_HALF_UP) == ratio or share.quantize(places, ROUND_DOWN) == ratio:
                fits.append(valid)
        implied = (ratio * days_in_year / 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        implied_365 = (ratio * 365 / 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
        values = {"stated_days": f.value, "stated_in": f.chapter, "table_ratio_percent": ratio,
                  "year": f.year, "days_in_year": days_in_year,
                  "days_implied_by_ratio": implied, "days_implied_over_365_valid_days": implied_365}
        what_zh = "优良天数" if f.quantity == "air.good_days" else "重污染天数"
        what_en = "good days" if f.quantity == "air.good_days" else "heavy-pollution days"
        locs = [_fig_loc(plan, f, ctx), _ind_loc(ind, "2020年")]
        if not fits:
            yield Finding(
                "days_vs_ratio", "error", locs, values,
                f"第{f.chapter}节写 {f.year} 年{what_zh} {_fmt(f.value)} 天，与表1指标{ind.key}的 "
                f"{f.year} 年比例 {ratio}% 不符：{_fmt(f.value)} 天在任何有效天数（324–{days_in_year}）下都得不到 "
                f"{ratio}%（按 {days_in_year} 天约为 {implied} 天，按 365 个有效天约为 {implied_365} 天）",
                f"Chapter {f.chapter} states {_fmt(f.value)} {what_en} in {f.year}, but Table 1 "
                f"indicator {ind.key} gives {ratio}% for {f.year}: no number of valid days "
                f"(324–{days_in_year}) turns {_fmt(f.value)} days into {ratio}% (the ratio implies about "
                f"{implied} days of {days_in_year}, {implied_365} of 365 valid days)",
                f"核对 {f.year} 年监测结果，统一正文天数与表1比例；若比例正确，正文应为约 {implied_365:.0f} 天",
                f"Check the {f.year} monitoring result and make the text and Table 1 agree; if the "
                f"ratio is right the text should say about {implied_365:.0f} days",
            )
        elif days_in_year not in fits:
            values["valid_days_fitting"] = fits
            yield Finding(
                "days_vs_ratio", "info", locs, values,
                f"第{f.chapter}节的 {_fmt(f.value)} 天与表1的 {ratio}% 只在有效天数为 {fits[0]} 天时一致"
                f"（{f.year} 年有 {days_in_year} 天）：比例的分母是有效监测天数，不是全年天数",
                f"Chapter {f.chapter}'s {_fmt(f.value)} days match Table 1's {ratio}% only with "
                f"{fits[0]} valid days ({f.year} has {days_in_year}): the ratio is over valid "
                "monitoring days, not calendar days",
                "在规划或评估报告中注明比例以有效监测天数为分母及该年有效天数",
                "State in the plan or the assessment that the ratio is over valid monitoring days, "
                "and how many there were",
            )


def rule_stated_figures_disagree(ctx: _Ctx) -> Iterator[Finding]:
    """The same figure stated twice in the text with different values."""
    groups: dict[tuple[Any, ...], list[StatedFigure]] = {}
    for f in ctx.plan.stated_figures:
        if f.relation in {"value", "count"}:
            groups.setdefault((f.quantity, f.year, f.parameter, f.season), []).append(f)
    for (quantity, year, _p, _s), figs in groups.items():
        values = sorted({f.value for f in figs})
        if len(values) < 2:
            continue
        severity: Severity = "error" if quantity.startswith(("air.", "water.")) else "warning"
        listing_zh = "；".join(f"第{f.chapter}节 {_fmt(f.value)}{f.unit or ''}" for f in figs)
        listing_en = "; ".join(f"chapter {f.chapter}: {_fmt(f.value)} {f.unit or ''}".rstrip() for f in figs)
        label = quantity + (f"（{year}年）" if year else "")
        yield Finding(
            "stated_figures_disagree", severity, [_fig_loc(ctx.plan, f, ctx) for f in figs],
            {"quantity": quantity, "year": year,
             "values": [{"chapter": f.chapter, "value": str(f.value), "unit": f.unit} for f in figs]},
            f"正文对 {label} 给出不同数字：{listing_zh}",
            f"The text gives different figures for {quantity}" + (f" ({year})" if year else "")
            + f": {listing_en}",
            "核对原始资料，保留正确的一个数字并修改另一处；若指不同工程，请在文中写明各自范围",
            "Check the source records, keep the right figure and correct the other; if they are "
            "different works, say so in the text",
        )


def _same_category(a: str, b: str) -> bool:
    strip = lambda s: s.replace("工程", "").replace("生态环境", "环境")  # noqa: E731
    return strip(a) == strip(b)


def rule_category_count(ctx: _Ctx) -> Iterator[Finding]:
    """A number of project categories stated in the text against Table 2."""
    cats = ctx.plan.project_categories()
    for f in ctx.plan.stated_figures:
        if f.quantity != "key_project.category_count":
            continue
        missing = [c for c in cats if not any(_same_category(c, i) for i in f.items)] if f.items else []
        renamed = [(i, c) for i in f.items for c in cats if i != c and _same_category(c, i)]
        if int(f.value) == len(cats) and not missing and not renamed:
            continue
        values = {"stated_count": f.value, "table_count": len(cats), "stated_items": f.items,
                  "table_categories": cats, "not_in_text": missing,
                  "written_differently": [{"text": i, "table": c} for i, c in renamed]}
        severity: Severity = "error" if int(f.value) != len(cats) else "warning"
        yield Finding(
            "category_count", severity, [_fig_loc(ctx.plan, f, ctx), FindingLocation(table="表2", field="类别")],
            values,
            f"第{f.chapter}节说重点工程共 {_fmt(f.value)} 大类，表2 有 {len(cats)} 类"
            + (f"；文中未列出：{'、'.join(missing)}" if missing else "")
            + ("；名称不一致：" + "、".join(f"「{i}」/「{c}」" for i, c in renamed) if renamed else ""),
            f"Chapter {f.chapter} says the key projects fall into {_fmt(f.value)} categories; Table 2 "
            f"has {len(cats)}" + (f"; not listed in the text: {', '.join(missing)}" if missing else "")
            + ("; named differently: " + ", ".join(f"{i!r}/{c!r}" for i, c in renamed) if renamed else ""),
            f"将正文改为「{len(cats)}大类」并按表2列出全部类别名称（含 {'、'.join(missing) or '—'}）",
            f"Say {len(cats)} categories in the text and list them with Table 2's names "
            f"(including {', '.join(missing) or '—'})",
        )


_COUNTS = {
    "indicator.count": ("指标", "indicators", lambda p: len(p.indicators_by_number())),
    "indicator.binding_count": ("约束性指标", "binding indicators",
                                lambda p: sum(1 for parts in p.indicators_by_number().values()
                                              if parts[0].attribute == "binding")),
    "key_project.count": ("重点工程项目", "key projects", lambda p: len(p.key_projects)),
}


def rule_counts(ctx: _Ctx) -> Iterator[Finding]:
    """A number of indicators, binding indicators or projects stated in the text against the tables."""
    for f in ctx.plan.stated_figures:
        if f.quantity not in _COUNTS:
            continue
        zh, en, count = _COUNTS[f.quantity]
        actual = count(ctx.plan)
        if int(f.value) == actual:
            continue
        yield Finding(
            "count_vs_table", "error", [_fig_loc(ctx.plan, f, ctx), FindingLocation(table="表1" if "indicator" in f.quantity else "表2")],
            {"quantity": f.quantity, "stated": f.value, "table": actual},
            f"第{f.chapter}节说{zh}共 {_fmt(f.value)} 项，表中为 {actual} 项",
            f"Chapter {f.chapter} states {_fmt(f.value)} {en}; the table has {actual}",
            f"将正文改为 {actual} 项，或补全表格", f"Say {actual} in the text, or complete the table")


def rule_investment_total(ctx: _Ctx) -> Iterator[Finding]:
    """A total investment stated in the text against the sum of Table 2."""
    total = ctx.plan.total_investment()
    by_cat = ctx.plan.investment_by_category()
    for f in ctx.plan.stated_figures:
        if f.quantity == "key_project.total_investment" and f.value != total:
            yield Finding(
                "investment_total", "error", [_fig_loc(ctx.plan, f, ctx), FindingLocation(table="表2", field="投资估算")],
                {"stated_total": f.value, "table_total": total},
                f"正文写总投资 {_fmt(f.value)} 万元，表2 合计 {_fmt(total)} 万元",
                f"The text states a total investment of {_fmt(f.value)} (10^4 CNY); Table 2 sums to {_fmt(total)}",
                "核对表2各行投资与正文总数，使二者一致", "Reconcile Table 2's rows with the stated total")
        if f.quantity == "key_project.category_investment" and f.items:
            cat = f.items[0]
            if by_cat.get(cat) != f.value:
                yield Finding(
                    "investment_total", "error", [_fig_loc(ctx.plan, f, ctx), FindingLocation(table="表2", row=cat)],
                    {"category": cat, "stated_total": f.value, "table_total": by_cat.get(cat)},
                    f"正文写「{cat}」投资 {_fmt(f.value)} 万元，表2 该类合计 {by_cat.get(cat)} 万元",
                    f"The text states {_fmt(f.value)} for {cat!r}; Table 2 sums to {by_cat.get(cat)}",
                    "核对该类各行投资", "Reconcile the category's rows")
    for p in ctx.plan.key_projects:
        if p.investment_wan_yuan is None:
            yield Finding(
                "investment_missing", "warning", [FindingLocation(table="表2", row=f"项目{p.number}", field="投资估算")],
                {"project": p.name, "investment_text": p.investment_text},
                f"项目{p.number}「{p.name}」没有可用的投资估算", f"Project {p.number} has no usable investment",
                "补充投资估算（万元）", "Add the estimated investment (10^4 CNY)")


def rule_target_usable(ctx: _Ctx) -> Iterator[Finding]:
    """Indicators without a usable target: empty cells, unknown phrases, municipal tasks not yet
    recorded, qualitative targets without a threshold."""
    plan = ctx.plan
    empty = [i for i in plan.indicators if i.target.kind in {"none", "other"}]
    for ind in empty:
        above = [i for i in plan.indicators if i.number == ind.number - 1]
        hint_zh = hint_en = ""
        if above and above[0].target.kind == "municipal":
            hint_zh = f"；上一行（指标{above[0].key}）为「{above[0].target.text}」，原表很可能是跨行合并单元格"
            hint_en = (f"; the row above (indicator {above[0].key}) reads {above[0].target.text!r}: the "
                       "original table probably merged that cell over these rows")
        severity: Severity = "error" if ind.attribute == "binding" else "warning"
        attr_zh = "约束性" if ind.attribute == "binding" else "预期性"
        yield Finding(
            "target_missing", severity, [_ind_loc(ind, "2025年")],
            {"indicator": ind.key, "name": ind.name_zh, "attribute": ind.attribute, "target_text": ind.target.text},
            f"{attr_zh}指标{ind.key}「{ind.name_zh}」的2025年目标值为空{hint_zh}",
            f"{ind.attribute.capitalize()} indicator {ind.key} ({ind.name_zh}) has an empty 2025 target{hint_en}",
            "确认原表：若为合并单元格，填写「完成市下达的任务」并在 municipal_targets 中登记市级下达值及文号；否则补充目标值",
            "Check the original table: if the cell is merged, write 完成市下达的任务 and record the city's "
            "value and document under municipal_targets; otherwise add the target",
        )
    for ind in plan.indicators:
        if ind.target.kind == "municipal" and not plan.municipal_history(ind.key):
            severity = "warning" if ind.attribute == "binding" else "info"
            yield Finding(
                "municipal_target_not_recorded", severity, [_ind_loc(ind, "2025年")],
                {"indicator": ind.key, "name": ind.name_zh, "target_text": ind.target.text},
                f"指标{ind.key}「{ind.name_zh}」的目标是「{ind.target.text}」，但尚未登记市级下达的具体数值，无法评估",
                f"Indicator {ind.key} ({ind.name_zh}) targets {ind.target.text!r} but no municipal target "
                "is recorded, so it cannot be assessed",
                "在 municipal_targets 中登记市级下达的目标值、生效日期与文号",
                "Record the city's target with its effective date and document under municipal_targets",
            )
        if ind.target.kind == "eliminate" and ind.baseline.kind == "value" and not plan.municipal_history(ind.key):
            yield Finding(
                "qualitative_target", "info", [_ind_loc(ind, "2025年")],
                {"indicator": ind.key, "target_text": ind.target.text, "baseline": ind.baseline.text},
                f"指标{ind.key}的目标「{ind.target.text}」没有数值阈值；评估时按比例为 0 判定，达不到即视为未完成",
                f"Indicator {ind.key}'s target {ind.target.text!r} has no numeric threshold; ecoplan "
                "assesses it as a ratio of 0",
                "如市里对「基本消除」有量化口径（如重污染天数比例≤某值），登记为 municipal_targets",
                "If the city quantifies 基本消除, record that threshold under municipal_targets",
            )


def rule_target_vs_baseline(ctx: _Ctx) -> Iterator[Finding]:
    """Targets weaker than the baseline (or than a rate the text itself sets)."""
    plan = ctx.plan
    for ind in plan.indicators:
        b, t = ind.baseline, ind.target
        weaker = False
        if b.kind == "value" and t.kind == "value" and b.value is not None and t.value is not None:
            if t.operator in {"<=", "<"} and t.value > b.value:
                weaker = True
            if t.operator in {">=", ">"} and t.value < b.value:
                weaker = True
        if b.kind == "water_class" and t.kind == "water_class" and (t.water_class or 0) > (b.water_class or 0):
            weaker = True
        if weaker:
            yield Finding(
                "target_weaker_than_baseline", "error", [_ind_loc(ind, "2025年")],
                {"indicator": ind.key, "baseline": b.text, "target": t.text},
                f"指标{ind.key}「{ind.name_zh}」的目标 {t.text} 比基准 {b.text} 更宽松",
                f"Indicator {ind.key}'s target {t.text} is weaker than its baseline {b.text}",
                "核对目标值；规划目标不应低于基准年水平", "Check the target: it should not fall below the baseline")
    for f in plan.stated_figures:
        if f.relation != "annual_increase" or not f.indicator_key:
            continue
        ind = plan.indicator(f.indicator_key)
        if ind.baseline.value is None:
            continue
        years = plan.end_year - plan.baseline_year
        implied = ind.baseline.value + f.value * years
        t = ind.target
        weaker = t.kind in {"maintain", "not_decrease"} or (
            t.kind == "value" and t.value is not None and t.value < implied)
        if weaker:
            yield Finding(
                "target_weaker_than_text", "warning", [_ind_loc(ind, "2025年"), _fig_loc(plan, f, ctx)],
                {"indicator": ind.key, "baseline": ind.baseline.text, "table_target": t.text,
                 "stated_annual_increase": f.value, "unit": f.unit, "implied_target": implied},
                f"第{f.chapter}节要求{f.quantity} {_fmt(f.value)}{f.unit or ''}，"
                f"{years} 年后应约为 {_fmt(implied)}{ind.unit or ''}，而表1指标{ind.key}目标只是「{t.text}」（基准 {ind.baseline.text}）",
                f"Chapter {f.chapter} sets an increase of {_fmt(f.value)} {f.unit or ''} a year, i.e. about "
                f"{_fmt(implied)} {ind.unit or ''} after {years} years, but Table 1 indicator {ind.key} only "
                f"targets {t.text!r} (baseline {ind.baseline.text})",
                f"将表1目标改为 ≥{_fmt(implied)}{ind.unit or ''}，或删改正文的年均增幅",
                f"Set Table 1's target to ≥{_fmt(implied)} {ind.unit or ''}, or revise the text's yearly rate",
            )


_PARAM_ZH = {"nh3n": "氨氮", "cod": "化学需氧量", "tp": "总磷"}
_PARAM_EN = {"nh3n": "NH3-N", "cod": "COD", "tp": "TP"}


def rule_baseline_vs_stated_limit(ctx: _Ctx) -> Iterator[Finding]:
    """A section's baseline class against the (interim) limits the text says applied that year."""
    table = ctx.rules["gb3838_table1_mg_per_l"]
    groups: dict[tuple[str, str], list[StatedFigure]] = {}
    for f in ctx.plan.stated_figures:
        if f.relation == "limit" and f.indicator_key and f.parameter in table:
            groups.setdefault((f.indicator_key, f.parameter), []).append(f)
    for (key, param), figs in groups.items():
        ind = ctx.plan.indicator(key)
        if ind.baseline.water_class is None or ind.baseline.water_class > 5:
            continue
        limit = Decimal(table[param][ind.baseline.water_class])
        looser = [f for f in figs if f.value > limit]
        if not looser:
            continue
        label = WATER_CLASS_LABELS[ind.baseline.water_class]
        pname = _PARAM_ZH.get(param, param)
        pname_en = _PARAM_EN.get(param, param)
        stated = "，".join(f"{f.season or ''}≤{_fmt(f.value)}{f.unit or ''}" for f in looser)
        stated_en = ", ".join(f"{f.season or ''} ≤{_fmt(f.value)} {f.unit or ''}" for f in looser)
        target_limit = (Decimal(table[param][ind.target.water_class])
                        if ind.target.water_class and ind.target.water_class <= 5 else None)
        yield Finding(
            "baseline_class_overstated", "warning",
            [_ind_loc(ind, "2020年")] + [_fig_loc(ctx.plan, f, ctx) for f in looser],
            {"indicator": key, "baseline": ind.baseline.text, "parameter": param,
             "stated_limits": [{"season": f.season, "value": str(f.value), "unit": f.unit} for f in looser],
             "class_limit": limit, "target": ind.target.text, "target_class_limit": target_limit,
             "standard": table["standard"]},
            f"表1指标{key}基准为「{ind.baseline.text}」，但正文说该断面执行的是{pname} {stated} 的过渡要求，"
            f"宽于 {table['standard']} {label} 限值 {limit} mg/L：按国标单因子评价，基准年实际可能劣于{label}；"
            f"目标「{ind.target.text}」要求{pname} ≤ {target_limit} mg/L",
            f"Table 1 indicator {key} has baseline {ind.baseline.text!r}, but the text says the section "
            f"met an interim rule of {pname_en} {stated_en}, looser than the {table['standard']} class "
            f"{label} limit of {limit} mg/L: judged by the standard's single-factor method the baseline "
            f"may be worse than {label}; the target {ind.target.text!r} needs {pname_en} ≤ "
            f"{target_limit} mg/L",
            "基准列注明「过渡考核要求」或按国标重新评价2020年水质类别；评估时对2021–2025按过渡要求与国标分别给出结果",
            "Mark the baseline as the interim requirement or re-evaluate the 2020 class under the "
            "standard; assess 2021–2025 against both the interim rule and the standard",
        )


def rule_data_sources(ctx: _Ctx) -> Iterator[Finding]:
    """Binding indicators that no monitoring data source feeds; computed indicators whose stations
    or sections are not identified."""
    known = set(ctx.rules["known_statistics"])
    for ind in ctx.plan.indicators:
        m = ind.measurement
        if m is None:
            yield Finding(
                "measurement_missing", "error" if ind.attribute == "binding" else "warning",
                [_ind_loc(ind, "measurement")], {"indicator": ind.key},
                f"指标{ind.key}「{ind.name_zh}」未说明如何测算（监测统计量或报送部门）",
                f"Indicator {ind.key} does not say how it is measured",
                "在 measurement 中写明统计量或报送部门", "Give the statistic or the reporting department")
            continue
        if m.kind == "computed" and m.statistic not in known:
            yield Finding(
                "unknown_statistic", "error", [_ind_loc(ind, "measurement.statistic")],
                {"indicator": ind.key, "statistic": m.statistic, "known": sorted(known)},
                f"指标{ind.key}的统计量 {m.statistic} 没有数据源计算", f"No data source computes {m.statistic}",
                "改用已有统计量，或改为部门报送", "Use a known statistic or make it a department report")
        if m.kind == "reported" and ind.attribute == "binding":
            yield Finding(
                "binding_without_monitoring", "warning", [_ind_loc(ind, "measurement")],
                {"indicator": ind.key, "name": ind.name_zh, "department": m.department},
                f"约束性指标{ind.key}「{ind.name_zh}」没有监测数据源，只能依靠{m.department}报送",
                f"Binding indicator {ind.key} ({ind.name_zh}) is fed by no monitoring data; it depends on a "
                f"report from {m.department}",
                f"明确{m.department}每年报送的时间、口径与佐证材料，并在平台中按年录入",
                f"Agree when and how {m.department} reports it each year, with evidence, and enter it yearly",
            )
        if m.section_count and len(m.sections) < m.section_count:
            yield Finding(
                "sections_not_identified", "warning", [_ind_loc(ind, "measurement.sections")],
                {"indicator": ind.key, "section_count": m.section_count, "named_sections": m.sections},
                f"指标{ind.key}「{ind.name_zh}」涉及 {m.section_count} 个断面，规划只点名了 {len(m.sections)} 个"
                f"（{'、'.join(m.sections) or '无'}）",
                f"Indicator {ind.key} covers {m.section_count} sections but the plan names only "
                f"{len(m.sections)} ({', '.join(m.sections) or 'none'})",
                "在规划或断面登记中写明全部断面名称与编码，否则无法从监测数据计算",
                "Name every section (with its code) in the plan or the section register",
            )


def _plan_texts(plan: Plan) -> Iterator[tuple[FindingLocation, str]]:
    for ind in plan.indicators:
        yield _ind_loc(ind, "指标"), ind.name_zh
    for p in plan.key_projects:
        yield FindingLocation(table="表2", row=f"项目{p.number}"), f"{p.name} {p.content} {' '.join(p.lead_departments)}"
    for t in plan.tasks:
        yield FindingLocation(chapter=t.chapter, row=f"任务{t.key}"), t.text + " " + (t.department or "")
    for f in plan.stated_figures:
        yield FindingLocation(chapter=f.chapter, field=f.quantity), f.text


def rule_aliases(ctx: _Ctx) -> Iterator[Finding]:
    """Place names (and departments) written two ways."""
    if ctx.source is not None:
        texts = [(FindingLocation(chapter=p.chapter, line=p.line, file=ctx.source.path), p.text)
                 for p in ctx.source.paragraphs]
        texts += [(FindingLocation(table="表1"), i.name_zh) for i in ctx.plan.indicators]
        texts += [(FindingLocation(table="表2", row=f"项目{p.number}"),
                   f"{p.name} {p.content} {' '.join(p.lead_departments)}") for p in ctx.plan.key_projects]
    else:
        texts = list(_plan_texts(ctx.plan))
    for entry in ctx.aliases:
        canonical, variants = entry["canonical"], entry["variants"]
        canon_count = 0
        var_hits: dict[str, list[FindingLocation]] = {}
        pattern = re.compile("|".join(re.escape(n) for n in sorted([canonical, *variants], key=len, reverse=True)))
        for loc, text in texts:
            for m in pattern.finditer(text):  # leftmost-longest: 出境武良断面 is not also 武良断面
                if m.group(0) == canonical:
                    canon_count += 1
                else:
                    var_hits.setdefault(m.group(0), []).append(loc)
        if not var_hits:
            continue
        if entry["severity"] == "info" and canon_count == 0:
            continue  # written one way only: nothing to reconcile
        locs: list[FindingLocation] = []
        for hits in var_hits.values():
            for loc in hits:
                if loc not in locs:
                    locs.append(loc)
        counts = {v: len(h) for v, h in var_hits.items()}
        listing = "、".join(f"「{v}」{n}处" for v, n in counts.items())
        listing_en = ", ".join(f"{v!r} ×{n}" for v, n in counts.items())
        yield Finding(
            "name_written_two_ways", entry["severity"], locs,
            {"kind": entry["kind"], "canonical": canonical, "canonical_count": canon_count, "variants": counts},
            f"{_KIND_ZH.get(entry['kind'], entry['kind'])}名称不统一：「{canonical}」{canon_count}处，另写作 {listing}",
            f"{entry['kind'].capitalize()} name written two ways: {canonical!r} ×{canon_count}, also {listing_en}",
            f"统一写作「{canonical}」" + ("（另一写法会把同一条河的数据分开）" if entry["kind"] == "river" else ""),
            f"Write {canonical!r} everywhere" + (" (the other spelling splits one river's data)"
                                                 if entry["kind"] == "river" else ""),
        )


_KIND_ZH = {"river": "河流", "section": "断面", "town": "乡镇", "source": "水源地", "department": "部门"}
_YEAR_RE = re.compile(r"(?<![\d-])((?:19|20)\d{2})年")
_CN_YEAR_RE = re.compile(r"([二〇零一三四五六七八九]{4})年")
_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def rule_dates(ctx: _Ctx) -> Iterator[Finding]:
    """Dates outside the plan period (task deadlines, project years, years in the text)."""
    plan = ctx.plan
    lo, hi = plan.start_year, plan.end_year
    for t in plan.tasks:
        if t.deadline and not (lo <= t.deadline.year <= hi):
            yield Finding(
                "date_outside_period", "error", [FindingLocation(chapter=t.chapter, row=f"任务{t.key}", field="deadline")],
                {"task": t.key, "deadline": t.deadline.isoformat(), "period": f"{lo}-{hi}"},
                f"任务{t.key}的期限 {t.deadline} 在规划期 {lo}–{hi} 之外",
                f"Task {t.key}'s deadline {t.deadline} is outside the plan period {lo}–{hi}",
                "核对期限年份", "Check the deadline's year")
        if t.deadline_text and re.fullmatch(r"\d{4}年前", t.deadline_text):
            yield Finding(
                "ambiguous_deadline", "info", [FindingLocation(chapter=t.chapter, row=f"任务{t.key}", field="deadline_text")],
                {"task": t.key, "deadline_text": t.deadline_text, "read_as": t.deadline.isoformat() if t.deadline else None},
                f"任务{t.key}写「{t.deadline_text}」，可理解为该年之前或该年年底前；ecoplan 按 {t.deadline} 评估",
                f"Task {t.key} says {t.deadline_text!r} (before that year, or by its end?); ecoplan assesses it at {t.deadline}",
                f"改写为「{t.deadline_text[:4]}年底前」或「{int(t.deadline_text[:4]) - 1}年底前」",
                "Write 'by the end of YEAR' explicitly")
        if t.project_number is not None and t.deadline is not None:
            p = next((p for p in plan.key_projects if p.number == t.project_number), None)
            if p and p.end_year and p.end_year != t.deadline.year:
                yield Finding(
                    "deadline_vs_project_period", "warning",
                    [FindingLocation(chapter=t.chapter, row=f"任务{t.key}"), FindingLocation(table="表2", row=f"项目{p.number}", field="实施时间")],
                    {"task": t.key, "deadline": t.deadline.isoformat(), "project": p.number, "period": p.period_text},
                    f"任务{t.key}要求 {t.deadline} 前完成，表2项目{p.number}实施时间为 {p.period_text}",
                    f"Task {t.key} is due {t.deadline}; Table 2 project {p.number} runs {p.period_text}",
                    "统一任务期限与项目实施时间", "Make the deadline and the project period agree")
    for p in plan.key_projects:
        if (p.start_year and p.start_year < lo) or (p.end_year and p.end_year > hi):
            yield Finding(
                "date_outside_period", "warning", [FindingLocation(table="表2", row=f"项目{p.number}", field="实施时间")],
                {"project": p.number, "period": p.period_text, "plan_period": f"{lo}-{hi}"},
                f"项目{p.number}实施时间 {p.period_text} 超出规划期 {lo}–{hi}",
                f"Project {p.number} runs {p.period_text}, outside the plan period {lo}–{hi}",
                "确认是否为跨期项目并注明", "Confirm it spans plans and say so")
    if ctx.source is None:
        return
    for par in ctx.source.paragraphs:
        if par.chapter == "1" or par.chapter.startswith("1."):
            continue  # the review of the previous period talks about its own years
        years: list[tuple[int, str]] = [(int(m.group(1)), m.group(0)) for m in _YEAR_RE.finditer(par.text)]
        for m in _CN_YEAR_RE.finditer(par.text):
            digits = m.group(1)
            if all(c in _CN_DIGITS for c in digits):
                years.append((int("".join(str(_CN_DIGITS[c]) for c in digits)), m.group(0)))
        for year, written in years:
            if lo - 1 <= year <= hi:  # the baseline year may be named anywhere
                continue
            sentence = next((s for s in re.split(r"(?<=[。；])", par.text) if written in s), par.text)
            yield Finding(
                "date_outside_period", "info",
                [FindingLocation(chapter=par.chapter, line=par.line, file=ctx.source.path)],
                {"written": written, "year": year, "period": f"{lo}-{hi}", "sentence": sentence[:120]},
                f"第{par.chapter}节提到规划期 {lo}–{hi} 之外的年份「{written}」：这是远景表述，不作为本期任务评估",
                f"Chapter {par.chapter} names {written!r} ({year}), outside the plan period {lo}–{hi}: a "
                "long-range aim, not assessed as a task of this plan",
                "如为远景目标可保留，但不应写入本期指标或任务；如为笔误请改为期内年份",
                "Keep it as a long-range aim outside the indicators and tasks, or correct the year",
            )


_MW_RE = re.compile(r"(\d+)\s*[xX×*]\s*(\d+(?:\.\d+)?)\s*MW")
_BOILER_RE = re.compile(r"(\d+)\s*台\s*(\d+(?:\.\d+)?)\s*[tT]/h")


def rule_project_plausibility(ctx: _Ctx) -> Iterator[Finding]:
    """Project rows whose own figures do not fit together, or whose content is only a name."""
    bounds = ctx.rules["steam_rate_t_per_h_per_mw"]
    lo, hi = Decimal(bounds["min"]), Decimal(bounds["max"])
    words = ctx.rules["project_action_words"]
    for p in ctx.plan.key_projects:
        text = f"{p.name} {p.content}"
        mw, boiler = _MW_RE.search(text), _BOILER_RE.search(text)
        if mw and boiler:
            unit_mw = Decimal(mw.group(2))
            steam = Decimal(boiler.group(2))
            rate = (steam / unit_mw).quantize(Decimal("0.1"))
            if not (lo <= rate <= hi):
                likely = (steam / Decimal("3.5")).quantize(Decimal("1"))
                yield Finding(
                    "project_figures_inconsistent", "warning",
                    [FindingLocation(table="表2", row=f"项目{p.number}", field="项目名称/项目建设内容")],
                    {"project": p.number, "unit": mw.group(0), "boiler": boiler.group(0),
                     "t_per_h_per_mw": rate, "plausible_range": f"{lo}-{hi}"},
                    f"项目{p.number}名称写 {mw.group(0)} 机组，内容写 {boiler.group(0)} 锅炉："
                    f"每 MW {rate} t/h，远超常见的 {lo}–{hi}；{boiler.group(2)} t/h 锅炉对应约 {likely} MW 机组",
                    f"Project {p.number} names a {mw.group(0)} unit but {boiler.group(0)} boilers: {rate} t/h "
                    f"per MW, far outside the usual {lo}–{hi}; a {boiler.group(2)} t/h boiler serves a unit "
                    f"of about {likely} MW",
                    f"核对机组容量（可能为 {mw.group(1)}×300MW）或锅炉蒸发量",
                    f"Check the unit size (probably {mw.group(1)}×300MW) or the boiler rating",
                )
        if not any(w in p.content for w in words):
            yield Finding(
                "project_content_incomplete", "info",
                [FindingLocation(table="表2", row=f"项目{p.number}", field="项目建设内容")],
                {"project": p.number, "name": p.name, "content": p.content},
                f"项目{p.number}的建设内容只有「{p.content}」，没有写明建设或改造内容",
                f"Project {p.number}'s content is only {p.content!r}: it does not say what is built or upgraded",
                f"补全为如「{p.content}超低排放改造项目」", "Complete the row with the work to be done")


RULES: list[Callable[[_Ctx], Iterator[Finding]]] = [
    rule_days_vs_ratio,
    rule_stated_figures_disagree,
    rule_category_count,
    rule_counts,
    rule_investment_total,
    rule_target_usable,
    rule_target_vs_baseline,
    rule_baseline_vs_stated_limit,
    rule_data_sources,
    rule_aliases,
    rule_dates,
    rule_project_plausibility,
]


def _source_figures(doc: Document, plan: Plan) -> list[StatedFigure]:
    """Figures the check reads from the source text itself (for plans without stated_figures)."""
    out: list[StatedFigure] = []
    good_key = next((i.key for i in plan.indicators
                     if i.measurement and i.measurement.statistic == "air.good_day_ratio"), None)
    for par in doc.paragraphs:
        for s in re.split(r"(?<=[。])", par.text):
            m = re.search(r"(\d{4})年[^。]{0,12}?优良天数[^。\d]{0,4}(\d+)天", s)
            if m and good_key:
                out.append(StatedFigure(quantity="air.good_days", year=int(m.group(1)), value=Decimal(m.group(2)),
                                        unit="天", chapter=par.chapter, text=s, indicator_key=good_key,
                                        relation="count"))
            for pattern, quantity in ((r"(\d+|[一二三四五六七八九十]+)\s*项约束性指标|约束性指标\s*(\d+|[一二三四五六七八九十]+)\s*项",
                                       "indicator.binding_count"),
                                      (r"(?<!约束性)(?<!预期性)(?:共|包括)\s*(\d+|[一二三四五六七八九十]+)\s*项(?:主要)?指标",
                                       "indicator.count"),
                                      (r"(\d+|[一二三四五六七八九十]+)\s*(?:个|项)重点(?:工程|项目)", "key_project.count")):
                m = re.search(pattern, s)
                if m:
                    word = next(g for g in m.groups() if g)
                    n = int(word) if word.isdigit() else cn_number(word)
                    out.append(StatedFigure(quantity=quantity, value=Decimal(n), chapter=par.chapter, text=s,
                                            relation="count"))
            m = re.search(r"等\s*(\d+|[一二三四五六七八九十]+)\s*大类", s)
            if m and plan.key_projects:
                n = int(m.group(1)) if m.group(1).isdigit() else cn_number(m.group(1))
                out.append(StatedFigure(quantity="key_project.category_count", value=Decimal(n), unit="类",
                                        chapter=par.chapter, text=s, relation="count"))
    return out


def check_plan(plan: Plan, source: Document | None = None) -> CheckReport:
    """Run every rule on ``plan`` (and its source document when given)."""
    if source is not None:
        extra = [f for f in _source_figures(source, plan)
                 if not any(f.quantity == g.quantity and f.value == g.value
                            and (f.chapter == g.chapter or f.text in g.text or g.text in f.text)
                            for g in plan.stated_figures)]
        if extra:
            plan = plan.model_copy(update={"stated_figures": [*plan.stated_figures, *extra]})
    ctx = _Ctx(plan, source, _rules(), _aliases())
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(ctx))
    findings.sort(key=lambda f: SEVERITY_ORDER[f.severity])
    summary = {
        "indicators": len(plan.indicators),
        "numbered_indicators": len(plan.indicators_by_number()),
        "binding": sum(1 for i in plan.indicators if i.attribute == "binding"),
        "key_projects": len(plan.key_projects),
        "project_categories": len(plan.project_categories()),
        "total_investment_wan_yuan": str(plan.total_investment()),
        "investment_by_category": {k: str(v) for k, v in plan.investment_by_category().items()},
        "tasks": len(plan.tasks),
        "dated_tasks": sum(1 for t in plan.tasks if t.deadline),
        "municipal_targets": len(plan.municipal_targets),
    }
    return CheckReport(plan.code, findings, summary)
