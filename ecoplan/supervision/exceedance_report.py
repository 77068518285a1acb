"""Orchestrator: permit limits from the registry + ``online_monitoring`` from the lake →
exceedances, consecutive-hour episodes and per-status hour counts (pandas frames)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from ecoplan.errors import ValidationError
from ecoplan.store.workspace import Workspace
from ecoplan.supervision import exceedance as rule
from ecoplan.supervision.sources import find_enterprise, limits_in_force

DATASET = "online_monitoring"


@dataclass
class ExceedanceResult:
    """What :func:`find_exceedances` found for a period."""

    start: date
    end: date
    exceedances: pd.DataFrame
    episodes: pd.DataFrame
    counts: pd.DataFrame
    limits: int

    def as_dict(self) -> dict[str, Any]:
        def rows(df: pd.DataFrame) -> list[dict[str, Any]]:
            out = df.copy()
            for col in out.columns:
                if pd.api.types.is_datetime64_any_dtype(out[col]):
                    out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%S")
            return [{k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
                    for r in out.to_dict(orient="records")]

        return {"from": self.start.isoformat(), "to": self.end.isoformat(),
                "limits": self.limits, "exceedances": rows(self.exceedances),
                "episodes": rows(self.episodes), "hours_by_status": rows(self.counts)}


_EXC_COLUMNS = ["enterprise", "outlet", "parameter", "time", "judged_value", "judged_column",
                "unit", "limit_value", "limit_unit", "exceedance_multiple", "permit", "basis",
                "flag"]
_EP_COLUMNS = ["enterprise", "outlet", "parameter", "start", "end", "hours", "peak_value",
               "peak_exceedance_multiple", "limit_value", "limit_unit", "permit"]


def find_exceedances(workspace: Workspace, start: date, end: date, *, enterprise: str | None = None,
                     engine: str | None = None) -> ExceedanceResult:
    """Judge every hourly online-monitoring value of [start, end] against the permit limits in
    force (see :mod:`ecoplan.supervision.exceedance`)."""
    if end < start:
        raise ValidationError("结束日期早于开始日期", "--to is before --from", )
    with workspace.session() as s:
        code = find_enterprise(s, enterprise).credit_code if enterprise else None
        limits = limits_in_force(s, start, end, code)
    empty = ExceedanceResult(start, end, pd.DataFrame(columns=_EXC_COLUMNS),
                             pd.DataFrame(columns=_EP_COLUMNS),
                             pd.DataFrame(columns=["enterprise", "outlet", "parameter",
                                                   "status", "hours"]), len(limits))
    if not limits or not workspace.lake.files(DATASET):
        return empty
    an = workspace.analytics_on(engine)  # type: ignore[arg-type]
    om = an.table(DATASET)
    lo = datetime.combine(start, datetime.min.time())
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time())
    om = om.filter((om.time >= lo) & (om.time < hi) & (om.interval == "hour"))
    lim_df = pd.DataFrame(limits)
    lim_df["valid_from"] = pd.to_datetime(lim_df["valid_from"])
    lim_df["valid_until"] = pd.to_datetime(lim_df["valid_until"])
    lim = an.register(lim_df)
    judged = rule.judged_hours(om, lim)
    exc = rule.exceedances(judged)
    exc_df = an.execute(exc.order_by(["outlet", "parameter", "time"]))[_EXC_COLUMNS]
    ep_df = an.execute(rule.episodes(exc).order_by(["outlet", "parameter", "start"]))[_EP_COLUMNS]
    counts = an.execute(rule.status_counts(judged).order_by(["outlet", "parameter", "status"]))
    return ExceedanceResult(start, end, exc_df.reset_index(drop=True),
                            ep_df.reset_index(drop=True), counts.reset_index(drop=True),
                            len(limits))
