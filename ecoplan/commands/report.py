"""``ecoplan report``: annual / mid-term / final evaluation reports (Word, PDF, Excel annex)."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecoplan.console import emit_json, info, ok, warn_both
from ecoplan.i18n import tr

if TYPE_CHECKING:
    from ecoplan.store.workspace import Workspace


def register_in_workspace(ws: Workspace, files: list[Path | None]) -> list[Path]:
    """Copy report files written outside the workspace's reports folder into it, so that the
    web's /reports lists every report the CLI wrote; returns the copies made."""
    import shutil

    folder = Path(ws.settings.reports_dir).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    copies = []
    for f in files:
        if f is None or not Path(f).is_file() or Path(f).resolve().parent == folder:
            continue
        target = folder / Path(f).name
        shutil.copy2(f, target)
        copies.append(target)
    return copies


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    try:
        from ecoplan.commands.bench import app as bench_app
    except ImportError:  # pragma: no cover - bench not in this build
        return
    bench_app.command("report")(bench_report)


def report(
    kind: Annotated[str, typer.Option("--kind", help="annual|midterm|final 年度评估/中期评估/终期考核")],
    year: Annotated[int | None, typer.Option(
        "--year", help="评估年份（终期默认规划末年，中期默认中间年）/ year")] = None,
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="输出 .docx 文件（默认工作区 reports/）/ output file")] = None,
    fmt: Annotated[str, typer.Option("--format", help="docx|pdf（pdf 同时保留 docx）")] = "docx",
    report_date: Annotated[str | None, typer.Option(
        "--date", help="报告日期 YYYY-MM-DD（默认今天；相同日期与数据可原样重新生成）/ report date")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="规划代码或 YAML / plan")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果 / print JSON")] = False,
) -> None:
    """生成评估报告（Word 公文格式、PDF、Excel 数据附件、数据快照）/ write an evaluation report."""
    from ecoplan.commands.assess import _workspace, open_plan
    from ecoplan.console import progress
    from ecoplan.reports.build import build_report
    from ecoplan.reports.evaluation import KINDS, ReportError, default_year, report_period
    from ecoplan.reports.pdf import NO_PDF_EN, NO_PDF_ZH
    from ecoplan.supervision.report_sections import supervision_sections

    if kind not in KINDS:
        raise ReportError(f"未知的报告类型 {kind}（annual|midterm|final）",
                          f"Unknown report kind {kind} (annual|midterm|final)")
    ws = _workspace()
    p = open_plan(ws, plan)
    y = year if year is not None else default_year(p, kind)
    out = output or ws.settings.reports_dir / f"{p.code}_{kind}_{y}.docx"
    day = date.fromisoformat(report_date) if report_date else None
    with progress() as bar:
        t = bar.add_task(tr("生成报告", "writing the report"), total=1)
        with ws.session() as s:
            sections = supervision_sections(s, *report_period(p, kind, y))
        res = build_report(ws, p, kind=kind, year=y, out=out, fmt=fmt, report_date=day,
                           sections=sections)
        bar.update(t, advance=1)
    if res.pdf_skipped:  # PDF is optional: the .docx/.xlsx stand; say once how to get PDFs
        warn_both(NO_PDF_ZH, NO_PDF_EN)
    registered = register_in_workspace(ws, [res.docx, res.pdf, res.xlsx])
    if as_json:
        emit_json({**res.as_dict(), "registered": [str(x) for x in registered]})
        return
    ok(f"报告已生成：{res.docx}", f"Report written: {res.docx}")
    if registered:
        info(f"已登记到工作区报告目录（网页“报告”页可下载）：{ws.settings.reports_dir}",
             f"Registered in the workspace's reports folder (listed on the web's Reports page): "
             f"{ws.settings.reports_dir}")
    if res.pdf:
        ok(f"PDF：{res.pdf}", f"PDF: {res.pdf}")
    ok(f"数据附件：{res.xlsx}", f"Data annex: {res.xlsx}")
    info(f"数据快照 {res.digest[:16]}…（{res.snapshot_json}）",
         f"Data snapshot {res.digest[:16]}… ({res.snapshot_json})")
    if res.data.demo:
        info("注意：本报告使用生成的示例数据，并非真实监测数据。",
             "Note: this report uses generated example data (生成的示例数据), not measurements.")


def bench_report(
    repeat: Annotated[int, typer.Option("--repeat", help="重复次数 / repetitions")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    """评估与报告基准：生成示例数据、指标评估、终期报告（docx、pdf）/ benchmark: demo data,
    assessment, final report."""
    from ecoplan.bench.report import run_benchmark
    from ecoplan.console import console, progress

    with progress() as bar:
        task = bar.add_task(tr("评估与报告基准", "assessment/report benchmark"), total=1 + repeat)
        result = run_benchmark(repeat, advance=lambda: bar.advance(task))
    if as_json:
        emit_json(result)
        return
    for k, v in result.items():
        console.print(f"{k:12} median {v['median_s']:7.2f} s  runs {v['runs']}")
