"""Reduction-list import, response lifecycle, measures in force at a moment, inspections."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from ecoplan.store.db import session_scope
from ecoplan.store.emergency_models import EmergencyEvent, EmergencyRecordsAreAppendOnly
from ecoplan.supervision import emergency as em
from tests.supervision.emergency_fixtures import (
    COKE,
    SITE,
    STEEL,
    engine_for,
    write_workbook,
)


def test_template_round_trip_imports_nothing_but_examples(tmp_path: Path) -> None:
    path = em.write_template(tmp_path / "t.xlsx")
    with pytest.raises(em.ImportRejected) as exc:
        em.parse_workbook(path)
    assert "没有数据行" in exc.value.message("zh")


def test_workbook_errors_name_file_row_field_and_import_nothing(tmp_path: Path) -> None:
    bad = [
        ["企业", COKE, "测试焦化厂", "B", "1#焦炉", "", "紫色", "限产", 20, "", "", "", "", ""],
        ["企业", "123", "坏代码厂", "", "", "", "黄色", "限产", "", "", "", "", "", ""],
        ["仓库", SITE, "", "", "", "", "黄色", "飞走", "", "", "x", "", "", ""],
        ["企业", STEEL, "测试钢铁公司", "A", "烧结机", "", "橙色", "限产", 130, "", "", "", "", ""],
    ]
    path = write_workbook(tmp_path / "bad.xlsx", bad, [["A", "黄色", "免检", ""]])
    with pytest.raises(em.ImportRejected) as exc:
        em.parse_workbook(path)
    found = {(e.location.row, e.location.field) for e in exc.value.errors if e.location}
    assert (2, "预警级别") in found
    assert (3, "统一社会信用代码") in found and (3, "限产比例(%)") in found
    assert {(4, "类型"), (4, "单位名称"), (4, "减排措施"), (4, "PM减排量(kg/d)")} <= found
    assert (5, "限产比例(%)") in found
    assert (2, "处理方式") in found
    assert all(str(path) in (e.location.file or "") for e in exc.value.errors if e.location)
    assert "bad.xlsx" in exc.value.message("en") and "nothing was imported" in exc.value.message("en")


def test_lifecycle_and_measures_in_force(db_url: str, tmp_path: Path) -> None:
    engine = engine_for(db_url)
    res = em.import_measures(engine, write_workbook(tmp_path / "list.xlsx"),
                             valid_from=date(2021, 10, 1), name="2021-2022 秋冬季")
    assert (res.measures, res.rules, res.subjects) == (8, 2, 3)
    t0 = datetime(2021, 12, 1, 12)
    assert em.measures_in_force(engine, t0)["response"] is None
    st = em.issue(engine, level="yellow", start=datetime(2021, 12, 1, 20),
                  planned_end=datetime(2021, 12, 4, 0), doc_no="交重污染应急〔2021〕1号")
    assert st.level == "yellow" and not st.active  # as of now (2026) its planned end has passed
    assert em.active_response(engine, datetime(2021, 12, 2)).id == st.id  # type: ignore[union-attr]
    with pytest.raises(em.EmergencyError):  # one response at a time
        em.issue(engine, level="red", start=datetime(2021, 12, 2), planned_end=None, doc_no="x")
    yellow = em.measures_in_force(engine, datetime(2021, 12, 2, 8))
    rows = {(m["credit_code"], m["measure"]): m for m in yellow["measures"]}
    assert set(rows) == {(COKE, "limit"), (SITE, "stop_earthwork")}
    assert rows[(COKE, "limit")]["limit_percent"] == 20
    assert rows[(COKE, "limit")]["reduction"] == {"pm": 12.5, "so2": 3.0, "nox": 8.0}
    em.change(engine, st.id, level="orange", at=datetime(2021, 12, 2, 12), doc_no="升级〔2021〕2号")
    orange = em.measures_in_force(engine, datetime(2021, 12, 2, 13))["measures"]
    by = {(m["credit_code"], m["measure"]): m["status"] for m in orange}
    assert by == {(COKE, "limit"): "required", (COKE, "stagger_transport"): "required",
                  (STEEL, "limit"): "voluntary", (SITE, "stop_earthwork"): "required"}
    assert all(m["grade_source"] in ("list", "registry") for m in orange)
    # before the upgrade the yellow measures still hold (state at a moment, not "now")
    assert len(em.measures_in_force(engine, datetime(2021, 12, 2, 11, 59))["measures"]) == 2
    em.change(engine, st.id, level="red", at=datetime(2021, 12, 3, 0), doc_no="升级〔2021〕3号")
    red = em.measures_in_force(engine, datetime(2021, 12, 3, 1))["measures"]
    assert {(m["credit_code"], m["measure"], m["status"]) for m in red} == {
        (COKE, "halt", "required"), (STEEL, "limit", "required")}  # no A-grade rule at red
    em.change(engine, st.id, level="orange", at=datetime(2021, 12, 3, 12), doc_no="降级〔2021〕4号")
    ins = em.record_inspection(engine, st.id, credit_code=COKE, at=datetime(2021, 12, 3, 14),
                               complied=True, department="县生态环境局", inspector="张三",
                               evidence=["photos/coke-1.jpg"])
    em.record_inspection(engine, st.id, credit_code=SITE, at=datetime(2021, 12, 3, 15),
                         complied=False, department="县住建局", inspector="李四",
                         note="仍在土方开挖")
    with pytest.raises(em.EmergencyError) as outside:
        em.record_inspection(engine, st.id, credit_code=COKE, at=datetime(2021, 11, 30),
                             complied=True, department="县生态环境局", inspector="张三")
    assert outside.value.location and outside.value.location.field == "at"
    done = em.lift(engine, st.id, at=datetime(2021, 12, 3, 18), doc_no="解除〔2021〕5号")
    assert not done.active and done.ended == datetime(2021, 12, 3, 18)
    assert [e["kind"] for e in done.events] == ["issued", "upgraded", "upgraded", "downgraded",
                                                "lifted"]
    assert em.measures_in_force(engine, datetime(2021, 12, 3, 19))["response"] is None
    assert em.active_response(engine, datetime(2021, 12, 3, 17)).level == "orange"  # type: ignore[union-attr]
    listed = em.inspections(engine, st.id)
    assert [i["id"] for i in listed][0] == ins and listed[0]["subject_name"] == "测试焦化厂"
    assert [i["complied"] for i in listed] == [True, False]
    with pytest.raises(em.EmergencyError):
        em.lift(engine, st.id, at=datetime(2021, 12, 3, 20), doc_no="x")
    # a new list version takes over from its day; the old one stays for the past
    em.import_measures(engine, write_workbook(tmp_path / "l2.xlsx", rules=[]),
                       valid_from=date(2022, 10, 1))
    assert len(em.measure_rows(engine, date(2021, 12, 1))) == 8
    with session_scope(engine) as s:
        assert {r.list_id for r in s.query(em.EmergencyGradeRule)} == {res.list_id}
    # append-only
    with pytest.raises(EmergencyRecordsAreAppendOnly), session_scope(engine) as s:
        ev = s.query(EmergencyEvent).first()
        assert ev is not None
        ev.doc_no = "改"
    engine.dispose()


def test_planned_end_expires_and_forecast_basis(db_url: str, tmp_path: Path) -> None:
    engine = engine_for(db_url)
    forecast = tmp_path / "fc.csv"
    # Lüliang 2019-01-03…07 daily AQI of the real 2019 data used as a perfect forecast
    forecast.write_text("date,aqi\n2019-01-03,190\n2019-01-04,156\n2019-01-05,202\n"
                        "2019-01-06,261\n2019-01-07,168\n", encoding="utf-8")
    st = em.issue(engine, level=None, start=datetime(2019, 1, 5), doc_no="吕重污染〔2019〕1号",
                  planned_end=datetime(2019, 1, 7), forecast=forecast)
    assert st.level == "yellow" and st.basis == "forecast"
    assert st.events[0]["basis_detail"]["episodes"][0]["days"] == 2
    assert em.active_response(engine, datetime(2019, 1, 6, 23)) is not None
    assert em.active_response(engine, datetime(2019, 1, 7, 0)) is None  # expired
    bad = tmp_path / "bad.csv"
    bad.write_text("date,aqi\n2019-01-03,abc\n", encoding="utf-8")
    with pytest.raises(em.EmergencyError) as exc:
        em.issue(engine, level=None, start=datetime(2019, 2, 1), planned_end=None,
                 doc_no="x", forecast=bad)
    assert exc.value.location and (exc.value.location.row, exc.value.location.field) == (2, "aqi")
    engine.dispose()


def test_registry_grade_in_force_overrides_the_listed_grade(db_url: str, tmp_path: Path) -> None:
    from ecoplan.supervision import sources

    engine = engine_for(db_url)
    em.import_measures(engine, write_workbook(tmp_path / "list.xlsx"), valid_from=date(2021, 10, 1))
    with session_scope(engine) as s:
        sources.add_enterprise(s, STEEL, "测试钢铁公司")
        sources.record_grade(s, STEEL, "B", date(2021, 12, 2), "晋环大气〔2021〕测试号")
    em.issue(engine, level="orange", start=datetime(2021, 12, 1), planned_end=None, doc_no="1号")
    before = {m["credit_code"]: m for m in em.measures_in_force(
        engine, datetime(2021, 12, 1, 12))["measures"]}
    after = {m["credit_code"]: m for m in em.measures_in_force(
        engine, datetime(2021, 12, 2, 12))["measures"]}
    assert (before[STEEL]["grade"], before[STEEL]["grade_source"],
            before[STEEL]["status"]) == ("A", "list", "voluntary")
    assert (after[STEEL]["grade"], after[STEEL]["grade_source"],
            after[STEEL]["status"]) == ("B", "registry", "required")
    engine.dispose()
