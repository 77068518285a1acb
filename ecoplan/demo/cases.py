"""Demo step of the enforcement loop (示例数据): an example complaint on the example registry's
demo enterprise runs through dispatch, handling, reply and satisfaction, opens a case that
reaches the penalty decision (its 行政处罚决定书 written under reports/cases/), and the
enterprises' environmental credit is evaluated. Fixed dates in 2026, so the legal periods are
counted on the bundled 2026 calendar; the unpaid fine then shows on the overdue list.
Re-running finds the example complaint and does nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from ecoplan.demo.devices import DEMO_ENTERPRISE
from ecoplan.demo.pollution_sources import _code
from ecoplan.demo.result import Reporter
from ecoplan.store.case_models import Complaint
from ecoplan.store.workspace import Workspace
from ecoplan.supervision import cases as C
from ecoplan.supervision import complaints as Q
from ecoplan.supervision import credit as K
from ecoplan.supervision.case_documents import write_decision

EXTERNAL_ID = "示例-12345-0001"


def run_cases_demo(ws: Workspace, say: Reporter) -> dict[str, Any]:
    ent = _code(99)
    with ws.session() as s:
        done = s.execute(select(Complaint).where(Complaint.external_id == EXTERNAL_ID)).scalar()
        if done is not None:
            say(f"执法闭环：示例投诉 {done.number} 已存在，跳过",
                f"Enforcement loop: example complaint {done.number} exists, skipped")
            return {"complaint": done.number}
        c = Q.intake(s, channel="12345", external_id=EXTERNAL_ID, category="air",
                     content="【示例数据】群众反映工业园区企业烟囱夜间冒黑烟，气味刺鼻。",
                     actor="demo", received_on=date(2026, 11, 2), town="夏家营镇",
                     place="工业园区", enterprise=ent)
        Q.dispatch(s, c, department="sthjj", actor="demo", on_date=date(2026, 11, 2))
        Q.handle(s, c, note="【示例数据】现场检查属实，废气治理设施未正常运行。", actor="demo",
                 on_date=date(2026, 11, 4))
        case = Q.open_case_from(s, c, title="【示例数据】废气治理设施未正常运行超标排放",
                                party_name=DEMO_ENTERPRISE, department="sthjj", actor="demo",
                                on_date=date(2026, 11, 4), enterprise=ent)
        Q.reply(s, c, text="【示例数据】经查属实，已立案查处。", actor="demo",
                on_date=date(2026, 11, 6))
        Q.rate(s, c, level="satisfied", actor="demo", on_date=date(2026, 11, 9))
        C.advance(s, case, "investigation", actor="demo", on_date=date(2026, 11, 5))
        C.advance(s, case, "notice", actor="demo", on_date=date(2026, 11, 10))
        C.advance(s, case, "decision", actor="demo", on_date=date(2026, 11, 18), basis="DQ99",
                  fine=120000, order="立即恢复废气治理设施正常运行")
        view = C.case_view(s, case)
        out, sha = write_decision(view, "penalty", ws.settings.reports_dir / "cases" /
                                  f"行政处罚决定书-{case.number}-示例.docx",
                                  authority="吕梁市生态环境局交城分局", prefix="吕环交",
                                  issued_on=date(2026, 11, 18), demo_label="示例数据")
        C.record_document(s, case, kind="penalty", path=out.name, sha256=sha, actor="demo",
                          on_date=date(2026, 11, 18))
        grades = K.evaluate(s, on=date(2026, 12, 1), actor="demo")
        demo_grade = next((g.grade for g in grades if g.enterprise == ent), None)
        res = {"complaint": c.number, "case": case.number, "document": str(out),
               "grade": demo_grade, "evaluated": len(grades)}
    say(f"执法闭环（示例数据）：投诉 {res['complaint']} → 案件 {res['case']}（处罚决定书 {out.name}）"
        f"；{res['evaluated']} 家企业完成环境信用评价，示例企业 {demo_grade} 级",
        f"Enforcement loop (example data): complaint {res['complaint']} → case {res['case']} "
        f"(decision {out.name}); {res['evaluated']} enterprises rated, demo enterprise "
        f"{demo_grade}")
    return res
