"""Reading messy registry workbooks (the Excel exports of the national solid-waste system, the
county's own lists) and writing their templates — shared by the risk, hazardous-waste and
radiation registries.

A sheet is found by its name (Chinese or the key). The header row is the row, among the first
ten, that matches most known headers; a merged two-row header (e.g. “数量” over “转出 | 接收”)
is read as “upper+lower” after filling the merged cells. Headers may carry units in brackets
(``数量（千克）``, ``重量(kg)``): a quantity field is converted to tonnes. Title rows, blank rows,
the template's help row and a “合计” row are skipped. A bad value is reported with file, sheet,
row and field (in Chinese and English) and the row is kept, unchanged, in the report's
``rejected`` list — nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ecoplan.errors import EcoplanError, InputFileError, Location

#: how a column is parsed
KINDS = ("text", "date", "tonnes", "number", "bool", "list", "int")
_YES = {"是", "y", "yes", "true", "1", "√", "有"}
_NO = {"否", "n", "no", "false", "0", "", "无"}
_UNIT_RE = re.compile(r"[（(]\s*([^）)]*)\s*[）)]")
#: units accepted in a quantity header, as factors to tonnes
TONNE_FACTORS = {"t": Decimal(1), "吨": Decimal(1), "kg": Decimal("0.001"), "千克": Decimal("0.001"),
                 "公斤": Decimal("0.001"), "g": Decimal("0.000001"), "克": Decimal("0.000001")}


class RegistryRowError(EcoplanError):
    """A value of a registry workbook row breaks a rule."""


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    kind: str = "text"
    required: bool = False
    hint: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sheet:
    key: str
    zh: str
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()


@dataclass
class Row:
    file: str
    sheet: str
    row: int
    values: dict[str, Any]
    raw: dict[str, Any]

    def loc(self, field_name: str) -> Location:
        return Location(self.file, self.row, f"{self.sheet}.{field_name}")


@dataclass
class ImportReport:
    file: str
    added: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def count(self, sheet: str, added: bool) -> None:
        d = self.added if added else self.unchanged
        d[sheet] = d.get(sheet, 0) + 1

    def reject(self, row: Row | None, err: EcoplanError, sheet: str = "", raw: dict[str, Any] | None = None
               ) -> None:
        loc = err.location
        self.rejected.append({
            "file": loc.file if loc and loc.file else self.file,
            "sheet": row.sheet if row else sheet,
            "row": loc.row if loc and loc.row else (row.row if row else None),
            "field": loc.field if loc else None, "zh": err.zh, "en": err.en,
            "values": {k: _plain(v) for k, v in ((row.raw if row else raw) or {}).items()}})

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "added": self.added, "unchanged": self.unchanged,
                "rejected": self.rejected}


def _plain(v: Any) -> Any:
    if isinstance(v, datetime | date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    return v


def _norm(h: Any) -> tuple[str, str | None]:
    """A header without spaces, stars and its bracketed unit; and the unit."""
    t = str(h or "").replace("\n", "").replace(" ", "").replace("\u3000", "").strip().rstrip("*")
    m = _UNIT_RE.search(t)
    unit = m.group(1).strip() if m else None
    return _UNIT_RE.sub("", t).strip("*:："), unit


def text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, datetime):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    t = str(v).strip()
    return t or None


def parse_value(kind: str, v: Any, loc: Location, factor: Decimal = Decimal(1)) -> Any:
    """Parse one cell (raises :class:`RegistryRowError` naming file, row and field)."""
    t = text(v)
    if t is None:
        return None
    if kind == "text":
        return t
    if kind == "date":
        if isinstance(v, datetime):
            return v.date()
        if isinstance(v, date):
            return v
        s = t.replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
        try:
            y, m, d = (int(x) for x in s[:10].split("-"))
            return date(y, m, d)
        except ValueError:
            raise RegistryRowError(f"日期“{v}”无效，应为 YYYY-MM-DD", f"Invalid date “{v}” (YYYY-MM-DD)",
                                   location=loc) from None
    if kind in ("tonnes", "number", "int"):
        s = t.replace(",", "").replace("，", "")
        for suffix in ("吨", "t", "kg", "千克"):
            if s.lower().endswith(suffix) and suffix in TONNE_FACTORS and kind == "tonnes":
                factor = TONNE_FACTORS[suffix]
                s = s[: -len(suffix)].strip()
        try:
            d = Decimal(s)
        except InvalidOperation:
            d = Decimal("NaN")
        if not d.is_finite() or d < 0:
            raise RegistryRowError(f"数值“{v}”无效，应为非负数", f"Value “{v}” must be a non-negative number",
                                   location=loc)
        if kind == "int":
            return int(d)
        return (d * factor).normalize() if kind == "tonnes" else d
    if kind == "bool":
        if t.lower() in _YES:
            return True
        if t.lower() in _NO:
            return False
        raise RegistryRowError(f"“{v}”应为 是 或 否", f"“{v}” must be yes (是) or no (否)", location=loc)
    if kind == "list":
        return [x.strip() for x in re.split(r"[;；,，、\s]+", t) if x.strip()]
    raise AssertionError(kind)


def read_sheets(path: Path, sheets: tuple[Sheet, ...], report: ImportReport
                ) -> dict[str, list[Row]]:
    """Rows per sheet key, values parsed; bad rows go to ``report.rejected``."""
    if not path.exists():
        raise InputFileError(f"文件不存在：{path}", f"File not found: {path}", location=Location(str(path)))
    # deferred: the Excel reader loads only when a workbook is read
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the user's file
        raise InputFileError(f"无法读取 Excel 文件：{exc}", f"Cannot read the workbook: {exc}",
                             location=Location(str(path))) from exc
    out: dict[str, list[Row]] = {}
    try:
        for sh in sheets:
            names = {sh.zh, sh.key, *sh.aliases}
            ws = next((wb[n] for n in wb.sheetnames if n.strip() in names), None)
            if ws is None and len(sheets) == 1 and len(wb.sheetnames) == 1:
                ws = wb[wb.sheetnames[0]]
            if ws is None:
                continue
            out[sh.key] = _read_sheet(str(path), ws, sh, report)
    finally:
        wb.close()
    if not out:
        raise InputFileError(
            f"工作簿中没有可识别的工作表（应为：{'、'.join(s.zh for s in sheets)}）",
            f"No known sheet in the workbook (expected: {', '.join(s.key for s in sheets)})",
            location=Location(str(path)))
    return out


def _grid(ws: Any) -> list[list[Any]]:
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:  # fill merged cells with their top-left value
        v = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if r - 1 < len(grid) and c - 1 < len(grid[r - 1]):
                    grid[r - 1][c - 1] = v
    return grid


def _match(sh: Sheet) -> dict[str, Column]:
    m: dict[str, Column] = {}
    for c in sh.columns:
        for name in (c.zh, c.field, *c.aliases):
            m[_norm(name)[0]] = c
    return m


def _read_sheet(file: str, ws: Any, sh: Sheet, report: ImportReport) -> list[Row]:
    grid = _grid(ws)
    known = _match(sh)
    best: tuple[int, int, list[tuple[Column | None, str | None]]] = (-1, 0, [])
    for i in range(min(10, len(grid))):
        cand = []
        for j, h in enumerate(grid[i]):
            name, unit = _norm(h)
            col = known.get(name)
            if col is None and i > 0:  # merged two-row header: upper + lower
                up, up_unit = _norm(grid[i - 1][j] if j < len(grid[i - 1]) else None)
                col = known.get(up + name) or known.get(name + up)
                unit = unit or up_unit
            cand.append((col, unit))
        score = len({c.field for c, _u in cand if c})
        if score > best[1]:
            best = (i, score, cand)
    hdr_row, _score, cols = best
    if hdr_row < 0:
        raise InputFileError(f"工作表“{ws.title}”找不到表头", f"Sheet “{ws.title}” has no header row",
                             location=Location(file, 1, ws.title))
    present = {c.field for c, _u in cols if c}
    missing = [c.zh for c in sh.columns if c.required and c.field not in present]
    if missing:
        raise InputFileError(f"工作表“{ws.title}”缺少列：{'、'.join(missing)}",
                             f"Sheet “{ws.title}” lacks columns: {', '.join(missing)}",
                             location=Location(file, hdr_row + 1, missing[0]))
    hints = [c.hint for c in sh.columns]
    rows: list[Row] = []
    for i in range(hdr_row + 1, len(grid)):
        vals = grid[i]
        if all(v is None or str(v).strip() == "" for v in vals):
            continue
        raw = {c.zh: v for (c, _u), v in zip(cols, vals, strict=False) if c}
        first = text(next((v for v in vals if text(v)), None)) or ""
        if first in ("合计", "总计", "小计") or [text(raw.get(c.zh)) or "" for c in sh.columns] == hints:
            continue
        row = Row(file, sh.zh, i + 1, {}, raw)
        try:
            for (c, unit), v in zip(cols, vals, strict=False):
                if c is None or c.field in row.values and row.values[c.field] is not None:
                    continue
                factor = Decimal(1)
                if c.kind == "tonnes" and unit:
                    u = unit.lower()
                    if u not in TONNE_FACTORS:
                        raise RegistryRowError(f"表头单位“{unit}”无法换算为吨", f"Header unit “{unit}” "
                                               "cannot be converted to tonnes", location=row.loc(c.field))
                    factor = TONNE_FACTORS[u]
                row.values[c.field] = parse_value(c.kind, v, row.loc(c.field), factor)
            for c in sh.columns:
                if c.required and row.values.get(c.field) in (None, "", []):
                    raise RegistryRowError(f"必填项“{c.zh}”为空", f"Required field “{c.field}” is empty",
                                           location=row.loc(c.field))
        except RegistryRowError as err:
            report.reject(row, err)
            continue
        rows.append(row)
    return rows


def write_template(path: Path, sheets: tuple[Sheet, ...], title: str,
                   notes: list[str], examples: dict[str, list[dict[str, Any]]] | None = None) -> Path:
    """A template workbook: one sheet per entity, Chinese headers (* required), a help row."""
    import xlsxwriter  # deferred: the Excel writer loads only when a workbook is written

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    helpf = wb.add_format({"italic": True, "font_color": "#666666"})
    for sh in sheets:
        ws = wb.add_worksheet(sh.zh)
        for c, col in enumerate(sh.columns):
            ws.write(0, c, col.zh + ("*" if col.required else ""), head)
            ws.write(1, c, col.hint, helpf)
            ws.set_column(c, c, max(14, len(col.zh) * 2 + 4))
        ws.freeze_panes(1, 0)
        for r, ex in enumerate((examples or {}).get(sh.key, []), start=2):
            for c, col in enumerate(sh.columns):
                v = ex.get(col.field)
                if v is not None:
                    ws.write(r, c, ";".join(v) if isinstance(v, list) else
                             (v.isoformat() if isinstance(v, date) else
                              (float(v) if isinstance(v, Decimal) else v)))
    info = wb.add_worksheet("说明")
    for i, line in enumerate([title, "第 1 行为表头（* 为必填），第 2 行为填写说明（导入时跳过），数据从第 3 行开始。",
                              "坐标为 WGS84 经纬度（度）。", *notes]):
        info.write(i, 0, line)
    info.set_column(0, 0, 110)
    wb.close()
    return path


Handler = Callable[[Any, Row, str], bool]


def run_import(session: Any, path: Path, sheets: tuple[Sheet, ...], handlers: dict[str, Handler],
               actor: str) -> ImportReport:
    """Read ``path`` and hand every good row to its sheet's handler, each in a savepoint (a
    rejected row changes nothing); the handler returns True when it added something."""
    report = ImportReport(str(path))
    data = read_sheets(path, sheets, report)
    for sh in sheets:
        for row in data.get(sh.key, []):
            try:
                with session.begin_nested():
                    added = handlers[sh.key](session, row, actor)
            except EcoplanError as err:
                if err.location is None or err.location.row is None:
                    err.location = Location(row.file, row.row,
                                            f"{row.sheet}.{err.location.field}" if err.location and
                                            err.location.field else row.sheet)
                report.reject(row, err)
                continue
            report.count(sh.key, added)
    return report
