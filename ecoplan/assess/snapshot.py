"""The data snapshot an assessment used: lake files with their SHA-256, ingest batches, approved
department reports — so that a report can be regenerated identically and checked later."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ecoplan.assess import progress as pg
from ecoplan.store.models import IngestBatch
from ecoplan.store.workspace import Workspace


@dataclass
class DataSnapshot:
    """Files, batches and approved reports an assessment read, with one digest over all."""

    lake_files: list[dict[str, Any]] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    approved_reports: list[dict[str, Any]] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)

    @property
    def digest(self) -> str:
        """SHA-256 over the sorted file hashes, batch ids, approved-report events and plan hash."""
        h = hashlib.sha256()
        for f in sorted(self.lake_files, key=lambda f: f["path"]):
            h.update(f"{f['path']}:{f['sha256']}\n".encode())
        for b in sorted(self.batches, key=lambda b: b["id"]):
            h.update(f"batch:{b['id']}:{b['file_hash']}\n".encode())
        for r in sorted(self.approved_reports, key=lambda r: (r["kind"], r["id"])):
            h.update(f"report:{r['kind']}:{r['id']}:{r['approval_event']}\n".encode())
        h.update(f"plan:{self.plan.get('content_hash', '')}\n".encode())
        return h.hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {"digest": self.digest, "plan": self.plan, "lake_files": self.lake_files,
                "batches": self.batches, "approved_reports": self.approved_reports}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def take_snapshot(ws: Workspace, datasets: Iterable[str], *, years: Iterable[int] | None = None,
                  plan_code: str | None = None, content_hash: str | None = None) -> DataSnapshot:
    """Hash the lake files of ``datasets`` (only the ``year=`` partitions of ``years`` if given),
    list the committed ingest batches of those datasets and the approved department reports."""
    snap = DataSnapshot(plan={"code": plan_code, "content_hash": content_hash})
    wanted = {f"year={y}" for y in years} if years is not None else None
    root = ws.lake.root
    names = list(datasets)
    for ds in names:
        for f in ws.lake.files(ds):
            rel = f.relative_to(root)
            if wanted is not None and not any(part in wanted for part in rel.parts):
                continue
            snap.lake_files.append({"path": str(rel), "bytes": f.stat().st_size,
                                    "sha256": _sha256(f)})
    with ws.session() as s:
        rows = s.scalars(select(IngestBatch).where(IngestBatch.dataset.in_(names),
                                                   IngestBatch.status == "committed")
                         .order_by(IngestBatch.id))
        for b in rows:
            snap.batches.append({"id": b.id, "dataset": b.dataset, "source_file": b.source_file,
                                 "file_hash": b.file_hash, "rows_accepted": b.rows_accepted,
                                 "finished_at": b.finished_at.isoformat() if b.finished_at
                                 else None})
        if plan_code:
            for kind in ("indicator", "project", "task"):
                for v in pg.list_reports(s, kind, plan_code=plan_code,  # type: ignore[arg-type]
                                         state="approved"):
                    ev = max(e.id for e in v.events if e.state == "approved")
                    snap.approved_reports.append({"kind": kind, "id": v.record.id,
                                                  "approval_event": ev})
    return snap
