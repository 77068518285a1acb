"""/reports/bulletins (approve → published), /public/bulletins, and /audit/day permissions and
steps on the web (the same append-only records as the CLI)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient

from ecoplan.store import bulletins, data_audit


def test_bulletin_approval_and_publication(web_ws, client_for: Callable[[str | None], TestClient]  # type: ignore[no-untyped-def]
                                           ) -> None:
    f = web_ws.settings.reports_dir / "bulletin_both_2025-12.docx"
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_bytes(b"PK\x03\x04 not really a docx")
    with web_ws.session() as s:
        bid = bulletins.register(s, kind="both", period="2025-12", file=str(f), digest="0" * 64,
                                 actor="scheduler", audited_days=3, total_days=93).id
    anon = client_for(None)
    assert f"bulletin-{bid}" not in anon.get("/public/bulletins").text  # a draft is not public
    assert anon.get(f"/public/bulletins/{bid}/file").status_code == 404
    leader = client_for("leader")
    page = leader.get("/reports/bulletins").text
    assert f'id="bulletin-{bid}" data-state="draft"' in page and "approve-bulletin" not in page
    assert leader.post(f"/reports/bulletins/{bid}/approve").status_code == 403
    analyst = client_for("analyst")
    analyst.follow_redirects = False
    r = analyst.post(f"/reports/bulletins/{bid}/approve", data={"note": "同意发布"})
    assert r.status_code == 303
    assert 'data-state="published"' in analyst.get("/reports/bulletins").text
    pub = anon.get("/public/bulletins").text
    assert f"bulletin-{bid}" in pub and "3/93" in pub
    assert anon.get(f"/public/bulletins/{bid}/file").content.startswith(b"PK")


def test_audit_day_shows_real_hours_and_suggestions(  # type: ignore[no-untyped-def]
        web_ws, client_for: Callable[[str | None], TestClient]) -> None:
    """Two real days of 1081A (bundled 2019 Shanxi file); one hour made PM2.5 > PM10."""
    import pandas as pd

    from ecoplan.assess.air_pipeline import HOURLY_COLUMNS
    from ecoplan.ingest.pipeline import ingest_frame
    from ecoplan.ingest.registry import import_bundled
    from ecoplan.sample_data import sample_path

    f = pd.read_csv(sample_path("realdata", "shanxi_hourly_2019.csv.gz"),
                    parse_dates=["timestamp"], dtype={"station_code": str}, nrows=20_000)
    f = f[(f.station_code == "1081A") & (f.timestamp > "2019-01-01")
          & (f.timestamp <= "2019-01-02")][list(HOURLY_COLUMNS)].reset_index(drop=True)
    f.loc[f.timestamp == "2019-01-01 09:00", "pm25"] = f.loc[
        f.timestamp == "2019-01-01 09:00", "pm10"] + 50
    import_bundled(web_ws.engine, ("shanxi",))
    res = ingest_frame(web_ws, "air_hourly", f, source="test:audit-day")
    assert res.rows_accepted == 24, res.as_dict()
    a = client_for("analyst")
    page = a.get("/audit/day?site=1081A&date=2019-01-01").text
    assert page.count("<tr><td>") >= 24 and "SO₂" in page, page[page.find("<main"):][:1500]
    assert "09:00 pm25：A06" in page


def test_audit_day_steps_and_rights(web_ws, client_for: Callable[[str | None], TestClient]  # type: ignore[no-untyped-def]
                                    ) -> None:
    dept = client_for("zjj")
    assert dept.get("/audit/day?site=S1&date=2025-12-02").status_code == 403
    assert dept.post("/audit/day/lock", data={"site": "S1", "day": "2025-12-02"}).status_code == 403
    a = client_for("analyst")
    a.follow_redirects = False
    page = a.get("/audit/day?site=S1&date=2025-12-02")
    assert page.status_code == 200 and 'data-locked="no"' in page.text and "A01" in page.text
    assert a.post("/audit/day/decide", data={"site": "S1", "day": "2025-12-02", "hour": 8,
                                             "parameter": "pm25", "reason": "A02"}).status_code == 303
    assert a.post("/audit/day/lock", data={"site": "S1", "day": "2025-12-02"}).status_code == 303
    page = a.get("/audit/day?site=S1&date=2025-12-02").text
    assert 'data-locked="yes"' in page and "analyst" in page and "HJ 818-2018" in page
    r = a.post("/audit/day/reopen", data={"site": "S1", "day": "2025-12-02", "reason": ""})
    assert r.status_code in (400, 422)
    with web_ws.session() as s:
        assert data_audit.day_state(s, "air_hourly", "S1", date(2025, 12, 2)).locked
    assert a.post("/audit/day/reopen", data={"site": "S1", "day": "2025-12-02",
                                             "reason": "补录维护记录"}).status_code == 303
    with web_ws.session() as s:
        st = data_audit.day_state(s, "air_hourly", "S1", date(2025, 12, 2))
        assert not st.locked and st.events == 2
