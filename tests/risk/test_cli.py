"""``ecoplan risk|hazwaste|radiation`` end to end on the example workbooks of the demo step:
templates, imports (idempotent), lists, balance (exit 1 on a gap), indicator, expiring, --lang en."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ecoplan.cli import main
from ecoplan.demo.risk import load_examples
from ecoplan.store.workspace import Workspace, init_workspace


def _json(capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(capsys.readouterr().out)


def test_cli_groups(workspace_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init_workspace(workspace_home)
    ws = Workspace()
    out = load_examples(ws)
    assert out["indicator_15_2025"] == "97.9" and all(not v["rejected"] for k, v in out.items()
                                                      if isinstance(v, dict))
    for group in ("risk", "hazwaste", "radiation"):
        assert main([group, "template", "-o", str(tmp_path / f"{group}.xlsx")]) == 0
    book = Path(out["危险废物"]["workbook"])
    assert main(["hazwaste", "import", str(book), "--json"]) == 0
    assert sum(_json(capsys)["added"].values()) == 0  # type: ignore[index]
    assert main(["risk", "list", "--json"]) == 0
    rows = _json(capsys)
    assert {r["level"] for r in rows} == {"较大", "重大"} and all(r["inputs"] for r in rows)  # type: ignore[union-attr,index]
    assert main(["hazwaste", "balance", "--from", "2025-01-01", "--to", "2025-12-31", "--fail-on-gap", "--json"]) == 1
    bal = _json(capsys)
    assert [b["ok"] for b in bal] == [False, True]  # type: ignore[union-attr,index]
    assert main(["hazwaste", "indicator", "--year", "2025", "--json"]) == 0
    assert _json(capsys)["rate"] == "97.9"  # type: ignore[index]
    assert main(["risk", "plots", "--year", "2025", "--json"]) == 0
    assert _json(capsys)["indicator_14"]["ensured"] is True  # type: ignore[index]
    assert main(["radiation", "expiring", "--today", "2026-12-06", "--json"]) == 0
    exp = _json(capsys)
    assert len(exp["expiring"]) == 4 and exp["past_working_life"][0]["serial"] == "0114CS0EX001"  # type: ignore[index]
    assert main(["radiation", "event", "0114CS0EX001", "退役", "--date", "2026-12-01"]) == 0
    assert main(["radiation", "event", "0114CS0EX001", "送贮", "--date", "2026-12-05"]) == 0
    assert main(["radiation", "event", "0114CS0EX001", "使用", "--date", "2026-12-06"]) == 1
    assert main(["--lang", "en", "radiation", "rates", "--today", "2026-12-06"]) == 0
    assert "certified-staff rate" in capsys.readouterr().out
    assert main(["hazwaste", "plans", "--year", "2025", "--json"]) == 0
    assert {(r["waste_code"], r["generated_t"]) for r in _json(capsys)} == {  # type: ignore[union-attr,index]
        ("252-002-11", "119"), ("900-214-08", "2.6")}
    assert main(["hazwaste", "codes", "--category", "HW08", "--json"]) == 0
    assert _json(capsys)["categories"][0]["name"] == "废矿物油与含矿物油废物"  # type: ignore[index]
    assert main(["risk", "expiring", "--today", "2026-12-06", "--json"]) == 0
    assert [r["kind"] for r in _json(capsys)] == ["plan_review", "supply"]  # type: ignore[union-attr]
    ws.engine.dispose()
