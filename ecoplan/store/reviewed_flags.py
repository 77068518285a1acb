"""Reviewers' judgements that take a value out of the statistics.

A reviewer appends flags to a value's history (``ecoplan ingest flag …``, table ``ingest_flags``;
never overwritten). The judgement in force is the reviewer's LATEST entry for the value: when it
is ``invalid`` (or ``calibration`` / ``maintenance``, the reviewer's counterpart of the HJ 212
source flags C and M) the value is left out of every air statistic exactly like a value with an
invalid source flag; a later ``valid`` (or ``suspect``, ``dust``) restores it. Flags the loads
append themselves (``suspect_high`` …, source flags) are not judgements and do not change it.

The workspace hands its :class:`ReviewedFlags` to its analytics engine
(:class:`ecoplan.store.engine.Analytics`), so that the statistics read them from the workspace's
own database: nothing is looked up from paths.

The daily data audit (:mod:`ecoplan.store.data_audit`) comes on top: for a LOCKED site-day the
auditor's decision in force on a value wins (``invalid`` leaves it out, ``valid`` keeps it even
against an earlier reviewer flag); ``audited=False`` gives the real-time version without them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from sqlalchemy import Engine, select

from ecoplan.store.data_audit import audited_decisions
from ecoplan.store.db import session_scope
from ecoplan.store.ingest_models import REVIEW_FLAGS, QualityFlag

#: The reviewer flags (:data:`~ecoplan.store.ingest_models.REVIEW_FLAGS`) that exclude the value.
EXCLUDING = frozenset({"invalid", "calibration", "maintenance"})
COLUMNS = ("station_code", "timestamp", "parameter")


def excluded_values(engine: Engine, dataset: str = "air_hourly", *, audited: bool = True
                    ) -> pd.DataFrame:
    """(station_code, timestamp, parameter) of every value whose reviewer judgement in force
    leaves it out of statistics (with ``audited``, the decisions of locked audit days win)."""
    q = (select(QualityFlag.site_code, QualityFlag.timestamp, QualityFlag.parameter,
                QualityFlag.flag)
         .where(QualityFlag.dataset == dataset, QualityFlag.flag.in_(REVIEW_FLAGS))
         .order_by(QualityFlag.id))
    latest: dict[tuple[str, Any, str], str] = {}
    with session_scope(engine) as s:
        for site, ts, parameter, flag in s.execute(q):
            latest[(site, ts, parameter)] = flag  # appended in order: the last one is in force
    if audited:
        for site, ts, parameter, decision in audited_decisions(engine, dataset).itertuples(
                index=False):
            latest[(site, pd.Timestamp(ts).to_pydatetime(), parameter)] = (
                "invalid" if decision == "invalid" else "valid")
    rows = [k for k, flag in latest.items() if flag in EXCLUDING]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["station_code"] = frame["station_code"].astype(str)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    return frame


class ReviewedFlags:
    """The reviewed-flag source of one workspace: its metadata database, opened on first use."""

    def __init__(self, engine: Engine | Callable[[], Engine]) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        return self._engine if isinstance(self._engine, Engine) else self._engine()

    def excluded(self, dataset: str = "air_hourly", *, audited: bool = True) -> pd.DataFrame:
        """:func:`excluded_values` of this workspace's database."""
        return excluded_values(self.engine, dataset, audited=audited)
