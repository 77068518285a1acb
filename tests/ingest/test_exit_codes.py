"""Exit codes that mean something (0 all accepted, 3 some rows/values quarantined, 1 nothing
accepted or a refused file), one summary line per kind of problem, no false duplicates."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoplan.cli import app
from ecoplan.ingest.pipeline import ingest_file
from ecoplan.ingest.registry import import_bundled
from ecoplan.store.workspace import Workspace

runner = CliRunner()
HEADER = "station_code,timestamp,PM2.5,PM10,SO2,NO2,O3,CO\n"


@pytest.fixture
def cli_ws(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    monkeypatch.setenv("ECOPLAN_HOME", str(ws.settings.home))
    monkeypatch.setenv("ECOPLAN_DATABASE_URL", ws.settings.effective_database_url)
    import_bundled(ws.engine, ("shanxi",))
    return ws


def _file(tmp_path: Path, name: str, body: str) -> Path:
    p = tmp_path / name
    p.write_text(HEADER + body, encoding="utf-8")
    return p


def test_exit_codes(cli_ws: Workspace, tmp_path: Path) -> None:
    good = _file(tmp_path, "good.csv", "2183A,2021-02-01 01:00,30,60,8,20,90,0.7\n")
    assert runner.invoke(app, ["ingest", "air", str(good)]).exit_code == 0
    partial = _file(tmp_path, "partial.csv", "2183A,2021-02-01 02:00,无效,60,8,20,90,0.7\n")
    res = runner.invoke(app, ["ingest", "air", str(partial)])
    assert res.exit_code == 3, res.output
    # 100 % of the rows quarantined: nothing accepted is a failure, not success
    none = _file(tmp_path, "none.csv", "1080A,2021-02-01 01:00,30,60,8,20,90,0.7\n"
                                       "1080A,2021-02-01 02:00,30,60,8,20,90,0.7\n")
    res = runner.invoke(app, ["ingest", "air", str(none)])
    assert res.exit_code == 1, res.output
    assert "3" in (runner.invoke(app, ["ingest", "--help"]).output.split("exit codes")[1])


def test_one_line_per_problem_kind(cli_ws: Workspace, tmp_path: Path) -> None:
    body = "".join(f"{code},2021-02-01 {h:02d}:00,30,60,8,20,90,0.7\n"
                   for code in ("1080A", "1081X", "2183A") for h in range(1, 11))
    res = runner.invoke(app, ["ingest", "air", str(_file(tmp_path, "many.csv", body))])
    assert res.exit_code == 3
    unknown = [ln for ln in res.output.splitlines() if "未知站点" in ln]
    assert len(unknown) == 1 and "2 个未知站点（20 行" in unknown[0]
    assert "1080A" in unknown[0] and "1081X" in unknown[0]


def test_unreadable_dates_are_not_reported_as_duplicates(cli_ws: Workspace,
                                                          tmp_path: Path) -> None:
    body = "".join(f"2183A,2月{d}号,30,60,8,20,90,0.7\n" for d in range(1, 6))
    s = ingest_file(cli_ws, "air", _file(tmp_path, "dates.csv", body))
    codes = {p["code"] for p in s.problems}
    assert codes == {"bad_timestamp"} and s.rows_quarantined == 5


def test_row_without_values_is_quarantined_with_a_reason(cli_ws: Workspace,
                                                         tmp_path: Path) -> None:
    s = ingest_file(cli_ws, "air", _file(tmp_path, "empty.csv", "2183A,2021-02-01 05:00,,,,,,\n"
                                                   "2183A,2021-02-01 06:00,31,,,,,\n"))
    assert (s.rows_accepted, s.rows_quarantined) == (1, 1)
    assert s.problems[0]["code"] == "no_values" and s.problems[0]["row"] == 2
