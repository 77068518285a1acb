"""Inspection records: recorded with checklist, coordinates, evidence hashes and confirmation;
corrections as new versions (findings keep stable ids); a repeated phone submission is stored
once; the indicators per period; the ``ecoplan inspect`` commands end to end."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoplan.cli import app, main
from ecoplan.supervision import inspection_draw as D
from ecoplan.supervision import inspections as I
from tests.supervision.test_inspection_draw import UNITS, _code

runner = CliRunner()


def _workspace(home: Path, db_url: str | None = None):  # type: ignore[no-untyped-def]
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace, init_workspace

    init_workspace(home, database_url=db_url)
    w = Workspace(load_settings(home=home, **({"database_url": db_url} if db_url else {})))
    with w.session() as s:
        D.S.add_enterprise(s, _code(1), "测试焦化企业", industry="炼焦", key_enterprise=True)
        D.S.add_enterprise(s, _code(2), "测试水泥企业", industry="水泥")
        D.S.add_enterprise(s, _code(3), "测试其他企业")
        for n, unit in enumerate(UNITS):
            D.add_inspector(s, f"I{n}", f"人{n}", unit, certificate_no=f"C{n}",
                            certificate_expires=date(2030, 1, 1), actor="t")
    return w


@pytest.fixture
def ws(workspace_home: Path):  # type: ignore[no-untyped-def]
    w = _workspace(workspace_home)
    yield w
    w.engine.dispose()


@pytest.fixture
def ws_any(workspace_home: Path, db_url: str):  # type: ignore[no-untyped-def]
    """The same registry on SQLite and on PostgreSQL."""
    w = _workspace(workspace_home, db_url)
    yield w
    w.engine.dispose()


BAD = [
    ({"inspectors": []}, "inspectors"),
    ({"inspectors": ["nobody"]}, "inspectors"),
    ({"latitude": 95.0, "longitude": 112.0}, "latitude"),
    ({"latitude": 37.5}, "latitude"),
    ({"items": {"kiln_denox": "ok"}}, "items.kiln_denox"),  # a cement item, coking checklist
    ({"items": {"permit": "maybe"}}, "items.permit"),
    ({"inspected_at": datetime.now().astimezone() + timedelta(days=2)}, "inspected_at"),
    ({"draw_id": 99}, "draw"),
    ({"kind": "raid"}, "kind"),
]


def _refuses_bad_records(ws) -> None:  # type: ignore[no-untyped-def]
    """Each bad value is refused with its field; nothing is stored."""
    for changes, field in BAD:
        args = {"inspected_at": datetime.now().astimezone(), "inspectors": ["I0", "I1"]} | changes
        with pytest.raises(I.InspectionError) as exc, ws.session() as s:
            I.record_inspection(s, _code(1), actor="t", **args)
        assert exc.value.location is not None and exc.value.location.field == field, changes
    with ws.session() as s:
        assert I.list_inspections(s) == []


def test_record_correct_and_read_back(ws_any, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.store.inspection_models import InspectionRecordsAreAppendOnly

    ws = ws_any
    _refuses_bad_records(ws)

    photo = tmp_path / "现场.jpg"
    photo.write_bytes(b"\xff\xd8\xff" + b"photo" * 100)
    ref = I.keep_evidence_file(ws.settings.home, photo)
    assert ref["sha256"] == hashlib.sha256(photo.read_bytes()).hexdigest()
    assert (ws.settings.home / "evidence" / ref["sha256"]).read_bytes() == photo.read_bytes()
    at = datetime.now().astimezone() - timedelta(hours=2)
    with ws.session() as s:
        head = I.record_inspection(
            s, "测试焦化企业", inspected_at=at, inspectors=["I0", "I1"], actor="t",
            place="厂区东门", latitude=37.55, longitude=112.16,
            items={"permit": "ok", "coke_oven_sealing": "problem"},
            findings=[{"item": "coke_oven_sealing", "description": "3号炉门冒烟"}, "台账缺页"],
            evidence=[ref], representative="张三", confirmed=True, client_uuid="u-1")
        iid = head.id
        assert I.latest_version(s, iid).checklist == "coking"  # chosen by the industry
        again = I.record_inspection(s, _code(1), inspected_at=at, inspectors=["I0"],
                                    actor="t", client_uuid="u-1")
        assert again.id == iid  # the same draft sent twice is stored once
    with ws.session() as s:
        first = I.inspection_dict(s, I.get_inspection(s, iid))["latest"]["findings"]
        v2 = I.correct_inspection(s, iid, reason="补充问题", actor="t",
                                  findings=[{"item": "coke_oven_sealing",
                                             "description": "3号、4号炉门冒烟"}])
        assert v2.version == 2
    with ws.session() as s:
        d = I.inspection_dict(s, I.get_inspection(s, iid), history=True)
    assert [v["version"] for v in d["history"]] == [1, 2]
    assert d["history"][0]["findings"] == first  # version 1 and its finding ids unchanged
    new = d["latest"]["findings"][0]
    assert new["supersedes"] == first[0]["id"] and new["id"] not in {f["id"] for f in first}
    assert d["latest"]["evidence"][0]["sha256"] == ref["sha256"]
    assert d["latest"]["confirmed"] and d["latest"]["latitude"] == 37.55
    with pytest.raises(InspectionRecordsAreAppendOnly), ws.session() as s:
        I.latest_version(s, iid).note = "改"
    # a finding opens a case (supervision/cases.py, source kind "finding"); an unknown id does not
    from datetime import date

    from ecoplan.supervision import cases as C

    with ws.session() as s:
        case = C.open_case(s, source_kind="finding", source_id=str(new["id"]), title="炉门冒烟",
                           party_name="测试焦化企业", department="执法大队", actor="t",
                           opened_on=date(2026, 12, 1))
        assert case.source_id == str(new["id"])
    with pytest.raises(C.CaseError, match="no inspection finding"), ws.session() as s:
        C.open_case(s, source_kind="finding", source_id="999999", title="x", party_name="y",
                    department="执法大队", actor="t", opened_on=date(2026, 12, 1))


def test_cli_draw_record_stats_and_verify(ws, tmp_path: Path,  # type: ignore[no-untyped-def]
                                          capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    year = date.today().year
    grades = tmp_path / "grades.csv"
    grades.write_text(f"credit_code,grade\n{_code(2)},D\n", encoding="utf-8")
    out = tmp_path / "draw.json"
    r = runner.invoke(app, ["inspect", "draw", f"{year}", "--grades", str(grades),
                            "--out", str(out), "--by", "analyst"])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["seed"]) == 64 and doc["drawn_by"] == "analyst"
    assert {o["credit_code"]: o["grade"] for o in doc["object_pool"]}[_code(2)] == "D"
    r = runner.invoke(app, ["inspect", "draw", "--verify", str(doc["draw_id"])])
    assert r.exit_code == 0 and "复核一致" in r.output, r.output
    r = runner.invoke(app, ["--lang", "en", "inspect", "draw", "--verify-file", str(out)])
    assert r.exit_code == 0 and "identical" in r.output, r.output
    doc["result"][0]["inspectors"] = ["I2"]
    out.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    r = runner.invoke(app, ["inspect", "draw", "--verify-file", str(out)])
    assert r.exit_code == 1 and "不一致" in r.output, r.output

    target = doc["result"][0]
    photo = tmp_path / "p.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 50)
    r = runner.invoke(app, ["inspect", "record", target["credit_code"], "--inspector", "I0",
                            "--inspector", "I1", "--draw", str(doc["draw_id"]),
                            "--item", "permit=ok", "--finding", "permit:许可证未公示",
                            "--evidence", str(photo), "--lat", "37.5", "--lon", "112.1",
                            "--representative", "李四", "--confirmed", "--json"])
    assert r.exit_code == 0, r.output
    rec = json.loads(r.output)
    assert rec["latest"]["findings"][0]["item"] == "permit"
    r = runner.invoke(app, ["inspect", "correct", str(rec["id"]), "--reason", "更正坐标",
                            "--lat", "37.6", "--lon", "112.2"])
    assert r.exit_code == 0 and "第 2 版" in r.output, r.output
    r = runner.invoke(app, ["inspect", "stats", "--period", str(year), "--json"])
    st = json.loads(r.output)
    assert st["planned"] == len(doc["result"]) and st["planned_done"] == 1
    assert st["registered"] == 3 and st["enterprises_inspected"] == 1
    assert st["share_inspected"] == round(1 / 3, 4)
    # a user error: exit 1 with the located message (through the real entry point)
    assert main(["inspect", "record", _code(3), "--inspector", "I0", "--draw",
                 str(doc["draw_id"] + 5)]) == 1
    assert "不在抽查" in capsys.readouterr().err
    with ws.session() as s:
        section = I.annual_section(s, year)
    assert "双随机" in section["zh"] and "random draws" in section["en"]
