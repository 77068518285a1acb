"""Draft a plan from a county's document: the plain-text export or a .docx.

Both readers turn the document into the same :class:`Document` (paragraphs with their chapter,
tables with their caption, rows and cells, each with a location). :func:`draft_plan` then reads
the indicator table (指标体系) and the key-project table (重点工程) by their headers and extracts
the dated task sentences. Every cell it cannot read is reported as a :class:`ImportProblem` with
its location and the raw text is kept in the draft — nothing is dropped.

Plain-text export format (as in the shared Jiaocheng plan): a table starts at a caption line
``表N …``; each cell starts on a line beginning with a TAB, continues on following lines without
a TAB, and an empty line ends the row; the first non-TAB line after an empty line ends the table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from ecoplan.errors import Location
from ecoplan.plan import cells
from ecoplan.plan.loader import PlanFileError
from ecoplan.plan.model import Baseline, Target

# ---------------------------------------------------------------- the document


@dataclass
class Cell:
    text: str
    line: int | None = None  # line in a text file (1-based)


@dataclass
class Row:
    cells: list[Cell]
    line: int | None = None
    index: int = 0  # 0 = header row


@dataclass
class Table:
    caption: str
    number: int  # 1 for 表1, or the table's order in a .docx without captions
    rows: list[Row]
    line: int | None = None


@dataclass
class Paragraph:
    text: str
    chapter: str
    line: int | None = None


@dataclass
class Document:
    path: str
    title: str | None
    paragraphs: list[Paragraph] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    chapters: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportProblem:
    """A cell or sentence the importer could not read; the draft keeps its raw text."""

    location: Location
    zh: str
    en: str
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.location.file, "line": self.location.row, "field": self.location.field,
                "value": self.value, "message_zh": self.zh, "message_en": self.en}


class ImportFileError(PlanFileError):
    """The document cannot be imported at all (unreadable, no indicator table …)."""


_BOOKMARK = re.compile(r"^\[bookmark:[^\]]*\]\s*")
_CN_NUM = "一二三四五六七八九十"
_CHAPTER_RE = re.compile(r"^([一二三四五六七八九十]{1,3})、\s*(.+)$")
_SECTION_RE = re.compile(r"^[（(]([一二三四五六七八九十]{1,3})[）)]\s*(.+)$")
_CAPTION_RE = re.compile(r"^表\s*(\d+)\s*(.*)$")


def cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十三 → 13, 二十 → 20."""
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _CN_NUM.index(text[1]) + 1
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_NUM.index(tens) + 1) * 10 + (_CN_NUM.index(ones) + 1 if ones else 0)
    return _CN_NUM.index(text) + 1


class _ChapterTracker:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.chapter = 0
        self.section = 0

    def heading(self, text: str) -> bool:
        """Update the current chapter if ``text`` is a heading; True if it was one."""
        m = _CHAPTER_RE.match(text)
        if m and len(text) <= 40 and not text.endswith("。"):
            self.chapter, self.section = cn_number(m.group(1)), 0
            self.doc.chapters.append((str(self.chapter), m.group(2).strip()))
            return True
        m = _SECTION_RE.match(text)
        if m and self.chapter and len(text) <= 40 and not text.endswith("。"):
            self.section = cn_number(m.group(1))
            self.doc.chapters.append((f"{self.chapter}.{self.section}", m.group(2).strip()))
            return True
        return False

    @property
    def current(self) -> str:
        if self.section:
            return f"{self.chapter}.{self.section}"
        return str(self.chapter)


def read_text_export(path: str | Path) -> Document:
    """Read the plain-text export (see the module docstring for its table format)."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError as exc:
        raise ImportFileError(f"找不到文件 {p}", f"File not found: {p}", location=Location(str(p))) from exc
    except UnicodeDecodeError as exc:
        raise ImportFileError("文件不是 UTF-8 编码的文本", "the file is not UTF-8 text",
                              location=Location(str(p))) from exc
    doc = Document(path=str(p), title=None)
    tracker = _ChapterTracker(doc)
    i = 0
    while i < len(lines):
        raw = lines[i]
        text = _BOOKMARK.sub("", raw).strip()
        cap = _CAPTION_RE.match(text)
        if cap and i + 1 < len(lines) and lines[i + 1].startswith("\t"):
            table = Table(caption=text, number=int(cap.group(1)), rows=[], line=i + 1)
            i = _read_text_table(lines, i + 1, table)
            doc.tables.append(table)
            continue
        if text:
            if doc.title is None:
                doc.title = text
            elif not tracker.heading(text):
                doc.paragraphs.append(Paragraph(text, tracker.current, i + 1))
        i += 1
    return doc


def _read_text_table(lines: list[str], start: int, table: Table) -> int:
    """Read rows from ``start``; return the index of the first line after the table."""
    i = start
    row: Row | None = None
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t"):
            if row is None:
                row = Row(cells=[], line=i + 1, index=len(table.rows))
            row.cells.append(Cell(line[1:].strip(), i + 1))
        elif line.strip() == "":
            if row is not None:
                table.rows.append(row)
                row = None
            elif i + 1 < len(lines) and not lines[i + 1].startswith("\t"):
                return i + 1
        else:
            if row is None:  # text after an empty line: the table has ended
                return i
            row.cells[-1].text += "\n" + line.strip()
        i += 1
    if row is not None:
        table.rows.append(row)
    return i


def read_docx(path: str | Path) -> Document:
    """Read a .docx: headings and paragraphs in order, each table with the caption before it."""
    import docx  # deferred: python-docx (lxml) loads only when a .docx plan is imported
    from docx.table import Table as DocxTable
    from docx.text.paragraph import Paragraph as DocxParagraph

    p = Path(path)
    try:
        d = docx.Document(str(p))
    except Exception as exc:  # python-docx raises several types for a bad package
        raise ImportFileError(f"无法读取 Word 文档：{exc}", f"Cannot read the Word document: {exc}",
                              location=Location(str(p))) from exc
    doc = Document(path=str(p), title=None)
    tracker = _ChapterTracker(doc)
    last_caption: str | None = None
    n_par = 0
    for block in d.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            n_par += 1
            text = _BOOKMARK.sub("", DocxParagraph(block, d).text).strip()
            if not text:
                continue
            if _CAPTION_RE.match(text):
                last_caption = text
                continue
            if doc.title is None:
                doc.title = text
            elif not tracker.heading(text):
                doc.paragraphs.append(Paragraph(text, tracker.current, None))
        elif tag == "tbl":
            t = DocxTable(block, d)
            caption = last_caption or f"表{len(doc.tables) + 1}"
            cap = _CAPTION_RE.match(caption)
            table = Table(caption=caption, number=int(cap.group(1)) if cap else len(doc.tables) + 1,
                          rows=[])
            above: list[Any] = []
            for r_index, r in enumerate(t.rows):
                tcs = [c._tc for c in r.cells]
                row_cells: list[Cell] = []
                prev_tc = None
                for c_index, c in enumerate(r.cells):
                    tc = tcs[c_index]
                    if tc is prev_tc:  # horizontally merged: one cell spans several columns
                        continue
                    prev_tc = tc
                    merged_down = c_index < len(above) and above[c_index] is tc
                    text = "" if merged_down else "\n".join(par.text.strip() for par in c.paragraphs)
                    row_cells.append(Cell(text.strip()))
                above = tcs
                table.rows.append(Row(cells=row_cells, index=r_index))
            doc.tables.append(table)
            last_caption = None
    return doc


def read_document(path: str | Path) -> Document:
    p = Path(path)
    if p.suffix.lower() == ".docx":
        return read_docx(p)
    if p.suffix.lower() in {".txt", ".text", ""}:
        return read_text_export(p)
    raise ImportFileError(f"不支持的文件类型 {p.suffix}（支持 .docx 与 .txt 纯文本导出）",
                          f"Unsupported file type {p.suffix!r} (use .docx or the .txt export)",
                          location=Location(str(p)))


# ---------------------------------------------------------------- tables → plan entities

_IND_COLUMNS = {
    "category": ("类别", "领域", "分类"),
    "number": ("序号", "编号"),
    "name": ("指标名称", "指标"),
    "attribute": ("属性", "指标属性"),
    "baseline": ("基准值", "现状值", "基准年"),
    "target": ("目标值", "规划目标", "目标"),
}
_PROJ_COLUMNS = {
    "category": ("类别", "工程类别", "领域"),
    "number": ("序号", "编号"),
    "name": ("项目名称", "工程名称"),
    "content": ("项目建设内容", "建设内容", "主要内容"),
    "investment": ("投资估算", "投资", "总投资"),
    "period": ("实施时间", "实施年限", "建设年限", "建设期限", "起止年限"),
    "lead": ("牵头部门", "责任单位", "牵头单位", "责任部门"),
}
_YEAR_HEADER = re.compile(r"^(\d{4})\s*年?$")


def _flat(text: str) -> str:
    return cells.clean(text).replace("\n", "").replace(" ", "")


def _map_columns(header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for col, head in enumerate(header):
        for name, words in wanted.items():
            if name in out:
                continue
            if any(head == w or head.startswith(w) for w in words):
                out[name] = col
                break
    return out


def _is_indicator_table(header: list[str]) -> bool:
    return any("指标" in h for h in header) and any("属性" in h for h in header)


def _is_project_table(header: list[str]) -> bool:
    return any("项目" in h or "工程" in h for h in header) and any("投资" in h for h in header)


@dataclass
class _Catalogue:
    entries: list[dict[str, Any]]

    @classmethod
    def load(cls) -> _Catalogue:
        text = files("ecoplan.plan").joinpath("data/indicator_catalogue.yaml").read_text(encoding="utf-8")
        return cls(yaml.safe_load(text)["entries"])

    def match(self, name: str) -> tuple[str | None, dict[str, Any] | None]:
        for e in self.entries:
            m = re.search(e["pattern"], name)
            if not m:
                continue
            meas = dict(e["measurement"])
            groups = {k: v for k, v in m.groupdict().items() if v}
            if "river" in groups:
                meas["river"] = groups["river"]
            if "section" in groups:
                meas["sections"] = [groups["section"]]
            if "count" in groups:
                c = groups["count"]
                meas["section_count"] = int(c) if c.isdigit() else cn_number(c.replace("两", "二"))
            if "sources" in groups:
                meas["sources"] = [s for s in re.split(r"[和、及与,，]", groups["sources"]) if s]
            if meas.get("statistic", "").startswith("air."):
                meas["stations"] = "county_town" if "县城" in name else "all"
            return e.get("direction"), meas
        return None, None


def _direction_guess(name: str, baseline: Baseline, target_text: str) -> str | None:
    if baseline.kind == "water_class" or cells.water_class(target_text) is not None:
        return "class"
    if any(w in name for w in ("浓度", "重污染", "黑臭", "排放量", "漏损")):
        return "decrease"
    if any(w in name for w in ("率", "比例", "覆盖", "降低", "减排", "指数")):
        return "increase"
    return None


class _Importer:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.problems: list[ImportProblem] = []
        self.catalogue = _Catalogue.load()

    def where(self, table: Table, row: Row, col: int | None, header: list[str]) -> Location:
        head = header[col] if col is not None and col < len(header) else None
        field_ = f"表{table.number}/第{row.index}行" + (f"/{head}" if head else "")
        line = row.cells[col].line if col is not None and col < len(row.cells) else row.line
        return Location(self.doc.path, line, field_)

    def problem(self, loc: Location, zh: str, en: str, value: str | None) -> None:
        self.problems.append(ImportProblem(loc, zh, en, value))

    # -------------------------------------------------------------- indicators
    def indicators(self, table: Table) -> tuple[list[dict[str, Any]], int | None, int | None]:
        header = [_flat(c.text) for c in table.rows[0].cells]
        cols = _map_columns(header, _IND_COLUMNS)
        years = [(i, int(m.group(1))) for i, h in enumerate(header) if (m := _YEAR_HEADER.match(h))]
        if "baseline" not in cols and len(years) >= 1:
            cols["baseline"] = years[0][0]
        if "target" not in cols and len(years) >= 2:
            cols["target"] = years[-1][0]
        baseline_year = years[0][1] if years else None
        target_year = years[-1][1] if len(years) >= 2 else None
        for needed in ("name", "baseline", "target", "attribute"):
            if needed not in cols:
                raise ImportFileError(
                    f"指标表（{table.caption}）缺少「{needed}」列；表头为 {header}",
                    f"the indicator table ({table.caption}) has no {needed!r} column; header {header}",
                    location=Location(self.doc.path, table.rows[0].line, f"表{table.number}/表头"))
        out: list[dict[str, Any]] = []
        category = ""
        last_number = 0
        for row in table.rows[1:]:
            def cell(name: str, row: Row = row) -> str:
                c = cols.get(name)
                return row.cells[c].text if c is not None and c < len(row.cells) else ""

            if len(row.cells) != len(header):
                self.problem(self.where(table, row, None, header),
                             f"该行有 {len(row.cells)} 个单元格，表头有 {len(header)} 列",
                             f"the row has {len(row.cells)} cells, the header {len(header)} columns",
                             " | ".join(c.text for c in row.cells))
            if _flat(cell("category")):
                category = _flat(cell("category"))
            num_text = _flat(cell("number"))
            if num_text.isdigit():
                number = int(num_text)
            else:
                number = last_number + 1
                self.problem(self.where(table, row, cols.get("number"), header),
                             f"序号「{num_text}」不是整数，暂按 {number} 处理",
                             f"number {num_text!r} is not an integer; drafted as {number}", num_text)
            last_number = number
            try:
                attribute = cells.parse_attribute(cell("attribute"))
            except cells.CellError as exc:
                attribute = "expected"
                self.problem(self.where(table, row, cols.get("attribute"), header),
                             exc.zh + "（草稿暂填 预期性）", exc.en + " (drafted as expected)",
                             cell("attribute"))
            names = [n for n in cells.clean(cell("name")).split("\n") if n.strip()]
            bases = cells.clean(cell("baseline")).split("\n")
            targets = cells.clean(cell("target")).split("\n")
            parts = len(names)
            if parts > 1 and (len(bases) != parts or len(targets) != parts):
                self.problem(self.where(table, row, cols.get("name"), header),
                             f"指标名称有 {parts} 行，但基准值 {len(bases)} 行、目标值 {len(targets)} 行，无法逐项对应",
                             f"the name has {parts} lines but the baseline {len(bases)} and the target "
                             f"{len(targets)}: cannot pair them", cell("name"))
                names, bases, targets, parts = ["".join(names)], [cell("baseline")], [cell("target")], 1
            for k in range(max(parts, 1)):
                out.append(self._indicator(table, row, header, cols, number, k if parts > 1 else None,
                                           category, names[k] if names else "", bases[k], targets[k],
                                           attribute))
        return out, baseline_year, target_year

    def _indicator(self, table: Table, row: Row, header: list[str], cols: dict[str, int], number: int,
                   part_index: int | None, category: str, raw_name: str, raw_base: str,
                   raw_target: str, attribute: str) -> dict[str, Any]:
        part = "abcdefghij"[part_index] if part_index is not None else None
        name, unit = cells.split_unit(raw_name)
        if not name:
            self.problem(self.where(table, row, cols.get("name"), header), "指标名称为空",
                         "the indicator name is empty", raw_name)
        try:
            baseline = cells.parse_baseline(raw_base)
        except cells.CellError as exc:
            baseline = Baseline(text=cells.clean(raw_base), kind="other")
            self.problem(self.where(table, row, cols.get("baseline"), header), exc.zh, exc.en, raw_base)
        direction, measurement = self.catalogue.match(name)
        if direction is None:
            direction = _direction_guess(name, baseline, raw_target)
        try:
            target = cells.parse_target(raw_target, direction)
        except cells.CellError as exc:
            target = Target(text=cells.clean(raw_target), kind="other")
            self.problem(self.where(table, row, cols.get("target"), header), exc.zh, exc.en, raw_target)
        if measurement is None:
            self.problem(self.where(table, row, cols.get("name"), header),
                         "无法判断该指标的计算方法（监测统计量或报送部门），请在草稿中补充 measurement",
                         "cannot tell how this indicator is measured (statistic or reporting "
                         "department); fill in 'measurement' in the draft", name)
        ind: dict[str, Any] = {
            "key": f"{number}{part or ''}",
            "number": number,
            "part": part,
            "category": category,
            "name_zh": name,
            "name_en": None,
            "unit": unit,
            "attribute": attribute,
            "direction": direction,
            "baseline": baseline.model_dump(mode="json", exclude_defaults=True),
            "target": target.model_dump(mode="json", exclude_defaults=True),
            "measurement": measurement,
        }
        ind["baseline"]["text"] = baseline.text
        ind["baseline"]["kind"] = baseline.kind
        ind["target"]["text"] = target.text
        ind["target"]["kind"] = target.kind
        return ind

    # -------------------------------------------------------------- key projects
    def projects(self, table: Table) -> list[dict[str, Any]]:
        header = [_flat(c.text) for c in table.rows[0].cells]
        cols = _map_columns(header, _PROJ_COLUMNS)
        for needed in ("name", "investment"):
            if needed not in cols:
                raise ImportFileError(
                    f"重点工程表（{table.caption}）缺少「{needed}」列；表头为 {header}",
                    f"the key-project table ({table.caption}) has no {needed!r} column; header {header}",
                    location=Location(self.doc.path, table.rows[0].line, f"表{table.number}/表头"))
        inv_head = header[cols["investment"]]
        scale = Decimal(10000) if "亿元" in inv_head else Decimal(1)
        out: list[dict[str, Any]] = []
        category = name = ""
        for row in table.rows[1:]:
            def cell(key: str, row: Row = row) -> str:
                c = cols.get(key)
                return cells.clean(row.cells[c].text) if c is not None and c < len(row.cells) else ""

            if len(row.cells) != len(header):
                self.problem(self.where(table, row, None, header),
                             f"该行有 {len(row.cells)} 个单元格，表头有 {len(header)} 列",
                             f"the row has {len(row.cells)} cells, the header {len(header)} columns",
                             " | ".join(c.text for c in row.cells))
            if _flat(cell("category")):
                category = _flat(cell("category"))
            if cell("name"):
                name = cell("name").replace("\n", "")
            number = len(out) + 1
            project: dict[str, Any] = {
                "number": number, "category": category, "name": name,
                "content": cell("content").replace("\n", ""),
            }
            inv_text = cell("investment")
            try:
                project["investment_wan_yuan"] = str(cells.parse_investment(inv_text, scale))
            except cells.CellError as exc:
                project["investment_wan_yuan"] = None
                self.problem(self.where(table, row, cols["investment"], header), exc.zh, exc.en, inv_text)
            project["investment_text"] = inv_text
            period = cell("period")
            try:
                start, end = cells.parse_period(period)
            except cells.CellError as exc:
                start = end = None
                if "period" in cols:
                    self.problem(self.where(table, row, cols["period"], header), exc.zh, exc.en, period)
            project["start_year"], project["end_year"] = start, end
            project["period_text"] = period
            project["lead_departments"] = cells.split_departments(cell("lead"))
            if not project["lead_departments"] and "lead" in cols:
                self.problem(self.where(table, row, cols["lead"], header), "牵头部门为空",
                             "no lead department", "")
            out.append(project)
        return out


# ---------------------------------------------------------------- dated tasks

_DEADLINE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(\d{4})年底前"), "year_end"),
    (re.compile(r"到(\d{4})年底"), "year_end"),
    (re.compile(r"到(\d{4})年"), "year_end"),
    (re.compile(r"(\d{4})年前"), "year_end"),
    (re.compile(r"“十四五”期间|十四五期间"), "period_end"),
]
_RECURRING = [
    (re.compile(r"每年度|每年"), "yearly"),
    (re.compile(r"每季度"), "quarterly"),
    (re.compile(r"按月|每月"), "monthly"),
]


def split_sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[。！？])", text)
    return [p.strip() for p in parts if p.strip()]


def extract_dated_tasks(doc: Document, end_year: int | None = None) -> list[dict[str, Any]]:
    """Sentences with a deadline (2023年底前, 到2025年, “十四五”期间 …) or a recurring duty, with
    their chapter. Chapter 1 (the review of the previous period) is skipped."""
    out: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    for par in doc.paragraphs:
        if par.chapter in {"0", "1"} or par.chapter.startswith("1."):
            continue
        for sentence in split_sentences(par.text):
            deadline: date | None = None
            deadline_text: str | None = None
            for pattern, _kind in _DEADLINE_PATTERNS:
                m = pattern.search(sentence)
                if m:
                    deadline_text = m.group(0)
                    year = int(m.group(1)) if m.groups() else end_year
                    if year is not None:
                        deadline = date(year, 12, 31)
                    break
            recurring = None
            for pattern, kind in _RECURRING:
                if pattern.search(sentence):
                    recurring = kind
                    break
            if deadline is None and recurring is None:
                continue
            counters[par.chapter] = counters.get(par.chapter, 0) + 1
            out.append({"chapter": par.chapter, "text": sentence, "deadline": deadline,
                        "deadline_text": deadline_text, "recurring": recurring, "line": par.line})
    return out


# ---------------------------------------------------------------- the draft


@dataclass
class ImportResult:
    plan: dict[str, Any]
    problems: list[ImportProblem]
    document: Document

    def to_yaml(self) -> str:
        return dump_plan_yaml(self.plan)


def _region_from_title(title: str | None) -> tuple[str, str | None]:
    if not title:
        return "", None
    m = re.search(r"([^市省]{1,8}?(?:县|区|市|旗))“", title)
    parent = re.search(r"^(.{1,8}?市)", title)
    return (m.group(1) if m else title[:8]), (parent.group(1) if parent else None)


def draft_plan(doc: Document, code: str | None = None) -> ImportResult:
    """Turn a read document into a draft plan (a dict ready for YAML) and the problems found."""
    imp = _Importer(doc)
    ind_tables = [t for t in doc.tables if t.rows and _is_indicator_table([_flat(c.text) for c in t.rows[0].cells])]
    proj_tables = [t for t in doc.tables if t.rows and _is_project_table([_flat(c.text) for c in t.rows[0].cells])]
    if not ind_tables:
        raise ImportFileError("文档中没有找到指标表（表头需含「指标」与「属性」）",
                              "no indicator table found (its header must contain 指标 and 属性)",
                              location=Location(doc.path))
    indicators, baseline_year, target_year = imp.indicators(ind_tables[0])
    projects: list[dict[str, Any]] = []
    for t in proj_tables:
        projects.extend(imp.projects(t))
    for t in doc.tables:
        if t not in ind_tables and t not in proj_tables:
            imp.problem(Location(doc.path, t.line, f"表{t.number}"),
                        f"无法识别的表格「{t.caption}」，未导入", f"unrecognised table {t.caption!r}, not imported",
                        t.caption)
    end_year = target_year or 2025
    start_year = (baseline_year + 1) if baseline_year else end_year - 4
    tasks: list[dict[str, Any]] = []
    counters: dict[str, int] = {}
    for t in extract_dated_tasks(doc, end_year):
        counters[t["chapter"]] = counters.get(t["chapter"], 0) + 1
        task = {"key": f"{t['chapter']}-{counters[t['chapter']]}", "chapter": t["chapter"],
                "text": t["text"]}
        if t["deadline"]:
            task["deadline"] = t["deadline"]
        if t["deadline_text"]:
            task["deadline_text"] = t["deadline_text"]
        if t["recurring"]:
            task["recurring"] = t["recurring"]
        tasks.append(task)
    region, parent = _region_from_title(doc.title)
    plan: dict[str, Any] = {
        "code": code or f"draft-{start_year}-{end_year}",
        "title_zh": doc.title or "",
        "region": {"name_zh": region, **({"parent_zh": parent} if parent else {})},
        "start_year": start_year,
        "end_year": end_year,
        "baseline_year": baseline_year or start_year - 1,
        "predecessor": None,
        "source": Path(doc.path).name,
        "chapters": [{"number": n, "title": t} for n, t in doc.chapters],
        "indicators": indicators,
        "key_projects": projects,
        "tasks": tasks,
        "stated_figures": [],
        "municipal_targets": [],
    }
    return ImportResult(plan, imp.problems, doc)


def import_document(path: str | Path, code: str | None = None) -> ImportResult:
    """Read a .docx or the plain-text export and draft a plan from it."""
    return draft_plan(read_document(path), code)


# ---------------------------------------------------------------- YAML output


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_representer)
_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:str", str(v)))


def dump_plan_yaml(plan: dict[str, Any]) -> str:
    """The draft as YAML (Chinese kept readable, decimals as strings, keys in model order)."""
    def prune(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {k: prune(v) for k, v in obj.items() if v is not None and v != [] or k in {
                "indicators", "key_projects", "tasks", "stated_figures", "municipal_targets"}}
        if isinstance(obj, list):
            return [prune(v) for v in obj]
        return obj

    return yaml.dump(prune(plan), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
