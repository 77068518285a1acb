"""Hypothesis-generated broken files: every line is either accepted or quarantined with a located,
bilingual reason (accepted + quarantined == read), whatever the encoding and the damage."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ecoplan.ingest.pipeline import ingest_file
from ecoplan.ingest.readers import read_air_file
from ecoplan.ingest.registry import import_bundled
from ecoplan.ingest.rules import rules_for
from ecoplan.ingest.validation import validate, value_counts
from ecoplan.store.models import QuarantinedRow
from ecoplan.store.workspace import Workspace

STATIONS = ["2183A", "2185A", "2867A"]  # Lüliang's national stations (bundled registry)
SITES = {s: s for s in STATIONS}
HEADERS = {
    "en": ["station_code", "timestamp", "PM2.5", "PM10", "SO2", "NO2", "O3", "CO(mg/m3)"],
    "zh": ["站点编码", "时间", "细颗粒物", "可吸入颗粒物", "二氧化硫", "二氧化氮", "臭氧", "一氧化碳(mg/m3)"],
    "lower": ["stationcode", "timepoint", "pm2_5", "pm10", "so2", "no2", "o3", "co"],
}
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030"]
TEXT = st.text(alphabet="abcXYZ九十缺测无效", min_size=1, max_size=6)
MUTATIONS = ["none", "none", "none", "truncate", "text", "negative", "co_ug", "unknown_station",
             "duplicate", "half_hour"]


@dataclass
class Broken:
    content: bytes
    encoding: str
    data_lines: dict[int, str]  # file line → mutation applied ("none" = a good row)
    swapped: bool


@st.composite
def broken_files(draw: st.DrawFn) -> Broken:
    style = draw(st.sampled_from(sorted(HEADERS)))
    header = list(HEADERS[style])
    encoding = draw(st.sampled_from(ENCODINGS))
    swapped = draw(st.booleans()) and draw(st.booleans())  # ~25 %: two value columns swapped
    if swapped:
        header[2], header[7] = header[7], header[2]  # PM2.5 ⇄ CO: values land in the wrong unit
    n = draw(st.integers(min_value=1, max_value=25))
    lines = [",".join(header)]
    data_lines: dict[int, str] = {}
    keys: list[tuple[str, int]] = []
    for i in range(n):
        if draw(st.integers(0, 9)) == 0:
            lines.append("")  # a blank line: skipped, not a row
        station = STATIONS[i % 3]
        hour = i // 3
        mutation = draw(st.sampled_from(MUTATIONS))
        if mutation == "duplicate" and not keys:
            mutation = "none"
        if mutation == "duplicate":
            station, hour = keys[0]
        elif mutation == "unknown_station":
            station = "9999Z"
        ts = f"2021-01-{1 + hour // 24:02d} {hour % 24:02d}:{30 if mutation == 'half_hour' else 0:02d}"
        pm25 = draw(st.integers(1, 400))
        co = draw(st.floats(0.2, 5.0)).__round__(1)
        vals = [str(pm25), str(draw(st.integers(1, 600))), str(draw(st.integers(1, 200))),
                str(draw(st.integers(1, 200))), str(draw(st.integers(1, 300))), str(co)]
        if swapped:
            vals[0], vals[5] = vals[5], vals[0]
        if mutation == "text":
            vals[draw(st.integers(0, 5))] = draw(TEXT)
        elif mutation == "negative":
            vals[1] = "-" + vals[1]
        elif mutation == "co_ug":  # CO written in μg/m³ under a mg/m³ header
            vals[0 if swapped else 5] = str(int(co * 1000))
        fields = [station, ts, *vals]
        if mutation == "truncate":
            fields = fields[: draw(st.integers(1, len(fields) - 1))]
        if mutation not in {"unknown_station", "duplicate", "truncate", "half_hour"}:
            keys.append((station, hour))
        lines.append(",".join(fields))
        data_lines[len(lines)] = mutation
    text = "\n".join(lines) + ("\n" if draw(st.booleans()) else "")
    data = text.encode(encoding.replace("utf-8-sig", "utf-8"))
    if encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    return Broken(data, encoding, data_lines, swapped)


ROW_MUTATIONS = {"unknown_station", "duplicate", "half_hour"}  # the row cannot be stored
VALUE_MUTATIONS = {"text", "negative", "co_ug"}  # one value is bad: only it is quarantined


def _check_accounting(path: Path, case: Broken) -> None:
    frame = read_air_file(path)
    rules = rules_for("air_hourly")
    v = validate(frame, rules, SITES)
    read = len(frame) + len(v.orphan_problems)
    assert read == len(case.data_lines) == frame.attrs["rows_read"]
    accepted = int((~v.reject).sum())
    quarantined = int(v.reject.sum()) + len(v.orphan_problems)
    assert accepted + quarantined == read
    # per value: every cell of every row read is accepted or quarantined, none lost
    vc = value_counts(frame, v, list(rules.parameters))
    assert vc.read == 6 * len(frame) and vc.accepted + vc.quarantined == vc.read
    # every rejected row, bad value and orphan line has a located, bilingual reason
    located: dict[int, list] = {}
    for i in np.flatnonzero(v.reject):
        probs = v.problems[int(i)]
        assert probs
        for p in probs:
            assert p.file == str(path) and p.row in case.data_lines and p.zh and p.en
        located.setdefault(probs[0].row, []).extend(probs)
    values: dict[int, list] = {}
    for probs in v.value_problems.values():
        for p in probs:
            assert p.row in case.data_lines and p.field and p.parameter and p.zh and p.en
            values.setdefault(p.row, []).append(p)
    for p in v.orphan_problems:
        assert p.row in case.data_lines and p.zh and p.en
        located.setdefault(p.row, []).append(p)
    src = dict(zip(frame["source_row"].tolist(), (~v.reject).tolist(), strict=True))
    for line, mutation in case.data_lines.items():
        if mutation == "truncate":
            assert line in located and line not in src
        elif mutation in ROW_MUTATIONS:
            assert src[line] is False and line in located, (line, mutation)
        elif mutation in VALUE_MUTATIONS:
            # the bad value is quarantined with its field; the other five values are kept
            assert src[line] is True and len(values[line]) >= 1, (line, mutation)
            if mutation == "co_ug":
                assert any("unit" in p.en for p in values[line])
        elif not case.swapped:  # a good row of an intact file is accepted, every value kept
            assert src[line] is True and line not in values, (line, located.get(line))


@settings(max_examples=60, deadline=None)
@given(case=broken_files())
def test_broken_canonical_files_obey_the_invariant(case: Broken, tmp_path_factory:
                                                   pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("broken") / f"dept_{uuid.uuid4().hex[:8]}.csv"
    path.write_bytes(case.content)
    _check_accounting(path, case)


@settings(max_examples=8, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=broken_files())
def test_broken_files_through_the_database(case: Broken, ws: Workspace, tmp_path: Path) -> None:
    """The same invariant as stored: quarantine rows in the database + rows in the lake."""
    import_bundled(ws.engine, ("shanxi",))
    path = tmp_path / f"dept_{uuid.uuid4().hex[:8]}.csv"
    path.write_bytes(case.content)
    s = ingest_file(ws, "air", path)
    assert s.rows_read == len(case.data_lines)
    assert s.rows_accepted + s.rows_quarantined == s.rows_read
    assert s.rows_written + s.rows_unchanged == s.rows_accepted
    assert s.values_accepted + s.values_quarantined == s.values_read
    with ws.session() as ses:
        rows = list(ses.scalars(select(QuarantinedRow)
                                .where(QuarantinedRow.batch_id == s.batch_id)))
        assert all(r.row in case.data_lines and " / " in r.reason for r in rows)
    # one quarantine row per rejected row and per value quarantined in a kept row
    assert len(rows) == s.rows_quarantined + s.values_held
    held = {r.row for r in rows}
    assert all(line in held for line, m in case.data_lines.items() if m in VALUE_MUTATIONS)
    written = sum(1 for f in ws.lake.files("air_hourly") if f"-b{s.batch_id:08d}-" in f.name)
    assert (written > 0) == (s.rows_written > 0)


@settings(max_examples=30, deadline=None)
@given(
    encoding=st.sampled_from(ENCODINGS),
    hours=st.integers(1, 6),
    damage=st.lists(st.tuples(st.integers(0, 200), st.sampled_from(["text", "truncate",
                                                                     "type"])), max_size=4),
    words=TEXT,
)
def test_broken_cnemc_wide_files(encoding: str, hours: int, damage: list[tuple[int, str]],
                                 words: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    types = ["AQI", "PM2.5", "PM10", "SO2", "NO2", "O3", "CO"]
    lines = ["date,hour,type," + ",".join(STATIONS)]
    for h in range(hours):
        for t in types:
            lines.append(f"20190101,{h},{t},{10 + h},{20 + h},{0.5 if t == 'CO' else 30}")
    for pos, kind in damage:
        i = 1 + pos % (len(lines) - 1)
        parts = lines[i].split(",")
        if kind == "text" and len(parts) > 3 + pos % 3:
            parts[3 + pos % 3] = words
        elif kind == "truncate":
            parts = parts[:3]
        elif kind == "type":
            parts[2] = "PM1"  # a type CNEMC does not publish
        lines[i] = ",".join(parts)
    data = ("\n".join(lines) + "\n").encode(encoding.replace("utf-8-sig", "utf-8"))
    if encoding == "utf-8-sig":
        data = b"\xef\xbb\xbf" + data
    path = tmp_path_factory.mktemp("wide") / "china_sites_20190101.csv"
    path.write_bytes(data)
    frame = read_air_file(path)
    v = validate(frame, rules_for("air_hourly"), SITES)
    read = len(frame) + len(v.orphan_problems)
    assert int((~v.reject).sum()) + int(v.reject.sum()) + len(v.orphan_problems) == read
    for i in np.flatnonzero(v.reject):
        for p in v.problems[int(i)]:
            assert 2 <= p.row <= len(lines) and p.field and p.zh and p.en
    for p in v.orphan_problems:
        assert 2 <= p.row <= len(lines) and p.zh and p.en
    n_bad_lines = len({1 + pos % (len(lines) - 1) for pos, kind in damage if kind != "text"})
    assert len(v.orphan_problems) <= n_bad_lines
