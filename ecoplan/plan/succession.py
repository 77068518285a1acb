"""Plan succession: the next plan drafted from the previous one, and the arithmetic of the
target check (目标可达性分析).

Pure: the baselines come in as :class:`~ecoplan.plan.model.Baseline` objects computed elsewhere
(``ecoplan.assess.succession`` computes them from the workspace's data); this module assembles
the draft, links each indicator to its predecessor with the changes stated, and does the
arithmetic of a target against its baseline, its history and the higher-level targets.

Arithmetic (hand-worked cases in ``tests/plan/test_succession.py``):

* required change per year ``(T − B) / n`` and required annual rate ``(T / B)^(1/n) − 1`` with
  ``n = end_year − baseline_year``;
* historical trend: the least-squares slope of the yearly values (and the compound rate from the
  first to the last year); the trend continued from the baseline gives ``B + n × slope``;
* distance of the target from the trend: ``T − (B + n × slope)``, and the pace ratio
  ``required improvement per year ÷ historical improvement per year``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ecoplan.errors import Location, PlanError
from ecoplan.plan.cells import CellError, parse_target
from ecoplan.plan.model import (
    Baseline,
    Indicator,
    IndicatorLink,
    LinkChange,
    Measurement,
    Plan,
    Target,
)

AIR_RULES = {
    "2012": "GB 3095-2012、HJ 633-2012、HJ 663-2013",
    "2026": "GB 3095-2026、HJ 633-2026、HJ 663-2026",
}
AIR_STATISTICS = ("air.pm25_annual_mean", "air.good_day_ratio", "air.heavy_day_ratio",
                  "air.pm10_annual_mean", "air.o3_8h_p90", "air.composite_index")
CHINESE_NUMERALS = "零一二三四五六七八九十"


def fyp_name(start_year: int) -> str:
    """“十五五” for 2026 (the 14th Five-Year Plan began in 2021)."""
    n = 14 + (start_year - 2021) // 5
    tens, ones = divmod(n, 10)
    word = ("十" if tens == 1 else CHINESE_NUMERALS[tens] + "十" if tens else "") + \
        (CHINESE_NUMERALS[ones] if ones else "")
    return f"“{word}五”"


def parse_period(text: str) -> tuple[int, int]:
    """'2026-2030' → (2026, 2030); PlanError otherwise."""
    parts = text.replace("–", "-").split("-")
    try:
        start, end = int(parts[0]), int(parts[1])
    except (ValueError, IndexError) as exc:
        raise PlanError(f"规划期「{text}」应写成 2026-2030", f"period {text!r} must look like 2026-2030",
                        location=Location(field="--period")) from exc
    if end < start or len(parts) != 2:
        raise PlanError(f"规划期「{text}」的结束年份早于开始年份", f"period {text!r} ends before it starts",
                        location=Location(field="--period"))
    return start, end


def air_rule_basis(statistic: str | None) -> bool:
    return bool(statistic) and str(statistic) in AIR_STATISTICS


def link_changes(old: Indicator, new: Indicator, *, old_rules: str | None = None,
                 new_rules: str | None = None) -> list[LinkChange]:
    """What differs between an indicator and its predecessor: rule basis, unit, name, section
    (category), target kind, attribute, measurement."""
    out: list[LinkChange] = []
    if old_rules and new_rules and old_rules != new_rules:
        out.append(LinkChange(kind="rule_basis", old=old_rules, new=new_rules,
                              note="新规划按新标准评价；基准同时给出新旧两种口径的数值"))
    if (old.unit or "") != (new.unit or ""):
        out.append(LinkChange(kind="unit", old=old.unit or "", new=new.unit or ""))
    if old.name_zh != new.name_zh:
        out.append(LinkChange(kind="name", old=old.name_zh, new=new.name_zh))
    if old.category != new.category:
        out.append(LinkChange(kind="section", old=old.category, new=new.category))
    if old.attribute != new.attribute:
        out.append(LinkChange(kind="attribute", old=old.attribute_zh, new=new.attribute_zh))
    if old.target.kind != new.target.kind and new.target.kind != "none":
        out.append(LinkChange(kind="target_kind", old=old.target.text, new=new.target.text))
    om, nm = old.measurement, new.measurement
    if om and nm and (om.statistic, om.river, tuple(om.sections), tuple(om.sources)) != \
            (nm.statistic, nm.river, tuple(nm.sections), tuple(nm.sources)):
        out.append(LinkChange(kind="measurement",
                              old=" ".join(filter(None, [om.statistic, om.river, *om.sections, *om.sources])),
                              new=" ".join(filter(None, [nm.statistic, nm.river, *nm.sections, *nm.sources]))))
    return out


def build_draft(previous: Plan, start_year: int, end_year: int, baselines: Mapping[str, Baseline],
                *, targets: Mapping[str, Target] | None = None, code: str | None = None,
                new_air_rules: str = "2026") -> Plan:
    """The next plan's draft: every indicator of ``previous`` carried over with its computed
    baseline (``baselines`` by key), linked to its predecessor with the changes stated, and the
    proposed ``targets`` (by key; an indicator without one gets an empty target to be set).
    Key projects and tasks are the new plan's own and start empty."""
    targets = targets or {}
    region_code = previous.code.rsplit("-", 2)[0]
    new_code = code or f"{region_code}-{start_year}-{end_year}"
    indicators: list[Indicator] = []
    for old in previous.indicators:
        base = baselines.get(old.key) or Baseline(
            text="待填报", kind="none", year=start_year - 1, source="entry", to_enter=True,
            source_text="无数据，待填报")
        target = targets.get(old.key) or Target(text="", kind="none")
        m = old.measurement
        measurement: Measurement | None = None
        if m is not None:
            note = m.ruleset_note
            if air_rule_basis(m.statistic):
                note = f"按 {AIR_RULES[new_air_rules]} 评价（{start_year} 年起）"
            measurement = m.model_copy(update={"ruleset_note": note})
        new = old.model_copy(update={"baseline": base, "target": target, "measurement": measurement,
                                     "predecessor": None, "note": None})
        air = air_rule_basis(m.statistic if m else None)
        changes = link_changes(old, new, old_rules=AIR_RULES["2012"] if air else None,
                               new_rules=AIR_RULES[new_air_rules] if air else None)
        new.predecessor = IndicatorLink(plan=previous.code, key=old.key, changes=changes)
        indicators.append(new)
    fyp = fyp_name(start_year)
    title = previous.title_zh
    old_fyp = fyp_name(previous.start_year)
    title = title.replace(old_fyp, fyp) if old_fyp in title else f"{previous.region.name_zh}{fyp}生态环境保护规划"
    return Plan(
        code=new_code, title_zh=f"{title}（草稿）",
        title_en=_title_en(previous, start_year, end_year),
        region=previous.region, start_year=start_year, end_year=end_year,
        baseline_year=start_year - 1, source=None,
        municipal_override_note=previous.municipal_override_note,
        indicators=indicators, status="draft", predecessor=previous.code,
        status_note=(f"由 ecoplan plan draft 从 {previous.code} 生成于 {date.today().isoformat()}："
                     f"{start_year - 1} 年基准由工作区数据计算，目标值待编制单位确定"),
    )


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def _title_en(previous: Plan, start_year: int, end_year: int) -> str | None:
    if not previous.title_en:
        return None
    old_n, new_n = 14 + (previous.start_year - 2021) // 5, 14 + (start_year - 2021) // 5
    return (previous.title_en.replace(_ordinal(old_n), _ordinal(new_n))
            .replace(str(previous.start_year), str(start_year))
            .replace(str(previous.end_year), str(end_year)) + " (draft)")


def load_proposed_targets(path: str | Path, plan: Plan) -> tuple[dict[str, Target], bool]:
    """Proposed targets from a YAML file ``targets: {key: '≤40', …}`` (``example: true`` marks a
    constructed example), parsed like the plan's own cells; errors name file and indicator."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PlanError(f"无法读取目标文件 {p}：{exc}", f"cannot read the targets file {p}: {exc}",
                        location=Location(file=str(p))) from exc
    out: dict[str, Target] = {}
    for k, v in (data.get("targets") or {}).items():
        ind = plan.indicator(str(k))
        try:
            out[str(k)] = parse_target(str(v), ind.direction)
        except CellError as exc:
            raise PlanError(f"文件 {p} 指标 {k}：{exc.zh}", f"file {p}, indicator {k}: {exc.en}",
                            location=Location(file=str(p), field=f"targets.{k}")) from exc
    return out, bool(data.get("example"))


def plan_to_yaml(plan: Plan, header: str = "") -> str:
    """The plan as a YAML file in the bundled plans' format (numbers as strings, defaults left out)."""
    data = plan.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return header + text


# ---------------------------------------------------------------------------- target arithmetic
Verdict = Literal["already_met", "within_trend", "beyond_trend", "far_beyond_trend",
                  "against_trend", "no_history", "no_baseline", "no_target", "qualitative"]

VERDICT_WORDS: dict[str, tuple[str, str]] = {
    "already_met": ("基准已达到目标", "the baseline already meets the target"),
    "within_trend": ("按 2020—2025 年趋势可达", "reachable at the 2020–2025 pace"),
    "beyond_trend": ("需快于历史趋势（不超过 2 倍）", "needs up to twice the historical pace"),
    "far_beyond_trend": ("需远快于历史趋势（2 倍以上）", "needs more than twice the historical pace"),
    "against_trend": ("历史趋势未改善或变差", "the history did not improve"),
    "no_history": ("历史数据不足，无法判断趋势", "too little history for a trend"),
    "no_baseline": ("无基准值", "no baseline"),
    "no_target": ("尚未确定目标值", "no target set yet"),
    "qualitative": ("定性目标，不作数值测算", "qualitative target, no arithmetic"),
}


def ols_slope(series: Mapping[int, Decimal | float]) -> float | None:
    """Least-squares slope per year of ``{year: value}`` (None with fewer than 3 values)."""
    pts = sorted((y, float(v)) for y, v in series.items() if v is not None)
    if len(pts) < 3:
        return None
    n = len(pts)
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
    return sxy / sxx


def compound_rate(first: float, last: float, years: int) -> float | None:
    """(last / first)^(1/years) − 1; None when a value is not positive or years < 1."""
    if years < 1 or first <= 0 or last <= 0:
        return None
    return (last / first) ** (1 / years) - 1


@dataclass
class TrendCheck:
    """One target against its baseline and the 2020–2025 history."""

    key: str
    name: str
    unit: str | None
    direction: str | None
    target_text: str
    target_value: float | None
    baseline_value: float | None
    baseline_ruleset: str | None
    years: int
    required_per_year: float | None = None
    required_rate: float | None = None
    history: dict[int, float] = field(default_factory=dict)
    history_ruleset: str | None = None
    trend_slope: float | None = None
    trend_rate: float | None = None
    trend_projection: float | None = None
    distance: float | None = None
    pace_ratio: float | None = None
    verdict: str = "no_target"

    def verdict_text(self, lang: str = "zh") -> str:
        zh, en = VERDICT_WORDS[self.verdict]
        return zh if lang == "zh" else en


def target_number(target: Target) -> float | None:
    """The number a target sets (water class as its class number); None for qualitative kinds."""
    if target.kind == "value" and target.value is not None:
        return float(target.value)
    if target.kind == "water_class" and target.water_class is not None:
        return float(target.water_class)
    return None


def baseline_number(b: Baseline, ruleset: str | None = None) -> tuple[float | None, str | None]:
    """The baseline's number under ``ruleset`` when the draft computed one, else its value."""
    if ruleset:
        f = b.figure(ruleset)
        if f is not None:
            v = f.value if f.value is not None else f.water_class
            return (None if v is None else float(v)), f.ruleset
    v = b.value if b.value is not None else b.water_class
    return (None if v is None else float(v)), b.ruleset


def improving_sign(ind: Indicator) -> int:
    """+1 when larger is better (increase), −1 when smaller is better (decrease, water class)."""
    return 1 if ind.direction == "increase" else -1


def check_trend(ind: Indicator, *, baseline_year: int, end_year: int,
                history: Mapping[int, Decimal | float | None], ruleset: str | None = None,
                history_ruleset: str | None = None) -> TrendCheck:
    """Required annual change, historical trend and the target's distance from it."""
    n = end_year - baseline_year
    b, b_rules = baseline_number(ind.baseline, ruleset)
    t = target_number(ind.target)
    hist = {int(y): float(v) for y, v in history.items() if v is not None}
    tc = TrendCheck(ind.key, ind.name_zh, ind.unit, ind.direction, ind.target.text, t, b, b_rules, n,
                    history=hist, history_ruleset=history_ruleset)
    if ind.target.kind in ("eliminate", "maintain", "not_decrease", "municipal", "ensure", "other") \
            or ind.direction == "qualitative":
        tc.verdict = "qualitative"
        return tc
    if t is None:
        tc.verdict = "no_target"
        return tc
    if b is None:
        tc.verdict = "no_baseline"
        return tc
    tc.required_per_year = (t - b) / n
    tc.required_rate = compound_rate(b, t, n)
    tc.trend_slope = ols_slope(hist)
    ys = sorted(hist)
    if len(ys) >= 2:
        tc.trend_rate = compound_rate(hist[ys[0]], hist[ys[-1]], ys[-1] - ys[0])
    sign = improving_sign(ind)
    need = sign * (t - b)  # improvement still needed (positive = must improve)
    if tc.trend_slope is not None:
        tc.trend_projection = b + n * tc.trend_slope
        tc.distance = t - tc.trend_projection
    if need <= 0:
        tc.verdict = "already_met"
        return tc
    if tc.trend_slope is None:
        tc.verdict = "no_history"
        return tc
    gain = sign * tc.trend_slope  # historical improvement per year
    if gain <= 0:
        tc.verdict = "against_trend"
        return tc
    tc.pace_ratio = (need / n) / gain
    tc.verdict = "within_trend" if tc.pace_ratio <= 1 else \
        "beyond_trend" if tc.pace_ratio <= 2 else "far_beyond_trend"
    return tc


# ---------------------------------------------------------------------------- higher-level targets
class HigherTarget(BaseModel):
    """A target of a higher level (city, province, nation) for the same period, with its document."""

    model_config = ConfigDict(extra="forbid")

    level: Literal["city", "province", "national"]
    document: str = Field(min_length=1, description="文号 or the document's title")
    issuer: str | None = None
    statistic: str | None = Field(default=None, description="e.g. air.pm25_annual_mean")
    indicator_key: str | None = None
    kind: Literal["value", "relative_change"]
    operator: Literal["<=", ">=", "<", ">", "="] | None = None
    value: Decimal | None = None
    change_percent: Decimal | None = Field(
        default=None, description="relative_change: percent change from the base year (−10 = 10 % lower)")
    base_year: int | None = None
    year: int | None = None
    verified: bool = False
    source_url: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> HigherTarget:
        if self.kind == "value" and (self.value is None or self.operator is None):
            raise ValueError("kind 'value' needs 'operator' and 'value' / 数值型目标需要 operator 与 value")
        if self.kind == "relative_change" and self.change_percent is None:
            raise ValueError("kind 'relative_change' needs 'change_percent' / 相对变化目标需要 change_percent")
        if not (self.statistic or self.indicator_key):
            raise ValueError("name 'statistic' or 'indicator_key' / 须写明 statistic 或 indicator_key")
        return self


class HigherTargets(BaseModel):
    model_config = ConfigDict(extra="forbid")

    example: bool = Field(default=False, description="a constructed example, not real documents")
    note: str | None = None
    period: str | None = None
    targets: list[HigherTarget]


def load_higher_targets(path: str | Path) -> HigherTargets:
    """Read a higher-level targets file (YAML); errors name the file and the field."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        return HigherTargets.model_validate(data)
    except OSError as exc:
        raise PlanError(f"无法读取上级目标文件 {p}：{exc}", f"cannot read the higher-level targets {p}: {exc}",
                        location=Location(file=str(p))) from exc
    except yaml.YAMLError as exc:
        raise PlanError(f"上级目标文件 {p} 不是有效的 YAML：{exc}", f"{p} is not valid YAML: {exc}",
                        location=Location(file=str(p))) from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise PlanError(f"上级目标文件 {p} 字段 {where}：{err['msg']}", f"{p} field {where}: {err['msg']}",
                        location=Location(file=str(p), field=where)) from exc


@dataclass
class HigherCheck:
    key: str
    level: str
    document: str
    verified: bool
    higher_text: str
    implied_value: float | None
    county_value: float | None
    consistent: bool | None
    note_zh: str
    note_en: str


def _matches(ind: Indicator, h: HigherTarget) -> bool:
    if h.indicator_key:
        return h.indicator_key == ind.key
    return bool(ind.measurement and ind.measurement.statistic == h.statistic)


def check_higher(ind: Indicator, targets: Sequence[HigherTarget], *, ruleset: str | None = None
                 ) -> list[HigherCheck]:
    """The county's target against each higher-level target for the same quantity: at least as
    strict (decrease: county ≤ higher; increase: county ≥ higher). A relative change is turned
    into a value with the county's own baseline (B × (1 + p/100))."""
    out: list[HigherCheck] = []
    t = target_number(ind.target)
    b, _ = baseline_number(ind.baseline, ruleset)
    for h in targets:
        if not _matches(ind, h):
            continue
        if h.kind == "value":
            implied = float(h.value) if h.value is not None else None
            text = f"{h.operator}{h.value}"
        else:
            pct = float(h.change_percent or 0)
            implied = None if b is None else b * (1 + pct / 100)
            text = f"{'下降' if pct < 0 else '提高'} {abs(pct):g}%（较 {h.base_year or '基准年'}）"
        if implied is None or t is None:
            consistent = None
            zh = "缺少县级目标或基准，无法比较" if t is None or b is None else "无法比较"
            en = "no county target or baseline to compare"
        else:
            sign = improving_sign(ind)
            consistent = sign * (t - implied) >= -1e-9
            zh = (f"县级目标 {t:g} {'不低于' if consistent else '低于'}上级要求折算值 {implied:.2f}"
                  if sign > 0 else
                  f"县级目标 {t:g} {'不高于' if consistent else '高于'}上级要求折算值 {implied:.2f}")
            en = (f"county target {t:g} is {'at least as strict as' if consistent else 'weaker than'} "
                  f"the higher-level value {implied:.2f}")
        out.append(HigherCheck(ind.key, h.level, h.document, h.verified, text, implied, t, consistent,
                               zh, en))
    return out


# ---------------------------------------------------------------------------- side by side
@dataclass
class SuccessionRow:
    """One line of the succession view: an old indicator, its successor, what changed."""

    old: Indicator | None
    new: Indicator | None
    changes: list[LinkChange]

    @property
    def status(self) -> str:
        """continued | new | discontinued."""
        return "continued" if self.old and self.new else "new" if self.new else "discontinued"


def succession_rows(old: Plan, new: Plan) -> list[SuccessionRow]:
    """The two plans side by side, paired by the new plan's links (``predecessor``), in the new
    plan's order; old indicators nobody links to come last as discontinued."""
    rows: list[SuccessionRow] = []
    used: set[str] = set()
    by_key = {i.key: i for i in old.indicators}
    for ind in new.indicators:
        link = ind.predecessor
        prev = by_key.get(link.key) if link is not None and link.plan == old.code else None
        if prev is not None:
            used.add(prev.key)
        rows.append(SuccessionRow(prev, ind, list(link.changes) if link and prev else []))
    rows += [SuccessionRow(i, None, []) for i in old.indicators if i.key not in used]
    return rows


CHANGE_WORDS: dict[str, tuple[str, str]] = {
    "rule_basis": ("评价规则", "rule basis"), "unit": ("单位", "unit"), "name": ("名称", "name"),
    "section": ("所属部分", "section"), "target_kind": ("目标类型", "target kind"),
    "measurement": ("测算范围", "measurement"), "attribute": ("属性", "attribute"),
    "other": ("其他", "other"),
}


# ---------------------------------------------------------------------------- issued plan → draft
@dataclass
class LinkMapping:
    """How one indicator of an issued (imported) plan was mapped onto the draft's links."""

    key: str
    name: str
    draft_key: str | None
    previous_key: str | None
    how: str  # statistic | name | none
    baseline_issued: str | None = None
    baseline_draft: str | None = None

    draft_figures: list[str] = field(default_factory=list)

    @property
    def baseline_agrees(self) -> bool | None:
        """The issued baseline equals the draft's computed one (under either rule set)."""
        if self.baseline_issued is None or self.baseline_draft is None:
            return None
        return self.baseline_issued.strip() in {self.baseline_draft.strip(), *self.draft_figures}


def _plain_name(name: str) -> str:
    out = name
    for a, b in (("（", "("), ("）", ")"), ("比率", "比例"), ("县城区", ""), ("县城", ""), (" ", "")):
        out = out.replace(a, b)
    while "(" in out and ")" in out and out.index("(") < out.index(")"):
        out = out[:out.index("(")] + out[out.index(")") + 1:]
    return out


def _scope(m: Measurement | None) -> tuple[str | None, str | None, tuple[str, ...], tuple[str, ...]]:
    if m is None:
        return (None, None, (), ())
    return (m.statistic, m.river, tuple(m.sections), tuple(m.sources))


def map_onto_draft(plan_data: dict[str, object], draft: Plan, previous: Plan | None = None
                   ) -> list[LinkMapping]:
    """Link the indicators of an imported (issued) plan to the draft's: by the same measured
    statistic and scope (river, sections, sources), else by the name without units, 县城区 and
    比率/比例 differences. A matched indicator gets the draft's ``predecessor`` link with the
    changes recomputed against the previous plan's indicator (name, unit, section, rule basis …).
    ``plan_data`` (the importer's dict) is changed in place; returns one mapping per indicator."""
    indicators = plan_data.get("indicators")
    assert isinstance(indicators, list)
    prev_by_key = {i.key: i for i in previous.indicators} if previous else {}
    used: set[str] = set()
    out: list[LinkMapping] = []
    for raw in indicators:
        assert isinstance(raw, dict)
        try:
            imported = Indicator.model_validate(raw)
        except ValidationError:
            out.append(LinkMapping(str(raw.get("key")), str(raw.get("name_zh")), None, None, "none"))
            continue
        match, how = None, "none"
        scope = _scope(imported.measurement)
        if scope[0]:
            same = [d for d in draft.indicators if d.key not in used and _scope(d.measurement)[0] == scope[0]]
            exact = [d for d in same if _scope(d.measurement) == scope]
            pick = exact if exact else same if len(same) == 1 else []
            if len(pick) == 1 or (pick and exact):
                match, how = pick[0], "statistic"
        if match is None:
            names = [d for d in draft.indicators if d.key not in used
                     and _plain_name(d.name_zh) == _plain_name(imported.name_zh)]
            if names:
                match, how = names[0], "name"
        if match is None or match.predecessor is None:
            out.append(LinkMapping(imported.key, imported.name_zh, match.key if match else None, None, how,
                                   imported.baseline.text, match.baseline.text if match else None))
            if match is not None:
                used.add(match.key)
            continue
        used.add(match.key)
        if not raw.get("measurement") and match.measurement is not None:
            # the catalogue did not know the new name; the draft knows how it is measured
            raw["measurement"] = match.measurement.model_dump(mode="json", exclude_none=True,
                                                               exclude_defaults=True)
            imported = Indicator.model_validate(raw)
        link = match.predecessor
        old = prev_by_key.get(link.key)
        air = air_rule_basis(imported.measurement.statistic if imported.measurement else None)
        changes = link_changes(old, imported, old_rules=AIR_RULES["2012"] if air else None,
                               new_rules=AIR_RULES["2026"] if air else None) if old else list(link.changes)
        raw["predecessor"] = IndicatorLink(plan=link.plan, key=link.key, changes=changes).model_dump(
            mode="json", exclude_none=True, by_alias=True)
        out.append(LinkMapping(imported.key, imported.name_zh, match.key, link.key, how,
                               imported.baseline.text,
                               None if match.baseline.to_enter else match.baseline.text,
                               [f.text for f in match.baseline.figures]))
    if draft.predecessor:
        plan_data["predecessor"] = draft.predecessor
    return out
