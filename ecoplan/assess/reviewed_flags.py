"""Reviewers' judgements that take a value out of the statistics.

A reviewer appends flags to a value's history (``ecoplan ingest flag …``, table ``ingest_flags``;
never overwritten). The judgement in force is the reviewer's LATEST entry for the value: when it
is ``invalid`` (or ``calibration`` / ``maintenance``, the reviewer's counterpart of the HJ 212
source flags C and M) the value is left out of every air statistic exactly like a value with an
invalid source flag; a later ``valid`` (or ``suspect``, ``dust``) restores it. Flags the loads
append themselves (``suspect_high`` …, source flags) are not judgements and do not change it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

#: The reviewer flags (``ecoplan.ingest.flags.REVIEW_FLAGS``) that exclude the value.
EXCLUDING = frozenset({"invalid", "calibration", "maintenance"})
COLUMNS = ("station_code", "timestamp", "parameter")

_REGISTERED: dict[Path, Engine | Callable[[], Engine]] = {}
_FROM_SETTINGS: dict[tuple[Path, str], Engine] = {}


def excluded_values(engine: Engine, dataset: str = "air_hourly") -> pd.DataFrame:
    """(station_code, timestamp, parameter) of every value whose reviewer judgement in force
    leaves it out of statistics."""
    from ecoplan.ingest.flags import REVIEW_FLAGS
    from ecoplan.store.db import session_scope
    from ecoplan.store.ingest_models import QualityFlag

    q = (select(QualityFlag.site_code, QualityFlag.timestamp, QualityFlag.parameter,
                QualityFlag.flag)
         .where(QualityFlag.dataset == dataset, QualityFlag.flag.in_(REVIEW_FLAGS))
         .order_by(QualityFlag.id))
    latest: dict[tuple[str, Any, str], str] = {}
    with session_scope(engine) as s:
        for site, ts, parameter, flag in s.execute(q):
            latest[(site, ts, parameter)] = flag  # appended in order: the last one is in force
    rows = [k for k, flag in latest.items() if flag in EXCLUDING]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["station_code"] = frame["station_code"].astype(str)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


def register(lake_root: Path | str, engine: Engine | Callable[[], Engine]) -> None:
    """Say which metadata database (or a function giving it) holds the reviewer flags of the
    lake at ``lake_root`` (a workspace whose database is not the one its own settings name)."""
    _REGISTERED[Path(lake_root).resolve()] = engine


def engine_for(analytics: Any) -> Engine | None:
    """The metadata database of the workspace whose lake ``analytics`` reads: the one given to
    :func:`register`, else the one that workspace's own settings name (``<home>/lake`` belongs
    to ``<home>``: its env file, ``ECOPLAN_DATABASE_URL``, or ``<home>/ecoplan.db``)."""
    lake = getattr(analytics, "lake", None)
    root = getattr(lake, "root", None)
    if root is None:
        return None
    root = Path(root).resolve()
    got = _REGISTERED.get(root)
    if got is not None:
        return got if isinstance(got, Engine) else got()
    if root.name != "lake":
        return None
    try:
        from ecoplan.settings import load_settings
        from ecoplan.store.db import make_engine

        settings = load_settings(home=root.parent)
        if Path(settings.lake_dir).resolve() != root:
            return None
        url = settings.effective_database_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            return None  # its database is elsewhere (not named by its settings): see register()
        key = (root, url)
        if key not in _FROM_SETTINGS:
            _FROM_SETTINGS[key] = make_engine(url)
        return _FROM_SETTINGS[key]
    except Exception:  # noqa: BLE001 - no workspace database: nothing has been reviewed
        return None


def excluded_for(analytics: Any, dataset: str = "air_hourly") -> pd.DataFrame | None:
    """:func:`excluded_values` for the workspace behind ``analytics`` (None when unknown)."""
    engine = engine_for(analytics)
    if engine is None:
        return None
    from sqlalchemy import inspect

    if not inspect(engine).has_table("ingest_flags"):
        return None
    return excluded_values(engine, dataset)
