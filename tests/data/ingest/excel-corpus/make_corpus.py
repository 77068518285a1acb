"""Write the Excel/CSV corpus of department layouts (run: python make_corpus.py).

Each file imitates a layout county and city departments send (title rows, two-row merged headers,
units rows, notes, GBK/GB18030 CSV, dashes and words instead of numbers, thousands separators,
Excel dates and text dates). The values are constructed (in the range of the real 2019 Lüliang
data), not published data. ``expected.json`` states, for every file, what a loader must find:
rows, value cells and the cells that are not valid values — counted here from the cells written,
independently of ecoplan's readers.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).parent
POLLUTANTS = ["PM2.5", "PM10", "SO2", "NO2", "O3", "CO"]
ZH = ["细颗粒物", "可吸入颗粒物", "二氧化硫", "二氧化氮", "臭氧", "一氧化碳"]
HJ212 = ["a34004", "a34002", "a21026", "a21004", "a05024", "a21005"]
UNITS = ["μg/m³"] * 5 + ["mg/m³"]
#: cells that are read as missing and said (not values)
DASHES = {"—", "--", "-"}
#: cells that are values the loader must quarantine (with the value only)
BAD = {"无效", "未检出", "-5", "三十"}


def _values(h: int) -> list[object]:
    return [30 + h, 60 + 2 * h, 8, 20 + h, 90 + h, round(0.6 + 0.1 * h, 1)]


def _count(rows: list[list[object]]) -> dict[str, int]:
    """Value cells read (not blank, not a dash, not '/'), and the bad ones among them."""
    read = bad = 0
    for r in rows:
        for v in r:
            t = str(v).strip() if v is not None else ""
            if not t or t in DASHES or t == "/":
                continue
            read += 1
            bad += t in BAD
    return {"values_read": read, "values_quarantined": bad, "rows": len(rows)}


def merged_header(path: Path) -> dict[str, int]:
    """Title row, a two-row header with the group row 污染物浓度 merged over the pollutants,
    站点编码/监测时间 merged vertically, Excel date cells, a note at the end."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "小时数据"
    ws.append(["交城县环境空气质量自动监测小时数据（2021年1月5日）"])
    ws.merge_cells("A1:H1")
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["站点编码", "监测时间", "污染物浓度", None, None, None, None, None])
    ws.append([None, None, *[f"{p}({u})" for p, u in zip(POLLUTANTS, UNITS, strict=True)]])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:H2")
    ws["C2"].alignment = Alignment(horizontal="center")
    data = []
    for h in range(1, 7):
        vals = _values(h)
        if h == 3:
            vals[0] = "无效"  # one bad cell: only PM2.5 of that hour is quarantined
        if h == 4:
            vals[2] = "—"  # a dash: missing, said
        data.append(vals)
        ws.append(["2183A", datetime(2021, 1, 5, h), *vals])
    ws.append(["注：数据未经审核，仅供参考。"])
    wb.save(path)
    return _count(data)


def title_units(path: Path) -> dict[str, int]:
    """Two title rows, Chinese pollutant names, a units row under the header, lower-case codes,
    a station name instead of a code, thousands separators, '/' and 未检出."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["吕梁市生态环境局交城分局"])
    ws.append(["空气自动站小时浓度报表", None, None, "制表日期：2021-01-06"])
    ws.append(["站点", "时间", *ZH])
    ws.append([None, None, *UNITS])
    data = []
    rows = [("2183a", 1), ("2185A", 1), ("马茂庄小学", 1), ("2183a", 2)]
    for k, (code, h) in enumerate(rows):
        vals: list[object] = [str(v) for v in _values(h)]
        if k == 0:
            vals[1] = "1,020"  # thousands separator in a dust hour
        if k == 1:
            vals[5] = "/"  # not monitored
        if k == 2:
            vals[3] = "未检出"
        data.append(vals)
        ws.append([code, f"2021-01-05 {h:02d}:00", *vals])
    ws.append(["备注：“/”表示该站未监测该项目。"])
    wb.save(path)
    return _count(data)


def text_dates(path: Path) -> dict[str, int]:
    """Separate date and hour columns written as text (2021年1月5日, 3时), HJ 212 codes as
    headers, a negative value."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["站点编码", "日期", "小时", *HJ212])
    data = []
    for h in range(1, 5):
        vals: list[object] = _values(h)
        if h == 2:
            vals[4] = "-5"
        data.append(vals)
        ws.append(["2867A", "2021年1月5日", f"{h}时", *vals])
    wb.save(path)
    return _count(data)


def excel_serial(path: Path) -> dict[str, int]:
    """Times stored as Excel serial numbers (a cell formatted as a number) and English names."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Station code", "Time", "PM2.5", "PM10", "SO2", "NO2", "O3", "CO"])
    base = datetime(1899, 12, 30)
    data = []
    for h in range(1, 4):
        t = datetime(2021, 1, 6, h)
        serial = (t - base) / timedelta(days=1)
        vals = _values(h)
        data.append(vals)
        ws.append(["2185A", round(serial, 6), *vals])
    wb.save(path)
    return _count(data)


def _csv(path: Path, lines: list[list[object]], encoding: str) -> None:
    text = "\n".join(",".join("" if c is None else (f'"{c}"' if "," in str(c) else str(c))
                              for c in line) for line in lines) + "\n"
    path.write_bytes(text.encode(encoding))


def gbk_csv(path: Path) -> dict[str, int]:
    """A GBK CSV as Excel on Chinese Windows saves it: a title line, header, units line,
    slash dates, a quoted thousands separator, '--' and 无效."""
    lines: list[list[object]] = [["交城县空气质量小时数据"], ["站点编码", "时间", *ZH],
                                 [None, None, *[u.replace("³", "3") for u in UNITS]]]
    data = []
    for h in range(1, 5):
        vals: list[object] = _values(h)
        if h == 1:
            vals[1] = "1,050"
        if h == 2:
            vals[0] = "--"
        if h == 3:
            vals[5] = "无效"
        data.append(vals)
        lines.append(["2183A", f"2021/1/7 {h}:00", *vals])
    _csv(path, lines, "gbk")
    return _count(data)


def gb18030_two_row_csv(path: Path) -> dict[str, int]:
    """A GB18030 CSV with a two-row header (group cell 污染物浓度 over the pollutants) and a row
    whose values are all missing (quarantined: not a measurement)."""
    lines: list[list[object]] = [["站点编码", "时间", "污染物浓度", None, None, None, None, None],
                                 [None, None, *[f"{p}({u})" for p, u in zip(POLLUTANTS, UNITS,
                                                                            strict=True)]]]
    data = []
    for h in range(1, 4):
        vals: list[object] = _values(h) if h != 2 else [None] * 6
        data.append(vals)
        lines.append(["2867A", f"2021-01-07 {h:02d}:00", *vals])
    _csv(path, lines, "gb18030")
    return {**_count(data), "rows_quarantined": 1}


def unmapped(path: Path) -> None:
    """A sheet whose value columns cannot all be mapped (颗粒物1、颗粒物2): refused, not loaded
    as empty station-hours."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["站点编码", "时间", "颗粒物1", "颗粒物2", "SO2"])
    ws.append(["2183A", datetime(2021, 1, 8, 1), 30, 60, 8])
    wb.save(path)


def main() -> None:
    expected = {
        "merged_header.xlsx": merged_header(HERE / "merged_header.xlsx"),
        "title_units.xlsx": title_units(HERE / "title_units.xlsx"),
        "text_dates.xlsx": text_dates(HERE / "text_dates.xlsx"),
        "excel_serial.xlsx": excel_serial(HERE / "excel_serial.xlsx"),
        "gbk_title_units.csv": gbk_csv(HERE / "gbk_title_units.csv"),
        "gb18030_two_row.csv": gb18030_two_row_csv(HERE / "gb18030_two_row.csv"),
    }
    unmapped(HERE / "refused_unmapped.xlsx")
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1) + "\n",
                                        encoding="utf-8")


if __name__ == "__main__":
    main()
