"""The 环境风险 pages: three tabs with tiles, registries and indicators; department scoping;
template download and a workbook import with located, kept errors (the analyst only)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from ecoplan.demo.risk import load_examples
from ecoplan.store.models import Department
from ecoplan.supervision import risk as R
from tests.web.conftest import app, client_for, template_home, web_ws  # noqa: F401 - fixtures


def test_risk_pages_roles_scoping_and_import(web_ws, client_for: Callable[[str | None], TestClient],  # type: ignore[no-untyped-def]  # noqa: F811
                                             tmp_path: Path) -> None:
    load_examples(web_ws)
    with web_ws.session() as s:
        dept = s.scalars(select(Department).where(Department.code == "zjj")).one().name_zh
        R.add_enterprise(s, "91141122EXAMPZJJ01", "住建局名下示例企业", actor="t", department=dept)
    leader = client_for("leader")
    for path, needle, kpi in (("/risk", "示例焦化企业（虚构）", "kpi-14"), ("/risk/hazwaste", "示例联单-2025-0002", "kpi-15"),
                              ("/risk/radiation", "0114CS0EX001", "kpi-licence")):
        r = leader.get(path)
        assert r.status_code == 200 and needle in r.text and f'id="{kpi}"' in r.text, path
        assert "import-form" not in r.text  # the leader changes nothing
    html = leader.get("/risk").text
    assert "较大[较大-大气(Q2-M2-E2)+一般-水(Q1-M1-E3)]" in html
    assert 'href="/risk"' in html  # in the navigation
    assert "已超期仍在用" in leader.get("/risk/radiation").text
    assert "past its working life" in leader.get("/risk/radiation?lang=en").text
    # a department account sees its own department's rows only
    own = client_for("zjj").get("/risk").text
    assert "住建局名下示例企业" in own and "示例焦化企业（虚构）" not in own
    assert client_for(None).get("/risk", follow_redirects=False).status_code in (303, 401)
    analyst = client_for("analyst")
    entry = analyst.get("/entry").text
    assert 'id="entry-from-records"' in entry and "15" in entry.split('id="entry-from-records"')[1][:200]
    t = analyst.get("/risk/hazwaste/template.xlsx")
    assert t.status_code == 200 and client_for("zjj").get("/risk/hazwaste/template.xlsx").status_code == 403
    book = tmp_path / "hw.xlsx"
    book.write_bytes(t.content)
    wb = load_workbook(book)
    wb["台账"].append(["示例产废单位乙（汽修，虚构）", "产生", "900-214-08", "2026-01-05", "0.3", ""])
    wb["台账"].append(["示例产废单位乙（汽修，虚构）", "产生", "900-214-8", "2026-01-06", "0.3", ""])
    wb.save(book)
    with book.open("rb") as fh:
        r = analyst.post("/risk/hazwaste/import", files={"file": ("hw.xlsx", fh, "application/octet-stream")})
    assert r.status_code == 200 and 'id="import-errors"' in r.text
    errs = r.text.split('id="import-errors"')[1]
    assert re.search(r"hw\.xlsx</td><td>台账</td><td class=\"num\">4</td><td>台账\.waste_code", errs)
    assert "900-214-8" in errs  # the rejected value is kept in the report
