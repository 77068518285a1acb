"""Chinese wherever a Chinese user looks (issue 21, deliverable 8): every command's ``--help``
(the Typer app walked recursively), the headers and words of command output, and the web
pages carry no untranslated internal codes — status codes (``in_progress``, ``no_data``),
workflow states, HJ 212 rejection codes (``crc-variant-refused``), device-event kinds, Python
dicts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from ecoplan.assess.progress import PROJECT_STATUS_NAMES, STATE_NAMES
from ecoplan.assess.status import STATUS_NAMES
from ecoplan.cli import app, main
from ecoplan.commands.hj212 import REJECTION_WORDS, STAT_WORDS

#: codes that must never be shown to a Chinese user as they are
INTERNAL_CODES = sorted({*PROJECT_STATUS_NAMES, *STATE_NAMES, *STATUS_NAMES, *REJECTION_WORDS,
                         *STAT_WORDS} - {"packets", "accepted", "held", "rows", "port", "host",
                                         "replies", "rejected", "duplicates", "workers",
                                         "internal", "completed", "submitted", "reviewed",
                                         "approved", "achieved", "suspended", "cancelled"})
_CODE = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(c) for c in INTERNAL_CODES) + r")(?![\w-])")
_SNAKE = re.compile(r"(?<![-\w./$])[a-z][a-z0-9]*_[a-z0-9_]+(?![\w.(/])")
#: snake_case words a user types as values, documented in the help where they appear
#: (dataset names of the lake, registry kinds, warning-grading variants, outlet kinds)
TYPED_VALUES = {"air_hourly", "air_minute", "water_samples", "groundwater_samples",
                "online_monitoring", "air_daily_device", "china_sites", "shanxi_water",
                "drinking_source", "groundwater_point", "county_town", "national_2018",
                "flue_gas", "waste_water",
                "site_max_mean", "city_series_max",  # values of air stats --city-o3
                "station_code"}  # a column name of the input files described in air stats


def _commands() -> Iterator[tuple[list[str], Any]]:
    def walk(cmd: Any, path: list[str]) -> Iterator[tuple[list[str], Any]]:
        yield path, cmd
        for name, sub in sorted(getattr(cmd, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    yield from walk(typer.main.get_command(app), [])


def untranslated(text: str, allowed: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Internal codes in ``text``: known status/state/rejection codes, snake_case words that
    are not in ``allowed`` or :data:`TYPED_VALUES`, and printed Python dicts."""
    found = [m for m in _CODE.findall(text)]
    found += [m for m in _SNAKE.findall(text) if m not in allowed and m not in TYPED_VALUES]
    found += re.findall(r"\{'[a-z_]+': ", text)
    return sorted(set(found))


def test_every_help_is_free_of_internal_codes() -> None:
    runner = CliRunner()
    paths = list(_commands())
    assert len(paths) > 100  # the walk really reaches the leaves
    bad: dict[str, list[str]] = {}
    for path, cmd in paths:
        # parameter names Typer prints for arguments (RECORD_ID …) are the command's own
        params = {p.name for p in getattr(cmd, "params", []) if p.name}
        r = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200", "ECOPLAN_LANG": "zh"})
        assert r.exit_code == 0, (path, r.output[-300:])
        codes = untranslated(r.output, params)
        if codes:
            bad[" ".join(path) or "ecoplan"] = codes
    assert bad == {}


def test_command_output_is_chinese(workspace_home, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from ecoplan import console
    from ecoplan.sample_data import sample_path

    monkeypatch.setattr(console.console, "width", 250)
    monkeypatch.setattr(console.err_console, "width", 250)
    assert main(["init"]) == 0
    assert main(["plan", "load"]) == 0
    assert main(["users", "seed-demo"]) == 0
    assert main(["progress", "task", "--key", "2.3-2", "--as-of", "2025-06-30", "--status",
                 "进行中", "--user", "zjj"]) == 0
    assert main(["progress", "project", "--number", "1", "--as-of", "2022-12-31", "--percent",
                 "40", "--invested", "3600", "--status", "in progress", "--user", "analyst"]) == 0
    assert main(["devices", "add", "AB12", "--type", "air", "--station", "1081A"]) == 0
    assert main(["devices", "edit", "AB12", "--station", "1080A"]) == 0
    capsys.readouterr()
    commands = [["progress", "list", "task"], ["progress", "list", "project"],
                ["progress", "overdue", "--as-of", "2026-12-06"], ["departments", "list"],
                ["departments", "owners"], ["users", "list"], ["devices", "list"],
                ["devices", "events"], ["hj212", "check", str(sample_path("hj212", "packets.txt"))],
                ["assess", "--year", "2021"], ["emergency", "history"], ["plan", "show"]]
    bad = {}
    for args in commands:
        code = main(args)
        out = capsys.readouterr()
        assert code == 0, (args, out.err[-300:])
        found = untranslated(out.out + out.err)
        if found:
            bad[" ".join(args)] = found
    assert bad == {}


def test_web_pages_show_words_not_codes(client_for) -> None:  # type: ignore[no-untyped-def]
    admin = client_for("admin")
    # an approved project report in progress, as the web showed `in_progress` before
    r = client_for("zjj").post("/entry/task", data={"task_key": "2.3-2", "as_of": "2025-06-30",
                                                    "status": "in_progress"},
                               follow_redirects=False)
    assert r.status_code == 303
    bad = {}
    for path in ("/", "/projects", "/entry", "/data", "/devices", "/sources", "/emergency",
                 "/reports", "/admin", "/public"):
        html = admin.get(path).text
        # scripts, styles and the audit log's verbatim before/after records (<code>) aside
        text = re.sub(r"<(script|style|code)[^>]*>.*?</\1>", " ", html, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        found = [c for c in _CODE.findall(text)]
        if found:
            bad[path] = sorted(set(found))
    assert bad == {}


def test_device_page_shows_held_reasons_in_words(client_for, web_ws) -> None:  # type: ignore[no-untyped-def]
    from ecoplan.ingest.hj212.encode import frame
    from ecoplan.ingest.hj212.storage import Recorder

    raw = frame("QN=20261128110000001;ST=22;CN=2061;PW=123456;MN=HOLD1;Flag=5;CP=&&"
                "DataTime=20190301000000;a34004-Avg=33&&")
    rec = Recorder(web_ws.engine, interval=60)
    rec.hold(raw, mn="HOLD1", cn="2061", qn="20261128110000001", peer=None,
             reason="unknown device")
    rec.close()
    page = client_for("admin").get("/devices/HOLD1").text
    assert "未登记设备" in page and "unknown device" not in page
