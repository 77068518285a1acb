"""Make ``first_release/``: a small workspace written by ecoplan's first release (b80f727).

Run with that release's code, not today's (see README.md in this folder)::

    git -C <repo> worktree add /tmp/ecoplan-b80f727 b80f727
    PYTHONPATH=/tmp/ecoplan-b80f727 .venv/bin/python tests/data/upgrade/make_first_release_workspace.py

The first release had ``ecoplan init`` and the demo's lake step but no ingestion command yet, so
the script uses that release's own API: ``init_workspace``, ``Lake.write`` (the demo's code path,
on a 2-station, 3-day slice of the bundled real Shanxi 2019 hours instead of the whole year) and
its ORM models for the rows a user of that release could hold (registries, departments, a user,
the audit log, the ingest ledger with a quarantined row).
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

import ecoplan

OUT = Path(__file__).resolve().parent / "first_release"
SECRET = "test-only-secret-of-the-upgrade-fixture-not-for-use"


def main() -> None:
    from ecoplan.sample_data import sample_path
    from ecoplan.store import models as m
    from ecoplan.store.workspace import Workspace, init_workspace

    revisions = sorted(p.stem for p in (Path(ecoplan.__file__).parent / "store" / "migrations"
                                        / "versions").glob("0*.py"))
    if revisions != ["0001_initial"]:
        sys.exit(f"run this with the first release's code (found migrations {revisions})")
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    os.environ["ECOPLAN_HOME"] = str(OUT)
    (OUT / "ecoplan.env").write_text(
        "# ecoplan workspace settings (fixture of tests/test_upgrade.py; test-only key)\n"
        f"ECOPLAN_SECRET_KEY={SECRET}\n", encoding="utf-8")
    init_workspace(OUT)
    ws = Workspace()

    # the lake: the demo's dataset and batch naming, a small slice of the real year
    with gzip.open(sample_path("realdata", "shanxi_hourly_2019.csv.gz"), "rt",
                   encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["station_code"] in {"1081A", "1082A"}
                and r["timestamp"] < "2019-01-04"]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    table = pacsv.read_csv(
        io.BytesIO(buf.getvalue().encode()),
        convert_options=pacsv.ConvertOptions(column_types={"timestamp": pa.timestamp("us"),
                                                           "station_code": pa.string()}))
    files = ws.lake.write("air_hourly_sample", table, batch="sample2019")

    with open(sample_path("air", "StationList-2020.01.01.csv"), encoding="utf-8-sig") as fh:
        stations = [r for r in csv.DictReader(fh) if r["监测点编码"] in {"1081A", "1082A"}]
    with ws.session() as s:
        for r in stations:
            s.add(m.Station(code=r["监测点编码"], name=r["监测点名称"], city="太原市",
                            longitude=float(r["经度"]), latitude=float(r["纬度"]),
                            network_level="national"))
        s.add(m.SiteAlias(kind="station", code="1081A", alias="尖草坪站"))
        s.add(m.WaterSection(code="WS-001", name="文峪河（示例断面）", river="文峪河",
                             level="county"))
        dept = m.Department(code="sthjj", name_zh="吕梁市生态环境局交城分局",
                            name_en="Jiaocheng Ecology and Environment Bureau")
        s.add(dept)
        s.flush()
        s.add(m.User(username="admin", display_name="管理员", role="admin",
                     password_hash="!disabled-fixture-account", department_id=dept.id))
        batch = m.IngestBatch(dataset="air_hourly_sample", source_file="shanxi_hourly_2019.csv.gz",
                              file_hash="0" * 64, status="committed", kind="load",
                              finished_at=datetime(2026, 11, 28, 12, tzinfo=UTC),
                              rows_read=table.num_rows + 1, rows_accepted=table.num_rows,
                              rows_quarantined=1,
                              lake_files=[str(f.relative_to(ws.lake.root)) for f in files])
        s.add(batch)
        s.flush()
        s.add(m.QuarantinedRow(batch_id=batch.id, file="shanxi_hourly_2019.csv.gz", row=2,
                               field="pm25", value="-", reason="取值无法识别 / unreadable value",
                               raw="1081A,尖草坪,太原市,2019-01-01 00:00,-"))
        s.add(m.AuditEntry(actor="admin", action="create", entity="department",
                           entity_id="sthjj", after={"code": "sthjj"}))
    print(f"first-release workspace written to {OUT}: {table.num_rows} lake rows in {len(files)} "
          f"file(s)")


if __name__ == "__main__":
    main()
