"""``ecoplan flags list|export``: flagged and quarantined values with their reasons.

Flagged values are kept in the lake with a quality flag (``suspect_constant``, ``suspect_spike``,
``suspect_high``, ``not_monitored``, HJ 212 source flags, reviewers' ``invalid`` …: table
``ingest_flags``, append-only); quarantined rows and values were not stored (table ``quarantine``,
with file, row, field and reason). An analyst reviews both here instead of querying Parquet
files; a reviewer's judgement is appended with ``ecoplan ingest flag``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecoplan.commands.analysis_input import FromOpt, StationOpt, ToOpt
from ecoplan.console import emit_json, ok, print_table
from ecoplan.i18n import get_lang, tr

if TYPE_CHECKING:
    import pandas as pd

    from ecoplan.store.workspace import Workspace

NAME = "flags"
app = typer.Typer(help="有质量标记的数值与被隔离的行和数值（含原因）/ flagged and quarantined values "
                       "with their reasons", no_args_is_help=True)

KindOpt = Annotated[str, typer.Option(
    "--kind", help="flagged（有标记的数值）| quarantined（被隔离的行和数值）| all / which")]
DatasetOpt = Annotated[str | None, typer.Option(
    "--dataset", help="数据集（默认全部），如 air_hourly / dataset (default: all)")]
FlagOpt = Annotated[list[str] | None, typer.Option(
    "--flag", help="只列出这些标记，可重复（标记名见 flags list 的“标记”列）/ only these flags "
                   "(repeatable; the names are in the flag column of flags list)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]


def flagged_values(ws: Workspace, *, dataset: str | None = None, flags: list[str] | None = None,
                   sites: list[str] | None = None, start: date | None = None,
                   end: date | None = None, limit: int | None = None) -> pd.DataFrame:
    """Flag entries (oldest first) with the flag explained in words."""
    import pandas as pd
    from sqlalchemy import select

    from ecoplan.ingest.flags import flag_text
    from ecoplan.store.db import session_scope
    from ecoplan.store.ingest_models import QualityFlag

    q = select(QualityFlag)
    if dataset:
        q = q.where(QualityFlag.dataset == dataset)
    if flags:
        q = q.where(QualityFlag.flag.in_(flags))
    if sites:
        q = q.where(QualityFlag.site_code.in_(sites))
    if start:
        q = q.where(QualityFlag.timestamp > datetime.combine(start, datetime.min.time()))
    if end:
        q = q.where(QualityFlag.timestamp <= datetime.combine(end + timedelta(days=1),
                                                              datetime.min.time()))
    q = q.order_by(QualityFlag.id)
    if limit:
        q = q.limit(limit)
    zh = get_lang() == "zh"
    with session_scope(ws.engine) as s:
        rows = [{"dataset": r.dataset, "site": r.site_code, "timestamp": r.timestamp,
                 "parameter": r.parameter, "flag": r.flag,
                 "meaning": flag_text(r.flag)[0 if zh else 1], "reason": _one_language(r.reason),
                 "actor": r.actor, "batch_id": r.batch_id, "recorded_at": r.recorded_at}
                for r in s.scalars(q)]
    return pd.DataFrame(rows, columns=["dataset", "site", "timestamp", "parameter", "flag",
                                       "meaning", "reason", "actor", "batch_id", "recorded_at"])


def quarantined_values(ws: Workspace, *, dataset: str | None = None,
                       include_resolved: bool = False, limit: int | None = None
                       ) -> pd.DataFrame:
    """Quarantined rows and values with file, row, field, value and reason."""
    import pandas as pd
    from sqlalchemy import select

    from ecoplan.store.db import session_scope
    from ecoplan.store.models import IngestBatch, QuarantinedRow

    q = select(QuarantinedRow, IngestBatch.dataset).join(
        IngestBatch, IngestBatch.id == QuarantinedRow.batch_id)
    if dataset:
        q = q.where(IngestBatch.dataset == dataset)
    if not include_resolved:
        q = q.where(QuarantinedRow.resolved.is_(False))
    q = q.order_by(QuarantinedRow.id)
    if limit:
        q = q.limit(limit)
    with session_scope(ws.engine) as s:
        rows = []
        for r, ds in s.execute(q):
            reason = _one_language(r.reason)
            rows.append({"dataset": ds, "batch_id": r.batch_id, "file": Path(r.file).name,
                         "row": r.row, "field": r.field, "value": r.value, "reason": reason,
                         "resolved": bool(r.resolved)})
    return pd.DataFrame(rows, columns=["dataset", "batch_id", "file", "row", "field", "value",
                                       "reason", "resolved"])


def _one_language(reason: str | None) -> str | None:
    """Reasons are stored as "中文 / English": the part of the user's language."""
    if not reason or " / " not in reason:
        return reason
    zh, _, en = reason.partition(" / ")
    return zh if get_lang() == "zh" else en


def _tables(kind: str, dataset: str | None, flag: list[str] | None, station: list[str] | None,
            date_from: str | None, date_to: str | None, limit: int | None,
            ) -> dict[str, pd.DataFrame]:
    from ecoplan.commands import analysis_input as ai

    if kind not in ("flagged", "quarantined", "all"):
        raise typer.BadParameter(tr("应为 flagged、quarantined 或 all",
                                    "expected flagged, quarantined or all"), param_hint="--kind")
    ws = ai.workspace()
    f = ai.filters(ws, "station", station, None, date_from, date_to) if station else \
        ai.filters(None, "station", None, None, date_from, date_to)
    out: dict[str, pd.DataFrame] = {}
    if kind in ("flagged", "all"):
        out["flagged"] = flagged_values(ws, dataset=dataset, flags=flag, sites=f.stations,
                                        start=f.start, end=f.end, limit=limit)
    if kind in ("quarantined", "all"):
        out["quarantined"] = quarantined_values(ws, dataset=dataset, limit=limit)
    return out


SHEETS = {"flagged": ("有质量标记的数值", "flagged values"),
          "quarantined": ("被隔离的行和数值", "quarantined rows and values")}


@app.command("list")
def list_command(
    kind: KindOpt = "all", dataset: DatasetOpt = None, flag: FlagOpt = None,
    station: StationOpt = None, date_from: FromOpt = None, date_to: ToOpt = None,
    limit: Annotated[int, typer.Option("--limit", help="每类最多显示条数 / max rows per kind")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """列出有质量标记的数值（长时间恒定、突变尖峰、异常偏高、未监测、审核标记……）和被隔离的行与数值
    （含原因）/ list flagged values (constant runs, spikes, high values, reviewers' flags …) and
    quarantined rows and values with their reasons."""
    from ecoplan.reports.tables import prepare, title

    tables = _tables(kind, dataset, flag, station, date_from, date_to, None)
    if as_json:
        emit_json({k: prepare(v).astype(object).where(prepare(v).notna(), None)
                   .to_dict("records") for k, v in tables.items()})
        return
    for k, frame in tables.items():
        shown = prepare(frame.head(limit))
        cols = [c for c in shown.columns if c not in ("recorded_at", "resolved")]
        note = tr(f"（共 {len(frame)} 条，显示前 {min(limit, len(frame))} 条）",
                  f" ({len(frame)}, first {min(limit, len(frame))} shown)")
        print_table(tr(*SHEETS[k]) + note, [title(c) for c in cols],
                    shown[cols].astype(object).where(shown[cols].notna(), "").values.tolist())
    counts = {k: len(v) for k, v in tables.items()}
    ok("，".join(f"{SHEETS[k][0]} {n} 条" for k, n in counts.items())
       + "；导出全部：ecoplan flags export -o 文件.xlsx",
       ", ".join(f"{SHEETS[k][1]} {n}" for k, n in counts.items())
       + "; export all with `ecoplan flags export -o FILE.xlsx`")


@app.command("export")
def export_command(
    output: Annotated[Path, typer.Option("-o", "--output", help="输出 .xlsx 或 .csv / output")],
    kind: KindOpt = "all", dataset: DatasetOpt = None, flag: FlagOpt = None,
    station: StationOpt = None, date_from: FromOpt = None, date_to: ToOpt = None,
) -> None:
    """导出有质量标记的数值和被隔离的行与数值（Excel 每类一个工作表）/ export them (one sheet each)."""
    from ecoplan.reports.tables import write_tables

    tables = _tables(kind, dataset, flag, station, date_from, date_to, None)
    files = write_tables(output, {tr(*SHEETS[k]): v for k, v in tables.items()})
    n = sum(len(v) for v in tables.values())
    ok(f"已导出 {n} 条：{', '.join(map(str, files))}", f"Exported {n} rows: "
       f"{', '.join(map(str, files))}")
