"""Heavy-pollution-weather emergency response (重污染天气应急响应): the reduction list, the
response lifecycle, the measures in force at a moment, and inspections.

The plan (交城县"十四五"生态环境保护规划) asks for "一厂一策" emergency reduction measures down to
production lines, processes and equipment, carried out when Lüliang issues a warning (错峰运输、错峰
生产、限产、轮产、停产; 停止土方开挖 on construction sites). Whether an enterprise of a performance
grade (绩效分级 A/B/C/D/引领性 …) is exempt or reduces on its own is the county's CONFIGURATION
(sheet 绩效分级规则 of the workbook), never a rule built into the code.

All records are append-only: a new list version supersedes the old one from its ``valid_from``
day; a response changes level or ends by a new event; inspections are only added.
Times are Beijing time (UTC+8), kept naive in memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecoplan.errors import EcoplanError, Location
from ecoplan.standards.air_warning import warning_episodes
from ecoplan.store.db import session_scope
from ecoplan.store.emergency_models import (
    EmergencyEvent,
    EmergencyGradeRule,
    EmergencyInspection,
    EmergencyMeasure,
    EmergencyMeasureList,
    EmergencyResponse,
)
from ecoplan.supervision.sources import check_credit_code, grade_in_force, parse_grade

BEIJING = timezone(timedelta(hours=8))
LEVELS: tuple[str, ...] = ("yellow", "orange", "red")
LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "yellow": ("黄色预警（Ⅲ级）", "yellow (level III)"),
    "orange": ("橙色预警（Ⅱ级）", "orange (level II)"),
    "red": ("红色预警（Ⅰ级）", "red (level I)"),
}
LEVEL_COLOURS = {"yellow": "#F9C80E", "orange": "#F28C28", "red": "#D32F2F"}
LEVEL_ALIASES = {"yellow": "yellow", "黄色": "yellow", "黄": "yellow", "iii": "yellow",
                 "Ⅲ级": "yellow", "orange": "orange", "橙色": "orange", "橙": "orange",
                 "ii": "orange", "Ⅱ级": "orange", "red": "red", "红色": "red", "红": "red",
                 "i": "red", "Ⅰ级": "red"}
MEASURES: dict[str, tuple[str, str]] = {
    "halt": ("停产", "halt production"),
    "limit": ("限产", "limit production"),
    "rotate": ("轮产", "rotating production"),
    "stagger_production": ("错峰生产", "staggered production"),
    "stagger_transport": ("错峰运输", "staggered transport"),
    "stop_earthwork": ("停止土方作业", "stop earthwork"),
    "other": ("其他", "other"),
}
MEASURE_ALIASES = {zh: code for code, (zh, _en) in MEASURES.items()} | {
    code: code for code in MEASURES} | {"停止土方开挖": "stop_earthwork", "停工": "stop_earthwork"}
SUBJECT_KINDS = {"企业": "enterprise", "enterprise": "enterprise", "工地": "site",
                 "site": "site", "施工工地": "site"}
GRADE_ACTIONS: dict[str, tuple[str, str]] = {
    "exempt": ("豁免", "exempt"),
    "voluntary": ("自主减排", "voluntary reduction"),
    "as_listed": ("按清单执行", "as listed"),
}
ACTION_ALIASES = {zh: code for code, (zh, _en) in GRADE_ACTIONS.items()} | {
    code: code for code in GRADE_ACTIONS} | {"不采取强制减排措施": "exempt"}
EVENT_NAMES = {"issued": ("发布", "issued"), "upgraded": ("升级", "upgraded"),
               "downgraded": ("降级", "downgraded"), "extended": ("延长", "extended"),
               "lifted": ("解除", "lifted")}

# columns of the workbook: (header, key, required)
MEASURE_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("类型", "subject_kind", True),
    ("统一社会信用代码", "credit_code", True),
    ("单位名称", "subject_name", True),
    ("绩效等级", "listed_grade", False),
    ("生产线", "production_line", False),
    ("工序/设备", "process", False),
    ("预警级别", "level", True),
    ("减排措施", "measure", True),
    ("限产比例(%)", "limit_percent", False),
    ("措施说明", "description", False),
    ("PM减排量(kg/d)", "reduction_pm", False),
    ("SO2减排量(kg/d)", "reduction_so2", False),
    ("NOx减排量(kg/d)", "reduction_nox", False),
    ("VOCs减排量(kg/d)", "reduction_vocs", False),
)
RULE_COLUMNS: tuple[tuple[str, str, bool], ...] = (
    ("绩效等级", "grade", True),
    ("预警级别", "level", True),
    ("处理方式", "action", True),
    ("依据", "basis", False),
)
MEASURE_SHEET = "减排清单"
RULE_SHEET = "绩效分级规则"


class EmergencyError(EcoplanError):
    """A user error in the emergency-response records."""


# ------------------------------------------------------------------------------ time helpers
def to_local(value: datetime | None) -> datetime | None:
    """A stored or given time as naive Beijing time (SQLite returns naive, PostgreSQL aware)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        return value.astimezone(BEIJING).replace(tzinfo=None)
    return value


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=BEIJING) if value.tzinfo is None else value


def now_local() -> datetime:
    return datetime.now(BEIJING).replace(tzinfo=None, microsecond=0)


def parse_level(raw: object, location: Location | None = None) -> str:
    """``yellow``/``黄色``/``Ⅲ级`` … → ``yellow``; anything else is an error."""
    key = str(raw or "").strip()
    level = LEVEL_ALIASES.get(key) or LEVEL_ALIASES.get(key.lower())
    if level is None:
        raise EmergencyError(f"预警级别无法识别：{key!r}（黄色/橙色/红色）",
                             f"Unknown warning level: {key!r} (yellow/orange/red)",
                             location=location)
    return level


# ------------------------------------------------------------------------------ reduction list
def write_template(path: Path) -> Path:
    """An empty workbook with the two sheets (and one example row each, marked 示例)."""
    import xlsxwriter  # deferred: the Excel writer loads only when a workbook is written

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "bg_color": "#D9E2F3", "border": 1})
    note = wb.add_format({"italic": True, "font_color": "#777777"})
    for sheet, cols, example in (
        (MEASURE_SHEET, MEASURE_COLUMNS,
         ["企业", "（示例，导入前删除）", "", "B", "1#生产线", "破碎工序", "橙色", "限产", 50,
          "", "", "", "", ""]),
        (RULE_SHEET, RULE_COLUMNS, ["（示例）A", "橙色", "自主减排", "县应急预案配置"]),
    ):
        ws = wb.add_worksheet(sheet)
        for i, (header, _key, required) in enumerate(cols):
            ws.write(0, i, header + ("*" if required else ""), head)
            ws.set_column(i, i, max(12, len(header) * 2 + 2))
        for i, v in enumerate(example):
            ws.write(1, i, v, note)
    info = wb.add_worksheet("说明")
    lines = [
        "应急减排清单（一厂一策）导入模板 / emergency reduction list template",
        "类型：企业 | 工地；预警级别：黄色 | 橙色 | 红色（每个级别一行）",
        "减排措施：" + "、".join(zh for zh, _ in MEASURES.values()),
        "绩效分级规则：由县生态环境部门按本地应急预案配置（处理方式：豁免 | 自主减排 | 按清单执行）",
        "带 * 的列必填；以“（示例”开头的行不会导入。",
    ]
    for i, line in enumerate(lines):
        info.write(i, 0, line)
    wb.close()
    return path


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_sheet(path: Path, wb: Any, sheet: str, cols: tuple[tuple[str, str, bool], ...],
                required_sheet: bool, errors: list[EcoplanError]) -> list[tuple[int, dict[str, str]]]:
    if sheet not in wb.sheetnames:
        if required_sheet:
            errors.append(EmergencyError(f"缺少工作表“{sheet}”", f"Sheet {sheet!r} is missing",
                                         location=Location(file=str(path))))
        return []
    ws = wb[sheet]
    rows = ws.iter_rows(values_only=True)
    header = [_cell(h).rstrip("*") for h in next(rows, ())]
    index: dict[str, int] = {}
    for name, key, required in cols:
        if name in header:
            index[key] = header.index(name)
        elif required:
            errors.append(EmergencyError(f"缺少列“{name}”", f"Column {name!r} is missing",
                                         location=Location(file=f"{path}:{sheet}", row=1,
                                                           field=name)))
    out: list[tuple[int, dict[str, str]]] = []
    for n, raw in enumerate(rows, start=2):
        values = {key: _cell(raw[i]) if i < len(raw) else "" for key, i in index.items()}
        if not any(values.values()) or next(iter(values.values()), "").startswith("（示例"):
            continue
        if any(v.startswith("（示例") for v in values.values()):
            continue
        out.append((n, values))
    return out


def _number(values: dict[str, str], key: str, header: str, where: str, row: int,
            errors: list[EcoplanError], *, lo: float = 0.0, hi: float | None = None
            ) -> float | None:
    raw = values.get(key, "")
    if not raw:
        return None
    try:
        x = float(raw.rstrip("%"))
    except ValueError:
        errors.append(EmergencyError(f"不是数字：{raw!r}", f"Not a number: {raw!r}",
                                     location=Location(file=where, row=row, field=header)))
        return None
    if x < lo or (hi is not None and x > hi):
        rng = f"{lo:g}–{hi:g}" if hi is not None else f"≥ {lo:g}"
        errors.append(EmergencyError(f"数值 {x:g} 超出范围 {rng}", f"Value {x:g} outside {rng}",
                                     location=Location(file=where, row=row, field=header)))
        return None
    return x


@dataclass
class ImportResult:
    list_id: int
    measures: int
    rules: int
    subjects: int


class ImportRejected(EmergencyError):
    """The workbook has errors; nothing was imported. ``errors`` lists every one."""

    def __init__(self, errors: list[EcoplanError]) -> None:
        self.errors = errors
        zh = "；".join(e.message("zh") for e in errors[:20])
        en = "; ".join(e.message("en") for e in errors[:20])
        more = len(errors) - 20
        super().__init__(
            f"减排清单有 {len(errors)} 处错误，未导入任何内容：{zh}" + (f"；另有 {more} 处" if more > 0 else ""),
            f"The reduction list has {len(errors)} error(s); nothing was imported: {en}"
            + (f"; {more} more" if more > 0 else ""))


def parse_workbook(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read and check the workbook; every problem is collected (file, sheet, row, field)."""
    # deferred: the Excel reader loads only when a workbook is read
    from openpyxl import load_workbook

    if not path.exists():
        raise EmergencyError(f"文件不存在：{path}", f"File not found: {path}",
                             location=Location(file=str(path)))
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is a user error
        raise EmergencyError(f"无法读取 Excel 文件：{exc}", f"Cannot read the workbook: {exc}",
                             location=Location(file=str(path))) from exc
    errors: list[EcoplanError] = []
    measures = _measure_rows(path, wb, errors)
    rules = _rule_rows(path, wb, errors)
    wb.close()
    if not measures and not errors:
        errors.append(EmergencyError("减排清单没有数据行", "The reduction list has no rows",
                                     location=Location(file=f"{path}:{MEASURE_SHEET}")))
    if errors:
        raise ImportRejected(errors)
    return measures, rules


def _measure_rows(path: Path, wb: Any, errors: list[EcoplanError]) -> list[dict[str, Any]]:
    """The rows of the reduction list (sheet :data:`MEASURE_SHEET`), each checked; problems go
    to ``errors``."""
    headers = {key: name for name, key, _ in MEASURE_COLUMNS}
    measures: list[dict[str, Any]] = []
    where = f"{path}:{MEASURE_SHEET}"
    seen: set[tuple[str, str, str, str, str]] = set()
    for row, v in _read_sheet(path, wb, MEASURE_SHEET, MEASURE_COLUMNS, True, errors):
        for name, key, required in MEASURE_COLUMNS:
            if required and not v.get(key):
                errors.append(EmergencyError("必填项为空", "Required value is empty",
                                             location=Location(file=where, row=row, field=name)))
        kind = SUBJECT_KINDS.get(v.get("subject_kind", ""))
        if v.get("subject_kind") and kind is None:
            errors.append(EmergencyError(f"类型应为 企业 或 工地：{v['subject_kind']!r}",
                                         f"Kind must be 企业 or 工地: {v['subject_kind']!r}",
                                         location=Location(file=where, row=row, field="类型")))
        level = None
        if v.get("level"):
            try:
                level = parse_level(v["level"], Location(file=where, row=row, field="预警级别"))
            except EmergencyError as exc:
                errors.append(exc)
        measure = MEASURE_ALIASES.get(v.get("measure", ""))
        if v.get("measure") and measure is None:
            errors.append(EmergencyError(
                f"减排措施无法识别：{v['measure']!r}（{'、'.join(z for z, _ in MEASURES.values())}）",
                f"Unknown measure: {v['measure']!r}",
                location=Location(file=where, row=row, field="减排措施")))
        code = v.get("credit_code", "")
        if code:
            try:
                code = check_credit_code(code, Location(file=where, row=row,
                                                        field="统一社会信用代码"))
            except EcoplanError as exc:
                errors.append(exc)
        grade = v.get("listed_grade") or None
        if grade:
            try:
                grade = parse_grade(grade, Location(file=where, row=row, field="绩效等级"))
            except EcoplanError as exc:
                errors.append(exc)
        pct = _number(v, "limit_percent", headers["limit_percent"], where, row, errors, hi=100)
        if measure == "limit" and pct is None and not any(
                e.location and e.location.row == row and e.location.field == "限产比例(%)"
                for e in errors):
            errors.append(EmergencyError("限产措施需要限产比例", "A limit needs its percentage",
                                         location=Location(file=where, row=row,
                                                           field="限产比例(%)")))
        reduction = {}
        for pol in ("pm", "so2", "nox", "vocs"):
            x = _number(v, f"reduction_{pol}", headers[f"reduction_{pol}"], where, row, errors)
            if x is not None:
                reduction[pol] = x
        key = (code, v.get("production_line", ""), v.get("process", ""), level or "",
               measure or "")
        if level and measure and key in seen:
            errors.append(EmergencyError("与前面的行重复（同一单位、生产线、工序、级别、措施）",
                                         "Duplicates an earlier row (same subject, line, "
                                         "process, level and measure)",
                                         location=Location(file=where, row=row,
                                                           field="统一社会信用代码")))
        seen.add(key)
        measures.append({"row": row, "subject_kind": kind, "credit_code": code,
                         "subject_name": v.get("subject_name", ""),
                         "listed_grade": grade,
                         "production_line": v.get("production_line") or None,
                         "process": v.get("process") or None, "level": level,
                         "measure": measure, "limit_percent": pct,
                         "description": v.get("description") or None, "reduction": reduction})
    return measures


def _rule_rows(path: Path, wb: Any, errors: list[EcoplanError]) -> list[dict[str, Any]]:
    """The county's handling rules per performance grade (sheet :data:`RULE_SHEET`), checked."""
    rules: list[dict[str, Any]] = []
    where = f"{path}:{RULE_SHEET}"
    for row, v in _read_sheet(path, wb, RULE_SHEET, RULE_COLUMNS, False, errors):
        for name, key, required in RULE_COLUMNS:
            if required and not v.get(key):
                errors.append(EmergencyError("必填项为空", "Required value is empty",
                                             location=Location(file=where, row=row, field=name)))
        level = None
        if v.get("level"):
            try:
                level = parse_level(v["level"], Location(file=where, row=row, field="预警级别"))
            except EmergencyError as exc:
                errors.append(exc)
        grade = v.get("grade", "")
        if grade:
            try:
                grade = parse_grade(grade, Location(file=where, row=row, field="绩效等级"))
            except EcoplanError as exc:
                errors.append(exc)
        action = ACTION_ALIASES.get(v.get("action", ""))
        if v.get("action") and action is None:
            errors.append(EmergencyError(
                f"处理方式无法识别：{v['action']!r}（豁免/自主减排/按清单执行）",
                f"Unknown action: {v['action']!r} (豁免/自主减排/按清单执行)",
                location=Location(file=where, row=row, field="处理方式")))
        rules.append({"grade": grade, "level": level, "action": action,
                      "basis": v.get("basis") or "县级应急预案配置 / county configuration"})
    return rules



def import_measures(engine: Engine, path: Path, *, valid_from: date, name: str | None = None,
                    actor: str = "cli") -> ImportResult:
    """Import the workbook as a new list version effective from ``valid_from`` (all or nothing)."""
    measures, rules = parse_workbook(path)
    with session_scope(engine) as s:
        lst = EmergencyMeasureList(name=name or path.stem, valid_from=valid_from,
                                   source_file=str(path), imported_by=actor)
        s.add(lst)
        s.flush()
        s.add_all(EmergencyMeasure(list_id=lst.id, **m) for m in measures)
        s.add_all(EmergencyGradeRule(list_id=lst.id, **r) for r in rules)
        list_id = lst.id
    return ImportResult(list_id, len(measures), len(rules),
                        len({m["credit_code"] for m in measures}))


def list_in_effect(s: Session, day: date) -> EmergencyMeasureList | None:
    """The list version in effect on ``day`` (latest ``valid_from`` ≤ day, then latest import)."""
    return s.scalars(select(EmergencyMeasureList)
                     .where(EmergencyMeasureList.valid_from <= day)
                     .order_by(EmergencyMeasureList.valid_from.desc(),
                               EmergencyMeasureList.id.desc())).first()


def measure_rows(engine: Engine, day: date | None = None,
                 level: str | None = None) -> list[dict[str, Any]]:
    """The rows of the list in effect on ``day`` (today by default), optionally of one level."""
    day = day or now_local().date()
    with session_scope(engine) as s:
        lst = list_in_effect(s, day)
        if lst is None:
            return []
        q = select(EmergencyMeasure).where(EmergencyMeasure.list_id == lst.id)
        if level:
            q = q.where(EmergencyMeasure.level == level)
        return [_measure_dict(m, lst) for m in s.scalars(q.order_by(EmergencyMeasure.row))]


def _measure_dict(m: EmergencyMeasure, lst: EmergencyMeasureList) -> dict[str, Any]:
    return {"list_id": lst.id, "list_name": lst.name, "row": m.row,
            "subject_kind": m.subject_kind, "credit_code": m.credit_code,
            "subject_name": m.subject_name, "listed_grade": m.listed_grade,
            "production_line": m.production_line, "process": m.process, "level": m.level,
            "measure": m.measure, "measure_zh": MEASURES[m.measure][0],
            "measure_en": MEASURES[m.measure][1], "limit_percent": m.limit_percent,
            "description": m.description, "reduction": dict(m.reduction or {})}


# ------------------------------------------------------------------------------ grades
def grade_for(s: Session, credit_code: str, day: date,
              listed: str | None) -> tuple[str | None, str]:
    """The performance grade used on ``day`` and where it came from: the enterprise registry's
    grade in force (``registry``), else the grade written in the reduction list (``list``)."""
    g = grade_in_force(s, credit_code, day)
    if g is not None:
        return str(g.grade), "registry"
    return listed, "list"


# ------------------------------------------------------------------------------ lifecycle
@dataclass
class ResponseState:
    """A response folded from its events up to a moment."""

    id: int
    area: str
    level: str | None
    active: bool
    start: datetime
    planned_end: datetime | None
    ended: datetime | None
    doc_no: str | None
    basis: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "area": self.area, "level": self.level, "active": self.active,
                "level_zh": LEVEL_NAMES[self.level][0] if self.level else None,
                "level_en": LEVEL_NAMES[self.level][1] if self.level else None,
                "colour": LEVEL_COLOURS.get(self.level or ""),
                "start": self.start.isoformat(), "doc_no": self.doc_no, "basis": self.basis,
                "planned_end": self.planned_end.isoformat() if self.planned_end else None,
                "ended": self.ended.isoformat() if self.ended else None,
                "events": self.events}


def _event_dict(e: EmergencyEvent) -> dict[str, Any]:
    return {"id": e.id, "kind": e.kind, "kind_zh": EVENT_NAMES[e.kind][0], "level": e.level,
            "effective_at": to_local(e.effective_at).isoformat(),  # type: ignore[union-attr]
            "planned_end": (to_local(e.planned_end).isoformat()  # type: ignore[union-attr]
                            if e.planned_end else None),
            "doc_no": e.doc_no, "basis": e.basis, "basis_detail": e.basis_detail,
            "actor": e.actor, "note": e.note}


def fold(response: EmergencyResponse, events: Iterable[EmergencyEvent],
         at: datetime | None = None) -> ResponseState | None:
    """The state of a response at ``at`` (all events when None); None before it was issued."""
    evs = sorted(events, key=lambda e: (to_local(e.effective_at), e.id))
    if at is not None:
        evs = [e for e in evs if to_local(e.effective_at) <= at]  # type: ignore[operator]
    if not evs:
        return None
    first = evs[0]
    st = ResponseState(response.id, response.area, first.level, True,
                       to_local(first.effective_at), to_local(first.planned_end), None,  # type: ignore[arg-type]
                       first.doc_no, first.basis)
    for e in evs:
        st.events.append(_event_dict(e))
        if e.kind == "lifted":
            st.active, st.ended = False, to_local(e.effective_at)
        else:
            st.level = e.level or st.level
            if e.planned_end is not None:
                st.planned_end = to_local(e.planned_end)
            if e.doc_no:
                st.doc_no = e.doc_no
    moment = at or now_local()
    if st.active and st.planned_end is not None and st.planned_end <= moment:
        st.active = False  # planned end passed without a lifting notice: expired
        st.ended = st.planned_end
    return st


def _load(s: Session, response_id: int) -> tuple[EmergencyResponse, list[EmergencyEvent]]:
    r = s.get(EmergencyResponse, response_id)
    if r is None:
        raise EmergencyError(f"应急响应 {response_id} 不存在", f"No emergency response {response_id}")
    evs = list(s.scalars(select(EmergencyEvent).where(EmergencyEvent.response_id == r.id)))
    return r, evs


def response_state(engine: Engine, response_id: int,
                   at: datetime | None = None) -> ResponseState | None:
    with session_scope(engine) as s:
        r, evs = _load(s, response_id)
        return fold(r, evs, at)


def responses(engine: Engine) -> list[ResponseState]:
    """Every response with its full history, newest first."""
    out = []
    with session_scope(engine) as s:
        all_events = list(s.scalars(select(EmergencyEvent)))
        for r in s.scalars(select(EmergencyResponse).order_by(EmergencyResponse.id.desc())):
            st = fold(r, [e for e in all_events if e.response_id == r.id])
            if st is not None:
                out.append(st)
    return out


def active_response(engine: Engine, at: datetime | None = None) -> ResponseState | None:
    """The response in force at ``at`` (now by default), if any."""
    at = at or now_local()
    with session_scope(engine) as s:
        all_events = list(s.scalars(select(EmergencyEvent)))
        for r in s.scalars(select(EmergencyResponse).order_by(EmergencyResponse.id.desc())):
            st = fold(r, [e for e in all_events if e.response_id == r.id], at)
            if st is not None and st.active:
                return st
    return None


def forecast_basis(path: Path, variant: str = "national_2018") -> dict[str, Any]:
    """Evaluate a forecast CSV (date,aqi) with the 2018 warning grading (环办大气函〔2018〕875号)."""
    if not path.exists():
        raise EmergencyError(f"文件不存在：{path}", f"File not found: {path}",
                             location=Location(file=str(path)))
    days: list[date] = []
    aqis: list[int | None] = []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        cols = {c.lower().strip(): c for c in (reader.fieldnames or [])}
        if "date" not in cols or "aqi" not in cols:
            raise EmergencyError("预报文件需要 date、aqi 两列", "The forecast needs date and aqi",
                                 location=Location(file=str(path), field="date,aqi"))
        for n, rec in enumerate(reader, start=2):
            try:
                days.append(date.fromisoformat(rec[cols["date"]].strip()[:10]))
            except ValueError as exc:
                raise EmergencyError("日期无法识别", "Unrecognised date", location=Location(
                    file=str(path), row=n, field="date")) from exc
            raw = (rec[cols["aqi"]] or "").strip()
            try:
                aqis.append(int(float(raw)) if raw else None)
            except ValueError as exc:
                raise EmergencyError(f"AQI 不是数字：{raw!r}", f"AQI is not a number: {raw!r}",
                                     location=Location(file=str(path), row=n,
                                                       field="aqi")) from exc
    episodes = warning_episodes(days, aqis, variant)
    levels = [e.warning_level for e in episodes if e.warning_level]
    return {"file": str(path), "variant": variant,
            "warning_level": max(levels, key=LEVELS.index) if levels else None,
            "episodes": [{"start": e.start.isoformat(), "end": e.end.isoformat(),
                          "days": e.days, "max_aqi": e.max_aqi,
                          "warning_level": e.warning_level} for e in episodes]}


def issue(engine: Engine, *, level: str | None, start: datetime, planned_end: datetime | None,
          doc_no: str, forecast: Path | None = None, variant: str = "national_2018",
          area: str = "交城县", actor: str = "cli", note: str | None = None) -> ResponseState:
    """Issue a warning (启动应急响应). With a forecast the level it calls for is recorded as the
    basis; without ``level`` that level is issued."""
    basis, detail = "manual", {}
    if forecast is not None:
        detail = forecast_basis(forecast, variant)
        basis = "forecast"
        if level is None:
            level = detail["warning_level"]
            if level is None:
                raise EmergencyError("预报未达到任何预警级别，请用 --level 指定",
                                     "The forecast calls for no warning; give --level",
                                     location=Location(file=str(forecast)))
    if level is None:
        raise EmergencyError("需要 --level 或 --forecast", "Give --level or --forecast")
    level = parse_level(level)
    if not doc_no.strip():
        raise EmergencyError("需要发布文号", "The issuing document number is required",
                             location=Location(field="doc"))
    if planned_end is not None and planned_end <= start:
        raise EmergencyError("计划结束时间应晚于开始时间", "The planned end must be after the start",
                             location=Location(field="to"))
    current = active_response(engine, start)
    if current is not None:
        raise EmergencyError(
            f"{start:%Y-%m-%d %H:%M} 已有应急响应 {current.id} 在执行，请用 change 调整级别",
            f"Response {current.id} is in force at {start:%Y-%m-%d %H:%M}; use `change`")
    with session_scope(engine) as s:
        r = EmergencyResponse(area=area)
        s.add(r)
        s.flush()
        s.add(EmergencyEvent(response_id=r.id, kind="issued", level=level,
                             effective_at=_aware(start), planned_end=_aware(planned_end),
                             doc_no=doc_no.strip(), basis=basis, basis_detail=detail,
                             actor=actor, note=note))
        rid = r.id
    st = response_state(engine, rid)
    assert st is not None
    return st


def change(engine: Engine, response_id: int, *, at: datetime, doc_no: str,
           level: str | None = None, planned_end: datetime | None = None,
           actor: str = "cli", note: str | None = None) -> ResponseState:
    """Upgrade, downgrade or extend a response in force at ``at``."""
    st = response_state(engine, response_id, at)
    if st is None or not st.active:
        raise EmergencyError(f"应急响应 {response_id} 在 {at:%Y-%m-%d %H:%M} 未在执行",
                             f"Response {response_id} is not in force at {at:%Y-%m-%d %H:%M}")
    new = parse_level(level) if level else st.level
    if new == st.level and planned_end is None:
        raise EmergencyError("级别未变化，也没有新的结束时间", "Neither the level nor the end changes")
    kind = ("extended" if new == st.level else
            "upgraded" if LEVELS.index(new) > LEVELS.index(st.level or "yellow") else "downgraded")
    with session_scope(engine) as s:
        s.add(EmergencyEvent(response_id=response_id, kind=kind, level=new,
                             effective_at=_aware(at), planned_end=_aware(planned_end),
                             doc_no=doc_no.strip() or None, basis="manual", basis_detail={},
                             actor=actor, note=note))
    out = response_state(engine, response_id)
    assert out is not None
    return out


def lift(engine: Engine, response_id: int, *, at: datetime, doc_no: str,
         actor: str = "cli", note: str | None = None) -> ResponseState:
    """Lift (解除) a response in force at ``at``."""
    st = response_state(engine, response_id, at)
    if st is None or not st.active:
        raise EmergencyError(f"应急响应 {response_id} 在 {at:%Y-%m-%d %H:%M} 未在执行",
                             f"Response {response_id} is not in force at {at:%Y-%m-%d %H:%M}")
    with session_scope(engine) as s:
        s.add(EmergencyEvent(response_id=response_id, kind="lifted", level=None,
                             effective_at=_aware(at), planned_end=None,
                             doc_no=doc_no.strip() or None, basis="manual", basis_detail={},
                             actor=actor, note=note))
    out = response_state(engine, response_id)
    assert out is not None
    return out


# ------------------------------------------------------------------------------ in force
def measures_in_force(engine: Engine, at: datetime | None = None) -> dict[str, Any]:
    """The response in force at ``at`` and, per enterprise/site, its measures at that level.

    Each row's ``status``: ``required`` (carry out as listed), ``voluntary`` (自主减排) or
    ``exempt`` — from the county's grade rules of the list in effect and the enterprise's grade
    (the enterprise registry's grade in force when available, else the grade in the list)."""
    at = at or now_local()
    st = active_response(engine, at)
    if st is None:
        return {"at": at.isoformat(), "response": None, "measures": []}
    rows = measure_rows(engine, at.date(), st.level)
    with session_scope(engine) as s:
        lst = list_in_effect(s, at.date())
        rules = {} if lst is None else {
            (r.grade, r.level): r for r in s.scalars(
                select(EmergencyGradeRule).where(EmergencyGradeRule.list_id == lst.id))}
        grades = {m["credit_code"]: grade_for(s, m["credit_code"], at.date(), m["listed_grade"])
                  for m in rows}
    out = []
    for m in rows:
        grade, source = grades[m["credit_code"]]
        rule = rules.get((grade or "", st.level or ""))
        status = "required" if rule is None or rule.action == "as_listed" else rule.action
        out.append(m | {"grade": grade, "grade_source": source, "status": status,
                        "status_zh": GRADE_ACTIONS.get(status, ("须执行", ""))[0]
                        if status != "required" else "须执行",
                        "rule_basis": rule.basis if rule is not None else None})
    return {"at": at.isoformat(), "response": st.as_dict(), "measures": out}


# ------------------------------------------------------------------------------ inspections
def record_inspection(engine: Engine, response_id: int, *, credit_code: str, at: datetime,
                      complied: bool, department: str, inspector: str,
                      note: str | None = None, evidence: list[str] | None = None,
                      subject_name: str | None = None) -> int:
    """Append an inspection made while the response was in force; returns its id."""
    st = response_state(engine, response_id, at)
    if st is None or not st.active:
        raise EmergencyError(f"检查时间 {at:%Y-%m-%d %H:%M} 不在应急响应 {response_id} 执行期间",
                             f"{at:%Y-%m-%d %H:%M} is outside response {response_id}",
                             location=Location(field="at"))
    if not credit_code.strip():
        raise EmergencyError("需要统一社会信用代码", "The credit code is required",
                             location=Location(field="credit_code"))
    if not department.strip() or not inspector.strip():
        raise EmergencyError("需要检查部门和检查人", "Department and inspector are required",
                             location=Location(field="department"))
    with session_scope(engine) as s:
        if subject_name is None:
            m = s.scalars(select(EmergencyMeasure)
                          .where(EmergencyMeasure.credit_code == credit_code.strip())).first()
            subject_name = m.subject_name if m else None
        rec = EmergencyInspection(response_id=response_id, credit_code=credit_code.strip(),
                                  subject_name=subject_name, inspected_at=_aware(at),
                                  complied=complied, note=note, evidence=list(evidence or []),
                                  department=department.strip(), inspector=inspector.strip())
        s.add(rec)
        s.flush()
        return int(rec.id)


def inspections(engine: Engine, response_id: int | None = None) -> list[dict[str, Any]]:
    with session_scope(engine) as s:
        q = select(EmergencyInspection).order_by(EmergencyInspection.inspected_at,
                                                 EmergencyInspection.id)
        if response_id is not None:
            q = q.where(EmergencyInspection.response_id == response_id)
        return [{"id": i.id, "response_id": i.response_id, "credit_code": i.credit_code,
                 "subject_name": i.subject_name,
                 "inspected_at": to_local(i.inspected_at).isoformat(),  # type: ignore[union-attr]
                 "complied": bool(i.complied), "note": i.note, "evidence": list(i.evidence),
                 "department": i.department, "inspector": i.inspector}
                for i in s.scalars(q)]
