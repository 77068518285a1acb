"""Decision documents of a case as Word files in the official-document style of
:mod:`ecoplan.reports.docx_building`: 行政处罚决定书 (penalty decision) and 责令改正违法行为决定书
(order to correct an illegal act). The wording follows the structure of the national model
documents (party, facts and evidence, legal basis, decision, payment, remedies); the issuing
authority and document-number prefix are settings of the caller.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from docx.enum.text import WD_ALIGN_PARAGRAPH

from ecoplan.reports.docx_building import BODY_PT, demo_header, official_document, paragraph
from ecoplan.supervision.cases import CaseError, CaseView, legal_basis_table

KINDS = {"penalty": ("行政处罚决定书", "penalty decision"),
         "correction": ("责令改正违法行为决定书", "order to correct an illegal act")}


def _cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def doc_number(view: CaseView, kind: str, prefix: str) -> str:
    year, seq = view.case.number.split("-")
    return f"{prefix}{'罚' if kind == 'penalty' else '改'}〔{year}〕{int(seq)}号"


def write_decision(view: CaseView, kind: str, out: Path, *, authority: str, prefix: str,
                   issued_on: date, demo_label: str | None = None) -> tuple[Path, str]:
    """Write the document of ``kind`` (penalty / correction); returns the path and SHA-256."""
    if kind not in KINDS:
        raise CaseError(f"文书类型无效：{kind}", f"unknown document kind {kind}")
    dec = view.decision if kind == "penalty" else (view.correction or view.decision)
    if dec is None:
        need = ("尚未作出处罚决定" if kind == "penalty" else "尚未责令改正，也未作出处罚决定")
        raise CaseError(f"案件 {view.case.number} {need}，不能生成{KINDS[kind][0]}",
                        f"case {view.case.number} has no "
                        f"{'decision' if kind == 'penalty' else 'correction order or decision'}"
                        f" yet; no {KINDS[kind][1]}")
    art = legal_basis_table().get(dec["basis"], {})
    case = view.case
    doc = official_document()
    cp = doc.core_properties
    cp.title = f"{KINDS[kind][0]} {case.number}"
    cp.author = "ecoplan"
    if demo_label:
        demo_header(doc.sections[0], demo_label)
    paragraph(doc, authority, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False,
              colour="C62828")
    paragraph(doc, KINDS[kind][0], size=20, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER,
              indent=False, space_after=6)
    paragraph(doc, doc_number(view, kind, prefix), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False,
              space_after=12)
    paragraph(doc, f"当事人：{case.party_name}", indent=False)
    if case.enterprise:
        paragraph(doc, f"统一社会信用代码：{case.enterprise}", indent=False)
    paragraph(doc, f"案件编号：{case.number}（{_cn_date(case.opened_on)}立案）", indent=False,
              space_after=12)
    facts = case.facts or case.title
    paragraph(doc, f"我局于{_cn_date(case.opened_on)}对你（单位）{case.title}一案立案调查。经查，"
                   f"{facts.rstrip('。')}。")
    notice = view.stage_dates.get("notice")
    if notice and kind == "penalty":
        waived = bool(dec.get("waived"))
        paragraph(doc, f"我局于{_cn_date(notice)}告知你（单位）拟作出决定的事实、理由、依据及"
                       "依法享有的陈述、申辩和要求听证的权利。"
                  + ("你（单位）书面放弃陈述、申辩和听证权利。" if waived else
                     "你（单位）在法定期限内未提出陈述、申辩和听证要求。"))
    law, article = dec["law"], dec["article"]
    if kind == "penalty":
        paragraph(doc, f"你（单位）的上述行为违反了生态环境保护法律法规的规定，依据《{law}》"
                       f"{article}的规定（{art.get('penalty', '')}），我局决定对你（单位）作出如下"
                       "行政处罚：")
        fine = float(dec["fine"])
        paragraph(doc, f"罚款人民币 {fine:,.2f} 元。" + (f"同时{dec['order']}。" if dec.get("order")
                                                         else ""), bold=True)
        paragraph(doc, "你（单位）应当自收到本决定书之日起十五日内，到指定银行缴纳罚款（《中华人民"
                       "共和国行政处罚法》第六十七条）。到期不缴纳罚款的，每日按罚款数额的百分之三"
                       "加处罚款（同法第七十二条）。")
    else:
        order = dec.get("order") or "立即改正上述违法行为"
        paragraph(doc, f"依据《{law}》{article}的规定，我局责令你（单位）：{order}。",
                  bold=True)
        paragraph(doc, "你（单位）应当在改正期限届满后将改正情况书面报告我局，我局将进行复查。")
    paragraph(doc, "你（单位）如不服本决定，可以在收到本决定书之日起六十日内依法向有管辖权的行政"
                   "复议机关申请行政复议，也可以在六个月内依法向人民法院提起行政诉讼。"
                   "申请行政复议或者提起行政诉讼期间，本决定不停止执行。", space_after=18)
    paragraph(doc, authority, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    paragraph(doc, _cn_date(issued_on), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False,
              size=BODY_PT)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(out)
    return out, hashlib.sha256(out.read_bytes()).hexdigest()
