"""The measurement lake: a Hive-partitioned Parquet dataset, ``<lake>/<dataset>/year=/month=/``.

Writes are atomic per file (written under a temporary name, then renamed) and every file carries
the id of the batch that wrote it (``part-<batch>-<n>.parquet``), so a batch that did not commit
can be found and removed (:meth:`Lake.remove_batch`). Reading goes through
:mod:`ecoplan.store.engine`, which decides whether DuckDB or PySpark runs the query.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ecoplan.errors import LakeError

_DATASET_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_BATCH_RE = re.compile(r"^[A-Za-z0-9_-]+$")
TMP_PREFIX = ".tmp-"


class Lake:
    """A folder of Parquet datasets partitioned by year and month of their time column."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # ------------------------------------------------------------------ layout
    def dataset_dir(self, dataset: str) -> Path:
        if not _DATASET_RE.match(dataset):
            raise LakeError(f"数据集名称无效：{dataset!r}", f"Invalid dataset name: {dataset!r}")
        return self.root / dataset

    def datasets(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir() and self.files(p.name))

    def files(self, dataset: str) -> list[Path]:
        d = self.dataset_dir(dataset)
        if not d.exists():
            return []
        return sorted(p for p in d.rglob("*.parquet") if not p.name.startswith(TMP_PREFIX))

    def glob(self, dataset: str) -> str:
        return str(self.dataset_dir(dataset) / "**" / "*.parquet")

    # ------------------------------------------------------------------ writing
    def write(self, dataset: str, table: pa.Table, *, batch: str | None = None,
              time_column: str = "timestamp") -> list[Path]:
        """Write ``table`` partitioned by year/month of ``time_column``; return the files."""
        batch = batch or uuid.uuid4().hex[:12]
        if not _BATCH_RE.match(batch):
            raise LakeError(f"批次号无效：{batch!r}", f"Invalid batch id: {batch!r}")
        if time_column not in table.column_names:
            raise LakeError(
                f"数据集 {dataset} 缺少时间列 {time_column}",
                f"Dataset {dataset} lacks its time column {time_column}",
            )
        if table.num_rows == 0:
            return []
        ts = table.column(time_column)
        years = pc.year(ts)
        months = pc.month(ts)
        keys = pa.table({"y": years, "m": months})
        pairs = keys.group_by(["y", "m"]).aggregate([]).to_pylist()
        written: list[Path] = []
        temps: list[tuple[Path, Path]] = []
        try:
            for n, pair in enumerate(sorted(pairs, key=lambda p: (p["y"], p["m"]))):
                mask = pc.and_(pc.equal(years, pair["y"]), pc.equal(months, pair["m"]))
                part = table.filter(mask)
                folder = self.dataset_dir(dataset) / f"year={pair['y']}" / f"month={pair['m']}"
                folder.mkdir(parents=True, exist_ok=True)
                final = folder / f"part-{batch}-{n:04d}.parquet"
                tmp = folder / f"{TMP_PREFIX}{final.name}"
                pq.write_table(part, tmp, compression="zstd")
                temps.append((tmp, final))
            for tmp, final in temps:
                os.replace(tmp, final)
                written.append(final)
        except BaseException:
            for tmp, _ in temps:
                tmp.unlink(missing_ok=True)
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return written

    def batch_files(self, dataset: str, batch: str) -> list[Path]:
        return [p for p in self.files(dataset) if p.name.startswith(f"part-{batch}-")]

    def remove_batch(self, dataset: str, batch: str) -> int:
        """Delete every file a batch wrote (used to roll back a batch that did not commit)."""
        files = self.batch_files(dataset, batch)
        for p in files:
            p.unlink(missing_ok=True)
        return len(files)

    def remove_temporaries(self) -> int:
        """Delete left-over temporary files of killed writes."""
        if not self.root.exists():
            return 0
        leftovers = list(self.root.rglob(f"{TMP_PREFIX}*"))
        for p in leftovers:
            p.unlink(missing_ok=True)
        return len(leftovers)

    def read_arrow(self, dataset: str, columns: Iterable[str] | None = None) -> pa.Table:
        """Read a whole dataset into Arrow (small datasets and tests; analytics use the engine)."""
        files = self.files(dataset)
        if not files:
            raise LakeError(f"数据湖中没有数据集 {dataset}", f"The lake has no dataset {dataset}")
        return pq.ParquetDataset(files).read(columns=list(columns) if columns else None)
