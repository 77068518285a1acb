"""``ecoplan lake compact``: merge the many small files of a partition into one.

Every load writes one file per month it touches, so a folder of 365 daily files leaves ~30 files
per month partition. Compaction rewrites each partition with more than one file as a single
sorted file. It is a batch like a load (kind ``compact``) and goes through the same journal, so a
killed compaction leaves the lake as it was (or finishes on the next run); rows keep their
``batch`` column, so provenance survives.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.parquet as pq

from ecoplan.ingest.journal import Staged, apply_journal, batch_tag, lake_lock, recover
from ecoplan.store.db import session_scope
from ecoplan.store.models import IngestBatch
from ecoplan.store.workspace import Workspace

_SORT = {"air_hourly": [("station_code", "ascending"), ("timestamp", "ascending")]}


@dataclass
class CompactResult:
    dataset: str
    partitions: int = 0
    files_before: int = 0
    files_after: int = 0
    rows: int = 0
    batch_id: int | None = None
    details: list[dict[str, object]] = field(default_factory=list)


def compact(ws: Workspace, datasets: list[str] | None = None, *,
            min_files: int = 2) -> list[CompactResult]:
    """Merge the files of every partition that has at least ``min_files`` files."""
    lake = ws.lake
    results: list[CompactResult] = []
    with lake_lock(lake):
        recover(ws.engine, lake)
        for ds in datasets or lake.datasets():
            res = CompactResult(ds)
            folders: dict[str, list] = {}
            for f in lake.files(ds):
                folders.setdefault(str(f.parent), []).append(f)
            todo = {k: v for k, v in folders.items() if len(v) >= min_files}
            res.files_before = sum(len(v) for v in folders.values())
            res.files_after = res.files_before
            if not todo:
                results.append(res)
                continue
            with session_scope(ws.engine) as s:
                b = IngestBatch(dataset=ds, source_file="lake compact",
                                file_hash=f"compact-{uuid.uuid4().hex}", status="running",
                                kind="compact")
                s.add(b)
                s.flush()
                batch_id = b.id
            res.batch_id = batch_id
            staged = Staged(lake)
            tag = batch_tag(batch_id)
            time_column = "timestamp" if ds.startswith("air") else "time"
            try:
                for _folder, files in sorted(todo.items()):
                    tables = [pq.read_table(f) for f in files]
                    table = pa.concat_tables(tables, promote_options="default")
                    if ds in _SORT:
                        table = table.sort_by(_SORT[ds])
                    staged.stage(ds, table, tag, time_column=time_column, stem=f"part-c{tag}")
                    staged.remove.extend(str(f.relative_to(lake.root)) for f in files)
                    res.partitions += 1
                    res.rows += table.num_rows
                    res.details.append({"partition": str(files[0].parent.relative_to(lake.root)),
                                        "files": len(files), "rows": table.num_rows})
                with session_scope(ws.engine) as s:
                    b = s.get(IngestBatch, batch_id)
                    assert b is not None
                    b.status = "committing"
                    b.rows_read = res.rows
                    b.rows_accepted = res.rows
                    b.lake_files = staged.journal()
            except BaseException:
                staged.discard()
                with session_scope(ws.engine) as s:
                    b = s.get(IngestBatch, batch_id)
                    if b is not None:
                        b.status = "rolled_back"
                raise
            apply_journal(lake, staged.journal())
            with session_scope(ws.engine) as s:
                b = s.get(IngestBatch, batch_id)
                assert b is not None
                b.status = "committed"
                b.finished_at = datetime.now(UTC)
            res.files_after = len(lake.files(ds))
            results.append(res)
    return results
