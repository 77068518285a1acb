"""The response notice (重污染天气应急响应通知) as a Word document in the official-document style of
:mod:`ecoplan.reports.docx_building` (GB/T 9704 margins, 小标宋-style title, 仿宋-style body, Noto
CJK fonts), with the list of measures in force."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH

from ecoplan.reports.docx_building import BODY_PT, official_document, paragraph, table
from ecoplan.supervision.emergency import LEVEL_NAMES, EmergencyError

LEVEL_RGB = {"yellow": "B8860B", "orange": "D2691E", "red": "C62828"}


def _reduction(r: dict[str, Any]) -> str:
    names = {"pm": "颗粒物", "so2": "SO₂", "nox": "NOₓ", "vocs": "VOCs"}
    return "；".join(f"{names[k]} {v:g}" for k, v in r.items() if k in names)


def write_notice(in_force: dict[str, Any], out: Path, *, issuer: str = "交城县重污染天气应急指挥部",
                 issued_on: datetime | None = None) -> Path:
    """Write the notice of the response in force (``measures_in_force`` output) to ``out``."""
    resp = in_force.get("response")
    if resp is None:
        raise EmergencyError("该时刻没有执行中的应急响应，无法生成通知",
                             "No response is in force at that time; no notice to write")
    level = resp["level"]
    start = datetime.fromisoformat(resp["start"])
    end = datetime.fromisoformat(resp["planned_end"]) if resp["planned_end"] else None
    at = datetime.fromisoformat(in_force["at"])
    issued_on = issued_on or at
    doc = official_document()
    cp = doc.core_properties
    cp.title = f"关于启动重污染天气{LEVEL_NAMES[level][0]}应急响应的通知"
    cp.author = "ecoplan"
    cp.created = cp.modified = issued_on
    cp.revision = 1

    paragraph(doc, issuer, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
              colour=LEVEL_RGB[level])
    paragraph(doc, resp.get("doc_no") or "", size=BODY_PT, align=WD_ALIGN_PARAGRAPH.CENTER,
              indent=False, space_after=12)
    paragraph(doc, f"关于执行重污染天气{LEVEL_NAMES[level][0]}应急响应措施的通知", size=20, bold=True,
              align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=12)
    paragraph(doc, "各有关部门、各乡镇，各相关企业和施工单位：", indent=False)
    basis = ("经对空气质量预报结果研判" if resp["basis"] == "forecast"
             else "根据吕梁市重污染天气预警信息")
    until = f"至{end:%Y年%-m月%-d日%-H时}" if end else "至预警解除"
    paragraph(doc, f"{basis}，{resp['area']}自{start:%Y年%-m月%-d日%-H时}起{until}执行重污染天气"
               f"{LEVEL_NAMES[level][0]}应急响应。请各单位按照“一厂一策”应急减排清单，严格落实"
               "错峰运输、错峰生产、限产、轮产、停产等减排措施，施工工地停止土方开挖等作业；"
               "各部门按职责开展督查检查，检查结果及时录入平台。")
    if len(resp.get("events", [])) > 1:
        paragraph(doc, "本次响应过程：" + "；".join(
            f"{e['effective_at'][:16].replace('T', ' ')} {e['kind_zh']}"
            + (f"（{LEVEL_NAMES[e['level']][0]}）" if e.get("level") else "")
            for e in resp["events"]) + "。")
    paragraph(doc, f"截至 {at:%Y-%m-%d %H:%M}，应执行的减排措施如下：", keep_with_next=True)
    rows = []
    for i, m in enumerate(in_force["measures"], start=1):
        part = "／".join(x for x in (m["production_line"], m["process"]) if x) or "全厂"
        measure = m["measure_zh"] + (f" {m['limit_percent']:g}%" if m["limit_percent"] else "")
        if m.get("description"):
            measure += f"（{m['description']}）"
        rows.append([i, m["subject_name"], m["credit_code"], m.get("grade") or "—", part,
                     measure, m["status_zh"], _reduction(m["reduction"])])
    if rows:
        table(doc, ["序号", "单位名称", "统一社会信用代码", "绩效等级", "生产线/工序", "减排措施",
                     "执行要求", "减排量(kg/d)"], rows,
               widths=[1.0, 2.6, 3.2, 1.2, 2.2, 2.8, 1.5, 2.1])
    else:
        paragraph(doc, "（应急减排清单中没有该级别的措施。）")
    paragraph(doc, "绩效分级差异化管控按本县应急预案配置执行；豁免或自主减排的企业仍须按规定做好"
               "污染防治设施运行。", space_after=18)
    paragraph(doc, issuer, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    paragraph(doc, f"{issued_on:%Y年%-m月%-d日}", align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out
