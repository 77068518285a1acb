"""Generated example data is announced on every page, public ones included."""

from __future__ import annotations

from ecoplan.store.db import session_scope
from ecoplan.store.models import IngestBatch

BANNER = "本平台当前含有生成的示例数据"


def test_no_banner_without_example_data(client_for) -> None:  # type: ignore[no-untyped-def]
    assert BANNER not in client_for(None).get("/public").text


def test_banner_when_example_data_was_ingested(web_ws, app, client_for) -> None:  # type: ignore[no-untyped-def]
    with session_scope(web_ws.engine) as s:
        s.add(IngestBatch(dataset="air_hourly", file_hash="0" * 64, status="committed",
                          source_file="生成的示例数据_generated_example_data_air_county_town_2020-2025"))
    assert BANNER in client_for(None).get("/public").text
    assert BANNER in client_for("admin").get("/").text
