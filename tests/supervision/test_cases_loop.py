"""Cases, complaints and credit on SQLite and PostgreSQL: the stage order and legal periods,
the legal-basis range, joint tasks and overdue lists, duplicates and the 12345 import,
append-only records, the audit trail, credit grades and the dishonest list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from ecoplan.store import audit, db
from ecoplan.store.case_models import CaseRecordsAreAppendOnly
from ecoplan.store.models import AuditEntry
from ecoplan.supervision import cases as C
from ecoplan.supervision import complaints as Q
from ecoplan.supervision import credit as K
from ecoplan.supervision import sources as S
from ecoplan.supervision.case_documents import write_decision


def _code(prefix: str) -> str:
    body = prefix.ljust(17, "0")[:17]
    return body + S.credit_code_check_character(body)


@pytest.fixture
def session(db_url: str):  # type: ignore[no-untyped-def]
    db.upgrade(db_url)
    engine = db.make_engine(db_url)
    with db.session_scope(engine) as s:
        yield s
    engine.dispose()


def test_complaint_to_closed_case(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ent = _code("91141122MA0C1")
    S.add_enterprise(session, ent, "示例焦化企业", town="夏家营镇")
    c = Q.intake(session, channel="phone", content="焦化厂夜间冒黑烟，气味刺鼻", actor="zjj",
                 received_on=date(2026, 9, 24), category="air", town="夏家营镇",
                 place="焦化园区", enterprise=ent)
    dup = Q.intake(session, channel="web", content="园区黑烟很大，请处理", actor="public",
                   received_on=date(2026, 9, 28), category="air", town="夏家营镇",
                   place="焦化 园区")
    assert Q.complaint_view(session, dup).duplicate_of == c.number
    ev = Q.dispatch(session, c, department="ZJJ", actor="analyst", on_date=date(2026, 9, 24))
    # 15 working days: 28,29,30 | 国庆 | 8,9,10(调休 Sat),12..16,19..22 → 10-22
    assert ev.due == date(2026, 10, 22)
    with pytest.raises(Q.ComplaintError):
        Q.reply(session, c, text="已处理", actor="zjj", on_date=date(2026, 9, 30))
    Q.handle(session, c, note="现场检查属实，已立案", actor="zjj", on_date=date(2026, 9, 25))
    case = Q.open_case_from(session, c, title="超标排放大气污染物", party_name="示例焦化企业",
                            department="ZJJ", actor="zjj", on_date=date(2026, 9, 25))
    with pytest.raises(C.CaseError):  # one case per source
        Q.open_case_from(session, c, title="x", party_name="y", department="ZJJ", actor="zjj",
                         on_date=date(2026, 9, 25))
    Q.reply(session, c, text="经查属实，已立案查处", actor="zjj", on_date=date(2026, 9, 29))
    Q.rate(session, c, level="satisfied", actor="zjj", on_date=date(2026, 9, 30))
    v = Q.complaint_view(session, c)
    assert v.status == "rated" and v.cases == [case.number] and v.in_time() is True

    with pytest.raises(C.CaseError):  # stages in order only
        C.advance(session, case, "decision", actor="zjj", on_date=date(2026, 9, 26))
    C.advance(session, case, "investigation", actor="zjj", on_date=date(2026, 9, 26))
    with pytest.raises(C.CaseError):  # no penalty decision yet
        write_decision(C.case_view(session, case), "penalty", tmp_path / "p0.docx",
                       authority="吕梁市生态环境局", prefix="吕环交", issued_on=date(2026, 9, 26))
    C.order_correction(session, case, basis="DQ99", order="立即停止超标排放，10日内完成治理设施检修",
                       actor="zjj", on_date=date(2026, 9, 26))
    corr, _ = write_decision(C.case_view(session, case), "correction", tmp_path / "c.docx",
                             authority="吕梁市生态环境局", prefix="吕环交",
                             issued_on=date(2026, 9, 26))
    import docx

    ctext = "\n".join(p.text for p in docx.Document(str(corr)).paragraphs)
    assert "责令改正违法行为决定书" in ctext and "10日内完成治理设施检修" in ctext
    assert "吕环交改〔2026〕1号" in ctext
    C.advance(session, case, "notice", actor="zjj", on_date=date(2026, 9, 30))
    # 5 working days after 09-30: 10-08, 09, 10 (调休 Sat), 12, 13 → no decision before 10-14
    with pytest.raises(C.CaseError) as info:
        C.advance(session, case, "decision", actor="zjj", on_date=date(2026, 10, 13),
                  basis="DQ99", fine=200000)
    assert "2026-10-13" in info.value.zh
    with pytest.raises(C.CaseError) as info:  # the fine lies within the article's range
        C.advance(session, case, "decision", actor="zjj", on_date=date(2026, 10, 14),
                  basis="DQ99", fine=50000)
    assert "100000" in info.value.zh
    C.advance(session, case, "decision", actor="zjj", on_date=date(2026, 10, 14), basis="DQ99",
              fine="200000", order="责令改正超标排放行为")
    task = C.add_task(session, case, department="GAJ", task="协助调查运输车辆", actor="zjj",
                      due=date(2026, 10, 20), on_date=date(2026, 10, 14))
    view = C.case_view(session, case)
    overdue = C.overdue_by_department([view], date(2026, 11, 1))
    assert set(overdue) == {"GAJ", "ZJJ"}  # the joint task and the unpaid fine (due 10-29)
    assert [o["period"] for o in overdue["ZJJ"]] == ["payment_15"]
    C.complete_task(session, case, task.id, result="已查明", actor="gaj",
                    on_date=date(2026, 10, 19))
    for stage, on in (("enforcement", date(2026, 10, 15)), ("rectification", date(2026, 10, 20)),
                      ("closed", date(2026, 11, 2))):
        C.advance(session, case, stage, actor="zjj", on_date=on)
    with pytest.raises(C.CaseError):
        C.advance(session, case, "closed", actor="zjj", on_date=date(2026, 11, 3))
    view = C.case_view(session, case)
    assert view.stage == "closed" and not view.overdue(date(2026, 12, 1))
    path, sha = write_decision(view, "penalty", tmp_path / "d.docx", authority="吕梁市生态环境局",
                               prefix="吕环交", issued_on=date(2026, 10, 12))
    C.record_document(session, case, kind="penalty", path=str(path), sha256=sha, actor="zjj",
                      on_date=date(2026, 10, 12))

    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert "行政处罚决定书" in text and "第九十九条" in text and "200,000.00" in text
    ind = C.indicators([view], date(2026, 1, 1), date(2026, 12, 31))
    assert ind["opened"] == 1 and ind["closed"] == 1 and ind["fines_yuan"] == "200000"
    qi = Q.indicators(Q.list_complaints(session), date(2026, 9, 1), date(2026, 9, 30))
    assert qi["received"] == 2 and qi["in_time_rate"] == 1.0 and qi["satisfaction_rate"] == 1.0

    actions = [e.action for e in session.execute(select(AuditEntry).order_by(AuditEntry.id))
               .scalars()]
    for a in ("complaint_intake", "complaint_duplicate", "complaint_dispatch", "complaint_handle",
              "case_open", "complaint_case", "complaint_reply", "complaint_satisfaction",
              "case_investigation", "case_order", "case_notice", "case_decision", "case_task",
              "case_task_done", "case_enforcement", "case_rectification", "case_closed",
              "case_document"):
        assert a in actions, a
    assert audit.verify(session).problems == []

    # credit: the decided case (≥ 100,000 yuan) and the complaint case count; no permit either
    evs = {e.enterprise: e for e in K.evaluate(session, on=date(2026, 12, 1), actor="analyst")}
    e = evs[ent]
    assert e.score == 100 - 10 - 10 - 20 - 3 and e.grade == "D"
    assert K.current_grades(session) == {ent: "D"}
    rows = K.dishonest(session)
    assert [r["credit_code"] for r in rows] == [ent]
    out = K.write_dishonest_list(rows, tmp_path / "list.xlsx", issuer="吕梁市生态环境局交城分局")
    ws = openpyxl.load_workbook(out).active
    assert ws["B2"].value == ent and ws["D2"].value == "D级（黑牌）"

    session.flush()
    view.events[0].note = "changed"
    with pytest.raises(CaseRecordsAreAppendOnly):
        session.flush()
    session.rollback()


def test_import_12345_names_file_row_and_field(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["工单编号", "受理时间", "诉求内容", "诉求类别", "所属区域", "事发地点"])
    ws.append(["GD001", "2026-11-02 09:10", "小区旁工地扬尘严重", "扬尘", "天宁镇", "某工地"])
    ws.append(["GD002", "2026/13/40", "夜间施工噪声扰民", "噪声", "天宁镇", "某路"])
    ws.append(["", "2026-11-03", "河道有异味", "", "西营镇", "河道"])
    ws.append(["GD004", "2026-11-04", "工地扬尘仍然严重", "扬尘", "天宁镇", "某工地"])
    f = tmp_path / "12345.xlsx"
    wb.save(f)
    res = Q.import_12345(session, f, actor="analyst")
    assert len(res.added) == 2 and len(res.errors) == 2
    assert "12345.xlsx" in res.errors[0] and "第 3 行" in res.errors[0] and "受理时间" in res.errors[0]
    assert "第 4 行" in res.errors[1] and "工单编号" in res.errors[1]
    second = Q.import_12345(session, f, actor="analyst")
    assert second.added == [] and sorted(second.skipped) == ["GD001", "GD004"]
    views = Q.list_complaints(session)
    assert {v.complaint.category for v in views} == {"dust"}
    assert sum(1 for v in views if v.duplicate_of) == 1
    stats = Q.public_statistics(session)
    assert stats["month"] == [("2026-11", 2)] and stats["town"] == [("天宁镇", 2)]
    bad = tmp_path / "bad.xlsx"
    wb2 = openpyxl.Workbook()
    wb2.active.append(["编号x", "内容"])
    wb2.save(bad)
    with pytest.raises(Q.ComplaintError) as info:
        Q.import_12345(session, bad, actor="analyst")
    assert info.value.location is not None and info.value.location.field == "工单编号"


def test_public_form_rate_limit(session) -> None:  # type: ignore[no-untyped-def]
    key = Q.client_key("127.0.0.9")
    for i in range(3):
        Q.intake(session, channel="web", content=f"第{i}次反映噪声问题", actor="public",
                 received_on=date(2026, 12, 1), client=key)
    with pytest.raises(Q.ComplaintError) as info:
        Q.intake(session, channel="web", content="第四次反映噪声问题", actor="public",
                 received_on=date(2026, 12, 1), client=key)
    assert "12369" in info.value.zh
