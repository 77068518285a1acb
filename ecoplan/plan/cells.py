"""Reading the cells of a plan's tables: baselines, targets, attributes, investments, periods.

Each function takes the cell text as the document writes it and returns the parsed value, or
raises :class:`CellError` with a bilingual reason; the importer turns that into a located problem
and keeps the raw text (a cell is never dropped).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ecoplan.plan.model import Baseline, Target


class CellError(ValueError):
    """A cell whose text cannot be read as the column's kind of value."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


ROMAN = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3, "Ⅳ": 4, "Ⅴ": 5, "I": 1, "II": 2, "III": 3, "IV": 4, "V": 5}
_CLASS_RE = re.compile(r"^(劣)?\s*(Ⅰ|Ⅱ|Ⅲ|Ⅳ|Ⅴ|III|II|IV|I|V)\s*类?$")
_NUMBER_RE = re.compile(r"^[+-]?\d+(\.\d+)?$")
_OPERATORS = {"≤": "<=", "<=": "<=", "＜": "<", "<": "<", "≥": ">=", ">=": ">=", "＞": ">", ">": ">"}
_OP_RE = re.compile(r"^(≤|<=|＜|<|≥|>=|＞|>)\s*([+-]?\d+(?:\.\d+)?)\s*%?$")
_RANGE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*[-–—~～至]\s*(\d+(?:\.\d+)?)$")
_NONE_TEXTS = {"", "/", "—", "–", "-", "——", "／", "无", "--"}

# Qualitative targets: the phrase as plans write it → kind.
QUALITATIVE = {
    "基本消除": "eliminate",
    "消除": "eliminate",
    "全面消除": "eliminate",
    "持续保持": "maintain",
    "保持": "maintain",
    "稳定保持": "maintain",
    "保持稳定": "maintain",
    "不降低": "not_decrease",
    "不下降": "not_decrease",
    "不减少": "not_decrease",
    "完成市下达的任务": "municipal",
    "完成市下达任务": "municipal",
    "完成市级下达任务": "municipal",
    "完成市级下达的任务": "municipal",
    "完成上级下达的任务": "municipal",
    "完成上级下达任务": "municipal",
    "有效保障": "ensure",
    "确保": "ensure",
}


def clean(text: str) -> str:
    """Trim a cell; full-width spaces and non-breaking spaces count as spaces."""
    return text.replace("\u3000", " ").replace("\xa0", " ").strip()


def water_class(text: str) -> int | None:
    """Ⅲ类 → 3, 劣Ⅴ类 → 6; None when the text is not a water class."""
    m = _CLASS_RE.match(clean(text).replace(" ", ""))
    if not m:
        return None
    n = ROMAN[m.group(2)]
    if m.group(1):
        if n != 5:
            return None
        return 6
    return n


def decimal(text: str) -> Decimal | None:
    t = clean(text).replace(",", "").replace("，", "")
    if not _NUMBER_RE.match(t):
        return None
    try:
        return Decimal(t)
    except InvalidOperation:  # pragma: no cover - the regex rules this out
        return None


def parse_baseline(text: str) -> Baseline:
    """A baseline cell: a number, a water class, or '/' (none)."""
    t = clean(text)
    if t in _NONE_TEXTS:
        return Baseline(text=t, kind="none")
    v = decimal(t.rstrip("%"))
    if v is not None:
        return Baseline(text=t, kind="value", value=v)
    c = water_class(t)
    if c is not None:
        return Baseline(text=t, kind="water_class", water_class=c)
    raise CellError(f"无法识别的基准值「{t}」（应为数值、水质类别或 /）",
                    f"unreadable baseline {t!r} (expected a number, a water class or '/')")


def implied_operator(direction: str | None) -> str | None:
    return {"decrease": "<=", "increase": ">="}.get(direction or "")


def parse_target(text: str, direction: str | None = None) -> Target:
    """A target cell: ≤44, ≥75, a bare number (operator from ``direction``), Ⅲ类, or a phrase."""
    t = clean(text)
    if t in _NONE_TEXTS:
        return Target(text=t, kind="none")
    m = _OP_RE.match(t)
    if m:
        return Target(text=t, kind="value", operator=_OPERATORS[m.group(1)], value=Decimal(m.group(2)))
    v = decimal(t.rstrip("%"))
    if v is not None:
        op = implied_operator(direction)
        if op is None:
            raise CellError(f"目标值「{t}」没有写明 ≤/≥，且无法从指标判断方向",
                            f"target {t!r} has no ≤/≥ and the indicator's direction is unknown")
        return Target(text=t, kind="value", operator=op, value=v, implied_operator=True)
    r = _RANGE_RE.match(t)
    if r:
        return Target(text=t, kind="value", operator="between", value=Decimal(r.group(1)),
                      value_max=Decimal(r.group(2)))
    c = water_class(t)
    if c is not None:
        return Target(text=t, kind="water_class", operator="<=", water_class=c)
    kind = QUALITATIVE.get(t.replace(" ", ""))
    if kind is not None:
        return Target(text=t, kind=kind)  # type: ignore[arg-type]
    raise CellError(f"无法识别的目标值「{t}」", f"unreadable target {t!r}")


def parse_attribute(text: str) -> str:
    t = clean(text).replace(" ", "")
    if t in {"约束性", "约束"}:
        return "binding"
    if t in {"预期性", "预期"}:
        return "expected"
    raise CellError(f"属性「{t}」应为 约束性 或 预期性", f"attribute {t!r} must be 约束性 or 预期性")


def parse_investment(text: str, scale: Decimal = Decimal(1)) -> Decimal:
    """An investment cell in 万元 (``scale`` converts e.g. 亿元 → 万元)."""
    t = clean(text).replace(",", "").replace("，", "")
    v = decimal(t)
    if v is None:
        raise CellError(f"投资估算「{t}」不是数值", f"investment {t!r} is not a number")
    return v * scale


_YEAR_RANGE = re.compile(r"^(\d{4})\s*年?\s*(?:[-–—~～至到]\s*(\d{4})\s*年?)?$")


def parse_period(text: str) -> tuple[int, int]:
    """实施时间: '2021-2022', '2022', '2021年—2025年' → (start_year, end_year)."""
    t = clean(text).replace(" ", "")
    m = _YEAR_RANGE.match(t)
    if not m:
        raise CellError(f"实施时间「{t}」应为 年份 或 年份-年份", f"period {t!r} must be a year or 'year-year'")
    start = int(m.group(1))
    end = int(m.group(2) or start)
    if end < start:
        raise CellError(f"实施时间「{t}」结束早于开始", f"period {t!r} ends before it starts")
    return start, end


def split_departments(text: str) -> list[str]:
    parts = re.split(r"[、，,;；/\n]+", clean(text))
    return [p.strip() for p in parts if p.strip()]


_UNIT_SUFFIX = re.compile(r"^(?P<name>.+?)[（(](?P<unit>[^（）()]+)[）)]$")
_UNIT_WORDS = {"%", "‰", "吨", "万吨", "t", "万t", "亩", "万亩", "公顷", "km", "公里", "千米", "个",
               "座", "天", "万元", "亿元", "mg/L", "μg/m3", "μg/m³", "mg/m3", "mg/m³", "ug/m3",
               "m3", "m³", "万m³", "万立方米", "平方公里", "km2", "km²", "kWh", "tce", "吨标准煤"}


def normalise_unit(unit: str) -> str:
    u = unit.strip().replace("ug/", "μg/")
    return u.replace("m3", "m³").replace("km2", "km²")


def split_unit(name: str) -> tuple[str, str | None]:
    """'县城区细颗粒物（PM2.5）浓度（μg/m3）' → ('县城区细颗粒物（PM2.5）浓度', 'μg/m³')."""
    n = clean(name)
    m = _UNIT_SUFFIX.match(n)
    if m and m.group("unit").strip() in _UNIT_WORDS:
        return m.group("name").strip(), normalise_unit(m.group("unit"))
    return n, None
