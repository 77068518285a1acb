"""Atomic, recoverable writes to the lake for ingestion batches.

A batch never touches a visible lake file until it commits:

1. Under the lake's ingest lock, the batch row is inserted with status ``running``.
2. Every file the batch will add is written under a temporary name ``.tmp-<final>.partial``
   (invisible to :class:`~ecoplan.store.lake.Lake` and to DuckDB/Spark, which read
   ``*.parquet``); files it will replace (corrections, compaction) are only listed.
3. One database transaction stores the quarantine, the flags and the batch row with status
   ``committing`` and the journal (files to add, files to remove).
4. The journal is applied (renames, deletions) and the batch becomes ``committed``.

A process killed in step 1–3 leaves a ``running`` batch and temporaries: the next run (holding the
lock) rolls it back. Killed in step 4, the batch is ``committing``: the next run rolls the journal
forward. Either way no partial or duplicate data become visible.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import select, update
from sqlalchemy.engine import Engine

from ecoplan.errors import LakeError
from ecoplan.ingest.faults import checkpoint
from ecoplan.store.db import session_scope
from ecoplan.store.lake import TMP_PREFIX, Lake
from ecoplan.store.models import IngestBatch

LOCK_NAME = ".ingest.lock"
PARTIAL = ".partial"


def batch_tag(batch_id: int) -> str:
    """The lake batch id of a database batch (``part-<tag>-<n>.parquet``)."""
    return f"b{batch_id:08d}"


@contextmanager
def lake_lock(lake: Lake) -> Iterator[None]:
    """Exclusive lock of the lake for writers (released by the OS if the process dies)."""
    lake.root.mkdir(parents=True, exist_ok=True)
    fh = open(lake.root / LOCK_NAME, "a+")  # noqa: SIM115 - held for the whole block
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
        fh.close()


@dataclass
class Staged:
    """Files a batch will add and remove when it commits (paths relative to the lake root)."""

    lake: Lake
    add: list[tuple[str, str]] = field(default_factory=list)  # (temporary, final)
    remove: list[str] = field(default_factory=list)

    def stage(self, dataset: str, table: pa.Table, tag: str, *, time_column: str,
              stem: str | None = None) -> list[str]:
        """Write ``table`` partitioned by year/month under temporary names; return finals."""
        if table.num_rows == 0:
            return []
        ts = table.column(time_column)
        years, months = pc.year(ts), pc.month(ts)
        pairs = pa.table({"y": years, "m": months}).group_by(["y", "m"]).aggregate([]).to_pylist()
        finals: list[str] = []
        stem = stem or f"part-{tag}"
        for pair in sorted(pairs, key=lambda p: (p["y"], p["m"])):
            mask = pc.and_(pc.equal(years, pair["y"]), pc.equal(months, pair["m"]))
            part = table.filter(mask)
            folder = self.lake.dataset_dir(dataset) / f"year={pair['y']}" / f"month={pair['m']}"
            folder.mkdir(parents=True, exist_ok=True)
            n = len([a for a in self.add if Path(a[1]).parent == folder.relative_to(
                self.lake.root)])
            final = folder / f"{stem}-{n:04d}.parquet"
            while final.exists() or str(final.relative_to(self.lake.root)) in {
                    a[1] for a in self.add}:
                n += 1
                final = folder / f"{stem}-{n:04d}.parquet"
            tmp = folder / f"{TMP_PREFIX}{final.name}{PARTIAL}"
            pq.write_table(part, tmp, compression="zstd")
            rel_final = str(final.relative_to(self.lake.root))
            self.add.append((str(tmp.relative_to(self.lake.root)), rel_final))
            finals.append(rel_final)
        return finals

    def journal(self) -> list[dict[str, str]]:
        return ([{"op": "add", "tmp": t, "path": f} for t, f in self.add]
                + [{"op": "remove", "path": p} for p in self.remove])

    def discard(self) -> None:
        for tmp, _ in self.add:
            (self.lake.root / tmp).unlink(missing_ok=True)


def apply_journal(lake: Lake, journal: list[dict[str, Any]]) -> None:
    """Make a committed batch's files visible (idempotent: safe to repeat after a crash)."""
    for n, entry in enumerate(journal):
        if entry.get("op") == "add":
            tmp, final = lake.root / entry["tmp"], lake.root / entry["path"]
            if tmp.exists():
                os.replace(tmp, final)
            if n == 0:
                checkpoint("journal")
            elif not final.exists():
                raise LakeError(
                    f"批次文件丢失：{entry['path']}", f"A batch file is missing: {entry['path']}")
    for entry in journal:
        if entry.get("op") == "remove":
            (lake.root / entry["path"]).unlink(missing_ok=True)
    _fsync_dir(lake.root)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass
class Recovery:
    rolled_back: list[int] = field(default_factory=list)
    rolled_forward: list[int] = field(default_factory=list)
    temporaries_removed: int = 0


def recover(engine: Engine, lake: Lake) -> Recovery:
    """Finish or undo batches a killed process left behind. Call while holding the lock."""
    report = Recovery()
    with session_scope(engine) as s:
        pending = s.scalars(select(IngestBatch).where(
            IngestBatch.status.in_(["running", "committing"]))).all()
        for b in pending:
            if b.status == "committing":
                apply_journal(lake, list(b.lake_files or []))
                b.status = "committed"
                b.finished_at = b.finished_at or datetime.now(UTC)
                report.rolled_forward.append(b.id)
            else:
                for ds in lake.datasets():
                    lake.remove_batch(ds, batch_tag(b.id))
                s.execute(update(IngestBatch).where(IngestBatch.id == b.id).values(
                    status="rolled_back", finished_at=datetime.now(UTC),
                    message="中断的加载已在下次运行时回滚 / interrupted load rolled back on the "
                            "next run", lake_files=[]))
                report.rolled_back.append(b.id)
    # any temporary left now belongs to no live batch (we hold the lock)
    if lake.root.exists():
        for p in lake.root.rglob(f"{TMP_PREFIX}*"):
            p.unlink(missing_ok=True)
            report.temporaries_removed += 1
    return report
