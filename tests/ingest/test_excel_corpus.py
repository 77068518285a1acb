"""The department-layout corpus (tests/data/ingest/excel-corpus/) loads with no silent loss:
every value cell read is accepted or quarantined with file, row, field and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from ecoplan.ingest.pipeline import ingest_file
from ecoplan.ingest.registry import import_bundled
from ecoplan.store.models import QuarantinedRow
from ecoplan.store.workspace import Workspace

CORPUS = Path(__file__).parent.parent / "data" / "ingest" / "excel-corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_loads_without_silent_loss(name: str, ws: Workspace) -> None:
    import_bundled(ws.engine, ("shanxi",))
    want = EXPECTED[name]
    s = ingest_file(ws, "air", CORPUS / name)
    assert s.status == "committed", s.problems
    assert s.rows_read == want["rows"]
    assert s.rows_quarantined == want.get("rows_quarantined", 0), s.problems
    assert s.values_read == want["values_read"]
    assert s.values_quarantined == want["values_quarantined"]
    assert s.values_accepted + s.values_quarantined == s.values_read
    lake = ws.lake.read_arrow("air_hourly").to_pandas()
    pollutants = ["pm25", "pm10", "so2", "no2", "o3", "co"]
    # what is stored is exactly what was accepted: no empty station-hour, no value lost
    assert int(lake[pollutants].notna().sum().sum()) == s.values_accepted
    assert lake[pollutants].notna().any(axis=1).all()
    with ws.session() as ses:
        held = list(ses.scalars(select(QuarantinedRow)
                                .where(QuarantinedRow.batch_id == s.batch_id)))
    assert len(held) == s.rows_quarantined + s.values_held
    assert all(q.row and q.reason and " / " in q.reason for q in held)


def test_merged_header_sheet_is_not_loaded_as_empty_rows(ws: Workspace) -> None:
    """The observation: a two-row merged header used to load 23 empty station-hours, exit 0."""
    import_bundled(ws.engine, ("shanxi",))
    s = ingest_file(ws, "air", CORPUS / "merged_header.xlsx")
    lake = ws.lake.read_arrow("air_hourly").to_pandas().sort_values("timestamp")
    assert lake["pm10"].tolist() == [62.0, 64.0, 66.0, 68.0, 70.0, 72.0]
    # 无效 in PM2.5 at 03:00 quarantines that value; the hour's other pollutants are stored
    row = lake[lake.timestamp == "2021-01-05 03:00"].iloc[0]
    assert row.pm10 == 66.0 and row.pm25 != row.pm25
    kinds = s.problem_kinds
    assert kinds["invalid_marker"]["count"] == 1 and kinds["dash_missing"]["count"] == 1
    assert kinds["note_row"]["count"] == 1


def test_station_codes_match_case_insensitively_and_by_name(ws: Workspace) -> None:
    import_bundled(ws.engine, ("shanxi",))
    ingest_file(ws, "air", CORPUS / "title_units.xlsx")
    lake = ws.lake.read_arrow("air_hourly").to_pandas()
    assert sorted(lake.station_code.unique()) == ["2183A", "2185A", "2867A"]  # 马茂庄小学 = 2867A
    assert 1020.0 in lake.pm10.tolist()  # "1,020"


def test_unmapped_value_columns_refuse_the_sheet(ws: Workspace) -> None:
    import_bundled(ws.engine, ("shanxi",))
    s = ingest_file(ws, "air", CORPUS / "refused_unmapped.xlsx")
    assert s.status == "rejected"
    reason = s.problems[0]["reason_zh"]
    assert "颗粒物1" in reason and "颗粒物2" in reason
    assert not ws.lake.files("air_hourly")
