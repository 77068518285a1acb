"""REST API and department workflow end to end on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import datetime

import pandas as pd
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ecoplan.store.models import AuditEntry
from tests.web.conftest import login, make_workspace

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _indicator(client: TestClient, key: str) -> dict:
    rows = client.get("/api/v1/indicators").json()
    return next(r for r in rows if r["key"] == key)


def test_reported_value_feeds_the_overview_only_once_approved(db_url, workspace_home) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.web.app import create_app

    ws = make_workspace(workspace_home, db_url)
    app = create_app(ws.settings)
    zjj, analyst, admin = (login(TestClient(app), u) for u in ("zjj", "analyst", "admin"))
    assert _indicator(admin, "6")["status"] == "no_data"
    r = zjj.post("/api/v1/progress/indicator",
                 json={"indicator_key": "6", "year": 2025, "value": "0", "note": "全部消除"})
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    # submitted and reviewed values never count
    assert _indicator(admin, "6")["value"] is None
    assert zjj.post(f"/api/v1/progress/indicator/{rid}/review").status_code == 403
    assert analyst.post(f"/api/v1/progress/indicator/{rid}/review").json()["state"] == "reviewed"
    assert _indicator(admin, "6")["value"] is None
    assert admin.post(f"/api/v1/progress/indicator/{rid}/approve").json()["state"] == "approved"
    row = _indicator(admin, "6")
    assert row["value"] == 0 and row["value_year"] == 2025 and row["status"] == "achieved"
    assert row["value_source"] == "reported"
    page = admin.get("/")
    assert 'id="ind-6"' in page.text and "达标" in page.text
    # every step is in the audit log with before and after
    with ws.session() as s:
        entries = [e for e in s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
                   if e.entity == "indicator_report"]
    assert [e.action for e in entries] == ["submit", "review", "approve"]
    assert entries[1].before == {"state": "submitted"} and entries[2].after["state"] == "approved"
    assert entries[0].actor == "zjj" and entries[0].after["value"] is not None


def test_rejection_needs_a_reason_and_never_counts(client_for) -> None:  # type: ignore[no-untyped-def]
    zjj, analyst = client_for("zjj"), client_for("analyst")
    rid = zjj.post("/api/v1/progress/indicator",
                   json={"indicator_key": "6", "year": 2024, "value": "12.5"}).json()["id"]
    r = analyst.post(f"/api/v1/progress/indicator/{rid}/reject", json={})
    assert r.status_code == 400 and "reason" in r.json()["detail_en"]
    r = analyst.post(f"/api/v1/progress/indicator/{rid}/reject", json={"reason": "缺少证明材料"})
    assert r.json()["state"] == "rejected"
    assert _indicator(analyst, "6")["value"] is None
    listed = analyst.get("/api/v1/progress/indicator?state=rejected").json()
    assert listed[0]["history"][-1]["reason"] == "缺少证明材料"


def test_department_reports_only_on_its_own_subjects(client_for) -> None:  # type: ignore[no-untyped-def]
    slj = client_for("slj")  # 水利局
    r = slj.post("/api/v1/progress/indicator", json={"indicator_key": "6", "year": 2024,
                                                      "value": "1"})
    assert r.status_code == 403 and "责任部门" in r.json()["detail_zh"]
    ok = slj.post("/api/v1/progress/project", json={
        "project_number": 19, "as_of": "2024-06-30", "percent_complete": "60",
        "invested_wan_yuan": "100", "status": "in_progress"})
    assert ok.status_code == 201, ok.text
    r = slj.post("/api/v1/progress/project", json={
        "project_number": 17, "as_of": "2024-06-30", "percent_complete": "60",
        "invested_wan_yuan": "100", "status": "in_progress"})
    assert r.status_code == 403


def test_bad_values_get_located_bilingual_errors(client_for) -> None:  # type: ignore[no-untyped-def]
    zjj = client_for("zjj")
    r = zjj.post("/api/v1/progress/indicator", json={"indicator_key": "6", "year": 2024})
    assert r.status_code == 400
    body = r.json()
    assert "value" in body["detail_en"] and "数值" in body["detail_zh"]
    r = zjj.post("/api/v1/progress/project", json={
        "project_number": 17, "as_of": "2024-06-30", "percent_complete": "160",
        "invested_wan_yuan": "1", "status": "in_progress"})
    assert r.status_code == 422


def test_evidence_files_are_checked_and_downloadable(client_for, web_ws) -> None:  # type: ignore[no-untyped-def]
    zjj = client_for("zjj")
    ok = zjj.post("/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": "0"},
                  files={"evidence": ("核查报告.pdf", PDF, "application/pdf")},
                  follow_redirects=False)
    assert ok.status_code == 303
    rep = zjj.get("/api/v1/progress/indicator").json()[0]
    ev = rep["evidence"][0]
    assert ev["name"] == "核查报告.pdf" and ev["uri"].startswith("/evidence/")
    got = zjj.get(ev["uri"])
    assert got.status_code == 200 and got.content == PDF
    for name, content, why in [("x.exe", b"MZ\x90", "类型不允许"), ("fake.pdf", b"hello", "不符"),
                               ("empty.png", b"", "为空")]:
        r = zjj.post("/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": "0"},
                     files={"evidence": (name, content, "application/octet-stream")})
        assert r.status_code == 400, name
        assert name in r.text and why in r.text
    app = zjj.app
    app.state.ctx.max_evidence_bytes = 1024
    r = zjj.post("/entry/indicator", data={"indicator_key": "6", "year": "2024", "value": "0"},
                 files={"evidence": ("big.pdf", PDF + b"0" * 2048, "application/pdf")})
    assert r.status_code == 400 and "超过上限" in r.text


@pytest.mark.parametrize("path", ["/api/v1/indicators", "/api/v1/assessments",
                                  "/api/v1/projects", "/api/v1/tasks"])
def test_lists_and_exports(client_for, path: str) -> None:  # type: ignore[no-untyped-def]
    c = client_for("leader")
    rows = c.get(path).json()
    assert rows
    csv = c.get(path + "?format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    df = pd.read_csv(io.BytesIO(csv.content), encoding="utf-8-sig")
    assert len(df) == len(rows)
    pq = c.get(path + "?format=parquet")
    assert len(pd.read_parquet(io.BytesIO(pq.content))) == len(rows)


def test_indicators_binding_first_and_projects_have_investment(client_for) -> None:  # type: ignore[no-untyped-def]
    c = client_for("analyst")
    attrs = [r["attribute"] for r in c.get("/api/v1/indicators").json()]
    assert attrs == sorted(attrs, key=lambda a: a != "binding")
    projects = c.get("/api/v1/projects").json()
    assert len(projects) == 30 and all(p["investment_wan_yuan"] is not None or True
                                       for p in projects)
    rules = {r["key"]: r["rule"] for r in c.get("/api/v1/assessments").json()}
    assert all(rules.values())


def test_measurements_are_paged(client_for, web_ws) -> None:  # type: ignore[no-untyped-def]
    ts = pa.array([datetime(2024, 1, 1, h) for h in range(24)] * 2, pa.timestamp("us"))
    table = pa.table({"station_code": ["A"] * 24 + ["B"] * 24, "timestamp": ts,
                      "pm25": pa.array([float(i) for i in range(48)])})
    web_ws.lake.write("air_hourly", table, batch="t1")
    c = client_for("leader")
    assert "air_hourly" in c.get("/api/v1/datasets").json()
    p1 = c.get("/api/v1/measurements?dataset=air_hourly&page_size=10").json()
    assert p1["total"] == 48 and p1["pages"] == 5 and len(p1["rows"]) == 10
    p5 = c.get("/api/v1/measurements?dataset=air_hourly&page_size=10&page=5").json()
    assert len(p5["rows"]) == 8
    only_b = c.get("/api/v1/measurements?dataset=air_hourly&site=B&page_size=100").json()
    assert only_b["total"] == 24 and {r["station_code"] for r in only_b["rows"]} == {"B"}
    csv = c.get("/api/v1/measurements?dataset=air_hourly&site=A&page_size=5&format=csv")
    assert len(pd.read_csv(io.BytesIO(csv.content))) == 5
    assert c.get("/api/v1/measurements?dataset=nope").status_code == 400


def test_openapi_documents_the_api(app, client_for) -> None:  # type: ignore[no-untyped-def]
    assert TestClient(app).get("/api/v1/openapi.json").status_code == 401  # signed-in only
    spec = client_for("leader").get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    for p in ("/api/v1/indicators", "/api/v1/assessments", "/api/v1/measurements",
              "/api/v1/projects", "/api/v1/tasks", "/api/v1/reports",
              "/api/v1/progress/indicator"):
        assert p in paths
    assert not any(p.startswith("/admin") for p in paths)


def test_public_pages_show_approved_values_only(client_for) -> None:  # type: ignore[no-untyped-def]
    zjj, analyst = client_for("zjj"), client_for("analyst")
    public = TestClient(zjj.app)
    rid = zjj.post("/api/v1/progress/indicator",
                   json={"indicator_key": "6", "year": 2025, "value": "37.5"}).json()["id"]
    analyst.post(f"/api/v1/progress/indicator/{rid}/review")
    assert "37.5" not in public.get("/public/water").text
    assert public.get("/api/v1/indicators").status_code == 401
    client_for("admin").post(f"/api/v1/progress/indicator/{rid}/approve")
    assert "37.5" in public.get("/public/water").text
    assert "37.5" in public.get("/public").text


def test_data_page_lists_batches_and_quarantine_review_is_audited(client_for, web_ws) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.store.models import IngestBatch, QuarantinedRow

    with web_ws.session() as s:
        b = IngestBatch(dataset="air_hourly", source_file="/in/站点小时.csv", file_hash="f" * 64,
                        status="committed", rows_read=10, rows_accepted=9, rows_quarantined=1)
        s.add(b)
        s.flush()
        s.add(QuarantinedRow(batch_id=b.id, file="/in/站点小时.csv", row=7, field="pm25",
                             value="-3", reason="负值 / negative"))
    analyst = client_for("analyst")
    page = analyst.get("/data").text
    assert "站点小时.csv" in page and "负值" in page
    with web_ws.session() as s:
        qid = s.execute(select(QuarantinedRow.id)).scalar_one()
    r = analyst.post(f"/data/quarantine/{qid}/resolve", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "已处理" in r.text
    assert "隔离区为空" in analyst.get("/data").text
    with web_ws.session() as s:
        e = s.execute(select(AuditEntry).where(AuditEntry.entity == "quarantine")).scalar_one()
        assert e.actor == "analyst" and e.before == {"resolved": False}


def test_water_page_shows_monthly_classes_against_targets(client_for, web_ws) -> None:  # type: ignore[no-untyped-def]
    """The worked example of tests/data/water (北峪口 2024, target Ⅱ) through the lake."""
    from pathlib import Path

    from ecoplan.ingest.readers.water import read_surface_water

    src = Path(__file__).resolve().parents[1] / "data" / "water" / "section_monthly_example.csv"
    df, _problems = read_surface_water(src)
    cols = ["site", "time", "parameter", "value", "unit", "waterbody", "below_dl", "known"]
    web_ws.lake.write("water_samples", pa.Table.from_pandas(df[cols], preserve_index=False),
                      batch="w1", time_column="time")
    page = client_for("leader").get("/water").text
    # 12 months in the section table and 12 in the chart's data table
    assert 'id="section-table"' in page and page.count("<tr><td>北峪口</td>") == 24
    assert "2024-07" in page and "GB 3838-2002" in page
    assert "未达标" in page and "Ⅱ" in page
    assert "北峪口" in client_for(None).get("/public/water").text
