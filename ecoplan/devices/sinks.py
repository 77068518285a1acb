"""Where the gateway's data goes, off the event loop.

- :class:`MeasurementSink` — minute/hour/day rows, batched and handed to the ingestion path
  (:func:`ecoplan.ingest.ingest_frame`: validation, quarantine, idempotence) from a background
  thread. A failed write keeps the rows and retries: nothing is dropped.
- :class:`Recorder` — device events and held packets into the metadata database, batched.
"""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from ecoplan.devices.datasets2025 import DATASETS_2025
from ecoplan.devices.datasets2025 import dataset_frame as frame_2025
from ecoplan.devices.records import (
    _AIR_COL,
    AIR_DAILY_DEVICE,
    AIR_HOURLY,
    AIR_MINUTE,
    AIR_POLLUTANTS,
    COLUMNS,
    ONLINE_MONITORING,
    AirRecord,
    air_factor,
)
from ecoplan.errors import EcoplanError
from ecoplan.ingest.pipeline import ingest_frame
from ecoplan.standards.hj212_flags import source_flag
from ecoplan.store.db import session_scope
from ecoplan.store.hj212_models import Hj212DeviceEvent, Hj212HeldPacket
from ecoplan.store.workspace import Workspace

Writer = Callable[[str, Any, str, str], Any]


class StorageUnavailable(EcoplanError):
    """The ingestion path (``ecoplan.ingest.ingest_frame``) is not available in this build."""


def frame_of(rows: list[tuple[Any, ...]]) -> Any:
    """Rows (tuples in :data:`~.records.COLUMNS` order) → pandas DataFrame, types fixed."""
    frame = pd.DataFrame.from_records(rows, columns=list(COLUMNS))
    for col in ("data_time", "received_at", "sample_time"):
        frame[col] = pd.to_datetime(frame[col])
    return frame


_I = {c: i for i, c in enumerate(COLUMNS)}


def air_records(rows: list[tuple[Any, ...]]) -> list[AirRecord]:
    """Gateway rows → ``air_hourly`` station-hour records (values converted, None if absent;
    the HJ 212 flag of each value as its lake flag code, :func:`~.source_flag`)."""
    st, dt, pol, unit = _I["station_code"], _I["data_time"], _I["pollutant"], _I["unit"]
    avg, rtd, flag, dialect = _I["avg"], _I["rtd"], _I["flag"], _I["dialect"]
    slot: dict[tuple[Any, Any], tuple[list[float | None], list[str | None]]] = {}
    for r in rows:
        p = r[pol]
        j = _AIR_COL.get(p)
        if j is None:
            continue
        factor = air_factor(r[unit], p)
        value = r[avg] if r[avg] is not None else r[rtd]
        if factor is None or value is None:
            continue
        key = (r[st], r[dt])
        hit = slot.get(key)
        if hit is None:
            hit = slot[key] = ([None] * len(AIR_POLLUTANTS), [None] * len(AIR_POLLUTANTS))
        hit[0][j] = value * factor if factor != 1.0 else value
        hit[1][j] = source_flag(r[flag], r[dialect])
    return [(k[0], k[1], tuple(v), tuple(f) if any(f) else None)
            for k, (v, f) in slot.items()]


def air_frame(records: list[AirRecord]) -> Any:
    """The ``air_hourly`` frame of station-hour records: one row per station and hour
    (records of the same hour merged, later values win, each with its flag), hour-ending label
    (HJ 212 DataTime is the start of the period, §4); ``<pollutant>_flag`` columns only when a
    value is flagged. Built column by column: this runs for every stored packet."""
    slot: dict[tuple[Any, Any], int] = {}
    stations: list[Any] = []
    times: list[Any] = []
    cols: list[list[float]] = [[] for _ in AIR_POLLUTANTS]
    flag_cols: list[list[str | None]] | None = None
    nan = float("nan")
    for station, data_time, vals, flags in records:
        i = None
        for j, v in enumerate(vals):
            if v is None:
                continue
            if i is None:
                key = (station, data_time)
                i = slot.get(key)
                if i is None:
                    i = slot[key] = len(stations)
                    stations.append(station)
                    times.append(data_time)
                    for c in cols:
                        c.append(nan)
                    if flag_cols is not None:
                        for fc in flag_cols:
                            fc.append(None)
            cols[j][i] = v
            if flags is not None and flag_cols is None:
                flag_cols = [[None] * len(stations) for _ in AIR_POLLUTANTS]
            if flag_cols is not None:
                flag_cols[j][i] = flags[j] if flags is not None else None
    data: dict[str, Any] = {
        "station_code": pd.Series(stations, dtype="str"),
        "timestamp": pd.to_datetime(pd.Series(times, dtype=object)) + pd.Timedelta(hours=1),
    }
    for j, name in enumerate(AIR_POLLUTANTS):
        data[name] = np.asarray(cols[j], dtype=np.float64)
    columns = ["station_code", "timestamp", *AIR_POLLUTANTS]
    if flag_cols is not None:
        for j, name in enumerate(AIR_POLLUTANTS):
            data[f"{name}_flag"] = pd.Series(flag_cols[j], dtype=object)
        columns += [f"{name}_flag" for name in AIR_POLLUTANTS]
    frame = pd.DataFrame(data, columns=columns)
    # every value's HJ 212 flag is known (none = N): a clean re-send clears an earlier flag
    frame.attrs["source_flags_complete"] = True
    return frame


def dataset_frame(dataset: str, rows: list[tuple[Any, ...]]) -> Any:
    """The canonical frame of a lake dataset of the ingestion path from gateway rows.

    ``air_hourly``: one row per station and hour, hour-ending label (HJ 212 DataTime is the
    start of the period, §4), pm25 … co converted explicitly into μg/m³ (CO mg/m³).
    ``water_samples``: ``site, time, parameter, value, unit, flag`` (the HJ 212 flag of the
    value, :func:`~.source_flag`). ``air_minute``, ``air_daily_device``,
    ``online_monitoring``: :func:`device_frame`.
    """
    if dataset == AIR_HOURLY:
        return air_frame(air_records(rows))
    if dataset in DATASETS_2025:  # HJ 212-2025 raw data (2013) and 2052/2062/2111
        return frame_2025(dataset, rows)
    if dataset in (AIR_MINUTE, AIR_DAILY_DEVICE, ONLINE_MONITORING):
        return device_frame(dataset, rows)
    st, dt, pol, unit = _I["station_code"], _I["data_time"], _I["pollutant"], _I["unit"]
    avg, rtd, flag, dialect = _I["avg"], _I["rtd"], _I["flag"], _I["dialect"]
    code = _I["code"]
    # every item is kept as sent: the canonical name where factors.csv maps the code, else the
    # HJ 212 code itself (the ingestion path quarantines a code it does not know, with the
    # reason — nothing is dropped); ``attrs["unmapped"]`` counts the unmapped items
    recs = [(r[st], r[dt], r[pol] if r[pol] is not None else r[code],
             r[avg] if r[avg] is not None else r[rtd], r[unit], source_flag(r[flag], r[dialect]))
            for r in rows]
    frame = pd.DataFrame.from_records(recs, columns=["site", "time", "parameter", "value", "unit",
                                                     "flag"])
    frame["time"] = pd.to_datetime(frame["time"])
    frame.attrs["unmapped"] = sum(1 for r in rows if r[pol] is None)
    return frame


_INTERVAL = {"2051": "minute", "2061": "hour", "2031": "day"}


def device_frame(dataset: str, rows: list[tuple[Any, ...]]) -> Any:
    """The long frame of ``air_minute`` / ``air_daily_device`` / ``online_monitoring`` from
    gateway rows: one row per value, ``time`` = HJ 212 DataTime as sent (the START of the
    period, reference §4 — not relabelled), ``parameter`` the canonical name where factors.csv
    has one, else the HJ 212 code; ``value`` from ``-Avg`` (else ``-Rtd``), ``min``/``max``,
    for outlets ``cou`` (emission amount, ``cou_unit``) and ``zs_value`` (折算 ``-ZsAvg``, else
    ``-ZsRtd``); units as the device type sends them (never converted); ``flag`` the HJ 212
    flag of the value (:func:`~.source_flag`). Items with no number at all (a bare
    ``-Flag``, counters such as ``-ValidNum`` only) have nothing to store and are left out."""
    i = _I
    recs = []
    for r in rows:
        value = r[i["avg"]] if r[i["avg"]] is not None else r[i["rtd"]]
        zs = r[i["zs_avg"]] if r[i["zs_avg"]] is not None else r[i["zs_rtd"]]
        mn_, mx_, cou = r[i["min"]], r[i["max"]], r[i["cou"]]
        if value is None and mn_ is None and mx_ is None and cou is None and zs is None:
            continue
        recs.append((r[i["station_code"]], r[i["enterprise"]], r[i["mn"]],
                     _INTERVAL.get(r[i["cn"]]), r[i["data_time"]],
                     r[i["pollutant"]] or r[i["code"]], value, mn_, mx_, cou, zs, r[i["unit"]],
                     r[i["cou_unit"]], source_flag(r[i["flag"]], r[i["dialect"]]), r[i["code"]]))
    cols = ["outlet", "enterprise", "mn", "interval", "time", "parameter", "value", "min", "max",
            "cou", "zs_value", "unit", "cou_unit", "flag", "code"]
    frame = pd.DataFrame.from_records(recs, columns=cols)
    frame["time"] = pd.to_datetime(frame["time"])
    for c in ("value", "min", "max", "cou", "zs_value"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    if dataset != ONLINE_MONITORING:
        frame = frame.rename(columns={"outlet": "station_code"})[
            ["station_code", "mn", "time", "parameter", "value", "min", "max", "unit", "flag",
             "code"]]
    return frame


_KEY = tuple(COLUMNS.index(c) for c in ("mn", "cn", "data_time", "code"))
_VALUES = tuple(COLUMNS.index(c) for c in ("rtd", "avg", "min", "max", "cou", "zs_rtd", "zs_avg",
                                           "flag"))


def content_hash(dataset: str, rows: list[tuple[Any, ...]]) -> str:
    """Hash of the measurement content (not of arrival times): same data → same hash."""
    h = hashlib.sha256(dataset.encode())
    keyed = sorted((tuple(str(r[i]) for i in _KEY), tuple(r[i] for i in _VALUES)) for r in rows)
    for k, v in keyed:
        h.update(repr((k, v)).encode())
    return h.hexdigest()


def frame_hash(dataset: str, frame: Any) -> str:
    """Hash of what a batch stores (the canonical frame, row order ignored): the same stored
    content gives the same hash, whatever order or batch the packets arrived in. Vectorised
    (``pandas.util.hash_pandas_object``), a few µs per row instead of a ``repr`` per value."""
    h = hashlib.sha256(dataset.encode())
    if len(frame):
        key = list(frame.columns)
        ordered = frame.sort_values(key, kind="stable", ignore_index=True)
        h.update(",".join(key).encode())
        h.update(pd.util.hash_pandas_object(ordered, index=False).to_numpy().tobytes())
    return h.hexdigest()


def dataset_batch(dataset: str, rows: list[tuple[Any, ...]]) -> tuple[Any, str]:
    """The canonical frame of ``rows`` and its content hash (for the idempotence ledger)."""
    frame = dataset_frame(dataset, rows)
    return frame, frame_hash(dataset, frame)


def _pending_batch(dataset: str, items: list[Any]) -> tuple[Any, str]:
    """Frame and hash of what the sink buffered (air: station-hour records, else rows)."""
    frame = air_frame(items) if dataset == AIR_HOURLY else dataset_frame(dataset, items)
    return frame, frame_hash(dataset, frame)


def lake_writer(workspace: Workspace) -> Writer:
    """A writer that loads frames through the ingestion helper's in-memory API."""

    def write(dataset: str, frame: Any, source: str, source_hash: str) -> Any:
        return ingest_frame(workspace, dataset, frame, source=source, source_hash=source_hash)

    return write


@dataclass
class SinkStats:
    rows_received: int = 0
    rows_written: int = 0
    batches: int = 0
    failures: int = 0
    #: items written under their HJ 212 code because factors.csv has no name for it
    unmapped: int = 0
    flush_cpu_s: float = 0.0  # CPU time of the flushing thread (batch frames + ingestion path)
    last_error: str | None = None
    summaries: list[Any] = field(default_factory=list)


class MeasurementSink:
    """Buffers rows per dataset; a thread flushes them every ``interval`` s or ``max_rows``."""

    def __init__(self, writer: Writer, *, source: str = "hj212-gateway", interval: float = 5.0,
                 max_rows: int = 200_000) -> None:
        self.writer = writer
        self.source = source
        self.interval = interval
        self.max_rows = max_rows
        self.pending: dict[str, list[Any]] = {}  # rows, or station-hour records for air_hourly
        self.pending_counts: dict[str, int] = {}  # measurement rows per dataset
        self.pending_rows = 0
        self.stats = SinkStats()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="hj212-sink", daemon=True)
        self._thread.start()

    def add(self, dataset: str, rows: list[tuple[Any, ...]]) -> None:
        """Buffer gateway rows (``air_hourly`` ones are kept as station-hour records)."""
        if not rows:
            return
        self._add(dataset, air_records(rows) if dataset == AIR_HOURLY else rows, len(rows))

    def add_air(self, record: AirRecord, rows: int) -> None:
        """Buffer one station-hour record built by the gateway's fast path (``rows`` = the
        measurement rows it stands for)."""
        self._add(AIR_HOURLY, [record], rows)

    def _add(self, dataset: str, items: list[Any], rows: int) -> None:
        with self._lock:
            self.pending.setdefault(dataset, []).extend(items)
            self.pending_counts[dataset] = self.pending_counts.get(dataset, 0) + rows
            self.pending_rows += rows
            self.stats.rows_received += rows
            big = self.pending_rows >= self.max_rows
        if big:
            self._wake.set()

    def _run(self) -> None:
        while not self._stop:
            self._wake.wait(self.interval)
            self._wake.clear()
            self.flush()

    def flush(self) -> None:
        with self._lock:
            batches, self.pending, self.pending_rows = self.pending, {}, 0
            counts, self.pending_counts = self.pending_counts, {}
        cpu0 = time.thread_time()
        for dataset, items in batches.items():
            n = counts.get(dataset, 0)
            try:
                frame, digest = _pending_batch(dataset, items)
                summary = self.writer(dataset, frame, self.source, digest)
            except Exception as exc:  # noqa: BLE001 - keep the rows, retry at the next flush
                self.stats.failures += 1
                self.stats.last_error = f"{type(exc).__name__}: {exc}"
                with self._lock:
                    self.pending.setdefault(dataset, [])[:0] = items
                    self.pending_counts[dataset] = self.pending_counts.get(dataset, 0) + n
                    self.pending_rows += n
                continue
            self.stats.rows_written += n
            self.stats.unmapped += int(frame.attrs.get("unmapped", 0))
            self.stats.batches += 1
            if len(self.stats.summaries) < 1000:
                self.stats.summaries.append(summary)
        self.stats.flush_cpu_s += time.thread_time() - cpu0

    @property
    def unwritten(self) -> int:
        """Rows received but not (yet) handed to the ingestion path."""
        with self._lock:
            return self.pending_rows

    def close(self, timeout: float = 30.0, *, attempts: int = 3, retry_delay: float = 0.5) -> None:
        """Stop the thread and flush what is buffered, retrying a failed write ``attempts``
        times (a shutdown must not lose the rows of the last interval)."""
        self._stop = True
        self._wake.set()
        self._thread.join(timeout)
        for attempt in range(max(1, attempts)):
            self.flush()
            if not self.unwritten:
                return
            if attempt + 1 < attempts:
                time.sleep(retry_delay)


class Recorder:
    """Device events and held packets, written to the database in batches by a thread."""

    def __init__(self, engine: Engine | None, *, interval: float = 0.5) -> None:
        self.engine = engine
        self.interval = interval
        self.queue: queue.SimpleQueue[tuple[str, dict[str, Any]]] = queue.SimpleQueue()
        self.written = 0
        self.failures = 0
        self.last_error: str | None = None
        self._stop = False
        self._thread: threading.Thread | None = None
        if engine is not None:
            self._thread = threading.Thread(target=self._run, name="hj212-recorder", daemon=True)
            self._thread.start()

    def event(self, mn: str, kind: str, *, peer: str | None = None,
              detail: dict[str, Any] | None = None) -> None:
        if self.engine is not None:
            self.queue.put(("event", {"mn": mn[:64], "kind": kind, "peer": peer,
                                      "detail": detail or {}, "at": datetime.now(UTC)}))

    def hold(self, raw: bytes, *, mn: str, cn: str | None, qn: str | None, peer: str | None,
             reason: str) -> None:
        if self.engine is not None:
            self.queue.put(("held", {"raw": raw, "mn": mn[:64], "cn": (cn or "")[:8] or None,
                                     "qn": (qn or "")[:24] or None, "peer": peer,
                                     "reason": reason, "received_at": datetime.now(UTC)}))

    def _run(self) -> None:
        while not self._stop:
            time.sleep(self.interval)
            self.flush()

    def flush(self) -> None:
        items: list[tuple[str, dict[str, Any]]] = []
        while True:
            try:
                items.append(self.queue.get_nowait())
            except queue.Empty:
                break
        if not items or self.engine is None:
            return
        try:
            with session_scope(self.engine) as s:
                for kind, data in items:
                    if kind == "event":
                        s.add(Hj212DeviceEvent(actor="gateway", **data))
                    else:
                        s.add(Hj212HeldPacket(released=False, attempts=0, **data))
            self.written += len(items)
        except Exception as exc:  # noqa: BLE001 - keep the items for the next round
            self.failures += 1
            self.last_error = f"{type(exc).__name__}: {exc}"
            for item in items:
                self.queue.put(item)

    def close(self) -> None:
        self._stop = True
        if self._thread is not None:
            self._thread.join(5)
        self.flush()
