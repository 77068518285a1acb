"""The ingestion pipeline: read → validate → compare with the lake → quarantine → atomic write.

Entry points:

* :func:`ingest_file` / :func:`ingest_paths` — files (a folder of daily files = a year);
* :func:`ingest_frame` — an in-memory frame (e.g. hours decoded by the HJ 212 gateway);
* :func:`ingest_sample_year` — the bundled real Shanxi 2019 year (``make demo``).

Accounting invariant of every batch: ``rows_accepted + rows_quarantined == rows_read``. Accepted
rows are written, or counted ``unchanged`` when the lake already holds the same values for their
key. A row whose key is already in the lake with *different* values is quarantined in a normal
load and supersedes the earlier row in a correction batch (``kind="correction"``); superseded rows
move to the ``<dataset>_history`` dataset, so history is kept. The same file (by SHA-256) loaded
twice adds nothing.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import func, insert, select, update

from ecoplan.errors import InputFileError, Location, ValidationError
from ecoplan.ingest.faults import checkpoint
from ecoplan.ingest.flags import FLAG_SOURCE_CLEARED, flag_text, source_codes
from ecoplan.ingest.journal import Staged, apply_journal, batch_tag, lake_lock, recover
from ecoplan.ingest.readers import water as wr
from ecoplan.ingest.readers.air import POLLUTANTS, PUBLISHED, read_air_file
from ecoplan.ingest.readers.online_monitoring import read_device_long
from ecoplan.ingest.readers.problems import Problem, ProblemList
from ecoplan.ingest.registry import import_bundled, lookup, outlets
from ecoplan.ingest.rules import DatasetRules, rules_for
from ecoplan.ingest.validation import Validation, validate, value_counts
from ecoplan.settings import load_settings
from ecoplan.store.db import session_scope
from ecoplan.store.ingest_models import QualityFlag, Supersession
from ecoplan.store.models import IngestBatch, QuarantinedRow
from ecoplan.store.workspace import Workspace

Progress = Callable[[int, int, str], None]

AIR = "air_hourly"
WATER = "water_samples"
GROUNDWATER = "groundwater_samples"
AIR_MINUTE = "air_minute"
AIR_DAILY_DEVICE = "air_daily_device"
ONLINE = "online_monitoring"
HJ212_RAW = "hj212_raw"  # HJ 212-2025 CN 2013 raw data
HJ212_DATA_2025 = "hj212_data_2025"  # HJ 212-2025 CN 2052 / 2062 / 2111
#: short names (CLI) → lake datasets of the ingestion path
DATASETS = {"air": AIR, "water": WATER, "groundwater": GROUNDWATER, "air-minute": AIR_MINUTE,
            "air-daily-device": AIR_DAILY_DEVICE, "online": ONLINE, "online-monitoring": ONLINE,
            "hj212-raw": HJ212_RAW, "hj212-data-2025": HJ212_DATA_2025}
#: lake datasets in the canonical long HJ 212 layout (readers.online_monitoring)
DEVICE_DATASETS = (AIR_MINUTE, AIR_DAILY_DEVICE, ONLINE)


# ------------------------------------------------------------------------------ lake schemas
def air_schema() -> pa.Schema:
    """Schema of the ``air_hourly`` lake dataset (documented in docs/ingest.md)."""
    fields = [pa.field("station_code", pa.string()), pa.field("timestamp", pa.timestamp("us"))]
    fields += [pa.field(p, pa.float64()) for p in POLLUTANTS]
    fields += [pa.field(f"published_{p}", pa.float64()) for p in PUBLISHED]
    fields += [pa.field("published_primary_pollutant", pa.string())]
    fields += [pa.field(f"{p}_flag", pa.string()) for p in POLLUTANTS]
    fields += [pa.field("batch", pa.int64()), pa.field("source_row", pa.int64())]
    return pa.schema(fields)


def water_schema() -> pa.Schema:
    """Schema of ``water_samples`` / ``groundwater_samples``."""
    return pa.schema([
        pa.field("site", pa.string()), pa.field("time", pa.timestamp("us")),
        pa.field("parameter", pa.string()), pa.field("value", pa.float64()),
        pa.field("unit", pa.string()), pa.field("waterbody", pa.string()),
        pa.field("below_dl", pa.bool_()), pa.field("flag", pa.string()),
        pa.field("batch", pa.int64()), pa.field("source_row", pa.int64()),
    ])


def air_device_schema() -> pa.Schema:
    """Schema of ``air_minute`` / ``air_daily_device``: the air stations' and dust monitors' own
    minute (HJ 212 CN 2051) and day (CN 2031) values, one row per value."""
    return pa.schema([
        pa.field("station_code", pa.string()), pa.field("time", pa.timestamp("us")),
        pa.field("parameter", pa.string()), pa.field("value", pa.float64()),
        pa.field("min", pa.float64()), pa.field("max", pa.float64()),
        pa.field("unit", pa.string()), pa.field("flag", pa.string()),
        pa.field("code", pa.string()), pa.field("mn", pa.string()),
        pa.field("batch", pa.int64()), pa.field("source_row", pa.int64()),
    ])


def online_schema() -> pa.Schema:
    """Schema of ``online_monitoring``: enterprise outlets (CEMS flue gas, waste water), minute,
    hour and day values, one row per value."""
    return pa.schema([
        pa.field("outlet", pa.string()), pa.field("enterprise", pa.string()),
        pa.field("mn", pa.string()), pa.field("interval", pa.string()),
        pa.field("time", pa.timestamp("us")), pa.field("parameter", pa.string()),
        pa.field("value", pa.float64()), pa.field("min", pa.float64()),
        pa.field("max", pa.float64()), pa.field("cou", pa.float64()),
        pa.field("zs_value", pa.float64()), pa.field("unit", pa.string()),
        pa.field("cou_unit", pa.string()), pa.field("flag", pa.string()),
        pa.field("code", pa.string()), pa.field("batch", pa.int64()),
        pa.field("source_row", pa.int64()),
    ])


def hj212_2025_schema(dataset: str) -> pa.Schema:
    """Schema of ``hj212_raw`` (HJ 212-2025 CN 2013 raw data: sample and completion time,
    sample type) and ``hj212_data_2025`` (CN 2052 / 2062 / 2111), one row per value."""
    head = [pa.field("mn", pa.string()), pa.field("station_code", pa.string())]
    if dataset == HJ212_RAW:
        body = [pa.field("time", pa.timestamp("us")), pa.field("sample_time", pa.timestamp("us")),
                pa.field("complete_time", pa.timestamp("us")),
                pa.field("sample_type", pa.string()), pa.field("parameter", pa.string()),
                pa.field("code", pa.string()), pa.field("value", pa.float64())]
    else:
        body = [pa.field("cn", pa.string()), pa.field("time", pa.timestamp("us")),
                pa.field("parameter", pa.string()), pa.field("code", pa.string()),
                pa.field("value", pa.float64()), pa.field("min", pa.float64()),
                pa.field("max", pa.float64()), pa.field("cou", pa.float64())]
    return pa.schema([*head, *body, pa.field("unit", pa.string()), pa.field("flag", pa.string()),
                      pa.field("batch", pa.int64()), pa.field("source_row", pa.int64())])


def schema_for(dataset: str) -> pa.Schema:
    if dataset in (HJ212_RAW, HJ212_DATA_2025):
        return hj212_2025_schema(dataset)
    if dataset == AIR:
        return air_schema()
    if dataset in (AIR_MINUTE, AIR_DAILY_DEVICE):
        return air_device_schema()
    if dataset == ONLINE:
        return online_schema()
    return water_schema()


def value_columns(dataset: str) -> list[str]:
    if dataset == HJ212_RAW:
        return ["value", "unit"]
    if dataset == HJ212_DATA_2025:
        return ["value", "min", "max", "cou", "unit"]
    if dataset == AIR:
        return [*POLLUTANTS, *[f"published_{p}" for p in PUBLISHED]]
    if dataset in (AIR_MINUTE, AIR_DAILY_DEVICE):
        return ["value", "min", "max", "unit"]
    if dataset == ONLINE:
        return ["value", "min", "max", "cou", "zs_value", "unit", "cou_unit"]
    return ["value", "unit", "below_dl"]


def flag_columns(dataset: str) -> dict[str, str]:
    """Lake flag column → the name validation gives its flags under."""
    if dataset == AIR:
        return {f"{p}_flag": p for p in POLLUTANTS}
    return {"flag": "value"}


# ------------------------------------------------------------------------------ summary
@dataclass
class BatchSummary:
    """What one load did (``status``: committed | duplicate | dry_run | empty | rejected — a
    file that cannot be read at all, recorded with its reason)."""

    dataset: str
    source: str
    file_hash: str
    status: str
    kind: str = "load"
    batch_id: int | None = None
    duplicate_of: int | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_superseded: int = 0
    rows_unchanged: int = 0
    rows_written: int = 0
    #: rows whose values were already stored but whose source flag changed (also superseded)
    rows_reflagged: int = 0
    #: per value (wide air data: each pollutant cell; long datasets: = rows): a bad value is
    #: quarantined on its own, the other values of its row are kept
    values_read: int = 0
    values_accepted: int = 0
    values_quarantined: int = 0
    #: values quarantined on their own in rows that were kept (one quarantine entry each)
    values_held: int = 0
    #: one entry per kind of problem (code → count, distinct values, the first few, reason)
    problem_kinds: dict[str, dict[str, Any]] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    per_site: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    format: str | None = None
    encoding: str | None = None
    lake_files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _open(workspace: Workspace | Path | str | None) -> Workspace:
    if isinstance(workspace, Workspace):
        return workspace
    if workspace is None:
        return Workspace()

    return Workspace(load_settings(home=Path(workspace)))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def frame_sha256(frame: pd.DataFrame) -> str:
    h = hashlib.sha256()
    h.update(",".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


# ------------------------------------------------------------------------------ registries
def site_lookup(ws: Workspace, rules: DatasetRules) -> dict[str, str]:
    """Every code (and alias; names for water sites) of the dataset's registries → its code."""

    return lookup(ws.engine, rules.registries)


# ------------------------------------------------------------------------------ reading
def read_for(dataset: str, path: Path) -> pd.DataFrame:
    """Read ``path`` with the reader of ``dataset``; problems in ``frame.attrs``."""
    if dataset == AIR:
        return read_air_file(path)
    if dataset in DEVICE_DATASETS:
        return read_device_long(path, dataset)

    name = path.name.lower()
    if name.endswith(".json"):
        wide, problems = wr.read_cnemc_snapshot(path)
        frame = wr.cnemc_to_long(wide) if len(wide) else pd.DataFrame(
            columns=["site", "time", "parameter", "value", "unit", "waterbody", "below_dl"])
        frame["source_row"] = _record_rows(wide, frame)
        frame.attrs["format"] = "cnemc_water_json"
    elif dataset == GROUNDWATER:
        frame, problems = wr.read_groundwater(path)
        frame.attrs["format"] = "groundwater_long"
    else:
        frame, problems = wr.read_surface_water(path)
        frame.attrs["format"] = "water_long"
    frame.attrs["problems"] = ProblemList(problems)
    frame.attrs["file"] = str(path)
    frame.attrs["columns"] = {"value": "value", "parameter": "parameter", "unit": "unit",
                              "site": "site", "time": "time"}
    return frame


def _record_rows(wide: pd.DataFrame, long: pd.DataFrame) -> np.ndarray:
    if "record" not in wide.columns or len(long) == 0:
        return np.zeros(len(long), dtype=np.int64)
    rec = dict(zip(zip(wide["site"], wide["time"], strict=False), wide["record"], strict=False))
    return np.array([rec.get((s, t), 0) for s, t in zip(long["site"], long["time"], strict=False)],
                    dtype=np.int64)


def _rows_read(frame: pd.DataFrame, validation: Validation) -> int:
    return len(frame) + len(validation.orphan_problems)


# ------------------------------------------------------------------------------ lake compare
def _month_dirs(ws: Workspace, dataset: str, times: np.ndarray) -> list[Path]:
    t = pd.DatetimeIndex(times[~np.isnat(times)])
    if len(t) == 0:
        return []
    ym = sorted(set(zip(t.year.tolist(), t.month.tolist(), strict=True)))
    base = ws.lake.dataset_dir(dataset)
    return [base / f"year={y}" / f"month={m}" for y, m in ym if (base / f"year={y}" /
                                                                   f"month={m}").exists()]


def _existing(ws: Workspace, dataset: str, times: np.ndarray, columns: list[str],
              time_column: str) -> pd.DataFrame:
    """Current lake rows of the months ``times`` fall in, with the file each comes from."""
    parts = []
    valid = times[~np.isnat(times)]
    tmin, tmax = (valid.min(), valid.max()) if len(valid) else (None, None)
    for folder in _month_dirs(ws, dataset, times):
        for f in sorted(folder.glob("*.parquet")):
            if f.name.startswith("."):
                continue
            if tmin is not None and _disjoint(f, time_column, tmin, tmax):
                continue  # row-group statistics: no time of this file falls in the new range
            names = set(pq.ParquetFile(f).schema_arrow.names)  # files of an older schema
            # only the rows of the new time range (row groups outside it are not even decoded):
            # a month of minute data is large, a batch of the gateway spans minutes
            rng = None if tmin is None else [
                (time_column, ">=", pd.Timestamp(tmin).to_pydatetime()),
                (time_column, "<=", pd.Timestamp(tmax).to_pydatetime())]
            t = pq.read_table(f, columns=[c for c in columns if c in names],
                              filters=rng).to_pandas()
            t["_file"] = str(f.relative_to(ws.lake.root))
            parts.append(t)
    if not parts:
        return pd.DataFrame(columns=[*columns, "_file"])
    return pd.concat(parts, ignore_index=True)


def _disjoint(path: Path, column: str, tmin: np.datetime64, tmax: np.datetime64) -> bool:
    """Whether the Parquet statistics prove that no ``column`` value lies in [tmin, tmax]."""
    try:
        meta = pq.ParquetFile(path).metadata
        idx = meta.schema.names.index(column)
    except (ValueError, OSError, pa.ArrowInvalid):
        return False
    lo_t, hi_t = pd.Timestamp(tmin), pd.Timestamp(tmax)
    for rg in range(meta.num_row_groups):
        st = meta.row_group(rg).column(idx).statistics
        if st is None or not st.has_min_max:
            return False
        if not (pd.Timestamp(st.max) < lo_t or pd.Timestamp(st.min) > hi_t):
            return False
    return True


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    av, bv = a.to_numpy(), b.to_numpy()
    if av.dtype.kind == "f" or bv.dtype.kind == "f":
        af = pd.to_numeric(a, errors="coerce").to_numpy(dtype=np.float64)
        bf = pd.to_numeric(b, errors="coerce").to_numpy(dtype=np.float64)
        return (af == bf) | (np.isnan(af) & np.isnan(bf))
    sa, sb = a.astype(object), b.astype(object)
    return ((sa == sb) | (sa.isna() & sb.isna())).to_numpy()


# ------------------------------------------------------------------------------ core
def _lake_table(dataset: str, frame: pd.DataFrame, flags: dict[str, np.ndarray],
                batch_id: int) -> pa.Table:
    schema = schema_for(dataset)
    n = len(frame)
    cols: dict[str, Any] = {}
    for f in schema:
        name = f.name
        if name == "batch":
            cols[name] = pa.array(np.full(n, batch_id, dtype=np.int64))
        elif name.endswith("_flag") and dataset == AIR:
            arr = flags.get(name.removesuffix("_flag"))
            cols[name] = pa.array(arr, type=pa.string()) if arr is not None else pa.nulls(
                n, type=pa.string())
        elif name == "flag":
            arr = flags.get("value")
            cols[name] = pa.array(arr, type=pa.string()) if arr is not None else pa.nulls(
                n, type=pa.string())
        elif name in frame.columns:
            s = frame[name]
            if f.type == pa.string():
                if isinstance(s.dtype, pd.CategoricalDtype):
                    cols[name] = pa.Array.from_pandas(s).cast(pa.string())
                else:
                    vals = s.astype(object).where(s.notna(), None).to_numpy()
                    cols[name] = pa.array(vals, type=pa.string())
            elif pa.types.is_timestamp(f.type):
                cols[name] = pa.array(s.to_numpy(dtype="datetime64[us]"), type=f.type)
            elif f.type == pa.bool_():
                cols[name] = pa.array(s.fillna(False).astype(bool).to_numpy(), type=f.type)
            elif f.type == pa.int64():
                cols[name] = pa.array(pd.to_numeric(s, errors="coerce").fillna(0)
                                      .astype(np.int64).to_numpy(), type=f.type)
            else:
                cols[name] = pa.array(pd.to_numeric(s, errors="coerce").to_numpy(
                    dtype=np.float64), type=f.type, from_pandas=True)
        else:
            cols[name] = pa.nulls(n, type=f.type)
    return pa.table(cols, schema=schema)


def _problem_dict(p: Problem) -> dict[str, Any]:
    return {"file": p.file, "row": p.row, "field": p.field, "value": p.value, "reason_zh": p.zh,
            "reason_en": p.en, "code": p.code}


def _raw_rows(frame: pd.DataFrame, idx: np.ndarray) -> list[str]:
    """The rows ``idx`` as JSON text (what was read, for the reviewer)."""
    if len(idx) == 0:
        return []
    sub = frame.iloc[idx]
    text = sub.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
    return text.rstrip("\n").split("\n")


@dataclass
class LakeDiff:
    """How the accepted rows of a batch compare with the lake."""

    unchanged: np.ndarray
    supersede_rows: pd.DataFrame
    reflagged: dict[int, list[str]]


def _prior_load(ws: Workspace, dataset: str, file_hash: str) -> tuple[IngestBatch | None, bool]:
    """The last committed load of the same content, and whether it was clean (nothing
    quarantined — no row, no value): a clean one makes this load a duplicate."""
    with session_scope(ws.engine) as s:
        prior = s.scalars(select(IngestBatch).where(
            IngestBatch.dataset == dataset, IngestBatch.file_hash == file_hash,
            IngestBatch.status == "committed", IngestBatch.kind.in_(["load", "correction"]))
            .order_by(IngestBatch.id.desc())).first()
        if prior is None:
            return None, False
        held = s.scalar(select(func.count()).select_from(QuarantinedRow)
                        .where(QuarantinedRow.batch_id == prior.id))
        s.expunge(prior)
        return prior, prior.rows_quarantined == 0 and not held


def _null_bad_values(frame: pd.DataFrame, v: Validation) -> None:
    """Quarantined values leave the row: the others of their station-hour are kept."""
    for param, mask in v.bad_values.items():
        if param in frame.columns and mask.any():
            frame.loc[mask, param] = np.nan


def _compare_with_lake(ws: Workspace, dataset: str, rules: DatasetRules, frame: pd.DataFrame,
                       v: Validation, kind: str, source: str) -> LakeDiff:
    """Accepted rows against the lake: unchanged, reflagged (same values, other source flag),
    superseded (a correction) or quarantined as a conflict (a normal load)."""
    key = list(rules.key)
    vcols = [c for c in value_columns(dataset) if c in frame.columns]
    ok = ~v.reject
    fcols = flag_columns(dataset)
    diff = LakeDiff(np.zeros(len(frame), bool), pd.DataFrame(), {})
    existing = _existing(ws, dataset, frame.loc[ok, rules.time_column].to_numpy(
        dtype="datetime64[ns]"), [*key, *vcols, *fcols, "batch"], rules.time_column) \
        if ok.any() else pd.DataFrame()
    if not len(existing):
        return diff
    cand = frame.loc[ok, key + vcols].copy()
    cand["_i"] = np.flatnonzero(ok)
    cand[rules.time_column] = cand[rules.time_column].astype("datetime64[us]")
    existing[rules.time_column] = existing[rules.time_column].astype("datetime64[us]")
    existing = existing.rename(columns={c: f"{c}__old" for c in fcols if c in existing.columns})
    m = cand.merge(existing, on=key, how="inner", suffixes=("", "_old"))
    if not len(m):
        return diff
    same = np.ones(len(m), bool)
    for c in vcols:
        if f"{c}_old" in m.columns:
            same &= _same(m[c], m[f"{c}_old"])
    # equal values whose source flag changed (HJ 212 D → N, N → M …): a flag change
    changed = _flag_changes(m, _stated_flags(frame, fcols), v.flags)
    reflag = same & np.array([bool(c) for c in changed], bool)
    for i_, names in zip(m["_i"].to_numpy()[reflag].tolist(),
                         [c for c, r in zip(changed, reflag, strict=True) if r], strict=True):
        diff.reflagged[int(i_)] = names
    diff.unchanged[m.loc[same & ~reflag, "_i"].to_numpy()] = True
    other = m.loc[~same]
    if kind == "correction":
        diff.supersede_rows = pd.concat([m.loc[reflag], other], ignore_index=True)
        return diff
    diff.supersede_rows = m.loc[reflag]
    for i_, b_ in zip(other["_i"].to_numpy().tolist(), other["batch"].to_numpy().tolist(),
                      strict=True):
        i = int(i_)
        row, fld = _locate_row(frame, i)
        v.add(i, Problem(
            frame.attrs.get("file", source), row, fld, None,
            f"与已入库数据冲突（批次 {int(b_)} 的同一站点同一时间数值不同）；"
            "如为更正，请以更正批次（--correction）导入",
            f"conflicts with data already loaded (batch {int(b_)} has other values for the "
            "same site and time); load it as a correction batch (--correction)",
            frame_index=i, code="conflict"))
    return diff


def _all_problems(frame: pd.DataFrame, v: Validation, source: str) -> list[Problem]:
    """Every problem of the batch: quarantined rows, quarantined values, lines that produced
    no row, notes (dashes, note rows) and the columns left out."""
    out = [p for i in sorted(v.problems) for p in v.problems[i]]
    out += [p for i in sorted(v.value_problems) for p in v.value_problems[i]]
    out += v.orphan_problems + list(v.notes)
    for col in frame.attrs.get("ignored_columns") or []:  # reported, not silently dropped
        out.append(Problem(source, 1, col, None,
                           f"未识别的列 {col}，未导入（如需导入请按模板改列名）",
                           f"column {col} not recognised and not loaded (rename it as in the "
                           "template to load it)", code="ignored_column"))
    return out


def problem_kinds(problems: list[Problem]) -> dict[str, dict[str, Any]]:
    """One entry per kind of problem: how often, how many distinct values, the first few."""
    kinds: dict[str, dict[str, Any]] = {}
    for p in problems:
        k = kinds.setdefault(p.code, {"count": 0, "values": [], "distinct": 0,
                                      "reason_zh": p.zh, "reason_en": p.en, "_seen": set()})
        k["count"] += 1
        shown = p.value if p.value is not None else p.field
        if shown is not None and shown not in k["_seen"]:
            k["_seen"].add(shown)
            k["distinct"] += 1
            if len(k["values"]) < 8:
                k["values"].append(str(shown)[:40])
    for k in kinds.values():
        k.pop("_seen")
    return kinds


def _count(summary: BatchSummary, dataset: str, rules: DatasetRules, frame: pd.DataFrame,
           v: Validation, diff: LakeDiff, source: str) -> np.ndarray:
    """Fill the counts of ``summary``; return the mask of rows to write."""
    reject = v.reject
    accepted = ~reject
    write = accepted & ~diff.unchanged
    summary.rows_read = _rows_read(frame, v)
    summary.rows_quarantined = int(reject.sum()) + len(v.orphan_problems)
    summary.rows_accepted = int(accepted.sum())
    summary.rows_unchanged = int(diff.unchanged.sum())
    summary.rows_written = int(write.sum())
    summary.rows_superseded = int(len(diff.supersede_rows))
    summary.rows_reflagged = len(diff.reflagged)
    if rules.long:
        summary.values_read = summary.rows_read
        summary.values_accepted = summary.rows_accepted
        summary.values_quarantined = summary.rows_quarantined
    else:
        vc = value_counts(frame, v, list(rules.parameters))
        summary.values_read, summary.values_accepted = vc.read, vc.accepted
        summary.values_quarantined = vc.quarantined
        summary.values_held = sum(len(ps) for i, ps in v.value_problems.items()
                                  if not reject[i])
    flag_counts: dict[str, int] = {}
    for arr in v.flags.values():
        for f in arr[write]:
            if f is not None:
                for code in str(f).split(","):
                    flag_counts[code] = flag_counts.get(code, 0) + 1
    summary.flags = flag_counts
    summary.per_site = _per_site(frame, rules, reject, diff.supersede_rows)
    problems = _all_problems(frame, v, source)
    summary.problem_kinds = problem_kinds(problems)
    summary.problems = [_problem_dict(p) for p in problems[:50]]
    return write


def _quarantine_rows(frame: pd.DataFrame, v: Validation, batch_id: int,
                     source: str) -> list[dict[str, Any]]:
    """One quarantine row per rejected row, per line that produced no row, and per value
    quarantined on its own in a kept row (field = its column)."""
    out: list[dict[str, Any]] = []
    rejected = np.flatnonzero(v.reject)
    for i, raw in zip(rejected, _raw_rows(frame, rejected), strict=True):
        probs = v.problems.get(int(i), []) or v.value_problems.get(int(i), [])
        first = probs[0] if probs else None
        reason = " / ".join([first.zh, first.en]) if first else "rejected"
        if len(probs) > 1:
            reason += "；另有 / also: " + "; ".join(
                f"{p.field}: {p.zh} / {p.en}" for p in probs[1:5])
        out.append({"batch_id": batch_id, "file": (first.file if first else source)[:1024],
                    "row": first.row if first else None,
                    "field": ((first.field or None) if first else None),
                    "value": first.value if first else None, "reason": reason, "raw": raw,
                    "resolved": False})
    kept = np.array(sorted(i for i in v.value_problems if not v.reject[i]), dtype=np.int64)
    for i, raw in zip(kept, _raw_rows(frame, kept), strict=True):
        for p in v.value_problems[int(i)]:
            out.append({"batch_id": batch_id, "file": (p.file or source)[:1024], "row": p.row,
                        "field": (p.field or p.parameter or "")[:64] or None, "value": p.value,
                        "reason": f"{p.zh} / {p.en}", "raw": raw, "resolved": False})
    for p in v.orphan_problems:
        out.append({"batch_id": batch_id, "file": p.file[:1024], "row": p.row,
                    "field": p.field, "value": p.value, "reason": f"{p.zh} / {p.en}",
                    "raw": p.value, "resolved": False})
    return out


def load_frame(ws: Workspace, dataset: str, frame: pd.DataFrame, *, source: str,
               file_hash: str, kind: str = "load", dry_run: bool = False,
               progress: Progress | None = None) -> BatchSummary:
    """Validate ``frame`` (a reader's canonical frame) and load it as one batch."""
    started = time.perf_counter()
    rules = rules_for(dataset)
    if kind not in {"load", "correction"}:
        raise ValidationError(f"未知的批次类型：{kind}", f"Unknown batch kind: {kind}")
    summary = BatchSummary(dataset=dataset, source=source, file_hash=file_hash,
                           status="dry_run" if dry_run else "committed", kind=kind,
                           format=frame.attrs.get("format"), encoding=frame.attrs.get("encoding"))
    with lake_lock(ws.lake):
        if not dry_run:
            recover(ws.engine, ws.lake)
        # A file whose earlier load quarantined rows or values may be loaded again (e.g. after
        # the missing stations were registered): rows already in the lake count as unchanged.
        prior, clean = _prior_load(ws, dataset, file_hash)
        if prior is not None and clean:
            summary.status = "duplicate"
            summary.duplicate_of = prior.id
            summary.seconds = time.perf_counter() - started
            return summary
        frame = frame.reset_index(drop=True)
        if dataset == ONLINE:
            _fill_enterprise(ws, frame)
        v = validate(frame, rules, site_lookup(ws, rules))
        _null_bad_values(frame, v)  # counted still: a value is read when present or bad
        if progress:
            progress(1, 3, source)
        diff = _compare_with_lake(ws, dataset, rules, frame, v, kind, source)
        write = _count(summary, dataset, rules, frame, v, diff, source)
        if not dry_run:
            _commit(ws, dataset, rules, frame, v, diff, write, summary, prior, progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _commit(ws: Workspace, dataset: str, rules: DatasetRules, frame: pd.DataFrame,
            v: Validation, diff: LakeDiff, write: np.ndarray, summary: BatchSummary,
            prior: IngestBatch | None, progress: Progress | None) -> None:
    """Stage, record and publish one batch (steps 1–4 of docs/ingest.md)."""
    source, file_hash, lake = summary.source, summary.file_hash, ws.lake
    if summary.rows_read == 0:
        summary.status = "empty"
    with session_scope(ws.engine) as s:  # step 1: the batch row, status running
        b = IngestBatch(dataset=dataset, source_file=source[:1024], file_hash=file_hash,
                        status="running", kind=summary.kind, rows_read=summary.rows_read)
        s.add(b)
        s.flush()
        batch_id = b.id
    summary.batch_id = batch_id
    tag = batch_tag(batch_id)
    staged = Staged(lake)
    try:  # step 2: temporaries
        table = _lake_table(dataset, frame.loc[write].reset_index(drop=True),
                            {k: a[write] for k, a in v.flags.items()}, batch_id)
        staged.stage(dataset, table, tag, time_column=rules.time_column)
        superseded_by_batch: dict[int, int] = {}
        if len(diff.supersede_rows):
            superseded_by_batch = _stage_supersede(ws, dataset, rules, diff.supersede_rows,
                                                   staged, batch_id, tag)
        if progress:
            progress(2, 3, source)
        checkpoint("staged")
        _record(ws, dataset, rules, frame, v, diff, write, summary, prior, staged,
                superseded_by_batch)
    except BaseException:
        staged.discard()
        with session_scope(ws.engine) as s:
            b = s.get(IngestBatch, batch_id)
            if b is not None and b.status == "running":
                b.status = "rolled_back"
                b.finished_at = datetime.now(UTC)
        raise
    checkpoint("committing")  # step 4: make it visible
    apply_journal(lake, staged.journal())
    with session_scope(ws.engine) as s:
        b = s.get(IngestBatch, batch_id)
        assert b is not None
        b.status = "committed"
        b.finished_at = datetime.now(UTC)
    summary.lake_files = [f for _, f in staged.add]
    if summary.status != "empty":
        summary.status = "committed"
    if progress:
        progress(3, 3, source)


def _record(ws: Workspace, dataset: str, rules: DatasetRules, frame: pd.DataFrame,
            v: Validation, diff: LakeDiff, write: np.ndarray, summary: BatchSummary,
            prior: IngestBatch | None, staged: Staged, superseded_by_batch: dict[int, int]
            ) -> None:
    """Step 3: one transaction with quarantine, flags, supersessions; status committing."""
    batch_id = summary.batch_id
    assert batch_id is not None
    with session_scope(ws.engine) as s:
        q_rows = _quarantine_rows(frame, v, batch_id, summary.source)
        if q_rows:
            s.execute(insert(QuarantinedRow), q_rows)
        f_rows = _flag_rows(dataset, rules, frame, v, write, batch_id, diff.reflagged)
        if f_rows:
            s.execute(insert(QualityFlag), f_rows)
        if prior is not None:  # the earlier quarantine of this file is re-examined here
            s.execute(update(QuarantinedRow).where(
                QuarantinedRow.batch_id.in_(select(IngestBatch.id).where(
                    IngestBatch.dataset == dataset, IngestBatch.file_hash == summary.file_hash,
                    IngestBatch.id != batch_id))).values(resolved=True))
        for old, n in superseded_by_batch.items():
            s.add(Supersession(batch_id=batch_id, superseded_batch_id=old, dataset=dataset,
                               rows=n))
        b = s.get(IngestBatch, batch_id)
        assert b is not None
        b.status = "committing"
        b.rows_read = summary.rows_read
        b.rows_accepted = summary.rows_accepted
        b.rows_quarantined = summary.rows_quarantined
        b.rows_superseded = summary.rows_superseded
        b.lake_files = staged.journal()
        b.message = json.dumps({"ignored_columns": frame.attrs.get("ignored_columns") or [],
                                "unchanged": summary.rows_unchanged,
                                "written": summary.rows_written,
                                "reflagged": summary.rows_reflagged, "flags": summary.flags,
                                "format": summary.format, "encoding": summary.encoding,
                                "values_read": summary.values_read,
                                "values_accepted": summary.values_accepted,
                                "values_quarantined": summary.values_quarantined},
                               ensure_ascii=False)


def _fill_enterprise(ws: Workspace, frame: pd.DataFrame) -> None:
    """``enterprise`` of online-monitoring rows that do not name it: the enterprise the device
    registry gives the outlet."""

    if "enterprise" not in frame.columns:
        frame["enterprise"] = None
    empty = frame["enterprise"].isna().to_numpy()
    if not empty.any() or "outlet" not in frame.columns:
        return
    known = {k: v["enterprise"] for k, v in outlets(ws.engine).items()}
    frame.loc[empty, "enterprise"] = frame.loc[empty, "outlet"].map(known).to_numpy()


def _locate_row(frame: pd.DataFrame, i: int) -> tuple[int | None, str | None]:
    src = frame["source_row"].iat[i] if "source_row" in frame.columns else None
    return (int(src) if src is not None and not pd.isna(src) else None), None


#: ``frame.attrs[SOURCE_FLAGS_COMPLETE] = True``: the frame states the source flag of every value
#: (a value without one is normal) even where it has no flag column — the HJ 212 gateway's clean
#: station-hour frames, whose flag columns are left out when nothing is flagged.
SOURCE_FLAGS_COMPLETE = "source_flags_complete"


def _stated_flags(frame: pd.DataFrame, fcols: dict[str, str]) -> dict[str, str]:
    """The flag columns the input speaks for: those it has (a file without flags says nothing
    about them, so it neither sets nor clears a source flag), or all when it says so."""
    if frame.attrs.get(SOURCE_FLAGS_COMPLETE):
        return fcols
    return {c: n for c, n in fcols.items() if c in frame.columns}


def _flag_changes(m: pd.DataFrame, fcols: dict[str, str], flags: dict[str, np.ndarray]
                  ) -> list[list[str]]:
    """For each merged (new, stored) row: the parameters whose source flags differ."""
    out: list[list[str]] = [[] for _ in range(len(m))]
    idx = m["_i"].to_numpy()
    for col, name in fcols.items():
        old = m[f"{col}__old"].to_numpy(dtype=object) if f"{col}__old" in m.columns else None
        new = flags.get(name)
        some = np.zeros(len(m), bool)  # only rows with a flag on either side are looked at
        if old is not None:
            some |= pd.notna(old)
        if new is not None:
            some |= pd.notna(new[idx])
        for j in np.flatnonzero(some):
            before = source_codes(old[j]) if old is not None else frozenset()
            after = source_codes(new[idx[j]]) if new is not None else frozenset()
            if before != after:
                out[j].append(name)
    return out


def _flag_key(rules: DatasetRules, frame: pd.DataFrame) -> np.ndarray | None:
    """Key columns beyond site, time and parameter (``interval`` of online_monitoring): they
    qualify the parameter in the flag history (``so2/minute``)."""
    extra = [k for k in rules.key if k not in (rules.site_column, rules.time_column, "parameter")]
    if not extra:
        return None
    parts = [frame[k].astype(object).astype(str).to_numpy() for k in extra]
    out = parts[0]
    for p in parts[1:]:
        out = np.char.add(np.char.add(out.astype(str), "/"), p.astype(str))
    return out


def _flag_rows(dataset: str, rules: DatasetRules, frame: pd.DataFrame, v: Validation,
               write: np.ndarray, batch_id: int,
               reflagged: dict[int, list[str]] | None = None) -> list[dict[str, Any]]:
    """Flag-history rows of the written values; for a value stored before whose source flag
    changed only the new source flags (or ``source_cleared``) are appended."""
    reflagged = reflagged or {}
    rows: list[dict[str, Any]] = []
    site = frame[rules.site_column].astype(object).to_numpy()
    ts = frame[rules.time_column]
    params = frame["parameter"].astype(object).to_numpy() if rules.long else None
    qualifier = _flag_key(rules, frame)

    def add(i: int, name: str, code: str) -> None:
        zh, en = flag_text(code)
        param = str(params[i]) if params is not None else name
        if qualifier is not None:
            param = f"{param}/{qualifier[i]}"
        rows.append({"batch_id": batch_id, "dataset": dataset, "site_code": str(site[i]),
                     "timestamp": ts.iat[i].to_pydatetime(), "parameter": param[:32],
                     "flag": code, "reason": f"{zh} / {en}", "actor": "ingest"})

    for name, arr in v.flags.items():
        idx = np.flatnonzero(write & pd.notna(arr))
        for i in idx:
            changed = reflagged.get(int(i))
            if changed is not None:
                if name in changed:
                    for code in sorted(source_codes(arr[i])):
                        add(int(i), name, code)
                continue
            for code in str(arr[i]).split(","):
                add(int(i), name, code)
    for i, names in reflagged.items():  # flags withdrawn by the source
        for name in names:
            arr = v.flags.get(name)
            if not source_codes(arr[i] if arr is not None else None):
                add(i, name, FLAG_SOURCE_CLEARED)
    return rows


def _per_site(frame: pd.DataFrame, rules: DatasetRules, reject: np.ndarray,
              supersede_rows: pd.DataFrame) -> dict[str, dict[str, int]]:
    if len(frame) == 0:
        return {}
    site = frame[rules.site_column]
    if not isinstance(site.dtype, pd.CategoricalDtype):
        site = site.astype(object).fillna("?").astype(str)
    df = pd.DataFrame({"site": site.to_numpy(), "q": reject.astype(np.int64)})
    g = df.groupby("site", observed=True)["q"].agg(["size", "sum"])
    out = {str(k): {"read": n, "accepted": n - q, "quarantined": q, "superseded": 0}
           for k, n, q in zip(g.index.tolist(), g["size"].to_numpy().tolist(),
                              g["sum"].to_numpy().tolist(), strict=True)}
    if len(supersede_rows):
        for k, n in supersede_rows.groupby(rules.site_column).size().items():
            out.setdefault(str(k), {"read": 0, "accepted": 0, "quarantined": 0,
                                    "superseded": 0})["superseded"] = int(n)
    return out


def _stage_supersede(ws: Workspace, dataset: str, rules: DatasetRules, rows: pd.DataFrame,
                     staged: Staged, batch_id: int, tag: str) -> dict[int, int]:
    """Rewrite the files holding superseded rows without them; move them to history."""
    key = list(rules.key)
    counts: dict[int, int] = {}
    history_parts: list[pa.Table] = []
    for rel in sorted(rows["_file"].unique()):
        path = ws.lake.root / rel
        table = pq.read_table(path)
        # Hive partition columns are not stored in the file
        old = table.to_pandas()
        drop_keys = rows.loc[rows["_file"] == rel, key]
        drop_keys = drop_keys.assign(**{rules.time_column: drop_keys[rules.time_column].astype(
            "datetime64[us]")})
        old_k = old.assign(**{rules.time_column: old[rules.time_column].astype("datetime64[us]")})
        marked = old_k.merge(drop_keys.assign(_drop=True), on=key, how="left")
        drop = marked["_drop"].fillna(False).astype(bool).to_numpy()
        keep_t = table.filter(pa.array(~drop))
        gone = table.filter(pa.array(drop))
        for b, n in pd.Series(gone.column("batch").to_numpy()).value_counts().items():
            counts[int(b)] = counts.get(int(b), 0) + int(n)
        stem = Path(rel).name.rsplit("-", 1)[0]
        if keep_t.num_rows:
            staged.stage(dataset, keep_t, tag, time_column=rules.time_column,
                         stem=f"{stem}-r{tag}")
        staged.remove.append(rel)
        hist = gone.append_column("superseded_by", pa.array(np.full(gone.num_rows, batch_id,
                                                                     dtype=np.int64)))
        history_parts.append(hist)
    if history_parts:
        staged.stage(f"{dataset}_history", pa.concat_tables(history_parts), tag,
                     time_column=rules.time_column)
    return counts


# ------------------------------------------------------------------------------ public API
def ingest_file(workspace: Workspace | Path | str | None, dataset: str, path: str | Path, *,
                kind: str = "load", dry_run: bool = False,
                progress: Progress | None = None) -> BatchSummary:
    """Load one file into ``dataset`` (``air_hourly``, ``water_samples``,
    ``groundwater_samples``, and in the canonical long layout ``online_monitoring``,
    ``air_minute``, ``air_daily_device``) as one batch."""
    ws = _open(workspace)
    path = Path(path)
    if not path.is_file():
        raise InputFileError("文件不存在", "File does not exist", location=Location(str(path)))
    dataset = DATASETS.get(dataset, dataset)
    rules_for(dataset)
    digest = file_sha256(path)
    if not dry_run:  # the ledger first: a file loaded before is not even read again
        prior, clean = _prior_load(ws, dataset, digest)
        if prior is not None and clean:
            return BatchSummary(dataset=dataset, source=str(path), file_hash=digest,
                                status="duplicate", kind=kind, duplicate_of=prior.id)
    try:
        frame = read_for(dataset, path)
    except InputFileError as exc:
        return _rejected_file(ws, dataset, path, digest, kind, exc, dry_run)
    return load_frame(ws, dataset, frame, source=str(path), file_hash=digest, kind=kind,
                      dry_run=dry_run, progress=progress)


def _rejected_file(ws: Workspace, dataset: str, path: Path, digest: str, kind: str,
                   exc: InputFileError, dry_run: bool) -> BatchSummary:
    """A file that cannot be read at all: recorded as a rejected batch with its reason."""
    loc = exc.location or Location(str(path))
    problem = Problem(str(path), loc.row, loc.field, None, exc.message("zh"), exc.message("en"),
                      whole_row=True, code="unreadable_file")
    summary = BatchSummary(dataset=dataset, source=str(path), file_hash=digest,
                           status="dry_run" if dry_run else "rejected", kind=kind,
                           problems=[_problem_dict(problem)])
    if dry_run:
        return summary
    with session_scope(ws.engine) as s:
        b = IngestBatch(dataset=dataset, source_file=str(path)[:1024], file_hash=digest,
                        status="rejected", kind=kind, finished_at=datetime.now(UTC),
                        message=f"{exc.message('zh')} / {exc.message('en')}")
        s.add(b)
        s.flush()
        s.add(QuarantinedRow(batch_id=b.id, file=str(path)[:1024], row=loc.row, field=loc.field,
                             value=None, reason=f"{exc.zh} / {exc.en}", raw=None))
        summary.batch_id = b.id
    return summary


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and not f.name.startswith(".")
                              and f.name.lower().endswith((".csv", ".csv.gz", ".txt", ".parquet",
                                                           ".pq", ".xlsx", ".json"))))
        else:
            out.append(p)
    return out


def ingest_paths(workspace: Workspace | Path | str | None, dataset: str,
                 paths: Iterable[str | Path], *, kind: str = "load", dry_run: bool = False,
                 progress: Callable[[int, int, Path], None] | None = None
                 ) -> list[BatchSummary]:
    """Load files and folders (a folder of daily CNEMC files = a year), one batch per file."""
    ws = _open(workspace)
    files = expand_paths(paths)
    out = []
    for n, f in enumerate(files, start=1):
        out.append(ingest_file(ws, dataset, f, kind=kind, dry_run=dry_run))
        if progress:
            progress(n, len(files), f)
    return out


def ingest_frame(workspace: Workspace | Path | str | None, dataset: str, frame: pd.DataFrame,
                 *, source: str, source_hash: str | None = None,
                 kind: str = "load") -> BatchSummary:
    """Load an in-memory frame (e.g. from the HJ 212 gateway) with validation, quarantine,
    idempotence and atomic write.

    ``frame`` holds the canonical columns of ``dataset``: for ``air_hourly``
    ``station_code, timestamp`` (naive Beijing time, hour-ending) and any of
    ``pm25 pm10 so2 no2 o3 co`` (μg/m³, CO mg/m³) and ``published_*``; for water datasets
    ``site, time, parameter, value, unit``; for ``air_minute`` / ``air_daily_device``
    ``station_code, time`` (HJ 212 DataTime, period start), ``parameter, value, min, max, unit,
    flag, code, mn``; for ``online_monitoring`` ``outlet, enterprise, mn, interval, time,
    parameter, value, min, max, cou, cou_unit, zs_value, unit, flag, code``
    (:func:`online_schema`). ``source`` names where it came from (shown in
    quarantine messages); ``source_hash`` identifies the content for the idempotence ledger
    (default: a hash of the frame), so the same content twice adds nothing.
    """
    ws = _open(workspace)
    dataset = DATASETS.get(dataset, dataset)
    rules = rules_for(dataset)
    f = frame.copy().reset_index(drop=True)
    if rules.site_column not in f.columns or rules.time_column not in f.columns:
        raise ValidationError(
            f"数据缺少列 {rules.site_column} 或 {rules.time_column}",
            f"The frame lacks the column {rules.site_column} or {rules.time_column}",
            location=Location(source))
    f[rules.time_column] = pd.to_datetime(f[rules.time_column], errors="coerce")
    if getattr(f[rules.time_column].dt, "tz", None) is not None:
        f[rules.time_column] = f[rules.time_column].dt.tz_convert("Asia/Shanghai") \
            .dt.tz_localize(None)
    problems = list(frame.attrs.get("problems", []))
    for i in np.flatnonzero(f[rules.time_column].isna().to_numpy()):
        problems.append(Problem(source, int(i) + 1, rules.time_column, None, "时间无法识别",
                                "unreadable time", frame_index=int(i), code="bad_timestamp"))
    if dataset == AIR:
        for p in POLLUTANTS:
            if p not in f.columns:
                f[p] = np.nan
            else:
                f[p] = pd.to_numeric(f[p], errors="coerce")
    elif dataset in DEVICE_DATASETS:
        schema = schema_for(dataset)
        for col in schema.names:
            if schema.field(col).type == pa.float64():
                f[col] = pd.to_numeric(f[col], errors="coerce") if col in f.columns else np.nan
    if "source_row" not in f.columns:
        f["source_row"] = np.arange(1, len(f) + 1, dtype=np.int64)
    f.attrs.update({"problems": ProblemList(problems), "file": source, "format": "frame"})
    digest = source_hash or frame_sha256(frame)
    if len(digest) > 64:  # the ledger column holds 64 characters
        digest = hashlib.sha256(digest.encode("utf-8")).hexdigest()
    return load_frame(ws, dataset, f, source=source, file_hash=digest, kind=kind)


def ingest_sample_year(workspace: Workspace | Path | str | None = None,
                       progress: Progress | None = None) -> BatchSummary:
    """Load the bundled real year (59 Shanxi national stations, 2019) into ``air_hourly``.

    Imports the bundled station registry first if it is missing; idempotent (a second call
    returns a ``duplicate`` summary and adds nothing).
    """
    from ecoplan.sample_data import sample_path  # deferred: sample data only when asked for

    ws = _open(workspace)
    import_bundled(ws.engine)
    return ingest_file(ws, AIR, sample_path("realdata", "shanxi_hourly_2019.csv.gz"),
                       progress=progress)
