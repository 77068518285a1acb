"""Issue 21, deliverable 8: a report written by the CLI has no empty 数值来源, every table fits
the page's text width, its Excel annex has Chinese headers, and it is registered in the
workspace's reports folder (listed on /reports)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

from docx import Document
from openpyxl import load_workbook

from ecoplan.cli import main
from ecoplan.reports.docx_report import text_width_cm


def test_cli_report_sources_widths_annex_and_registration(workspace_home: Path,  # type: ignore[no-untyped-def]
                                                          tmp_path: Path) -> None:
    # a workspace with the plan and no measurements: indicators 1–3 have no air data
    assert main(["init"]) == 0
    assert main(["plan", "load"]) == 0
    out = tmp_path / "elsewhere" / "年度评估.docx"
    assert main(["report", "--kind", "annual", "--year", "2021", "-o", str(out)]) == 0
    doc = Document(str(out))
    sources = [p.text for p in doc.paragraphs if "数值来源" in p.text]
    assert len(sources) >= 18
    assert not [s for s in sources if re.search(r"数值来源：\s*。", s)]
    assert "数据湖中没有县城评价点位" in sources[0]
    text_cm = text_width_cm(doc)
    assert 15.0 < text_cm < 16.0  # A4, official-document margins 2.8 / 2.6 cm
    sec = doc.sections[-1]
    text_emu = sec.page_width - sec.left_margin - sec.right_margin  # lengths stored in twips
    for i, table in enumerate(doc.tables):
        width = sum(c.width for c in table.columns)
        assert width <= text_emu, f"table {i + 1} is {width / 360000:.2f} cm wide"
    wb = load_workbook(out.with_suffix(".xlsx"), read_only=True)
    for name in wb.sheetnames:
        headers = [c.value for c in next(wb[name].iter_rows(max_row=1), ())]
        assert not [h for h in headers if h and re.fullmatch(r"[a-z]+(_[a-z0-9]+)+", str(h))], \
            (name, headers)
    assert "数值来源" in [c.value for c in next(wb["指标时间序列"].iter_rows(max_row=1))]
    # registered where the web lists reports
    from ecoplan.settings import load_settings
    from ecoplan.web.views import report_files

    names = {f["name"] for f in report_files(SimpleNamespace(settings=load_settings()))}
    assert {out.name, out.with_suffix(".xlsx").name} <= names
