"""A fresh workspace is usable at once: ``ecoplan init`` registers CNEMC's national station list
(so a national ``china_sites_….csv`` loads without a registry step), ``--no-registry`` skips it,
re-running init keeps what was edited since; ``ecoplan --version`` from the package metadata."""

from __future__ import annotations

import importlib.metadata
import json

import pytest

from ecoplan.cli import main
from ecoplan.sample_data import sample_path

NATIONAL_FILE = sample_path("air", "china_sites_20190101.csv")


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_registers_national_stations_so_a_national_file_loads(
        db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ECOPLAN_DATABASE_URL", db_url)
    code, out, _ = _run(capsys, "init", "--json")
    assert code == 0 and json.loads(out)["national_stations_registered"] == 1640
    code, out, _ = _run(capsys, "registry", "list", "station", "--json")
    stations = {s["code"]: s for s in json.loads(out)}
    assert len(stations) == 1640
    assert stations["1001A"]["name"] == "万寿西宫"
    assert stations["2183A"]["city"] == "吕梁市"  # the bundled Shanxi list's fuller row
    assert stations["3019A"]["longitude"] is None  # "-" in CNEMC's list: no coordinates
    code, out, _ = _run(capsys, "ingest", "air", str(NATIONAL_FILE), "--json")
    assert code == 0
    batch = json.loads(out)[0]
    assert batch["status"] == "committed" and batch["rows_read"] > 30_000
    assert batch["rows_quarantined"] == 0 and batch["rows_accepted"] == batch["rows_read"]
    # re-running init is harmless: nothing registered again, an edit made since is kept
    assert _run(capsys, "registry", "set", "station", "1001A", "--set", "county=西城区")[0] == 0
    code, out, _ = _run(capsys, "init", "--json")
    assert code == 0 and json.loads(out)["national_stations_registered"] == 0
    code, out, _ = _run(capsys, "registry", "list", "station", "--json")
    assert {s["code"]: s for s in json.loads(out)}["1001A"]["county"] == "西城区"


def test_init_no_registry_skips_the_station_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "init", "--no-registry", "--json")
    assert code == 0 and json.loads(out)["national_stations_registered"] is None
    code, out, _ = _run(capsys, "registry", "list", "station", "--json")
    assert json.loads(out) == []
    # without the registry the national file's rows are quarantined as unknown stations
    code, out, _ = _run(capsys, "ingest", "air", str(NATIONAL_FILE), "--json")
    assert json.loads(out)[0]["rows_accepted"] == 0


def test_version_comes_from_the_package_metadata(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"ecoplan {importlib.metadata.version('ecoplan')}"
