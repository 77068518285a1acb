"""The evaluation report as a Word document in Chinese official-document style (the building
blocks are :mod:`ecoplan.reports.docx_building`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm

from ecoplan.assess.status import STATUS_COLOURS, STATUS_NAMES
from ecoplan.reports.docx_building import (
    SANS,
    SERIF,
    caption,
    demo_header,
    heading,
    official_document,
    page_break,
    paragraph,
    table,
)
from ecoplan.reports.evaluation import KINDS, ReportData, summary_paragraphs
from ecoplan.store.data_labels import DEMO_LABEL


def write_docx(data: ReportData, out: Path, charts: dict[str, Any]) -> Path:
    """Write the report to ``out`` (.docx) with the charts already rendered as PNG."""
    doc = official_document()
    sec = doc.sections[0]
    if data.demo:
        demo_header(sec, DEMO_LABEL)
    _set_properties(doc, data)
    _title_page(doc, data)
    _summary_section(doc, data)
    _indicators_section(doc, data, charts)
    _projects_section(doc, data)
    _tasks_section(doc, data)
    _risk_section(doc, data)
    _handed_sections(doc, data)
    _problems_section(doc, data)
    _method_annex(doc, data)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def _set_properties(doc: Any, data: ReportData) -> None:
    """Title, author, subject and the data snapshot in the document properties; fixed dates so that
    the same data give the same file."""
    cp = doc.core_properties
    cp.title = data.title
    cp.author = "ecoplan"
    cp.subject = f"{data.kind} {data.year}"
    cp.keywords = f"snapshot:{data.snapshot.digest}"
    cp.comments = (f"data snapshot sha256 {data.snapshot.digest}; status rules "
                   f"{data.assessment.status_rules_version}")
    stamp = datetime(data.report_date.year, data.report_date.month, data.report_date.day)
    cp.created = cp.modified = stamp
    cp.last_printed = stamp
    cp.revision = 1


def _title_page(doc: Any, data: ReportData) -> None:
    """The title page: plan, report kind, period, region, date, data label and snapshot."""
    for _ in range(4):
        paragraph(doc, "", indent=False)
    paragraph(doc, data.plan.title_zh, size=22, font=SERIF, bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph(doc, KINDS[data.kind][0] if data.kind != "annual" else f"{data.year}年度实施情况评估报告",
              size=22, font=SERIF, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
              space_after=30)
    paragraph(doc, f"评估期：{data.period_text}", size=16, align=WD_ALIGN_PARAGRAPH.CENTER,
              indent=False)
    paragraph(doc, f"{data.plan.region.parent_zh or ''}{data.plan.region.name_zh}", size=16,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph(doc, f"{data.report_date.year}年{data.report_date.month}月{data.report_date.day}日",
              size=16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=40)
    if data.demo:
        paragraph(doc, f"说明：本报告使用{DEMO_LABEL}（由2019年吕梁市真实监测日重采样生成），"
                   "用于演示评估方法，不代表交城县实际情况。", size=12, colour="C62828",
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    paragraph(doc, f"数据快照 SHA-256：{data.snapshot.digest[:32]}…", size=10,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, colour="555555")
    page_break(doc)


def _summary_section(doc: Any, data: ReportData) -> None:
    """一、总体情况: the summary paragraphs."""
    heading(doc, "一、总体情况", 1)
    for text in summary_paragraphs(data):
        paragraph(doc, text)


def _indicators_section(doc: Any, data: ReportData, charts: dict[str, Any]) -> None:
    """二、规划指标完成情况: table 1, the rules applied, the charts, the next baseline."""
    heading(doc, "二、规划指标完成情况", 1)
    paragraph(doc, "表1列出各项指标的基准值（2020年）、目标值（市级下达目标优先）、"
               f"{data.year}年数值、按线性路径的预期值、差距和状态；约束性指标列在前面。"
               "状态判定规则见表后“判定依据”，计算方法和规则版本见附件。")
    paragraph(doc, f"表1  规划指标{data.year}年评估结果", size=12, font=SANS, bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_with_next=True)
    rows, statuses = [], []
    for r in data.assessment.rows:
        d = r.row("zh")
        rows.append([f"{r.indicator.number}{r.indicator.part or ''}", d["name"] + (
            f"（{d['unit']}）" if d["unit"] else ""), d["attribute_name"], d["baseline"],
            d["target"], d["value"], d["expected"] or "—", d["gap"] or "—", d["status_name"]])
        statuses.append(r.status.status)
    table(doc, ["序号", "指标", "属性", "2020年", "目标值", f"{data.year}年", "预期值", "差距", "状态"],
          rows, widths=[1.0, 4.6, 1.3, 1.4, 2.0, 1.6, 1.4, 1.2, 1.4], status_col=8,
          statuses=statuses)
    legend = "；".join(f"{STATUS_NAMES[s][0]}" for s in STATUS_COLOURS)
    paragraph(doc, f"状态颜色：绿=达标，蓝=进展顺利，橙=存在风险，红=滞后，灰=无数据（{legend}）。",
              size=10, indent=False, colour="555555")
    heading(doc, "（一）判定依据", 2)
    for r in data.assessment.rows:
        d = r.row("zh")
        method = (d["method"] or "").strip() or "无（该年度没有可用于计算的数据）"
        paragraph(doc, f"指标{d['key']}　{d['name']}：【{d['status_name']}】{d['rule']}"
                       f"数值来源：{method.rstrip('。')}。", size=11)
        for line in r.value.details.get("warnings_zh") or []:
            paragraph(doc, f"⚠ 警告：{line}；该数值不满足数据有效性要求，仅供参考，不作为进展判定依据。", size=11,
                      bold=True, colour="C62828")
    if charts.get("indicators"):
        heading(doc, "（二）指标变化与目标路径", 2)
        figs = charts["indicators"]
        for i, path in enumerate(figs, 1):
            doc.add_picture(str(path), width=Cm(15.0))
            caption(doc, f"图1{'-' + str(i) if len(figs) > 1 else ''}  各定量指标历年数值与目标路径"
                          "（虚线为基准值至目标值的线性预期路径，点线为目标值）")
    heading(doc, "（三）环境质量", 2)
    if charts.get("aqi"):
        doc.add_picture(str(charts["aqi"]), width=Cm(15.5))
        caption(doc, f"图2  {data.year}年县城区逐日空气质量指数（AQI）日历")
    else:
        paragraph(doc, f"{data.year}年县城区逐日空气质量数据不可用，未绘制AQI日历。", size=11)
    if charts.get("water"):
        doc.add_picture(str(charts["water"]), width=Cm(15.5))
        caption(doc, "图3  地表水考核断面逐月水质类别")

    if data.next_baseline:
        heading(doc, "（四）下一规划期基准（按2026年新标准重新计算）", 2)
        paragraph(doc, "GB 3095-2026、HJ 633-2026、HJ 663-2026 自2026年3月1日起施行。本期（2021—2025年）"
                   f"按数据所属日期适用2012年版规则评估；下一规划期将按新规则评价，故将{data.year}年"
                   "县城区空气质量按新规则重新计算，作为下一规划期的基准参考。", size=12)
        table(doc, ["指标", f"{data.year}年（2012年版规则）", f"{data.year}年（2026年版规则）",
                     "优良/重污染/有效天数（2012）", "优良/重污染/有效天数（2026）"],
               [[f"{b['indicator']}（{b['unit']}）", _g(b["rules_2012"]), _g(b["rules_2026"]),
                 b["days_2012"], b["days_2026"]] for b in data.next_baseline],
               widths=[4.6, 2.6, 2.6, 2.9, 2.9])


def _projects_section(doc: Any, data: ReportData) -> None:
    """三、重点工程实施情况: totals and tables 2–4."""
    heading(doc, "三、重点工程实施情况", 1)
    tot = data.projects.totals()
    paragraph(doc, f"截至{data.year}年12月31日，{tot['projects']}项重点工程中已完成{tot['completed']}项，"
               f"逾期未完成{tot['overdue']}项；估算总投资{tot['planned_wan_yuan']}万元，累计完成投资"
               f"{tot['invested_wan_yuan']}万元。进度均取各部门填报并经审核批准的最新数据。")
    for title, label, key, groups in (
        ("表2  重点工程分类投资完成情况（万元）", "类别", "category", data.projects.by_category),
        ("表3  重点工程分牵头部门完成情况（万元）", "牵头部门", "department",
         data.projects.by_department),
    ):
        paragraph(doc, title, size=12, font=SANS, bold=True,
                  align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_with_next=True)
        table(doc, [label, "项目数", "已完成", "逾期", "估算投资", "完成投资"],
              [[g[key], g["projects"], g["completed"], g["overdue"], g["planned_wan_yuan"],
                 g["invested_wan_yuan"]] for g in groups],
               widths=[4.5, 1.5, 1.5, 1.5, 3.0, 3.0])
        paragraph(doc, "", indent=False)
    paragraph(doc, "表4  重点工程进展明细", size=12, font=SANS, bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_with_next=True)
    prow = []
    for p in data.projects.projects:
        d = p.row("zh")
        prow.append([d["number"], f"{d['name']}：{d['content']}", d["period"], d["department"],
                     d["investment_wan_yuan"], d["invested_wan_yuan"],
                     "—" if d["percent"] is None else f"{d['percent'].normalize():f}%",
                     d["status_name"] + ("（逾期）" if d["overdue"] else "")])
    table(doc, ["序号", "项目", "实施时间", "牵头部门", "估算投资", "完成投资", "进度", "状态"], prow,
          widths=[1.0, 6.0, 1.7, 2.0, 1.6, 1.6, 1.2, 1.8], size=8)


def _tasks_section(doc: Any, data: ReportData) -> None:
    """四、主要任务落实情况: table 5 and the per-department counts."""
    heading(doc, "四、主要任务落实情况", 1)
    ts = data.tasks
    done = sum(1 for t in ts.tasks if t.status == "completed")
    paragraph(doc, f"规划中有明确完成时限的任务{len(ts.tasks)}项，已完成{done}项，到期未完成{len(ts.overdue)}项。")
    paragraph(doc, "表5  有完成时限的任务落实情况", size=12, font=SANS, bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_with_next=True)
    trow = [[t.task.key, t.task.text[:70] + ("…" if len(t.task.text) > 70 else ""),
             t.task.deadline_text or str(t.task.deadline), t.department,
             t.status_name("zh") + ("（逾期）" if t.overdue else "")] for t in ts.tasks]
    table(doc, ["编号", "任务", "时限", "责任部门", "状态"], trow,
          widths=[1.3, 9.0, 2.0, 2.4, 1.9], size=8)
    paragraph(doc, "", indent=False)
    table(doc, ["责任部门", "任务数", "已完成", "逾期"],
          [[g["department"], g["tasks"], g["completed"], g["overdue"]]
            for g in ts.by_department()], widths=[6.0, 2.0, 2.0, 2.0])


def _handed_sections(doc: Any, data: ReportData) -> None:
    """Chapters gathered above the reports layer (e.g. 生态环境监管执法), as subsections of 四."""
    for sec in data.sections:
        heading(doc, f"（附）{sec.title}", 2)
        for text in sec.paragraphs:
            paragraph(doc, text)
        if sec.source:
            paragraph(doc, f"数据来源：{sec.source}。", size=10)


def _risk_section(doc: Any, data: ReportData) -> None:
    """环境风险、危险废物与放射源监管 (a subsection of 四, only when the registries hold rows)."""
    r = data.risk
    if not r:
        return
    heading(doc, "（附）环境风险、危险废物与放射源监管", 2)
    i15, i14 = r["ind15"], r["ind14"]
    paragraph(doc, f"截至{r['year']}年底，登记涉危涉重风险企业{r['risk_enterprises']}家，其中已备案突发环境事件"
                   f"应急预案{r['filed']}家；登记应急物资{r['supplies']}项。")
    paragraph(doc, f"危险废物产废、经营单位{r['hw_units']}家。" + (
        f"由台账和转移联单计算的{r['year']}年危险废物安全处置率为{i15['rate']}%（安全处置{i15['safe']}吨，"
        f"未安全处置{i15['unsafe']}吨）。" if i15 else f"{r['year']}年台账无记录，安全处置率采用部门填报。") + (
        f"物料平衡存在缺口的单位{len(r['balance_gaps'])}家。" if r["balance_gaps"] else "各产废单位物料平衡无缺口。"))
    paragraph(doc, (f"{r['year']}年再开发利用重点建设用地{i14['total']}块，安全利用{i14['safe']}块，"
                    f"{'重点建设用地安全利用得到有效保障' if i14['ensured'] else '重点建设用地安全利用未得到有效保障'}。")
              if i14 else f"{r['year']}年台账中无再开发利用的重点建设用地，该指标采用部门填报。")
    lr = "—" if r["licence_rate"] is None else f"{r['licence_rate']}%"
    cr = "—" if r["certified_rate"] is None else f"{r['certified_rate']}%"
    paragraph(doc, f"核技术利用单位{r['rad_units']}家，辐射安全许可证发放率{lr}（规划要求100%）；"
                   f"辐射工作人员{r['workers']}人，持证上岗率{cr}。")


def _problems_section(doc: Any, data: ReportData) -> None:
    """五、存在的问题 and 六、下一步建议."""
    heading(doc, "五、存在的问题", 1)
    for i, pr in enumerate(data.problems, 1):
        paragraph(doc, f"{i}. {pr['text']}", colour="C62828" if pr["severity"] == "demo" else None)
    heading(doc, "六、下一步建议", 1)
    for i, rec in enumerate(data.recommendations, 1):
        paragraph(doc, f"{i}. {rec['text']}（依据：{rec['basis']}）")


def _method_annex(doc: Any, data: ReportData) -> None:
    """附件: status rules, each indicator's method and rule versions, the data snapshot."""
    page_break(doc)
    heading(doc, "附件  评估方法、规则版本与数据快照", 1)
    heading(doc, "（一）状态判定规则", 2)
    for text in STATUS_METHOD:
        paragraph(doc, text, size=11)
    paragraph(doc, f"状态规则版本：{data.assessment.status_rules_version}"
               "（阈值见 ecoplan/assess/data/status_rules.yaml）。", size=11)
    heading(doc, "（二）各指标的计算方法与规则版本", 2)
    mrows = []
    for r in data.assessment.rows:
        iv = r.value
        mrows.append([f"{r.indicator.number}{r.indicator.part or ''}",
                      "监测计算" if iv.source == "computed" else ("部门填报" if iv.source == "reported"
                                                              else "—"),
                      iv.method_zh or "—", "；".join(iv.rule_versions.values()) or "—",
                      r.status.rule_id])
    table(doc, ["指标", "来源", "计算方法 / 数据", "标准与规则版本", "判定规则"], mrows,
          widths=[1.1, 1.5, 7.2, 4.6, 2.2], size=7.5)
    for text in air_conventions(data):
        paragraph(doc, text, size=11)
    heading(doc, "（三）数据快照", 2)
    snap = data.snapshot
    paragraph(doc, f"本报告由 ecoplan 根据以下数据生成，数据快照摘要（SHA-256）：{snap.digest}。"
               f"使用数据湖文件{len(snap.lake_files)}个、入库批次{len(snap.batches)}个、"
               f"已批准的部门填报{len(snap.approved_reports)}条；规划文件内容摘要 "
               f"{(snap.plan.get('content_hash') or '')[:16]}。文件逐一的 SHA-256 列于 Excel 数据附件"
               "“数据快照”工作表；以相同数据和版本重新生成，本报告内容与摘要不变。", size=11)
    table(doc, ["批次", "数据集", "来源", "行数"],
          [[b["id"], b["dataset"], Path(str(b["source_file"])).name[:60], b["rows_accepted"]]
            for b in snap.batches], widths=[1.2, 3.0, 10.0, 2.0], size=8)


def air_conventions(data: ReportData) -> list[str]:
    """The basis of the air figures computed from the lake (issue 20 points 3 and 6): dust
    deduction, station set, incomplete-day rule, composite inputs, exceedance limits and, for a
    period spanning 2026-03-01, the alternative limits basis — one sentence per distinct set."""
    seen: dict[str, list[str]] = {}
    for r in data.assessment.rows:
        conv = r.value.details.get("conventions_zh")
        if conv:
            seen.setdefault(conv, []).append(r.indicator.key)
    return [f"空气质量指标（{'、'.join(keys)}）的统计口径：{conv}。点位集合为县城评价点位，按 HJ 663 "
            "计算；沙尘扣除另有通报口径（bulletin）和考核口径（assessment），本报告所用口径如上，"
            "说明见 docs/air-statistics.md 第4节。"
            for conv, keys in seen.items()]


def _g(x: Any) -> str:
    return "—" if x is None else f"{x:g}"


STATUS_METHOD = (
    "1. 定量指标：数值达到目标即为“达标”；规划末年未达到目标为“滞后”（未实现目标）；其他年份按基准值（2020年）"
    "至目标值（2025年）的线性路径计算当年预期值，实际进展占应有进展的比例 r=(实际值−基准值)/(预期值−基准值)，"
    "r≥95%为“进展顺利”，50%≤r<95%为“存在风险”，r<50%为“滞后”；无基准值时未达目标判为“存在风险”。",
    "2. “基本消除”重污染天气按重污染天数比例≤1%判断（国发〔2023〕24号《空气质量持续改善行动计划》）。",
    "3. 水质类别指标（类别数越小越好）：不差于目标类别为“达标”；末年未达到为“滞后”；其他年份不差于线性路径"
    "（取整到靠近基准的整类）为“进展顺利”，不差于基准类别为“存在风险”，差于基准类别为“滞后”。",
    "4. “持续保持”“不降低”：不低于基准值（无基准值时为规划期最早数值）为“达标”，否则为“滞后”。",
    "5. “完成市下达的任务”“有效保障”等定性目标：以部门经审核批准的认定为准，完成为“达标”，部分完成在末年前为"
    "“进展顺利”、末年为“存在风险”，未完成为“滞后”；市级下达了具体数值目标的，按该数值目标判定。",
    "6. 无可用数值（无监测数据或无已批准填报）或规划未设定目标值的，状态为“无数据”。",
)
