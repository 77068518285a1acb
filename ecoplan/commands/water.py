"""``ecoplan water …`` and ``ecoplan groundwater …``: water classes from files.

* ``water classify INPUT -o OUT.csv`` — class per site and sampling time (21 items of the 2011
  method), or the real-time class (5 items) when INPUT is a CNEMC real-time JSON snapshot;
* ``water assess INPUT --period month|year [--profile NAME]`` — period means, section class,
  status, main pollutants and attainment of the plan's targets;
* ``water realtime SNAPSHOT.json`` — reproduce the national real-time release;
* ``groundwater classify INPUT -o OUT.csv`` — GB/T 14848-2017 point classes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ecoplan.commands.analysis_input import FromLakeOpt, FromOpt, StationOpt, ToOpt
from ecoplan.console import emit_json, err_console, info, ok, print_table
from ecoplan.errors import InputFileError, Location
from ecoplan.i18n import get_lang, tr

if TYPE_CHECKING:
    import pandas as pd

water_app = typer.Typer(help="地表水水质评价（GB 3838-2002、环办〔2011〕22号）/ surface-water quality",
                        no_args_is_help=True)
groundwater_app = typer.Typer(help="地下水水质评价（GB/T 14848-2017）/ groundwater quality",
                              no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
OutOpt = Annotated[Path | None, typer.Option(
    "-o", "--output", help="输出 .xlsx（中文表头，--lang en 英文）或 .csv（UTF-8 带 BOM）/ output "
                           ".xlsx (Chinese headers) or .csv (UTF-8 with BOM)")]
InputArg = Annotated[Path, typer.Argument(help="输入文件（CSV/XLSX 长表或 JSON 快照）/ input file",
                                          exists=False)]
AnalysisArg = Annotated[Path | None, typer.Argument(
    help="输入文件：长表 CSV/XLSX（含部门填报模板）、CNEMC 实时 JSON 快照或 CNEMC 站点 CSV；省略并加 "
         "--from-lake 则用工作区数据 / input file: long CSV/XLSX (incl. the department template), "
         "CNEMC real-time JSON or CNEMC station CSV; omit it with --from-lake for the workspace's "
         "data", exists=False)]


def register(app: typer.Typer) -> None:
    app.add_typer(water_app, name="water")
    app.add_typer(groundwater_app, name="groundwater")
    try:
        from ecoplan.commands.bench import app as bench_app
    except ImportError:  # pragma: no cover - bench not in this build
        return
    bench_app.command("water")(bench_water)


class _Stages:
    """A Rich progress bar over the stages of a command (read → evaluate → write), on stderr."""

    def __init__(self, zh: str, en: str, total: int = 3) -> None:
        from ecoplan.console import progress

        self._bar = progress()
        self._task = self._bar.add_task(tr(zh, en), total=total)

    def __enter__(self) -> _Stages:
        self._bar.start()
        return self

    def step(self) -> None:
        self._bar.advance(self._task)

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()


def _check_input(path: Path) -> None:
    if not path.is_file():
        raise InputFileError("输入文件不存在", "input file does not exist",
                             location=Location(str(path)))


def _report_problems(problems: list[Any]) -> None:
    if not problems:
        return
    lang = get_lang()
    err_console.print(tr(f"[yellow]发现 {len(problems)} 个问题（相关行已保留）：[/yellow]",
                         f"[yellow]{len(problems)} problem(s) found (rows kept):[/yellow]"),
                      highlight=False)
    for p in problems[:20]:
        err_console.print(f"  • {p.message(lang)}", markup=False, highlight=False)
    if len(problems) > 20:
        err_console.print(tr(f"  …另有 {len(problems) - 20} 个", f"  … and {len(problems) - 20} more"))


def _write(frame: pd.DataFrame, output: Path | None, sheet: tuple[str, str] = ("结果", "result"),
           extra: dict[str, pd.DataFrame] | None = None) -> None:
    if output is not None:
        from ecoplan.reports.tables import write_tables

        write_tables(output, {tr(*sheet): frame, **(extra or {})})
        ok(f"已写出 {len(frame)} 行：{output}", f"Wrote {len(frame)} rows: {output}")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    import json

    return json.loads(frame.to_json(orient="records", force_ascii=False, date_format="iso"))


def _is_snapshot(path: Path) -> bool:
    """A CNEMC real-time JSON snapshot, or a CNEMC station CSV (省份,流域,断面名称,…,水质类别,…)."""
    if path.suffix.lower() == ".json":
        return True
    if path.suffix.lower() == ".csv":
        from ecoplan.ingest.readers.text import decoded_bytes, header_line

        head = header_line(decoded_bytes(path).data)
        return "断面名称" in head and "水质类别" in head
    return False


def _waterbody_table(path: Path | None) -> dict[tuple[str, str], str]:
    import pandas as pd

    from ecoplan.sample_data import sample_path

    src = path or sample_path("water", "cnemc_station_waterbody.csv")
    if not Path(src).is_file():
        raise InputFileError("水体类型表不存在", "waterbody table does not exist",
                             location=Location(str(src)))
    wb = pd.read_csv(src)
    return {(str(r.province), str(r.station)): ("lake" if r.waterbody in ("lake", "reservoir")
                                                else "river") for r in wb.itertuples()}


def realtime_frame(snapshot: Path, waterbody_table: Path | None = None) -> pd.DataFrame:
    """Classify a CNEMC snapshot; columns: station, published and computed class, match."""
    from ecoplan.ingest.readers.water import read_cnemc_snapshot, read_cnemc_station_csv
    from ecoplan.standards.surface_water import LABEL_TO_CLASS
    from ecoplan.standards.water_realtime import REALTIME_ITEMS, classify_realtime

    if snapshot.suffix.lower() == ".json":
        frame, problems = read_cnemc_snapshot(snapshot)
    else:  # station CSV: values as published (rounded)
        frame, problems = read_cnemc_station_csv(snapshot)
    _report_problems(problems)
    wbs = _waterbody_table(waterbody_table)
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
    return out


@water_app.command("classify")
def classify(input_file: AnalysisArg = None, output: OutOpt = None, as_json: JsonOpt = False,
             items: Annotated[str, typer.Option(
                 "--items", help="参评项目：21（默认，环办〔2011〕22号）| realtime（5项）/ "
                                 "evaluated items: 21 (default) | realtime (5)")] = "21",
             from_lake: FromLakeOpt = False, station: StationOpt = None,
             date_from: FromOpt = None, date_to: ToOpt = None) -> None:
    """逐点位逐时间评价水质类别 / class per site and sampling time (JSON snapshot → real-time class)."""
    from ecoplan.commands import analysis_input as ai

    lake = ai.wants_lake(input_file, from_lake, ai.WATER_DATASETS)
    if not lake:
        assert input_file is not None
        _check_input(input_file)
        if _is_snapshot(input_file):
            frame = realtime_frame(input_file)
            _finish_realtime(frame, output, as_json)
            return
    from ecoplan.ingest.readers.water import read_surface_water
    from ecoplan.standards.surface_water import classify_section_period
    from ecoplan.standards.water_realtime import REALTIME_ITEMS

    with _Stages("评价水质类别", "Classifying") as stages:
        long, problems = _water_input(input_file, lake, station, date_from, date_to) if lake \
            else read_surface_water(input_file)  # type: ignore[arg-type]
        stages.step()
        chosen = list(REALTIME_ITEMS) if items == "realtime" else None
        res = classify_section_period(long, "sample", items=chosen)
        res = res.rename(columns={"period": "time"})
        keep = [c for c in res.columns if not c.startswith("class_")] + \
            [c for c in res.columns if c.startswith("class_")]
        res = res[keep]
        stages.step()
        _write(res, output, ("水质类别", "classes"))
        stages.step()
    _report_problems(problems)
    if as_json:
        emit_json({"rows": _records(res), "problems": [p.as_dict() for p in problems]})
    elif output is None:
        _print_classes(res)


def _water_input(input_file: Path | None, lake: bool, station: list[str] | None,
                 date_from: str | None, date_to: str | None) -> tuple[pd.DataFrame, list[Any]]:
    """Long water samples of the workspace, read as the assessment reads them."""
    from ecoplan.commands import analysis_input as ai

    ws = ai.workspace()
    f = ai.filters(ws, "section", station, None, date_from, date_to)
    return ai.lake_water(ws, f), []


def _print_classes(res: pd.DataFrame) -> None:
    cols = ["site", "time", "label", "status_zh" if get_lang() == "zh" else "status",
            "deciding_items", "main_pollutants"]
    cols = [c for c in cols if c in res.columns]
    print_table(tr("水质类别", "Water classes"), cols, res[cols].astype(str).values.tolist()[:200])


def _finish_realtime(frame: pd.DataFrame, output: Path | None, as_json: bool) -> None:
    published = frame["match"].notna()
    n = int(published.sum())
    hit = int(frame.loc[published, "match"].astype(bool).sum())
    summary = {"stations": len(frame), "published": n, "reproduced": hit,
               "rate": (hit / n if n else None),
               "misses": _records(frame[published & ~frame["match"].fillna(True).astype(bool)])}
    _write(frame, output)
    if as_json:
        emit_json({"summary": summary, "rows": _records(frame)})
        return
    if output is None:
        cols = ["province", "site", "published_class", "label", "deciding_items", "match"]
        print_table(tr("实时水质类别", "Real-time classes"), cols,
                    frame[cols].astype(str).values.tolist())
    rate = f"{100 * hit / n:.2f} %" if n else "—"
    ok(f"复现发布类别 {hit}/{n}（{rate}）", f"Reproduced published classes {hit}/{n} ({rate})")


@water_app.command("realtime")
def realtime(
    snapshot: Annotated[Path, typer.Argument(help="国家地表水自动站实时数据 JSON 快照 / CNEMC "
                                                  "real-time JSON snapshot")],
    waterbody_table: Annotated[Path | None, typer.Option(
        "--waterbody-table", help="站点水体类型表（默认随附 cnemc_station_waterbody.csv）/ "
                                  "station waterbody table")] = None,
    output: OutOpt = None, as_json: JsonOpt = False,
) -> None:
    """复现国家地表水自动站实时水质类别 / reproduce the national real-time station classes."""
    _check_input(snapshot)
    frame = realtime_frame(snapshot, waterbody_table)
    _finish_realtime(frame, output, as_json)


@water_app.command("assess")
def assess(
    input_file: AnalysisArg = None,
    period: Annotated[str, typer.Option("--period", help="评价时段 month|year / period")] = "year",
    profile: Annotated[str, typer.Option(
        "--profile", help="水质目标配置（名称、名称@版本或 YAML 文件）/ target profile (name, "
                          "name@version or YAML file)")] = "jiaocheng-2021-2025",
    winter_start: Annotated[str | None, typer.Option(
        "--winter-start", help="冬季起始日 MM-DD（武良断面氨氮季节限值）/ winter start")] = None,
    winter_end: Annotated[str | None, typer.Option(
        "--winter-end", help="冬季结束日 MM-DD / winter end")] = None,
    rounding: Annotated[str, typer.Option(
        "--rounding", help="评价数据修约：none（默认）| 2020（四舍六入五成双，单一来源）/ "
                           "rounding of assessment data: none | 2020")] = "none",
    from_lake: FromLakeOpt = False, station: StationOpt = None,
    date_from: FromOpt = None, date_to: ToOpt = None,
    output: OutOpt = None, as_json: JsonOpt = False,
) -> None:
    """按月/年评价断面水质与规划目标达标情况 / section classes and target attainment per month or year.

    CNEMC 快照与站点 CSV 中维护、停站或参评项目不全的读数不参评，如同国家发布；没有可参评读数的站点
    列为“未评价”并写明原因 / readings under maintenance, of a stopped station or without all five
    real-time items are not assessed, as CNEMC does; a station without any is listed as 未评价."""
    from ecoplan.commands import analysis_input as ai

    if period not in ("month", "year"):
        raise InputFileError(f"--period 应为 month 或 year，而不是 {period}",
                             f"--period must be month or year, not {period}")
    from ecoplan.standards.surface_water import classify_section_period
    from ecoplan.standards.water_profiles import get_profile

    lake = ai.wants_lake(input_file, from_lake, ai.WATER_DATASETS)
    if not lake:
        assert input_file is not None
        _check_input(input_file)
    prof = get_profile(profile)
    if winter_start or winter_end:
        prof = prof.with_settings(winter_start=winter_start, winter_end=winter_end)
    with _Stages("评价断面水质", "Assessing sections") as stages:
        if lake:
            long, problems = _water_input(input_file, True, station, date_from, date_to)
            skipped = pd_empty_skipped()
        else:
            long, skipped, problems = assess_input(input_file)  # type: ignore[arg-type]
        stages.step()
        res = classify_section_period(long, period, profile=prof,  # type: ignore[arg-type]
                                      rounding=rounding)  # type: ignore[arg-type]
        res = with_basis(res, long, skipped, period)
        res = res[[c for c in res.columns if not c.startswith("class_")] +
                  [c for c in res.columns if c.startswith("class_")]]
        stages.step()
        warnings = basis_warnings(res, period)
        extra = {tr("说明", "notes"): _notes_frame(warnings)} if warnings else None
        _write(res, output, ("断面水质评价", "section assessment"), extra)
        stages.step()
    _report_problems(problems)
    if as_json:
        emit_json({"profile": {**prof.result_tags(), "settings": dict(prof.settings)},
                   "warnings": warnings, "rows": _records(res),
                   "problems": [p.as_dict() for p in problems]})
        return
    if output is None:
        status_col = "status_zh" if get_lang() == "zh" else "status"
        from ecoplan.reports.tables import prepare, title

        cols = [c for c in ("site", "period", "label", status_col, "target", "attained",
                            "samples", "months", "main_pollutants", "reason") if c in res.columns]
        shown = prepare(res[cols])
        print_table(tr("断面水质评价", "Section assessment"), [title(c) for c in cols],
                    shown.astype(object).where(shown.notna(), "").astype(str).values.tolist())
    for line in warnings:
        err_console.print(f"[bold yellow]⚠ {line}[/bold yellow]", highlight=False)
    info(f"目标配置 {prof.key}（{prof.hash[:16]}），冬季 {prof.settings['winter_start']}…"
         f"{prof.settings['winter_end']}",
         f"Profile {prof.key} ({prof.hash[:16]}), winter {prof.settings['winter_start']}…"
         f"{prof.settings['winter_end']}")


def pd_empty_skipped() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=["site", "time", "reason"])


def _notes_frame(lines: list[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({tr("说明", "note"): lines})


def assess_input(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[Any]]:
    """Long samples of a file for ``water assess`` and the readings left out with their reason:
    a CNEMC real-time JSON snapshot or station CSV (readings whose station is under maintenance
    or stopped, or that lack one of the five real-time items, are not assessed — CNEMC publishes
    no class for them), or a long table (CSV/XLSX, the department template)."""
    from ecoplan.ingest.readers.water import (
        cnemc_to_long,
        read_cnemc_snapshot,
        read_cnemc_station_csv,
        read_surface_water,
    )

    if not _is_snapshot(path):
        long, problems = read_surface_water(path)
        return long, pd_empty_skipped(), problems
    if path.suffix.lower() == ".json":
        wide, problems = read_cnemc_snapshot(path)
    else:
        wide, problems = read_cnemc_station_csv(path)
    wbs = _waterbody_table(None)
    wide["waterbody"] = [wbs.get((str(p), str(s)), "river")
                         for p, s in zip(wide["province"], wide["site"], strict=True)]
    usable, reasons = realtime_usable(wide)
    skipped = wide.loc[~usable, ["site", "time"]].assign(reason=[r for r, u in zip(
        reasons, usable, strict=True) if not u])
    return cnemc_to_long(wide[usable].reset_index(drop=True)), skipped, problems


def realtime_usable(wide: pd.DataFrame) -> tuple[Any, list[str]]:
    """Which CNEMC readings get a class, as the national release decides: each of the five
    real-time items has a value or is not monitored at the station (``*``); a reading whose item
    was filtered or is missing (``--``), or a station without a reading time (停站), gets none
    (果河桥 under 维护 with only pH and DO: no class). For the others, why not."""
    import numpy as np

    from ecoplan.standards.water_realtime import REALTIME_ITEMS
    from ecoplan.standards.water_units import parameters

    names = {k: v.name_zh for k, v in parameters()[0].items()}
    usable = np.ones(len(wide), bool)
    reasons = [""] * len(wide)
    status = wide["station_status"].fillna("").astype(str) if "station_status" in wide \
        else pd_series("", len(wide))
    times = wide["time"] if "time" in wide.columns else pd_series(None, len(wide))
    for i in range(len(wide)):
        missing = []
        for c in REALTIME_ITEMS:
            v = wide[c].iat[i] if c in wide.columns else None
            shown = wide[f"shown_{c}"].iat[i] if f"shown_{c}" in wide.columns else None
            if (v is None or v != v) and str(shown).strip() != "*":
                missing.append(names.get(c, c))
        st = status.iat[i]
        word = tr(f"站点{st}，", f"station {st}, ") if st and st != "正常" else ""
        t = times.iat[i]
        if t is None or t != t:
            usable[i] = False
            reasons[i] = tr(f"站点{st or '无数据'}，没有读数", f"station {st or 'without data'}, "
                            "no reading")
        elif missing:
            usable[i] = False
            reasons[i] = tr(f"{word}{'、'.join(missing)}无有效数据（国家不发布类别）",
                            f"{word}no valid value of {', '.join(missing)} (CNEMC publishes no "
                            "class)")
    return usable, reasons


def pd_series(value: object, n: int) -> pd.Series:
    import pandas as pd

    return pd.Series([value] * n, dtype=object)


def with_basis(res: pd.DataFrame, long: pd.DataFrame, skipped: pd.DataFrame,
               period: str) -> pd.DataFrame:
    """Add how many samples and months each class rests on, and 未评价 rows (with the reason)
    for sites whose readings were all left out."""
    import pandas as pd

    def label(t: pd.Series) -> pd.Series:
        return t.dt.strftime("%Y" if period == "year" else "%Y-%m")

    out = res.copy()
    if len(long):
        lt = pd.to_datetime(long["time"])
        basis = pd.DataFrame({"site": long["site"].astype(str), "period": label(lt),
                              "time": lt, "month": lt.dt.strftime("%Y-%m")}).groupby(
            ["site", "period"]).agg(samples=("time", "nunique"), months=("month", "nunique"))
        if len(out):
            out["site"] = out["site"].astype(str)
            out["period"] = out["period"].astype(str)
            out = out.merge(basis.reset_index(), on=["site", "period"], how="left")
    if len(skipped):
        st = skipped.copy()
        st["period"] = label(pd.to_datetime(st["time"])).fillna("—")  # a stopped station: no time
        done = set(zip(out["site"].astype(str), out["period"].astype(str), strict=True)) \
            if len(out) else set()
        rows = []
        for (site, per), g in st.groupby(["site", "period"]):
            reason = "；".join(sorted(set(g["reason"])))
            if (str(site), str(per)) in done:
                out.loc[(out["site"] == str(site)) & (out["period"] == str(per)), "reason"] = \
                    tr(f"{len(g)} 次读数未参评：{reason}", f"{len(g)} readings not assessed: {reason}")
                continue
            rows.append({"site": site, "period": per, "label": "未评价" if get_lang() == "zh"
                         else "not assessed", "samples": 0, "months": 0, "reason": reason})
        if rows:
            out = pd.concat([out, pd.DataFrame(rows)], ignore_index=True)
    return out


#: 环办〔2011〕22号: an annual value is the mean of the monthly values of the year (national
#: sections are sampled every month).
MONTHS_PER_YEAR = 12


def basis_warnings(res: pd.DataFrame, period: str) -> list[str]:
    """A visible line for every annual class that rests on fewer than 12 monthly values."""
    if period != "year" or "months" not in res.columns:
        return []
    out = []
    for r in res.itertuples(index=False):
        months = getattr(r, "months", None)
        if months is None or months != months or int(months) >= MONTHS_PER_YEAR or \
                int(months) == 0:
            continue
        out.append(tr(
            f"{r.site} {r.period} 年度类别 {r.label} 仅依据 {int(r.samples)} 次采样、{int(months)} "
            f"个月；年均值应为 {MONTHS_PER_YEAR} 个月月均值的算术平均（环办〔2011〕22号），结果仅供参考",
            f"{r.site} {r.period}: the annual class {r.label} rests on {int(r.samples)} samples in "
            f"{int(months)} months; an annual value is the mean of {MONTHS_PER_YEAR} monthly "
            "values (环办〔2011〕22号) — indicative only"))
    return out


@groundwater_app.command("classify")
def groundwater_classify(
    input_file: InputArg, output: OutOpt = None, as_json: JsonOpt = False,
    target: Annotated[int, typer.Option("--target", help="目标类别（默认Ⅲ类）/ target class")] = 3,
    profile: Annotated[str | None, typer.Option(
        "--profile", help="按水质目标配置取各点位目标（如 jiaocheng-2021-2025）/ take each "
                          "point's target from a profile")] = None,
) -> None:
    """按 GB/T 14848-2017 评价地下水点位类别 / groundwater point classes (GB/T 14848-2017)."""
    _check_input(input_file)
    from ecoplan.ingest.readers.water import read_groundwater
    from ecoplan.standards.groundwater import classify_groundwater_frame

    with _Stages("评价地下水类别", "Classifying groundwater") as stages:
        long, problems = read_groundwater(input_file)
        stages.step()
        res = classify_groundwater_frame(long, target_class=target)
        if profile is not None:
            from ecoplan.standards.water_profiles import attain_groundwater, get_profile

            res = attain_groundwater(res, get_profile(profile))
        stages.step()
        _write(res, output)
        stages.step()
    _report_problems(problems)
    if as_json:
        emit_json({"rows": _records(res), "problems": [p.as_dict() for p in problems]})
    elif output is None:
        cols = ["site", "time", "label", "deciding_items", "exceeding_items", "attained"]
        print_table(tr("地下水水质类别", "Groundwater classes"), cols,
                    res[cols].astype(str).values.tolist()[:200])


def bench_water(
    rows: Annotated[int, typer.Option("--rows", help="样本数 / number of samples")] = 1_000_000,
    repeat: Annotated[int, typer.Option("--repeat", help="重复次数 / runs")] = 5,
    as_json: JsonOpt = False,
) -> None:
    """水质单因子分类基准（5 项实时规则）/ benchmark: real-time 5-item classification."""
    import statistics
    import time

    import numpy as np
    import pandas as pd

    from ecoplan.standards.water_realtime import classify_realtime

    rng = np.random.default_rng(42)
    wide = pd.DataFrame({
        "ph": rng.uniform(5.5, 9.5, rows), "do": rng.uniform(0.5, 12, rows),
        "codmn": rng.uniform(0.5, 20, rows), "nh3_n": rng.uniform(0.01, 3, rows),
        "tp": rng.uniform(0.005, 0.6, rows),
        "waterbody": np.where(rng.random(rows) < 0.1, "lake", "river"),
    })
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        classify_realtime(wide)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    result = {"rows": rows, "runs": repeat, "median_s": round(med, 3),
              "rows_per_s": int(rows / med)}
    if as_json:
        emit_json(result)
    else:
        ok(f"{rows} 个样本，中位数 {med:.3f} s（{rows / med:,.0f} 样本/秒）",
           f"{rows} samples, median {med:.3f} s ({rows / med:,.0f} samples/s)")


def demo_step(ws: Any, say: Any, result: Any) -> None:
    """Demo step (call from ecoplan/demo.py STEPS as ``("water", demo_step)``).

    Reproduces the national real-time classes of the bundled CNEMC snapshots and assesses the
    Wenyu River 北峪口 section (Jiaocheng) for April 2021 from its real station CSV against the
    plan's profile; writes both tables to ``<home>/reports/`` and records the figures in
    ``result.outputs["water"]``.
    """
    from ecoplan.ingest.readers.water import cnemc_to_long, read_cnemc_station_csv
    from ecoplan.reports.tables import write_tables
    from ecoplan.sample_data import sample_path
    from ecoplan.standards.surface_water import classify_section_period
    from ecoplan.standards.water_profiles import get_profile

    reports = Path(ws.settings.home) / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    hit = total = 0
    frames = []
    for snap in sorted(sample_path("water", "cnemc_realtime").glob("*.json")):
        frame = realtime_frame(snap)
        frame["snapshot"] = snap.name
        frames.append(frame)
        published = frame["match"].notna()
        total += int(published.sum())
        hit += int(frame.loc[published, "match"].astype(bool).sum())
    import pandas as pd

    rt_out = reports / "water_realtime_reproduction.csv"
    write_tables(rt_out, pd.concat(frames))
    say(f"国家地表水自动站实时类别复现 {hit}/{total}，已写入 {rt_out}",
        f"Real-time classes reproduced {hit}/{total}, written to {rt_out}")
    src = sample_path("water", "cnemc_station_csv", "山西省", "黄河流域", "北峪口", "2021-04",
                      "北峪口.csv")
    wide, _ = read_cnemc_station_csv(src)
    long = cnemc_to_long(wide)
    profile = get_profile("jiaocheng-2021-2025")
    month = classify_section_period(long, "month", profile=profile)
    sec_out = reports / "water_wenyu_beiyukou_2021-04.csv"
    write_tables(sec_out, month)
    row = month.iloc[0]
    say(f"文峪河北峪口 2021-04：{row['label']}类（{row['status_zh']}），目标 {row['target']}类，"
        f"{'达标' if row['attained'] else '未达标'}；已写入 {sec_out}",
        f"Wenyu River Beiyukou 2021-04: class {row['label']} ({row['status']}), target "
        f"{row['target']}, {'attained' if row['attained'] else 'not attained'}; written to {sec_out}")
    result.outputs["water"] = {
        "realtime_reproduced": hit, "realtime_published": total,
        "realtime_csv": str(rt_out), "beiyukou_2021_04_class": str(row["label"]),
        "beiyukou_attained": bool(row["attained"]), "section_csv": str(sec_out),
        "profile": profile.key,
    }
