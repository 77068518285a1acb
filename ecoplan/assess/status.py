"""Status of an indicator value against its target: achieved / on track / at risk / off track /
no data — each with the rule that produced it, in words (zh/en), so a reader can check it.

Rules (thresholds in ``data/status_rules.yaml``, versioned):

* numeric targets (``≤44``, ``≥75``, ``基本消除`` read as a number): the value meets the target →
  **achieved**; at the end year, not met → **off track**; before it, the expected value is the
  linear path from the baseline (baseline year) to the target (end year) and the progress ratio
  ``r = (value − baseline) / (expected − baseline)`` gives **on track** (r ≥ 0.95), **at risk**
  (0.5 ≤ r < 0.95) or **off track** (r < 0.5). Without a baseline no path exists: not yet met
  before the end year → at risk.
* water classes (Ⅰ–Ⅴ, 劣Ⅴ = 1–6, lower is better): class ≤ target class → achieved; at the end
  year otherwise off track; before it, class no worse than the linear path (rounded to a whole
  class towards the baseline) → on track; no worse than the baseline → at risk; else off track.
* 持续保持 / 不降低 (maintain / not decrease): value not below the baseline (or, without one, the
  earliest value of the period) → achieved, else off track.
* 完成市下达的任务 / 有效保障 (qualitative): the department's approved report says done →
  achieved; partly done → on track before the end year, at risk at the end; not done → off
  track. A city-set numeric target (municipal override) replaces the qualitative one.
* no value → **no data**; no target set in the plan → **no data** (value recorded only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from ecoplan.plan import Baseline, Indicator, Target
from ecoplan.plan.model import WATER_CLASS_LABELS

Status = Literal["achieved", "on_track", "at_risk", "off_track", "no_data"]
STATUSES: tuple[Status, ...] = ("achieved", "on_track", "at_risk", "off_track", "no_data")
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "achieved": ("达标", "achieved"),
    "on_track": ("进展顺利", "on track"),
    "at_risk": ("存在风险", "at risk"),
    "off_track": ("滞后", "off track"),
    "no_data": ("无数据", "no data"),
}
#: report colours (hex RGB, no #): green, blue, amber, red, grey
STATUS_COLOURS = {"achieved": "2E7D32", "on_track": "1565C0", "at_risk": "EF8F00",
                  "off_track": "C62828", "no_data": "9E9E9E"}

RULES_FILE = Path(__file__).with_name("data") / "status_rules.yaml"


@dataclass(frozen=True)
class StatusRules:
    """The thresholds and word lists of one version of the status rules."""

    version: str
    on_track_min_ratio: Decimal
    at_risk_min_ratio: Decimal
    eliminate: dict[str, dict[str, str]]
    qualitative_done: tuple[str, ...]
    qualitative_partial: tuple[str, ...]
    qualitative_not_done: tuple[str, ...]

    def eliminate_target(self, statistic: str | None) -> tuple[str, Decimal, str]:
        """基本消除 as a number for this statistic: (operator, value, source)."""
        rule = self.eliminate.get(statistic or "", self.eliminate["default"])
        return rule["operator"], Decimal(str(rule["value"])), rule.get("source", "")


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> StatusRules:
    """The status rules from ``path`` (the bundled ``status_rules.yaml`` by default)."""
    raw: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return StatusRules(
        version=str(raw["version"]),
        on_track_min_ratio=Decimal(str(raw["on_track_min_ratio"])),
        at_risk_min_ratio=Decimal(str(raw["at_risk_min_ratio"])),
        eliminate={k: {kk: str(vv) for kk, vv in v.items()} for k, v in raw["eliminate"].items()},
        qualitative_done=tuple(str(w).lower() for w in raw["qualitative_done"]),
        qualitative_partial=tuple(str(w).lower() for w in raw["qualitative_partial"]),
        qualitative_not_done=tuple(str(w).lower() for w in raw["qualitative_not_done"]),
    )


@dataclass(frozen=True)
class StatusResult:
    """A status with the rule behind it, the expected value on the path, and the gap."""

    status: Status
    rule_id: str
    rule_zh: str
    rule_en: str
    rules_version: str
    target_value: Decimal | None = None
    expected: Decimal | None = None
    gap: Decimal | None = None
    ratio: Decimal | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name_zh(self) -> str:
        return STATUS_NAMES[self.status][0]

    @property
    def name_en(self) -> str:
        return STATUS_NAMES[self.status][1]

    def rule(self, lang: str = "zh") -> str:
        return self.rule_zh if lang == "zh" else self.rule_en


def _d(x: Any) -> Decimal | None:
    if x is None:
        return None
    if isinstance(x, Decimal):
        return x
    if isinstance(x, float):
        if x != x:  # NaN
            return None
        return Decimal(repr(round(x, 6)))
    return Decimal(str(x))


def _fmt(x: Decimal | None) -> str:
    if x is None:
        return "—"
    q = x.quantize(Decimal("0.01")).normalize()
    return format(q, "f")


OPERATOR_SYMBOLS = {"<=": "≤", ">=": "≥", "<": "<", ">": ">", "=": "=", "between": "∈"}


def _op(operator: str) -> str:
    return OPERATOR_SYMBOLS.get(operator, operator)


def _meets(value: Decimal, operator: str, target: Decimal, target_max: Decimal | None = None) -> bool:
    if operator == "<=":
        return value <= target
    if operator == "<":
        return value < target
    if operator == ">=":
        return value >= target
    if operator == ">":
        return value > target
    if operator == "between" and target_max is not None:
        return target <= value <= target_max
    return value == target


def expected_path(baseline: Decimal, target: Decimal, year: int, baseline_year: int,
                  end_year: int) -> Decimal:
    """The linear path from ``baseline`` (baseline year) to ``target`` (end year) at ``year``."""
    if year >= end_year:
        return target
    if year <= baseline_year:
        return baseline
    frac = Decimal(year - baseline_year) / Decimal(end_year - baseline_year)
    return baseline + (target - baseline) * frac


def _thresholds(rules: StatusRules, lang: str) -> str:
    on, risk = rules.on_track_min_ratio * 100, rules.at_risk_min_ratio * 100
    if lang == "zh":
        return f"（≥{_fmt(on)}% 为进展顺利，{_fmt(risk)}%–{_fmt(on)}% 为存在风险，<{_fmt(risk)}% 为滞后）"
    return f" (≥{_fmt(on)}% on track, {_fmt(risk)}–{_fmt(on)}% at risk, <{_fmt(risk)}% off track)"


def evaluate(
    indicator: Indicator, target: Target, *, year: int, baseline_year: int, end_year: int,
    value: Decimal | float | int | None = None, value_text: str | None = None,
    reference: Decimal | float | None = None, rules: StatusRules | None = None,
    invalid: tuple[str, str] | None = None,
) -> StatusResult:
    """The status of ``indicator``'s value in ``year`` against ``target`` (the effective one,
    municipal overrides applied), with the rule in words. ``reference`` is the earliest value
    of the period, used by 持续保持/不降低 when the plan gives no baseline. ``invalid`` (the
    zh / en validity warning of the value, e.g. GB 3095-2012 Table 4: fewer than 324 valid days
    in the year) means the value is shown but decides nothing: the status is "no data"."""
    rules = rules or load_rules()
    v = _d(value)
    ver = rules.version
    if invalid is not None and v is not None:
        return StatusResult("no_data", "value.invalid",
                            f"{year} 年数值 {_fmt(v)} 不满足数据有效性规定，不据以判定进展：{invalid[0]}",
                            f"The {year} value {_fmt(v)} does not meet the data-validity rules "
                            f"and decides no status: {invalid[1]}", ver)
    final = year >= end_year
    kind = target.kind

    if kind == "none":
        return StatusResult("no_data", "target.none", "规划未设定目标值，仅记录数值。",
                            "The plan sets no target; the value is recorded only.", ver)
    if kind in ("municipal", "ensure"):
        return _qualitative(target, value_text, v, final, rules)
    if v is None:
        return StatusResult("no_data", "value.missing", f"{year} 年没有可用数值（监测数据或已批准的部门填报）。",
                            f"No value for {year} (monitoring data or an approved department report).",
                            ver)
    if kind == "water_class":
        return _water_class(indicator.baseline, target, int(v), year, baseline_year, end_year,
                            rules)
    if kind in ("maintain", "not_decrease"):
        ref = indicator.baseline.value if indicator.baseline.kind == "value" else _d(reference)
        word = "持续保持" if kind == "maintain" else "不降低"
        if ref is None:
            return StatusResult("no_data", f"{kind}.no_reference",
                                f"目标为“{word}”，但既无基准值也无更早的数值可比较。",
                                f"Target “{target.text}”: neither a baseline nor an earlier value "
                                "to compare with.", ver)
        ok = v >= ref
        src_zh = "基准值" if indicator.baseline.kind == "value" else "规划期最早数值"
        src_en = "baseline" if indicator.baseline.kind == "value" else "earliest value of the period"
        return StatusResult(
            "achieved" if ok else "off_track", f"{kind}.compare",
            f"目标为“{word}”：数值 {_fmt(v)} {'不低于' if ok else '低于'}{src_zh} {_fmt(ref)}，"
            f"{'达标' if ok else '判为滞后'}。",
            f"Target “{word}” ({kind}): value {_fmt(v)} is {'not below' if ok else 'below'} the "
            f"{src_en} {_fmt(ref)} → {'achieved' if ok else 'off track'}.",
            ver, target_value=ref, gap=v - ref)

    # numeric targets (value, or 基本消除 read as a number)
    if kind == "eliminate":
        op, tv, source = rules.eliminate_target(
            indicator.measurement.statistic if indicator.measurement else None)
        tmax = None
        t_zh = f"“基本消除”按 {_op(op)}{_fmt(tv)} 判断（{source}）"
        t_en = f"“basically eliminate” read as {_op(op)}{_fmt(tv)} ({source})"
    else:
        op, tv, tmax = str(target.operator), target.value, target.value_max
        assert tv is not None
        t_zh = f"目标 {target.text or _op(op) + _fmt(tv)}"
        t_en = f"target {_op(op)}{_fmt(tv)}"
    gap = v - tv
    if _meets(v, op, tv, tmax):
        return StatusResult("achieved", f"{kind}.met", f"{t_zh}；{year} 年数值 {_fmt(v)} 已达到目标。",
                            f"{t_en}; the {year} value {_fmt(v)} meets it → achieved.", ver,
                            target_value=tv, expected=None, gap=gap)
    if final:
        return StatusResult("off_track", f"{kind}.final_missed",
                            f"{t_zh}；期末（{year} 年）数值 {_fmt(v)} 未达到目标，差距 {_fmt(gap)}。",
                            f"{t_en}; the end-of-period ({year}) value {_fmt(v)} misses it by "
                            f"{_fmt(gap)} → off track.", ver, target_value=tv, expected=tv, gap=gap)
    b = indicator.baseline.value if indicator.baseline.kind == "value" else None
    if b is None:
        return StatusResult("at_risk", f"{kind}.no_baseline",
                            f"{t_zh}；无基准值，无法计算预期路径；{year} 年数值 {_fmt(v)} 尚未达到目标，判为存在风险。",
                            f"{t_en}; no baseline, so no expected path; the {year} value {_fmt(v)} "
                            "does not meet the target yet → at risk.", ver, target_value=tv, gap=gap)
    exp = expected_path(b, tv, year, baseline_year, end_year)
    needed = exp - b
    if needed == 0:
        status: Status = "off_track"
        ratio = None
        why_zh = f"预期值等于基准值 {_fmt(b)}，而数值 {_fmt(v)} 未达到目标"
        why_en = f"expected equals the baseline {_fmt(b)} and the value {_fmt(v)} misses the target"
    else:
        ratio = ((v - b) / needed).quantize(Decimal("0.0001"))
        if ratio >= rules.on_track_min_ratio:
            status = "on_track"
        elif ratio >= rules.at_risk_min_ratio:
            status = "at_risk"
        else:
            status = "off_track"
        why_zh = (f"按基准 {_fmt(b)}（{baseline_year} 年）至目标 {_fmt(tv)}（{end_year} 年）的线性路径，"
                  f"{year} 年应为 {_fmt(exp)}；实际 {_fmt(v)}，完成应有进展的 {_fmt(ratio * 100)}%"
                  + _thresholds(rules, "zh"))
        why_en = (f"on the linear path from the baseline {_fmt(b)} ({baseline_year}) to the target "
                  f"{_fmt(tv)} ({end_year}) the {year} value should be {_fmt(exp)}; it is "
                  f"{_fmt(v)}, {_fmt(ratio * 100)}% of the expected progress" + _thresholds(rules, "en"))
    name_zh, name_en = STATUS_NAMES[status]
    return StatusResult(status, f"{kind}.path", f"{t_zh}；{why_zh}，判为{name_zh}。",
                        f"{t_en}; {why_en} → {name_en}.", ver, target_value=tv, expected=exp,
                        gap=gap, ratio=ratio)


def _water_class(baseline: Baseline, target: Target, cls: int, year: int, baseline_year: int,
                 end_year: int, rules: StatusRules) -> StatusResult:
    ver = rules.version
    tc = int(target.water_class or 0)
    lab = WATER_CLASS_LABELS
    gap = Decimal(cls - tc)
    t_zh = f"目标 {lab[tc]}（类别数越小越好）"
    t_en = f"target class {tc} ({lab[tc]}; lower is better)"
    if cls <= tc:
        return StatusResult("achieved", "water_class.met", f"{t_zh}；{year} 年为 {lab[cls]}，达到目标。",
                            f"{t_en}; {year} is class {cls} ({lab[cls]}) → achieved.", ver,
                            target_value=Decimal(tc), gap=gap)
    if year >= end_year:
        return StatusResult("off_track", "water_class.final_missed",
                            f"{t_zh}；期末（{year} 年）为 {lab[cls]}，未达到目标。",
                            f"{t_en}; the end-of-period ({year}) class is {cls} ({lab[cls]}) → "
                            "off track.", ver, target_value=Decimal(tc), expected=Decimal(tc), gap=gap)
    bc = baseline.water_class if baseline.kind == "water_class" else None
    if bc is None:
        return StatusResult("at_risk", "water_class.no_baseline",
                            f"{t_zh}；无基准类别；{year} 年为 {lab[cls]}，尚未达到目标，判为存在风险。",
                            f"{t_en}; no baseline class; {year} is class {cls}, not yet at the "
                            "target → at risk.", ver, target_value=Decimal(tc), gap=gap)
    exp = expected_path(Decimal(bc), Decimal(tc), year, baseline_year, end_year)
    # a whole class, rounded towards the baseline (the more lenient reading)
    exp_cls = int(exp.to_integral_value(ROUND_CEILING if bc >= tc else ROUND_FLOOR))
    if cls <= exp_cls:
        status: Status = "on_track"
    elif cls <= bc:
        status = "at_risk"
    else:
        status = "off_track"
    nz, ne = STATUS_NAMES[status]
    return StatusResult(
        status, "water_class.path",
        f"{t_zh}；按基准 {lab[bc]}（{baseline_year} 年）至目标 {lab[tc]}（{end_year} 年）的线性路径，"
        f"{year} 年应不差于 {lab[exp_cls]}；实际 {lab[cls]}"
        f"（不差于路径为进展顺利，不差于基准为存在风险，差于基准为滞后），判为{nz}。",
        f"{t_en}; on the linear path from class {bc} ({baseline_year}) to class {tc} ({end_year}) "
        f"{year} should be class {exp_cls} or better; it is class {cls} (no worse than the path: on "
        f"track; no worse than the baseline: at risk; worse: off track) → {ne}.",
        ver, target_value=Decimal(tc), expected=Decimal(exp_cls), gap=gap)


def _qualitative(target: Target, value_text: str | None, value: Decimal | None, final: bool,
                 rules: StatusRules) -> StatusResult:
    ver = rules.version
    word = target.text or target.kind
    txt = (value_text or "").strip().lower()
    if not txt:
        if value is not None:
            return StatusResult(
                "no_data", f"{target.kind}.no_city_target",
                f"目标为“{word}”，已填报数值 {_fmt(value)}，但尚未录入市级下达的目标值，也无“完成/未完成”的认定，无法判断。",
                f"Target “{word}”: a value {_fmt(value)} was reported, but the city's target is "
                "not recorded and there is no done/not-done statement, so no status.", ver)
        return StatusResult("no_data", f"{target.kind}.missing",
                            f"目标为“{word}”，尚无已批准的部门认定。",
                            f"Target “{word}”: no approved department statement yet.", ver)
    if txt in rules.qualitative_done:
        return StatusResult("achieved", f"{target.kind}.done",
                            f"目标为“{word}”，已批准的部门填报为“{value_text}”，判为达标。",
                            f"Target “{word}”: the approved department report says “{value_text}” "
                            "→ achieved.", ver)
    if txt in rules.qualitative_partial:
        st: Status = "at_risk" if final else "on_track"
        return StatusResult(st, f"{target.kind}.partial",
                            f"目标为“{word}”，已批准的部门填报为“{value_text}”（部分完成：期末前为进展顺利，期末为存在风险），"
                            f"判为{STATUS_NAMES[st][0]}。",
                            f"Target “{word}”: the approved report says “{value_text}” (partly "
                            f"done: on track before the end year, at risk at it) → "
                            f"{STATUS_NAMES[st][1]}.", ver)
    if txt in rules.qualitative_not_done:
        return StatusResult("off_track", f"{target.kind}.not_done",
                            f"目标为“{word}”，已批准的部门填报为“{value_text}”，判为滞后。",
                            f"Target “{word}”: the approved report says “{value_text}” → off track.",
                            ver)
    return StatusResult("no_data", f"{target.kind}.unrecognised",
                        f"目标为“{word}”，填报内容“{value_text}”无法识别为完成/部分完成/未完成。",
                        f"Target “{word}”: “{value_text}” is not recognised as done / partly done / "
                        "not done.", ver)
