"""Load a plan YAML file into the :class:`~ecoplan.plan.model.Plan` model.

Errors name the file, the line and the field (dotted path such as ``indicators[3].target.value``):
the YAML is composed once into nodes that remember their line, and every validation error is
mapped back to the nearest node.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from ecoplan.errors import Location, PlanError
from ecoplan.plan.model import Plan

PathKey = tuple[str | int, ...]

PLANS_DIR = Path(str(files("ecoplan.plan").joinpath("plans")))

# libyaml's safe loader when available (8× faster); both keep line marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class PlanFileError(PlanError):
    """A plan file cannot be read, is not valid YAML, or breaks the plan model."""


def bundled_plans() -> list[str]:
    """Codes of the plans shipped with ecoplan (``plans/<code>.yaml``)."""
    return sorted(p.stem for p in PLANS_DIR.glob("*.yaml"))


def bundled_plan_path(code: str = "jiaocheng-2021-2025") -> Path:
    """Path of a bundled plan file, e.g. ``bundled_plan_path("jiaocheng-2021-2025")``."""
    path = PLANS_DIR / f"{code}.yaml"
    if not path.is_file():
        raise PlanFileError(
            f"没有内置规划 {code}（可选：{', '.join(bundled_plans()) or '无'}）",
            f"No bundled plan {code!r} (available: {', '.join(bundled_plans()) or 'none'})",
        )
    return path


def format_path(path: PathKey) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class LineMap:
    """Line numbers (1-based) of every mapping key and sequence item of a YAML document."""

    def __init__(self, root: yaml.Node | None) -> None:
        self.lines: dict[PathKey, int] = {}
        self.duplicates: list[tuple[PathKey, int]] = []
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: PathKey) -> None:
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for knode, vnode in node.value:
                key = str(knode.value)
                sub = (*path, key)
                if key in seen:
                    self.duplicates.append((sub, knode.start_mark.line + 1))
                seen.add(key)
                self.lines[sub] = knode.start_mark.line + 1
                self._walk(vnode, sub)
                self.lines[sub] = knode.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*path, i))

    def line(self, path: PathKey) -> int | None:
        """The line of ``path`` or of its nearest ancestor present in the file."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)


def _clean_loc(loc: tuple[Any, ...]) -> PathKey:
    """Drop pydantic's union/function tags from an error location."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(part, int):
            out.append(part)
        elif isinstance(part, str) and not any(c in part for c in "[]()") and part not in {
            "function-after", "function-before", "function-wrap", "tagged-union"}:
            out.append(part)
    return tuple(out)


def _iter_reference_problems(plan: Plan) -> Iterator[tuple[PathKey, str, str]]:
    """Cross-references the model cannot see field by field: unique keys, known references."""
    keys: dict[str, int] = {}
    for i, ind in enumerate(plan.indicators):
        if ind.key in keys:
            yield (("indicators", i, "key"), f"指标键 {ind.key} 重复（首次出现于第 {keys[ind.key]} 项）",
                   f"duplicate indicator key {ind.key!r} (first used by item {keys[ind.key]})")
        keys.setdefault(ind.key, i)
    numbers: dict[int, int] = {}
    for i, p in enumerate(plan.key_projects):
        if p.number in numbers:
            yield (("key_projects", i, "number"), f"项目序号 {p.number} 重复",
                   f"duplicate key-project number {p.number}")
        numbers.setdefault(p.number, i)
    tkeys: set[str] = set()
    for i, t in enumerate(plan.tasks):
        if t.key in tkeys:
            yield (("tasks", i, "key"), f"任务键 {t.key} 重复", f"duplicate task key {t.key!r}")
        tkeys.add(t.key)
        if not t.key.startswith(t.chapter + "-"):
            yield (("tasks", i, "key"), f"任务键 {t.key} 应以章节号 {t.chapter}- 开头",
                   f"task key {t.key!r} should start with its chapter '{t.chapter}-'")
        if t.indicator_key is not None and t.indicator_key not in keys:
            yield (("tasks", i, "indicator_key"), f"任务引用了不存在的指标 {t.indicator_key}",
                   f"task refers to unknown indicator {t.indicator_key!r}")
        if t.project_number is not None and t.project_number not in numbers:
            yield (("tasks", i, "project_number"), f"任务引用了不存在的项目 {t.project_number}",
                   f"task refers to unknown key project {t.project_number}")
    for i, f in enumerate(plan.stated_figures):
        if f.indicator_key is not None and f.indicator_key not in keys:
            yield (("stated_figures", i, "indicator_key"), f"文中数字引用了不存在的指标 {f.indicator_key}",
                   f"stated figure refers to unknown indicator {f.indicator_key!r}")
    for i, m in enumerate(plan.municipal_targets):
        if m.indicator_key not in keys:
            yield (("municipal_targets", i, "indicator_key"),
                   f"市级下达目标引用了不存在的指标 {m.indicator_key}",
                   f"municipal target refers to unknown indicator {m.indicator_key!r}")


# Chinese wording of the pydantic errors a plan editor meets most often.
_ZH_ERRORS = {
    "literal_error": "取值应为 {expected} 之一",
    "missing": "缺少必填字段",
    "extra_forbidden": "不认识的字段（请检查拼写）",
    "decimal_parsing": "不是有效的数值",
    "decimal_type": "不是有效的数值",
    "int_parsing": "不是整数",
    "int_type": "不是整数",
    "string_type": "应为文本",
    "string_pattern_mismatch": "格式不符合要求（{pattern}）",
    "date_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_from_datetime_parsing": "不是有效日期（应为 YYYY-MM-DD）",
    "date_type": "不是有效日期（应为 YYYY-MM-DD）",
    "greater_than_equal": "应不小于 {ge}",
    "less_than_equal": "应不大于 {le}",
    "list_type": "应为列表",
    "dict_type": "应为映射（键: 值）",
    "model_type": "应为映射（键: 值）",
    "string_too_short": "不能为空",
}


def parse_plan_text(text: str, source: str = "<string>") -> Plan:
    """Validate YAML ``text`` as a plan; errors are located in ``source``."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader (C or Python)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise PlanFileError(
            f"YAML 语法错误：{exc.problem}", f"YAML syntax error: {exc.problem}",
            location=Location(source, mark.line + 1 if mark else None, None),
        ) from exc
    except yaml.YAMLError as exc:
        raise PlanFileError(f"YAML 语法错误：{exc}", f"YAML syntax error: {exc}",
                            location=Location(source)) from exc
    lines = LineMap(root)
    if lines.duplicates:
        path, line = lines.duplicates[0]
        raise PlanFileError("同一层级中字段重复", "duplicate key in the same mapping",
                            location=Location(source, line, format_path(path)))
    if not isinstance(data, dict):
        raise PlanFileError("规划文件的顶层应为映射（键: 值）",
                            "a plan file must be a mapping at the top level",
                            location=Location(source, 1, None))
    try:
        plan = Plan.model_validate(data)
    except PydanticValidationError as exc:
        err = exc.errors(include_url=False)[0]
        path = _clean_loc(tuple(err["loc"]))
        more = len(exc.errors()) - 1
        extra_zh = f"（另有 {more} 处错误）" if more else ""
        extra_en = f" ({more} more error{'s' if more > 1 else ''})" if more else ""
        msg = str(err["msg"]).removeprefix("Value error, ")
        zh = _ZH_ERRORS.get(str(err["type"]))
        if zh is not None:
            ctx = err.get("ctx") or {}
            zh = zh.format(**{k: v for k, v in ctx.items()}) if ctx else zh
        else:
            zh = msg
        raise PlanFileError(
            f"{zh}；输入值：{err.get('input')!r}{extra_zh}",
            f"{msg}; input: {err.get('input')!r}{extra_en}",
            location=Location(source, lines.line(path), format_path(path) or None),
        ) from exc
    for path, zh, en in _iter_reference_problems(plan):
        raise PlanFileError(zh, en, location=Location(source, lines.line(path), format_path(path)))
    return plan


def load_plan(path: str | Path) -> Plan:
    """Read and validate a plan file; a PlanFileError names file, line and field."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PlanFileError(f"找不到规划文件 {p}", f"Plan file not found: {p}",
                            location=Location(str(p))) from exc
    except UnicodeDecodeError as exc:
        raise PlanFileError("规划文件不是 UTF-8 编码", "the plan file is not UTF-8 encoded",
                            location=Location(str(p))) from exc
    except OSError as exc:
        raise PlanFileError(f"无法读取规划文件：{exc.strerror}", f"Cannot read the plan file: {exc.strerror}",
                            location=Location(str(p))) from exc
    return parse_plan_text(text, str(p))
