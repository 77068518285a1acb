"""The 污染源监管 page: list with grade / permit state / exceedance count, enterprise page with
limits, chart and episodes, summary tiles, grade append and workbook import, roles."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ecoplan.ingest.pipeline import ingest_file
from tests.supervision.test_sources_cli import E1, E2, ROWS, lake_file
from tests.web.conftest import login, make_workspace


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import os

    from ecoplan.supervision.sources_excel import import_workbook, write_template
    from ecoplan.web.app import create_app

    root = tmp_path_factory.mktemp("sources-web")
    home = root / "home"
    old = os.environ.get("ECOPLAN_HOME")
    os.environ["ECOPLAN_HOME"] = str(home)
    ws = make_workspace(home)
    book = write_template(root / "book.xlsx", example_rows=ROWS)
    with ws.session() as s:
        import_workbook(s, book)
    _lake_rows_direct(ws, root)
    app = create_app(ws.settings)
    yield app, root
    if old is None:
        os.environ.pop("ECOPLAN_HOME", None)
    else:
        os.environ["ECOPLAN_HOME"] = old


def _lake_rows_direct(ws, root: Path) -> None:  # type: ignore[no-untyped-def]
    """The same hourly rows as the CLI test, loaded through the ingest pipeline."""
    s = ingest_file(ws, "online_monitoring", lake_file(ws, root))
    assert s.rows_written == 12


def _client(app, user: str | None) -> TestClient:  # type: ignore[no-untyped-def]
    c = TestClient(app)
    if user:
        login(c, user)
    return c


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_list_page_tiles_and_counts(site, lang: str) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    with _client(app, "leader") as c:
        r = c.get(f"/sources?from=2025-03-01&to=2025-03-01&lang={lang}")
    assert r.status_code == 200
    html = r.text
    assert "测试焦化企业" in html and "测试水泥企业" in html
    assert re.search(r'id="kpi-exceedances">6<', html)
    assert re.search(r'id="kpi-coverage">66\.7%<', html)
    assert re.search(r'id="kpi-cd">1<', html)  # 测试水泥企业 D (测试焦化企业 is B from 2026-06)
    assert ('污染源监管' in html) if lang == "zh" else ("Pollution sources" in html
                                                       and "Permit coverage" in html)
    assert 'href="/sources"' in html  # in the navigation
    assert "import-form" not in html  # the leader changes nothing


def test_enterprise_page_limits_chart_episodes(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    with _client(app, "analyst") as c:
        r = c.get(f"/sources/{E1}?from=2025-03-01&to=2025-03-01")
        assert r.status_code == 200
        html = r.text
        assert "mg/m³" in html and "mg/L" in html and "许可证（测试）" in html
        assert html.count('class="chart"') == 2  # DA001 so2, DW001 cod
        table = html.split('id="episode-table"')[1].split("</table>")[0]
        assert table.count("<tr>") == 5  # header + 4 episodes
        assert "0.50" in table and "grade-form" in html
        assert c.get("/sources/91440300708461136T").status_code == 404


def test_grade_append_and_import_by_role(site) -> None:  # type: ignore[no-untyped-def]
    app, root = site
    with _client(app, "analyst") as c:
        r = c.post("/sources/grades", data={"enterprise": E2, "grade": "B",
                                            "effective_from": "2026-10-01",
                                            "document": "测试文件4"}, follow_redirects=False)
        assert r.status_code == 303
        page = c.get(r.headers["location"]).text
        assert "测试文件4" in page and "测试文件3" in page  # appended, history kept
        r = c.post("/sources/grades", data={"enterprise": E2, "grade": "Z",
                                            "effective_from": "2026-10-01", "document": "d"})
        assert r.status_code == 400
        with (root / "book.xlsx").open("rb") as fh:
            r = c.post("/sources/import", files={"file": ("book.xlsx", fh.read())},
                       follow_redirects=False)
        # rows with errors: the page itself shows the error report (file, sheet, row, field)
        assert r.status_code == 200
        msg = r.text
        assert "错误 4" in msg and "新增 0" in msg and 'id="import-errors"' in msg
    with _client(app, "leader") as c:
        r = c.post("/sources/grades", data={"enterprise": E2, "grade": "A",
                                            "effective_from": "2026-10-01", "document": "x"},
                   follow_redirects=False)
        assert r.status_code == 403
    with TestClient(app) as anon:
        r = anon.get("/sources", follow_redirects=False)
        assert r.status_code in (302, 303, 401)
