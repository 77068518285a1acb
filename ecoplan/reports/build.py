"""Make an evaluation report: gather the assessments, draw the charts, write Word (and PDF), the
Excel data annex and a JSON record of the data snapshot next to it."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ecoplan.plan import Plan, bundled_plan_path, load_plan
from ecoplan.reports import charts
from ecoplan.reports.annex import write_xlsx
from ecoplan.reports.docx_report import write_docx
from ecoplan.reports.evaluation import (
    ReportData,
    ReportError,
    ReportSection,
    gather,
    indicator_panels,
)
from ecoplan.reports.pdf import docx_to_pdf, find_soffice
from ecoplan.store.data_labels import DEMO_LABEL
from ecoplan.store.workspace import Workspace


@dataclass
class ReportResult:
    """The files written and the snapshot they record."""

    docx: Path
    pdf: Path | None
    xlsx: Path
    snapshot_json: Path
    digest: str
    data: ReportData
    #: a PDF was asked for but no converter (LibreOffice) is installed: everything else is written
    pdf_skipped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"docx": str(self.docx), "pdf": str(self.pdf) if self.pdf else None,
                "pdf_skipped": self.pdf_skipped,
                "xlsx": str(self.xlsx), "snapshot": str(self.snapshot_json),
                "digest": self.digest, "kind": self.data.kind, "year": self.data.year,
                "statuses": self.data.assessment.counts(), "demo": self.data.demo}


def render_charts(data: ReportData, folder: Path) -> dict[str, Any]:
    """The report's PNG charts in ``folder``."""
    label = DEMO_LABEL if data.demo else None
    out: dict[str, Any] = {"indicators": [], "aqi": None, "water": None}
    panels = indicator_panels(data.assessment.rows, data.plan, data.year)
    if panels:
        out["indicators"] = charts.indicator_grid(panels, folder / "indicators.png",
                                                  demo_label=label)
    if data.daily_aqi:
        out["aqi"] = charts.aqi_calendar(data.daily_aqi, data.year, folder / "aqi.png",
                                         title=f"{data.year}年县城区逐日AQI（HJ 633）",
                                         demo_label=label)
    if data.water_monthly:
        out["water"] = charts.water_class_chart(
            data.water_monthly, folder / "water.png",
            title="断面逐月水质类别（GB 3838-2002，环办〔2011〕22号）", demo_label=label)
    return out


def build_report(ws: Workspace, plan: Plan, *, kind: str, year: int, out: Path,
                 fmt: str = "docx", report_date: date | None = None,
                 sections: Sequence[ReportSection] = ()) -> ReportResult:
    """Write the ``kind`` report for ``year`` to ``out`` (.docx; ``fmt="pdf"`` also makes the
    PDF next to it when LibreOffice is installed), the data annex ``<stem>.xlsx`` and
    ``<stem>.snapshot.json``."""

    if fmt not in ("docx", "pdf"):
        raise ReportError(f"未知的格式 {fmt}（docx|pdf）", f"Unknown format {fmt} (docx|pdf)")
    out = Path(out)
    # The files are exactly the ones asked for: ``X.docx`` (or ``X.pdf``, the Word file then
    # being ``X.docx`` beside it); the example-data label goes into the document, not the name.
    if out.suffix.lower() == ".pdf":
        fmt, pdf_out, out = "pdf", out, out.with_suffix(".docx")
    elif out.suffix.lower() == ".docx":
        pdf_out = out.with_suffix(".pdf")
    else:
        raise ReportError(f"输出文件须以 .docx 或 .pdf 结尾：{out}",
                          f"The output file must end in .docx or .pdf: {out}")
    data = gather(ws, plan, kind, year, report_date=report_date)
    data.sections = list(sections)
    with tempfile.TemporaryDirectory(prefix="ecoplan-charts-") as tmp:
        charts = render_charts(data, Path(tmp))
        write_docx(data, out, charts)
    xlsx = write_xlsx(data, out.with_suffix(".xlsx"))
    snap_path = out.with_suffix(".snapshot.json")
    record = {"report": out.name, "kind": kind, "year": year, "plan": plan.code,
              "report_date": data.report_date.isoformat(),
              "status_rules_version": data.assessment.status_rules_version,
              "demo_data": data.demo, **data.snapshot.as_dict(),
              "regenerate": f"ecoplan report --kind {kind} --year {year} --date "
                            f"{data.report_date.isoformat()} -o {out.name}"}
    snap_path.write_text(json.dumps(record, ensure_ascii=False, indent=2, default=str),
                         encoding="utf-8")
    # PDF is optional: without LibreOffice the Word and Excel files stand and the caller says
    # how to get PDFs (pdf_skipped); a converter that is there but fails is an error.
    skipped = fmt == "pdf" and find_soffice() is None
    pdf = docx_to_pdf(out, pdf_out) if fmt == "pdf" and not skipped else None
    return ReportResult(out, pdf, xlsx, snap_path, data.snapshot.digest, data, pdf_skipped=skipped)


def final_report(workspace: Workspace, year: int = 2025, *, fmt: str = "pdf",
                 plan_code: str = "jiaocheng-2021-2025",
                 report_date: date | None = None,
                 sections: Sequence[ReportSection] = ()) -> ReportResult:
    """Demo step: the final assessment report of the bundled plan into the workspace's reports
    folder (Word + PDF when LibreOffice is installed + Excel annex + snapshot)."""

    plan = load_plan(bundled_plan_path(plan_code))
    out = workspace.settings.reports_dir / f"{plan.code}_final_{year}.docx"
    return build_report(workspace, plan, kind="final", year=year, out=out, fmt=fmt,
                        report_date=report_date, sections=sections)
