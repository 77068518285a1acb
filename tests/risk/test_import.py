"""Imports of messy Excel exports (title rows, merged two-row headers, units in headers, blank
and total rows): good rows kept, bad ones reported with file, row and field and kept for review;
re-importing changes nothing; the templates round-trip."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

# deferred-import rule does not apply to tests; openpyxl is a dependency
from openpyxl import Workbook, load_workbook  # noqa: E402,I001
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecoplan.store.hazwaste_models import HwHandover, HwLedgerEntry
from ecoplan.supervision import hazwaste as H
from ecoplan.supervision import radiation as RA
from ecoplan.supervision import risk as R
from tests.risk.conftest import ACTOR, R1, A


def _national_export(path: Path) -> None:
    """Like the solid-waste system's manifest export: title, merged header, kg in the header."""
    wb = Workbook()
    ws = wb.active
    ws.title = "转移联单"
    ws.append(["危险废物转移联单查询结果（导出时间 2026-01-05）"])
    ws.merge_cells("A1:I1")
    ws.append(["联单编号", "废物代码", "移出单位名称", "运输单位", "接受单位", "移出日期", "数量（千克）", None,
               "接收日期"])
    ws.append([None, None, None, None, None, None, "移出", "接收", None])
    for col in "ABCDEFI":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("G2:H2")
    ws.append(["M-X-1", "900-249-08", "示例焦化厂甲", "示例运输公司", "示例处置公司一", "2025-02-03", 1500, 1500,
               "2025-02-04"])
    ws.append([None] * 9)
    ws.append(["M-X-2", "900-249-8", "示例焦化厂甲", None, "示例处置公司一", "2025-03-01", 800, 800, "2025-03-02"])
    ws.append(["M-X-3", "900-249-08", "示例焦化厂甲", None, "示例处置公司一", "2025/13/01", 800, None, None])
    ws.append(["M-X-4", "900-249-08", "示例焦化厂甲", None, "示例处置公司一", date(2025, 7, 1), "1,200", 1190,
               date(2025, 7, 2)])
    ws.append(["合计", None, None, None, None, None, 4300, 3490, None])
    wb.save(path)


def test_messy_manifest_export(sqlite_session: Session, tmp_path: Path) -> None:
    s = sqlite_session
    H.add_unit(s, A, "示例焦化厂甲", "产废单位", actor=ACTOR)
    H.add_unit(s, R1, "示例处置公司一", "经营单位", actor=ACTOR)
    s.commit()
    f = tmp_path / "联单导出.xlsx"
    _national_export(f)
    rep = H.import_workbook(s, f, actor=ACTOR)
    s.commit()
    assert rep.added == {"manifests": 2}
    errs = {(e["row"], e["field"]) for e in rep.rejected}
    assert errs == {(6, "转移联单.waste_code"), (7, "转移联单.shipped_on")}
    bad = next(e for e in rep.rejected if e["row"] == 7)
    assert bad["file"] == str(f) and "日期" in bad["zh"] and bad["values"]["联单编号"] == "M-X-3"
    q = {(h.manifest, h.stage): h.quantity_t for h in s.scalars(select(HwHandover))}
    assert q[("M-X-1", "shipped")] == Decimal("1.5") and q[("M-X-4", "received")] == Decimal("1.19")
    again = H.import_workbook(s, f, actor=ACTOR)
    assert again.added == {} and again.unchanged == {"manifests": 2}


def test_templates_round_trip(sqlite_session: Session, tmp_path: Path) -> None:
    s = sqlite_session
    t = H.write_template(tmp_path / "hw.xlsx")
    wb = load_workbook(t)
    assert wb.sheetnames[:5] == ["单位", "经营许可证", "管理计划", "台账", "转移联单"]
    ws = wb["单位"]
    ws.append([A, "示例焦化厂甲", "产废单位", "夏家营镇", None, "是", 8, None, 112.16, 37.55])
    ws = wb["台账"]
    ws.append(["示例焦化厂甲", "产生", "900-249-08", "2025-03-01", 5, "一季度"])
    ws.append(["示例焦化厂甲", "产生", "900-249-08", "2025-03-01", -5, ""])
    wb.save(t)
    rep = H.import_workbook(s, t, actor=ACTOR)
    s.commit()
    assert rep.added == {"units": 1, "ledger": 1}
    assert [(e["row"], e["field"]) for e in rep.rejected] == [(4, "台账.quantity_t")]
    e = s.scalars(select(HwLedgerEntry)).one()
    assert (e.source_file, e.source_row) == ("hw.xlsx", 3)
    for mod in (R, RA):
        p = mod.write_template(tmp_path / f"{mod.__name__}.xlsx")
        assert load_workbook(p).sheetnames[-1] == "说明"
