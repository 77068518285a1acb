"""Excel template and import for the pollution-source registry (Chinese headers).

One workbook, five sheets — 企业, 排放口, 许可证, 许可限值, 绩效分级 — each also importable on its
own (``sheets=``). Headers may be Chinese (as in the template) or the English field names.
Every row is checked; a bad row is reported with file, sheet/row and field and skipped, the
others are kept (each row in its own savepoint). Re-importing the same file changes nothing:
existing enterprises/outlets are updated from the row, identical permits/limits/grades are
skipped (a grade that differs is appended as history, never overwriting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.errors import EcoplanError, InputFileError, Location
from ecoplan.store.supervision_models import (
    Enterprise,
    Outlet,
    PerformanceGrade,
    Permit,
    PermitLimit,
)
from ecoplan.supervision import sources as S
from ecoplan.supervision.registry_excel import text as cell_text

#: sheet key → (Chinese sheet name, [(field, Chinese header, required, help)])
SHEETS: dict[str, tuple[str, list[tuple[str, str, bool, str]]]] = {
    "enterprises": ("企业", [
        ("credit_code", "统一社会信用代码", True, "18 位"),
        ("name", "企业名称", True, ""),
        ("industry", "行业", False, "如 炼焦、水泥"),
        ("town", "乡镇", False, ""),
        ("key_enterprise", "重点企业", False, "是/否"),
        ("permit_required", "需持排污许可证", False, "是/否，默认 是"),
        ("department", "监管部门", False, ""),
        ("note", "备注", False, ""),
    ]),
    "outlets": ("排放口", [
        ("code", "排放口编码", True, "与在线监测数据的排放口编码一致"),
        ("enterprise", "企业", True, "统一社会信用代码或企业名称"),
        ("name", "排放口名称", False, ""),
        ("kind", "类型", True, "废气/废水"),
        ("mns", "数采仪MN", False, "多个用 ; 分隔"),
    ]),
    "permits": ("许可证", [
        ("number", "许可证编号", True, ""),
        ("enterprise", "企业", True, "统一社会信用代码或企业名称"),
        ("issued", "发证日期", True, "YYYY-MM-DD"),
        ("valid_until", "有效期至", True, "YYYY-MM-DD"),
        ("management_class", "管理类别", True, "重点/简化/登记"),
        ("note", "备注", False, ""),
    ]),
    "limits": ("许可限值", [
        ("permit", "许可证编号", True, ""),
        ("outlet", "排放口编码", True, ""),
        ("parameter", "污染物", True, "如 二氧化硫 / so2 / a21026"),
        ("limit_value", "许可排放浓度限值", True, "按许可证填写"),
        ("unit", "单位", True, "mg/m³、mg/L"),
        ("basis", "依据", False, "如 GB 16171-2012 表2（按许可证原文）"),
    ]),
    "grades": ("绩效分级", [
        ("enterprise", "企业", True, "统一社会信用代码或企业名称"),
        ("grade", "绩效等级", True, "引领性/A/B/C/D"),
        ("effective_from", "生效日期", True, "YYYY-MM-DD"),
        ("document", "依据文件", True, "分级结果文件名称、文号"),
    ]),
}
ORDER = ("enterprises", "outlets", "permits", "limits", "grades")
_YES = {"是", "y", "yes", "true", "1", "√", "重点"}
_NO = {"否", "n", "no", "false", "0", ""}


@dataclass
class ImportReport:
    file: str
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "added": self.added, "updated": self.updated,
                "unchanged": self.unchanged, "errors": self.errors}


def write_template(path: Path, *, example_rows: dict[str, list[dict[str, Any]]] | None = None,
                   title_note: str | None = None) -> Path:
    """Write the import template (one sheet per entity, Chinese headers, a help row)."""
    import xlsxwriter  # deferred: the Excel writer loads only when a workbook is written

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    helpf = wb.add_format({"italic": True, "font_color": "#666666"})
    for key in ORDER:
        sheet_name, cols = SHEETS[key]
        ws = wb.add_worksheet(sheet_name)
        for c, (_f, zh, req, hint) in enumerate(cols):
            ws.write(0, c, zh + ("*" if req else ""), head)
            ws.write(1, c, hint, helpf)
            ws.set_column(c, c, max(14, len(zh) * 2 + 4))
        for r, row in enumerate((example_rows or {}).get(key, []), start=2):
            for c, (f, _zh, _req, _hint) in enumerate(cols):
                v = row.get(f)
                if v is not None:
                    ws.write(r, c, v if not isinstance(v, list) else ";".join(v))
    info = wb.add_worksheet("说明")
    lines = [
        "污染源监管登记导入模板 / pollution-source registry import template",
        "第 1 行为表头（* 为必填），第 2 行为填写说明（导入时跳过），数据从第 3 行开始。",
        "限值按排污许可证载明的内容填写（浓度限值、单位、依据），系统不内置国家标准限值表。",
        "绩效分级只追加不覆盖：同一企业的新等级按生效日期生效。",
    ]
    if title_note:
        lines.insert(1, title_note)
    for i, text in enumerate(lines):
        info.write(i, 0, text)
    info.set_column(0, 0, 100)
    wb.close()
    return path


def _read_sheets(path: Path, wanted: tuple[str, ...]) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Rows per entity as {field: value} with their spreadsheet row numbers."""
    if not path.exists():
        raise InputFileError(f"文件不存在：{path}", f"File not found: {path}",
                             location=Location(str(path)))
    # deferred: the Excel reader loads only when a workbook is read
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file
        raise InputFileError(f"无法读取 Excel 文件：{exc}", f"Cannot read the workbook: {exc}",
                             location=Location(str(path))) from exc
    out: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    try:
        for key in wanted:
            sheet_name, cols = SHEETS[key]
            names = {zh: f for f, zh, _r, _h in cols} | {f: f for f, _zh, _r, _h in cols}
            ws = next((wb[n] for n in wb.sheetnames if n.strip() in (sheet_name, key)), None)
            if ws is None:
                continue
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                continue
            fields = [names.get(str(h or "").strip().rstrip("*").strip()) for h in header]
            missing = [zh for f, zh, req, _h in cols if req and f not in fields]
            if missing:
                raise InputFileError(
                    f"工作表“{sheet_name}”缺少列：{'、'.join(missing)}",
                    f"Sheet '{sheet_name}' lacks columns: {', '.join(missing)}",
                    location=Location(str(path), 1, missing[0]))
            hints = [h for _f, _zh, _r, h in cols]
            items = []
            for r, values in enumerate(rows, start=2):
                if values is None or all(v is None or str(v).strip() == "" for v in values):
                    continue
                row = {f: v for f, v in zip(fields, values, strict=False) if f}
                if r == 2 and [str(row.get(f) or "") for f, *_ in cols] == hints:
                    continue  # the template's help row
                items.append((r, row))
            out[key] = items
    finally:
        wb.close()
    return out


def _bool(v: Any, default: bool, loc: Location, field_name: str) -> bool:
    t = (cell_text(v) or "").lower()
    if t == "":
        return default
    if t in _YES:
        return True
    if t in _NO:
        return False
    raise S.SourcesError(f"“{v}”应为 是 或 否", f"'{v}' must be yes (是) or no (否)",
                         location=Location(loc.file, loc.row, field_name))


def import_workbook(session: Session, path: Path, *, sheets: tuple[str, ...] = ORDER,
                    actor: str | None = None) -> ImportReport:
    """Import the rows of the named sheets (in dependency order)."""
    data = _read_sheets(path, tuple(k for k in ORDER if k in sheets))
    rep = ImportReport(str(path))
    for key in ORDER:
        if key not in data:
            continue
        sheet_name = SHEETS[key][0]
        for r, row in data[key]:
            loc = Location(f"{path.name}[{sheet_name}]", r)
            try:
                with session.begin_nested():
                    outcome = _IMPORTERS[key](session, row, loc, actor)
            except EcoplanError as exc:
                where = exc.location or loc
                rep.errors.append({"file": path.name, "sheet": sheet_name, "row": r,
                                   "field": where.field, "zh": exc.zh, "en": exc.en})
                continue
            bucket = {"added": rep.added, "updated": rep.updated,
                      "unchanged": rep.unchanged}[outcome]
            bucket[key] = bucket.get(key, 0) + 1
    return rep


def _import_enterprise(s: Session, row: dict[str, Any], loc: Location, _actor: str | None) -> str:
    code = S.check_credit_code(cell_text(row.get("credit_code")) or "", loc)
    values = {
        "name": cell_text(row.get("name")), "industry": cell_text(row.get("industry")),
        "town": cell_text(row.get("town")),
        "key_enterprise": _bool(row.get("key_enterprise"), False, loc, "key_enterprise"),
        "permit_required": _bool(row.get("permit_required"), True, loc, "permit_required"),
        "department": cell_text(row.get("department")), "note": cell_text(row.get("note")),
    }
    existing = s.get(Enterprise, code)
    if existing is None:
        S.add_enterprise(s, code, values.pop("name") or "", location=loc, **values)
        return "added"
    if not values["name"]:
        raise S.SourcesError("企业名称不能为空", "Enterprise name is required",
                             location=Location(loc.file, loc.row, "name"))
    if all(getattr(existing, k) == v for k, v in values.items()):
        return "unchanged"
    S.edit_enterprise(s, code, **values)
    return "updated"


def _split_mns(v: Any) -> list[str]:
    t = cell_text(v) or ""
    for sep in ("；", "、", ",", "，", " "):
        t = t.replace(sep, ";")
    return [m for m in (x.strip() for x in t.split(";")) if m]


def _import_outlet(s: Session, row: dict[str, Any], loc: Location, _actor: str | None) -> str:
    code = cell_text(row.get("code")) or ""
    existing = s.get(Outlet, code) if code else None
    mns = _split_mns(row.get("mns"))
    if existing is None:
        S.add_outlet(s, code, cell_text(row.get("enterprise")) or "", cell_text(row.get("kind")) or "",
                     name=cell_text(row.get("name")), mns=mns, location=loc)
        return "added"
    ent = S._enterprise_at(s, cell_text(row.get("enterprise")) or "", loc)
    if ent.credit_code != existing.enterprise:
        raise S.SourcesError(f"排放口 {code} 已登记在其他企业名下",
                             f"Outlet {code} is registered to another enterprise",
                             location=Location(loc.file, loc.row, "enterprise"))
    kind = S.parse_outlet_kind(cell_text(row.get("kind")) or "", loc)
    name = cell_text(row.get("name"))
    if (existing.kind, existing.name, list(existing.mns or [])) == (kind, name, sorted(set(mns))):
        return "unchanged"
    S.edit_outlet(s, code, name=name or "", kind=kind, mns=mns)
    return "updated"


def _import_permit(s: Session, row: dict[str, Any], loc: Location, _actor: str | None) -> str:
    number = cell_text(row.get("number")) or ""
    existing = s.get(Permit, number) if number else None
    if existing is None:
        S.add_permit(s, number, cell_text(row.get("enterprise")) or "", cell_text(row.get("issued")),
                     cell_text(row.get("valid_until")),
                     cell_text(row.get("management_class")) or "", note=cell_text(row.get("note")),
                     location=loc)
        return "added"
    valid_until = S.parse_date(cell_text(row.get("valid_until")), "valid_until", loc)
    cls = S.parse_management_class(cell_text(row.get("management_class")) or "", loc)
    if (existing.valid_until, existing.management_class) == (valid_until, cls):
        return "unchanged"
    S.edit_permit(s, number, valid_until=valid_until, management_class=cls)
    return "updated"


def _import_limit(s: Session, row: dict[str, Any], loc: Location, _actor: str | None) -> str:
    permit = cell_text(row.get("permit")) or ""
    outlet = cell_text(row.get("outlet")) or ""
    parameter = S.parse_parameter(cell_text(row.get("parameter")) or "", loc)
    existing = s.scalars(select(PermitLimit).where(
        PermitLimit.permit == permit, PermitLimit.outlet == outlet,
        PermitLimit.parameter == parameter)).first()
    if existing is not None:
        same = (existing.limit_value == S.parse_limit(row.get("limit_value"), loc)
                and existing.unit == (cell_text(row.get("unit")) or ""))
        if same:
            return "unchanged"
    S.add_permit_limit(s, permit, S.LimitInput(outlet, parameter, cell_text(row.get("limit_value"))
                                               or "", cell_text(row.get("unit")) or "",
                                               cell_text(row.get("basis"))), location=loc)
    return "added"


def _import_grade(s: Session, row: dict[str, Any], loc: Location, actor: str | None) -> str:
    ent = S._enterprise_at(s, cell_text(row.get("enterprise")) or "", loc)
    grade = S.parse_grade(cell_text(row.get("grade")) or "", loc)
    start = S.parse_date(cell_text(row.get("effective_from")), "effective_from", loc)
    doc = cell_text(row.get("document")) or ""
    dup = s.scalars(select(PerformanceGrade).where(
        PerformanceGrade.enterprise == ent.credit_code, PerformanceGrade.grade == grade,
        PerformanceGrade.effective_from == start, PerformanceGrade.document == doc)).first()
    if dup is not None:
        return "unchanged"
    S.record_grade(s, ent.credit_code, grade, start, doc, recorded_by=actor, location=loc)
    return "added"


_IMPORTERS = {"enterprises": _import_enterprise, "outlets": _import_outlet,
              "permits": _import_permit, "limits": _import_limit, "grades": _import_grade}
