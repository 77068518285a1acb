"""National real-time water classes reproduced from a CNEMC snapshot (JSON) or station CSV:
the published class next to the class of the real-time rules (5 items) and whether they match."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ecoplan.errors import InputFileError, Location
from ecoplan.ingest.readers.problems import Problem
from ecoplan.ingest.readers.water import read_cnemc_snapshot, read_cnemc_station_csv
from ecoplan.standards.surface_water import LABEL_TO_CLASS
from ecoplan.standards.water_realtime import REALTIME_ITEMS, classify_realtime


def waterbody_table(path: Path | None) -> dict[tuple[str, str], str]:
    """(province, station) → ``lake`` or ``river`` (default: the bundled CNEMC table)."""
    # the bundled table lives with the sample data: no production module imports it at load
    from ecoplan.sample_data import sample_path  # deferred: sample data only when asked for

    src = path or sample_path("water", "cnemc_station_waterbody.csv")
    if not Path(src).is_file():
        raise InputFileError("水体类型表不存在", "waterbody table does not exist",
                             location=Location(str(src)))
    wb = pd.read_csv(src)
    return {(str(r.province), str(r.station)): ("lake" if r.waterbody in ("lake", "reservoir")
                                                else "river") for r in wb.itertuples()}


def realtime_classes(snapshot: Path, waterbodies: Path | None = None
                     ) -> tuple[pd.DataFrame, list[Problem]]:
    """Classify a CNEMC snapshot; columns: station, published and computed class, match; with
    the reader's located problems (the rows are kept)."""
    if snapshot.suffix.lower() == ".json":
        frame, problems = read_cnemc_snapshot(snapshot)
    else:  # station CSV: values as published (rounded)
        frame, problems = read_cnemc_station_csv(snapshot)
    wbs = waterbody_table(waterbodies)
    frame["waterbody"] = [wbs.get((str(p), str(s)), "river")
                          for p, s in zip(frame["province"], frame["site"], strict=True)]
    res = classify_realtime(frame)
    out = frame[["province", "basin", "site", "time", "waterbody", "station_status",
                 *REALTIME_ITEMS]].copy()
    out["published_class"] = frame["published_class"]
    out["water_class"] = res["water_class"]
    out["label"] = res["label"]
    out["deciding_items"] = res["deciding_items"]
    pub = frame["published_class"].map(lambda x: LABEL_TO_CLASS.get(str(x), 0))
    out["match"] = [(None if p == 0 else bool(p == c))
                    for p, c in zip(pub, res["water_class"], strict=True)]
    return out, problems
