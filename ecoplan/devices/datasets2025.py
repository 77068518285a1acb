"""HJ 212-2025 datasets: raw monitoring data of CN 2013 (``hj212_raw``) and the values of the new
data commands CN 2052 / 2062 / 2111 (``hj212_data_2025``) — rows from decoded packets and their
lake frames (schemas: ``ecoplan.ingest.pipeline.hj212_2025_schema``; rules: ingest rules.yaml;
docs/ingest.md). Facts: reference/hj212.md §16.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ecoplan.devices.codec import Packet, parse_time
from ecoplan.devices.records import DeviceContext
from ecoplan.standards.hj212_factors import canonical_name, unit_for
from ecoplan.standards.hj212_flags import source_flag

RAW_DATASET = "hj212_raw"
"""CN 2013 raw monitoring data (one row per value: sample and completion time, sample type)."""
DATA_2025_DATASET = "hj212_data_2025"
"""CN 2052 / 2062 / 2111 values (one row per value, with the CN they came in)."""
DATASETS_2025 = (RAW_DATASET, DATA_2025_DATASET)
RAW_CNS = frozenset({"2013"})
DATA_2025_CNS = frozenset({"2052", "2062", "2111"})
RAW_COLUMNS = ("mn", "station_code", "time", "sample_time", "complete_time", "sample_type",
               "parameter", "code", "value", "unit", "flag", "resent")
DATA_2025_COLUMNS = ("mn", "station_code", "cn", "time", "parameter", "code", "value", "min",
                     "max", "cou", "unit", "flag", "resent")


def _num(raw: str | None) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        v = float(raw)
    except ValueError:
        return None
    return v if v == v and abs(v) != float("inf") else None


def raw_rows(p: Packet, mn: str, ctx: DeviceContext) -> list[tuple[Any, ...]]:
    """Rows of a CN 2013 upload (:data:`RAW_COLUMNS`). Sample/completion time and sample type
    may be per factor (``code-SampleTime``) or for the whole packet (``SampleTime=``)."""
    data_time = p.data_time
    resent = p.header.get("RF") == "1"
    out = []
    for code, fac in p.factors.items():
        f = fac.fields
        value = _num(f.get("Avg", f.get("Rtd")))
        if value is None:
            continue
        sample = parse_time(f.get("SampleTime") or p.params.get("SampleTime"))
        complete = parse_time(f.get("CompleteTime") or p.params.get("CompleteTime"))
        t = data_time or sample
        if t is None:
            continue
        out.append((mn, ctx.station_code, t, sample, complete,
                    f.get("SampleType") or p.params.get("SampleType"),
                    canonical_name(code) or code, code, value,
                    unit_for(code, ctx.device_type, ctx.units), f.get("Flag"), resent))
    return out


def data_2025_rows(p: Packet, mn: str, cn: str, ctx: DeviceContext) -> list[tuple[Any, ...]]:
    """Rows of a CN 2052 / 2062 / 2111 upload (:data:`DATA_2025_COLUMNS`)."""
    t = p.data_time
    if t is None:
        return []
    resent = p.header.get("RF") == "1"
    out = []
    for code, fac in p.factors.items():
        f = fac.fields
        value = _num(f.get("Avg", f.get("Rtd")))
        mn_, mx_, cou = _num(f.get("Min")), _num(f.get("Max")), _num(f.get("Cou"))
        if value is None and mn_ is None and mx_ is None and cou is None:
            continue
        out.append((mn, ctx.station_code, cn, t, canonical_name(code) or code, code, value, mn_,
                    mx_, cou, unit_for(code, ctx.device_type, ctx.units), f.get("Flag"), resent))
    return out


def dataset_frame(dataset: str, rows: list[tuple[Any, ...]]) -> Any:
    """The lake frame of :data:`RAW_DATASET` / :data:`DATA_2025_DATASET` rows (``flag`` as the
    lake flag code of the HJ 212 flag; ``resent`` is dropped: a re-send stores the same row)."""

    cols = RAW_COLUMNS if dataset == RAW_DATASET else DATA_2025_COLUMNS
    frame = pd.DataFrame.from_records(rows, columns=list(cols))
    frame["flag"] = [source_flag(f, "2025") for f in frame["flag"]]
    frame = frame.drop(columns=["resent"])
    for c in ("time", "sample_time", "complete_time"):
        if c in frame.columns:
            frame[c] = pd.to_datetime(frame[c])
    for c in ("value", "min", "max", "cou"):
        if c in frame.columns:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("float64")
    return frame
