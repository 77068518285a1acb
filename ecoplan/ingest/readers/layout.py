"""Where the table starts in a sheet as departments lay it out.

Department spreadsheets rarely start with the header on line 1: a title row ("交城县环境空气质量
小时数据（2021 年 1 月）"), a two-row header whose group row ("污染物浓度") is merged over PM2.5,
PM10 …, a row of units under the header, notes at the end ("注：数据未经审核"). :func:`find_layout`
finds the header among the first lines of any grid of text cells (an Excel sheet or a CSV file):
the row — or pair of rows — whose cells name the most known columns, the units row under it and
the note rows at the end. The caller says which names it knows (``classify``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

#: how many leading rows may hold titles and the header
SCAN_ROWS = 15
_UNIT_CELL = re.compile(
    r"^[\(（\[]?\s*(μg/m[3³]|µg/m[3³]|ug/m[3³]|mg/m[3³]|mg/l|μs/cm|℃|%|无量纲|微克/立方米|毫克/立方米|"
    r"毫克/升|ppb|ppm|单位.*)\s*[\)）\]]?$", re.IGNORECASE)
_NOTE_START = ("注", "备注", "说明", "数据来源", "来源", "制表", "审核", "填报", "note", "source")

Cell = str | None
Classify = Callable[[str], str | None]


@dataclass
class Layout:
    """The table found in a grid: header names, the first data row and the rows that are not
    data (titles, units, notes), each with its 0-based row index."""

    names: list[str]
    data_start: int
    header_rows: list[int]
    titles: list[tuple[int, str]] = field(default_factory=list)
    units_row: int | None = None
    notes: list[tuple[int, str]] = field(default_factory=list)


def _text(c: Cell) -> str:
    return "" if c is None else str(c).strip()


def _score(names: Sequence[str], classify: Classify) -> tuple[int, set[str]]:
    found = {k for k in (classify(n) for n in names if n) if k}
    return len(found), found


def _combined(top: Sequence[Cell], below: Sequence[Cell]) -> list[str]:
    """Names of a two-row header: the lower cell where it has one, else the (merged) upper one."""
    width = max(len(top), len(below))
    out = []
    for j in range(width):
        lo = _text(below[j]) if j < len(below) else ""
        hi = _text(top[j]) if j < len(top) else ""
        out.append(lo or hi)
    return out


def _is_units_row(row: Sequence[Cell]) -> bool:
    cells = [_text(c) for c in row if _text(c)]
    return bool(cells) and sum(bool(_UNIT_CELL.match(c)) for c in cells) * 2 > len(cells)


def _with_units(names: list[str], units: Sequence[Cell]) -> list[str]:
    out = []
    for j, n in enumerate(names):
        u = _text(units[j]) if j < len(units) else ""
        u = u.strip("()（）[]")
        has_unit = bool(re.search(r"[\(（\[].*[\)）\]]\s*$", n))
        out.append(f"{n}({u})" if u and n and not has_unit and _UNIT_CELL.match(u) else n)
    return out


def _is_note(row: Sequence[Cell]) -> str | None:
    cells = [_text(c) for c in row if _text(c)]
    if not cells or len(cells) > 2:
        return None
    first = cells[0].lower()
    return " ".join(cells) if first.startswith(_NOTE_START) else None


def find_layout(rows: Sequence[Sequence[Cell]], classify: Classify,
                required: Callable[[set[str]], bool]) -> Layout | None:
    """The header of ``rows`` (the first :data:`SCAN_ROWS` are searched): the single row or pair
    of rows naming the most known columns among those that satisfy ``required``."""
    best: tuple[int, Layout] | None = None
    for i in range(min(SCAN_ROWS, len(rows))):
        single = [_text(c) for c in rows[i]]
        cands = [([i], single)]
        if i + 1 < len(rows):
            cands.append(([i, i + 1], _combined(rows[i], rows[i + 1])))
        for header_rows, names in cands:
            score, found = _score(names, classify)
            if not required(found):
                continue
            if best is None or score > best[0]:
                start = header_rows[-1] + 1
                best = (score, Layout(names=names, data_start=start, header_rows=header_rows))
    if best is None:
        return None
    layout = best[1]
    first = layout.header_rows[0]
    layout.titles = [(k, " ".join(_text(c) for c in rows[k] if _text(c))) for k in range(first)
                     if any(_text(c) for c in rows[k])]
    if layout.data_start < len(rows) and _is_units_row(rows[layout.data_start]):
        layout.units_row = layout.data_start
        layout.names = _with_units(layout.names, rows[layout.data_start])
        layout.data_start += 1
    end = len(rows)
    while end > layout.data_start:
        row = rows[end - 1]
        if not any(_text(c) for c in row):
            end -= 1
            continue
        note = _is_note(row)
        if note is None:
            break
        layout.notes.insert(0, (end - 1, note))
        end -= 1
    return layout


def note_rows(layout: Layout) -> set[int]:
    """0-based indexes of the rows that are notes, not data."""
    return {k for k, _ in layout.notes}
