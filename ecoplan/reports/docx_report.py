"""The evaluation report as a Word document in Chinese official-document style (GB/T 9704 page
margins, 小标宋-style title, 黑体/楷体 headings, 仿宋-style body; Noto CJK fonts so that the
LibreOffice PDF renders the same glyphs on any machine that has ``fonts-noto-cjk``)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ecoplan.assess.status import STATUS_COLOURS, STATUS_NAMES
from ecoplan.reports.evaluation import KINDS, ReportData, summary_paragraphs

SERIF = "Noto Serif CJK SC"   # stands in for 仿宋/小标宋
SANS = "Noto Sans CJK SC"     # stands in for 黑体
BODY_PT = 14                  # 四号 (tables are denser: 五号 10.5)
TABLE_PT = 9


def _font(run: Any, name: str, size: float, *, bold: bool = False,
          colour: str | None = None) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    if colour:
        run.font.color.rgb = RGBColor.from_string(colour)


def _para(doc: Any, text: str, *, size: float = BODY_PT, font: str = SERIF, bold: bool = False,
          align: Any = None, indent: bool = True, colour: str | None = None,
          space_after: float = 4, style: str | None = None, keep_with_next: bool = False) -> Any:
    p = doc.add_paragraph(style=style)
    if align is not None:
        p.alignment = align
    pf = p.paragraph_format
    pf.space_after = Pt(space_after)
    pf.line_spacing = 1.35
    if indent:
        pf.first_line_indent = Pt(size * 2)
    pf.keep_with_next = keep_with_next
    _font(p.add_run(text), font, size, bold=bold, colour=colour)
    return p


def _heading(doc: Any, text: str, level: int) -> Any:
    style = f"Heading {level}"
    p = doc.add_paragraph(style=style)
    p.paragraph_format.space_before = Pt(10 if level == 1 else 6)
    p.paragraph_format.space_after = Pt(6)
    p.paragraph_format.keep_with_next = True
    _font(p.add_run(text), SANS if level == 1 else SERIF, 16 if level == 1 else 15,
          bold=level != 1, colour="000000")
    return p


def _shade(cell: Any, hex_rgb: str) -> None:
    tcpr = cell._element.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), hex_rgb)
    tcpr.append(shd)


def _table(doc: Any, header: list[str], rows: list[list[Any]], *, widths: list[float] | None = None,
           status_col: int | None = None, statuses: list[str] | None = None,
           size: float = TABLE_PT) -> Any:
    t = doc.add_table(rows=1, cols=len(header))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, h in enumerate(header):
        c = t.rows[0].cells[i]
        c.text = ""
        _font(c.paragraphs[0].add_run(h), SANS, size, bold=True)
        c.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _shade(c, "D9E2F3")
    trpr = t.rows[0]._tr.get_or_add_trPr()
    hdr = OxmlElement("w:tblHeader")
    hdr.set(qn("w:val"), "true")
    trpr.append(hdr)
    for ri, row in enumerate(rows):
        cells = t.add_row().cells
        for i, v in enumerate(row):
            cells[i].text = ""
            colour = None
            if status_col is not None and i == status_col and statuses:
                _shade(cells[i], STATUS_COLOURS[statuses[ri]])
                colour = "FFFFFF"
            _font(cells[i].paragraphs[0].add_run("" if v is None else str(v)), SERIF, size,
                  bold=status_col == i, colour=colour)
    # every table fits the page's text width: given widths are scaled down when they add up to
    # more, and a table without widths gets equal columns across the text width
    text_cm = text_width_cm(doc)
    cols = widths or [text_cm / len(header)] * len(header)
    if sum(cols) > text_cm:
        cols = [w * text_cm / sum(cols) for w in cols]
    t.autofit = False
    for i, w in enumerate(cols):
        t.columns[i].width = Cm(w)
    for row in t.rows:
        for i, w in enumerate(cols):
            row.cells[i].width = Cm(w)
    return t


def text_width_cm(doc: Any) -> float:
    """The width between the margins of the document's last section, in cm (rounded down to
    the millimetre so that rounding in EMU never makes a table wider)."""
    sec = doc.sections[-1]
    emu = int(sec.page_width) - int(sec.left_margin) - int(sec.right_margin)
    return int(emu / 36000) / 10


def _page_number_footer(section: Any) -> None:
    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("— "), SERIF, 12)
    run = p.add_run()
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), tag)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)
    _font(run, SERIF, 12)
    _font(p.add_run(" —"), SERIF, 12)


def _demo_header(section: Any, label: str) -> None:
    p = section.header.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(f"【{label}——非真实监测数据，仅供演示】"), SANS, 10, bold=True, colour="C62828")


def official_document() -> Any:
    """An empty Word document in the layout of this module: A4 portrait, the official-document
    margins, the body font (:data:`SERIF`, :data:`BODY_PT`, East-Asian text included) and page
    numbers in the footer."""
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    normal = doc.styles["Normal"]
    normal.font.name = SERIF
    normal.font.size = Pt(BODY_PT)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), SERIF)
    _page_number_footer(sec)
    return doc


def write_docx(data: ReportData, out: Path, charts: dict[str, Any]) -> Path:
    """Write the report to ``out`` (.docx) with the charts already rendered as PNG."""
    from ecoplan.assess.demo_series import DEMO_LABEL

    doc = official_document()
    sec = doc.sections[0]
    if data.demo:
        _demo_header(sec, DEMO_LABEL)
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

    # ------------------------------------------------------------ title page
    for _ in range(4):
        _para(doc, "", indent=False)
    _para(doc, data.plan.title_zh, size=22, font=SERIF, bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, KINDS[data.kind][0] if data.kind != "annual" else f"{data.year}年度实施情况评估报告",
          size=22, font=SERIF, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
          space_after=30)
    _para(doc, f"评估期：{data.period_text}", size=16, align=WD_ALIGN_PARAGRAPH.CENTER,
          indent=False)
    _para(doc, f"{data.plan.region.parent_zh or ''}{data.plan.region.name_zh}", size=16,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, f"{data.report_date.year}年{data.report_date.month}月{data.report_date.day}日",
          size=16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=40)
    if data.demo:
        _para(doc, f"说明：本报告使用{DEMO_LABEL}（由2019年吕梁市真实监测日重采样生成），"
                   "用于演示评估方法，不代表交城县实际情况。", size=12, colour="C62828",
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _para(doc, f"数据快照 SHA-256：{data.snapshot.digest[:32]}…", size=10,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, colour="555555")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    # ------------------------------------------------------------ 1 summary
    _heading(doc, "一、总体情况", 1)
    for text in summary_paragraphs(data):
        _para(doc, text)

    # ------------------------------------------------------------ 2 indicators
    _heading(doc, "二、规划指标完成情况", 1)
    _para(doc, "表1列出各项指标的基准值（2020年）、目标值（市级下达目标优先）、"
               f"{data.year}年数值、按线性路径的预期值、差距和状态；约束性指标列在前面。"
               "状态判定规则见表后“判定依据”，计算方法和规则版本见附件。")
    _para(doc, f"表1  规划指标{data.year}年评估结果", size=12, font=SANS, bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_with_next=True)
    rows, statuses = [], []
    for r in data.assessment.rows:
        d = r.row("zh")
        rows.append([f"{r.indicator.number}{r.indicator.part or ''}", d["name"] + (
            f"（{d['unit']}）" if d["unit"] else ""), d["attribute_name"], d["baseline"],
            d["target"], d["value"], d["expected"] or "—", d["gap"] or "—", d["status_name"]])
        statuses.append(r.status.status)
    _table(doc, ["序号", "指标", "属性", "2020年", "目标值", f"{data.year}年", "预期值", "差距", "状态"],
           rows, widths=[1.0, 4.6, 1.3, 1.4, 2.0, 1.6, 1.4, 1.2, 1.4], status_col=8,
           statuses=statuses)
    legend = "；".join(f"{STATUS_NAMES[s][0]}" for s in STATUS_COLOURS)
    _para(doc, f"状态颜色：绿=达标，蓝=进展顺利，橙=存在风险，红=滞后，灰=无数据（{legend}）。",
          size=10, indent=False, colour="555555")
    _heading(doc, "（一）判定依据", 2)
    for r in data.assessment.rows:
        d = r.row("zh")
        method = (d["method"] or "").strip() or "无（该年度没有可用于计算的数据）"
        _para(doc, f"指标{d['key']}　{d['name']}：【{d['status_name']}】{d['rule']}"
                   f"数值来源：{method.rstrip('。')}。", size=11)
    if charts.get("indicators"):
        _heading(doc, "（二）指标变化与目标路径", 2)
        figs = charts["indicators"]
        for i, path in enumerate(figs, 1):
            doc.add_picture(str(path), width=Cm(15.0))
            _caption(doc, f"图1{'-' + str(i) if len(figs) > 1 else ''}  各定量指标历年数值与目标路径"
                          "（虚线为基准值至目标值的线性预期路径，点线为目标值）")
    _heading(doc, "（三）环境质量", 2)
    if charts.get("aqi"):
        doc.add_picture(str(charts["aqi"]), width=Cm(15.5))
        _caption(doc, f"图2  {data.year}年县城区逐日空气质量指数（AQI）日历")
    else:
        _para(doc, f"{data.year}年县城区逐日空气质量数据不可用，未绘制AQI日历。", size=11)
    if charts.get("water"):
        doc.add_picture(str(charts["water"]), width=Cm(15.5))
        _caption(doc, "图3  地表水考核断面逐月水质类别")

    if data.next_baseline:
        _heading(doc, "（四）下一规划期基准（按2026年新标准重新计算）", 2)
        _para(doc, "GB 3095-2026、HJ 633-2026、HJ 663-2026 自2026年3月1日起施行。本期（2021—2025年）"
                   f"按数据所属日期适用2012年版规则评估；下一规划期将按新规则评价，故将{data.year}年"
                   "县城区空气质量按新规则重新计算，作为下一规划期的基准参考。", size=12)
        _table(doc, ["指标", f"{data.year}年（2012年版规则）", f"{data.year}年（2026年版规则）",
                     "优良/重污染/有效天数（2012）", "优良/重污染/有效天数（2026）"],
               [[f"{b['indicator']}（{b['unit']}）", _g(b["rules_2012"]), _g(b["rules_2026"]),
                 b["days_2012"], b["days_2026"]] for b in data.next_baseline],
               widths=[4.6, 2.6, 2.6, 2.9, 2.9])

    # ------------------------------------------------------------ 3 projects
    _heading(doc, "三、重点工程实施情况", 1)
    tot = data.projects.totals()
    _para(doc, f"截至{data.year}年12月31日，{tot['projects']}项重点工程中已完成{tot['completed']}项，"
               f"逾期未完成{tot['overdue']}项；估算总投资{tot['planned_wan_yuan']}万元，累计完成投资"
               f"{tot['invested_wan_yuan']}万元。进度均取各部门填报并经审核批准的最新数据。")
    for title, label, key, groups in (
        ("表2  重点工程分类投资完成情况（万元）", "类别", "category", data.projects.by_category),
        ("表3  重点工程分牵头部门完成情况（万元）", "牵头部门", "department",
         data.projects.by_department),
    ):
        _para(doc, title, size=12, font=SANS, bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_with_next=True)
        _table(doc, [label, "项目数", "已完成", "逾期", "估算投资", "完成投资"],
               [[g[key], g["projects"], g["completed"], g["overdue"], g["planned_wan_yuan"],
                 g["invested_wan_yuan"]] for g in groups],
               widths=[4.5, 1.5, 1.5, 1.5, 3.0, 3.0])
        _para(doc, "", indent=False)
    _para(doc, "表4  重点工程进展明细", size=12, font=SANS, bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_with_next=True)
    prow = []
    for p in data.projects.projects:
        d = p.row("zh")
        prow.append([d["number"], f"{d['name']}：{d['content']}", d["period"], d["department"],
                     d["investment_wan_yuan"], d["invested_wan_yuan"],
                     "—" if d["percent"] is None else f"{d['percent'].normalize():f}%",
                     d["status_name"] + ("（逾期）" if d["overdue"] else "")])
    _table(doc, ["序号", "项目", "实施时间", "牵头部门", "估算投资", "完成投资", "进度", "状态"], prow,
           widths=[1.0, 6.0, 1.7, 2.0, 1.6, 1.6, 1.2, 1.8], size=8)

    # ------------------------------------------------------------ 4 tasks
    _heading(doc, "四、主要任务落实情况", 1)
    ts = data.tasks
    done = sum(1 for t in ts.tasks if t.status == "completed")
    _para(doc, f"规划中有明确完成时限的任务{len(ts.tasks)}项，已完成{done}项，到期未完成{len(ts.overdue)}项。")
    _para(doc, "表5  有完成时限的任务落实情况", size=12, font=SANS, bold=True,
          align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, keep_with_next=True)
    trow = [[t.task.key, t.task.text[:70] + ("…" if len(t.task.text) > 70 else ""),
             t.task.deadline_text or str(t.task.deadline), t.department,
             t.status_name("zh") + ("（逾期）" if t.overdue else "")] for t in ts.tasks]
    _table(doc, ["编号", "任务", "时限", "责任部门", "状态"], trow,
           widths=[1.3, 9.0, 2.0, 2.4, 1.9], size=8)
    _para(doc, "", indent=False)
    _table(doc, ["责任部门", "任务数", "已完成", "逾期"],
           [[g["department"], g["tasks"], g["completed"], g["overdue"]]
            for g in ts.by_department()], widths=[6.0, 2.0, 2.0, 2.0])

    # ------------------------------------------------------------ 5 problems, recommendations
    _heading(doc, "五、存在的问题", 1)
    for i, pr in enumerate(data.problems, 1):
        _para(doc, f"{i}. {pr['text']}", colour="C62828" if pr["severity"] == "demo" else None)
    _heading(doc, "六、下一步建议", 1)
    for i, rec in enumerate(data.recommendations, 1):
        _para(doc, f"{i}. {rec['text']}（依据：{rec['basis']}）")

    # ------------------------------------------------------------ annex: method
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _heading(doc, "附件  评估方法、规则版本与数据快照", 1)
    _heading(doc, "（一）状态判定规则", 2)
    for text in STATUS_METHOD:
        _para(doc, text, size=11)
    _para(doc, f"状态规则版本：{data.assessment.status_rules_version}"
               "（阈值见 ecoplan/assess/data/status_rules.yaml）。", size=11)
    _heading(doc, "（二）各指标的计算方法与规则版本", 2)
    mrows = []
    for r in data.assessment.rows:
        iv = r.value
        mrows.append([f"{r.indicator.number}{r.indicator.part or ''}",
                      "监测计算" if iv.source == "computed" else ("部门填报" if iv.source == "reported"
                                                              else "—"),
                      iv.method_zh or "—", "；".join(iv.rule_versions.values()) or "—",
                      r.status.rule_id])
    _table(doc, ["指标", "来源", "计算方法 / 数据", "标准与规则版本", "判定规则"], mrows,
           widths=[1.1, 1.5, 7.2, 4.6, 2.2], size=7.5)
    _heading(doc, "（三）数据快照", 2)
    snap = data.snapshot
    _para(doc, f"本报告由 ecoplan 根据以下数据生成，数据快照摘要（SHA-256）：{snap.digest}。"
               f"使用数据湖文件{len(snap.lake_files)}个、入库批次{len(snap.batches)}个、"
               f"已批准的部门填报{len(snap.approved_reports)}条；规划文件内容摘要 "
               f"{(snap.plan.get('content_hash') or '')[:16]}。文件逐一的 SHA-256 列于 Excel 数据附件"
               "“数据快照”工作表；以相同数据和版本重新生成，本报告内容与摘要不变。", size=11)
    _table(doc, ["批次", "数据集", "来源", "行数"],
           [[b["id"], b["dataset"], Path(str(b["source_file"])).name[:60], b["rows_accepted"]]
            for b in snap.batches], widths=[1.2, 3.0, 10.0, 2.0], size=8)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def _g(x: Any) -> str:
    return "—" if x is None else f"{x:g}"


def _caption(doc: Any, text: str) -> None:
    _para(doc, text, size=11, font=SANS, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)


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
