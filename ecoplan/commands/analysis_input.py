"""Where the analysis commands take their data from: a file, or the workspace's lake.

``air aqi|daily|stats`` and ``water classify|assess`` accept either a file or the data loaded
into the workspace (``--from-lake``, or a dataset name such as ``air_hourly`` in place of the
file), filtered by ``--station`` (code, alias or registered name; repeatable), ``--city`` and
``--from``/``--to`` (dates; air hours are hour-ending, so day D is (D 00:00, D+1 00:00]). Lake data
are read by the assessment's own reader (:func:`ecoplan.assess.air_pipeline.hourly_table`, which
leaves out values flagged invalid at the source or by a reviewer,
:mod:`ecoplan.assess.reviewed_flags`; :func:`ecoplan.assess.indicators.lake_frame` for water), so
a figure from the lake is the figure the assessment uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecoplan.errors import InputFileError, Location
from ecoplan.i18n import tr

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd

    from ecoplan.store.workspace import Workspace

FromLakeOpt = Annotated[bool, typer.Option(
    "--from-lake", help="使用工作区已入库的数据（不读文件）/ use the data loaded into the workspace")]
StationOpt = Annotated[list[str] | None, typer.Option(
    "--station", help="站点/断面：编码、别名或登记名称，可重复 / station or section: code, alias or "
                      "registered name (repeatable)")]
CityOpt = Annotated[str | None, typer.Option(
    "--city", help="城市（按站点登记表）/ city (from the station registry)")]
FromOpt = Annotated[str | None, typer.Option(
    "--from", help="起始日期 YYYY-MM-DD（含）/ first day (inclusive)")]
ToOpt = Annotated[str | None, typer.Option(
    "--to", help="结束日期 YYYY-MM-DD（含）/ last day (inclusive)")]

#: dataset names accepted in place of a file
AIR_DATASETS = ("air_hourly", "air")
WATER_DATASETS = ("water_samples", "water")


@dataclass
class Filters:
    """What to keep: station codes (None = all), days [start, end] (None = open)."""

    stations: list[str] | None = None
    start: date | None = None
    end: date | None = None

    def describe(self) -> str:
        parts = []
        if self.stations is not None:
            parts.append(tr("站点 ", "sites ") + ", ".join(self.stations))
        if self.start or self.end:
            parts.append(f"{self.start or '…'} – {self.end or '…'}")
        return "; ".join(parts)


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(tr("日期格式应为 YYYY-MM-DD", "expected YYYY-MM-DD"),
                                 param_hint=option) from exc


def wants_lake(input_file: Path | None, from_lake: bool, datasets: tuple[str, ...]) -> bool:
    """The lake when ``--from-lake`` is given, the input names a dataset, or there is none."""
    if from_lake or input_file is None:
        return True
    return str(input_file) in datasets and not input_file.exists()


def filters(ws: Workspace | None, kind: str, stations: list[str] | None, city: str | None,
            start: str | None, end: str | None) -> Filters:
    """Resolve ``--station``/``--city``/``--from``/``--to`` against the registries of ``ws``
    (``kind``: ``station`` for air, ``section`` for water)."""
    f = Filters(start=_day(start, "--from"), end=_day(end, "--to"))
    if not stations and not city:
        return f
    if ws is None:
        if city:
            raise InputFileError("按城市筛选需要工作区的站点登记表（ecoplan init；ecoplan registry "
                                 "import）", "Filtering by city needs the workspace's station "
                                 "registry (`ecoplan init`; `ecoplan registry import`)",
                                 location=Location("--city"))
        f.stations = sorted({s.strip().upper() for s in stations or []})
        return f
    codes: set[str] = set()
    if stations:
        codes |= set(_resolve_sites(ws, kind, stations))
    if city:
        codes |= set(_city_stations(ws, city))
    f.stations = sorted(codes)
    return f


def _resolve_sites(ws: Workspace, kind: str, names: list[str]) -> list[str]:
    from ecoplan.ingest.registry import lookup
    from ecoplan.ingest.validation import site_matcher

    tables = ("stations",) if kind == "station" else ("water_sections", "drinking_water_sources")
    match = site_matcher(lookup(ws.engine, tables))
    out, unknown = [], []
    for n in names:
        code = match(n)
        (out.append(code) if code else unknown.append(n))
    if unknown:
        raise InputFileError(
            f"登记表中没有这些站点/断面：{', '.join(unknown)}（ecoplan registry list 查看）",
            f"Not in the registry: {', '.join(unknown)} (see `ecoplan registry list`)",
            location=Location("--station"))
    return out


def _city_stations(ws: Workspace, city: str) -> list[str]:
    from sqlalchemy import or_, select

    from ecoplan.store.db import session_scope
    from ecoplan.store.models import Station

    with session_scope(ws.engine) as s:
        codes = list(s.scalars(select(Station.code).where(or_(
            Station.city == city, Station.city == f"{city}市", Station.county == city))))
    if not codes:
        raise InputFileError(f"站点登记表中没有城市 {city} 的站点", f"No station of the city {city} "
                             "in the station registry", location=Location("--city"))
    return codes


def workspace() -> Workspace:
    from ecoplan.store.workspace import Workspace

    return Workspace()


def optional_workspace() -> Workspace | None:
    """The workspace when there is one (a file can be analysed without any)."""
    from ecoplan.errors import EcoplanError

    try:
        return workspace()
    except EcoplanError:
        return None


def lake_hourly(ws: Workspace, f: Filters, analytics: Any = None) -> ir.Table:
    """Hourly air data of the lake, filtered, read as the assessment reads them (invalid source
    flags and reviewers' exclusions applied); ``analytics``: another engine's than the
    workspace's (:meth:`Workspace.analytics_on`)."""
    from ecoplan.assess.air_pipeline import hourly_table

    if not ws.lake.files("air_hourly"):
        raise InputFileError("工作区中没有空气小时数据（先用 ecoplan ingest air 导入）",
                             "The workspace has no hourly air data (load it with `ecoplan "
                             "ingest air`)", location=Location(str(ws.lake.root)))
    an = analytics or ws.analytics
    t = an.table("air_hourly")
    if f.stations is not None:
        t = t.filter(t.station_code.isin(f.stations))
    if f.start is not None:  # hour-ending labels: day D = (D 00:00, D+1 00:00]
        t = t.filter(t.timestamp > datetime.combine(f.start, datetime.min.time()))
    if f.end is not None:
        t = t.filter(t.timestamp <= datetime.combine(f.end + timedelta(days=1),
                                                     datetime.min.time()))
    return hourly_table(an, t)


def filter_hourly_frame(frame: pd.DataFrame, f: Filters) -> pd.DataFrame:
    """The same filters on hourly data read from a file."""
    import pandas as pd

    keep = pd.Series(True, index=frame.index)
    if f.stations is not None:
        keep &= frame["station_code"].astype(str).isin(f.stations)
    ts = pd.to_datetime(frame["timestamp"])
    if f.start is not None:
        keep &= ts > pd.Timestamp(f.start)
    if f.end is not None:
        keep &= ts <= pd.Timestamp(f.end) + pd.Timedelta(days=1)
    return frame[keep.to_numpy()]


def lake_water(ws: Workspace, f: Filters) -> pd.DataFrame:
    """Surface-water samples of the lake, read as the assessment reads them."""
    from sqlalchemy import select

    from ecoplan.assess.indicators import lake_frame
    from ecoplan.store.db import session_scope
    from ecoplan.store.models import WaterSection

    if not ws.lake.files("water_samples"):
        raise InputFileError("工作区中没有地表水数据（先用 ecoplan ingest water 导入）",
                             "The workspace has no surface-water data (load it with `ecoplan "
                             "ingest water`)", location=Location(str(ws.lake.root)))
    sites = f.stations
    if sites is None:
        t = ws.analytics.table("water_samples")
        sites = sorted(ws.analytics.execute(t.select("site").distinct())["site"].astype(str))
    years = range((f.start or date(1990, 1, 1)).year, (f.end or date.today()).year + 1)
    df = lake_frame(ws, "water_samples", list(years), sites)
    if f.start is not None:
        df = df[df["time"] >= datetime.combine(f.start, datetime.min.time())]
    if f.end is not None:
        df = df[df["time"] < datetime.combine(f.end + timedelta(days=1), datetime.min.time())]
    with session_scope(ws.engine) as s:
        names = dict(s.execute(select(WaterSection.code, WaterSection.name)).all())
    df = df.copy()
    df["site_name"] = df["site"].map(names)
    return df.reset_index(drop=True)


def describe_source(input_file: Path | None, lake: bool, f: Filters) -> str:
    src = tr("工作区数据", "workspace data") if lake else str(input_file)
    more = f.describe()
    return f"{src}（{more}）" if more and get_lang_zh() else (f"{src} ({more})" if more else src)


def get_lang_zh() -> bool:
    from ecoplan.i18n import get_lang

    return get_lang() == "zh"


def need_input(input_file: Path | None) -> Any:
    if input_file is not None and not input_file.exists():
        raise InputFileError(f"文件不存在：{input_file}（要用工作区数据请加 --from-lake）",
                             f"File not found: {input_file} (add --from-lake for the workspace's "
                             "data)", location=Location(str(input_file)))
    return input_file
