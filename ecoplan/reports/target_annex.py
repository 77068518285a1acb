"""The Word annex 目标可达性分析 (target check) of a draft plan, built with the project's
document blocks (:mod:`ecoplan.reports.docx_building`)."""

from __future__ import annotations

from pathlib import Path

from ecoplan.assess.succession import TargetCheckReport, trend_rows
from ecoplan.reports import docx_building as dx

LEVEL_WORDS = {"city": ("市级", "city"), "province": ("省级", "province"), "national": ("国家", "national")}


def _yes_no(v: bool | None) -> str:
    return "—" if v is None else ("协调" if v else "不协调")


def write_target_annex(report: TargetCheckReport, out: Path, *, example_data: bool = False) -> Path:
    """Write the annex to ``out`` (.docx)."""
    # deferred: python-docx is only needed when a document is written
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    plan = report.plan
    doc = dx.official_document()
    sec = doc.sections[0]
    # landscape: the trend table has 12 columns
    sec.orientation = WD_ORIENT.LANDSCAPE
    sec.page_width, sec.page_height = Cm(29.7), Cm(21.0)
    sec.top_margin, sec.bottom_margin = Cm(2.5), Cm(2.2)
    if example_data:
        dx.demo_header(sec, "生成的示例数据")
    dx.paragraph(doc, f"{plan.title_zh}", size=20, font=dx.SERIF, bold=True,
                 align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    dx.paragraph(doc, "附件  目标可达性分析", size=16, font=dx.SANS, align=WD_ALIGN_PARAGRAPH.CENTER,
                 indent=False, space_after=10)
    status = {"draft": "草稿", "example": "示例（构造的规划文件，非该县真实规划）", "issued": "已印发"}[plan.status]
    dx.paragraph(doc, f"规划期 {plan.start_year}—{plan.end_year} 年，基准年 {plan.baseline_year} 年；规划状态：{status}。"
                 f"基准值由工作区数据经评估引擎计算（与上一规划终期评估 {plan.baseline_year} 年数值一致），"
                 "空气指标同时给出 2012 年规则与 2026 年规则两种口径，新规划按 2026 年规则评价。")
    if plan.status_note:
        dx.paragraph(doc, plan.status_note, size=11)

    dx.heading(doc, "一、基准值与来源", 1)
    rows = []
    for ind in plan.indicators:
        b = ind.baseline
        figs = "；".join(f"{f.ruleset}：{f.text}" for f in b.figures) or "—"
        src = {"computed": "监测数据计算", "reported": "部门填报（已批准）", "entry": "待填报",
                "plan": "规划表"}.get(b.source or "", b.source or "—")
        rows.append([ind.key, ind.name_zh, ind.unit or "", b.text, figs, src,
                     (b.source_text or "")[:80]])
    dx.table(doc, ["序号", "指标", "单位", f"{plan.baseline_year}年基准", "分口径数值", "来源", "计算方法"],
             rows, widths=[1.2, 5.0, 1.5, 2.0, 5.0, 2.5, 8.0])

    dx.heading(doc, "二、目标所需变化与历史趋势", 1)
    trs = trend_rows(report, "zh")
    dx.table(doc, ["序号", "指标", "基准", "目标", "年均所需变化", "年均所需变化率", "历史斜率/年",
                   "历史年均变化率", "趋势外推至期末", "目标−趋势", "所需/历史速度", "判断"],
             [[r["key"], r["name"], r["baseline"], r["target"], r["required_per_year"],
               r["required_rate"], r["trend_slope"], r["trend_rate"], r["projection"], r["distance"],
               r["pace_ratio"], r["verdict_text"]] for r in trs],
             widths=[1.0, 4.6, 1.5, 1.6, 1.9, 1.9, 1.9, 1.9, 2.0, 1.8, 1.8, 3.5])

    dx.heading(doc, "三、与上级目标的衔接", 1)
    if report.higher_example:
        dx.paragraph(doc, "【示例】下表所用上级目标文件为构造的示例，不是真实文件，数值与文号仅用于演示计算方法。",
                     colour="C62828", bold=True)
    if report.higher_note:
        dx.paragraph(doc, report.higher_note, size=11)
    if report.higher:
        dx.table(doc, ["序号", "层级", "文件（文号）", "上级要求", "折算值", "县级目标", "核实", "结论"],
                 [[h.key, LEVEL_WORDS[h.level][0], h.document, h.higher_text,
                   "—" if h.implied_value is None else f"{h.implied_value:.2f}",
                   "—" if h.county_value is None else f"{h.county_value:g}",
                   "已核实" if h.verified else "未核实", f"{_yes_no(h.consistent)}：{h.note_zh}"]
                  for h in report.higher], widths=[1.0, 1.4, 5.5, 3.5, 1.8, 1.8, 1.4, 8.0])
    else:
        dx.paragraph(doc, "未提供上级目标文件。")

    dx.heading(doc, "四、相关指标之间的协调性", 1)
    for c in report.consistency:
        dx.paragraph(doc, f"{c.title_zh}（指标 {c.keys[0]} 与 {c.keys[1]}）：{_yes_no(c.consistent)}。{c.text_zh}")
    if not report.consistency:
        dx.paragraph(doc, "草稿中没有可相互校核的指标对。")

    dx.heading(doc, "五、2026 年新标准对同一浓度的影响", 1)
    for e in report.rules_effect:
        dx.paragraph(doc, f"{e.name}：{e.text_zh}")

    dx.heading(doc, "六、计算方法", 1)
    for i, m in enumerate(report.method_zh, start=1):
        dx.paragraph(doc, f"{i}. {m}", size=11)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out
