"""``ecoplan ingest …``, ``ecoplan template …``, ``ecoplan registry …``, ``ecoplan lake compact``
and ``ecoplan bench ingest``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from ecoplan.commands.bench import app as bench_app
from ecoplan.commands.core import lake_app
from ecoplan.console import console, emit_json, err_console, ok, print_table
from ecoplan.i18n import get_lang, tr

ingest_app = typer.Typer(
    help="监测数据导入（校验、隔离、原子写入）/ ingest monitoring data.\n\n"
    "退出码 / exit codes: 0 全部接受 / all accepted; 3 部分行或数值被隔离 / some rows or values "
    "quarantined; 1 文件被拒收或没有任何数据被接受 / a file refused or nothing accepted.",
    no_args_is_help=True)
registry_app = typer.Typer(help="站点、断面、水源地、地下水点位登记表 / site registries",
                           no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
PathsArg = Annotated[list[Path], typer.Argument(help="文件或文件夹（文件夹 = 其中全部文件）/ files or "
                                                     "folders", exists=True)]
DryRunOpt = Annotated[bool, typer.Option("--dry-run", help="只校验不写入 / validate only, write "
                                                           "nothing")]
CorrectionOpt = Annotated[bool, typer.Option(
    "--correction", help="更正批次：替换已入库的同键数值并保留历史 / correction batch: supersede "
                         "earlier values, keeping history")]

PER_SITE_LIMIT = 100


def register(app: typer.Typer) -> None:
    app.add_typer(ingest_app, name="ingest")
    app.command("template")(template)
    app.add_typer(registry_app, name="registry")
    lake_app.command("compact")(lake_compact)
    lake_app.command("summary")(lake_summary)
    bench_app.command("ingest")(bench_ingest)


# ------------------------------------------------------------------------------ ingest
def _run(dataset: str, paths: list[Path], dry_run: bool, correction: bool, as_json: bool) -> None:
    from ecoplan.console import progress
    from ecoplan.ingest.pipeline import expand_paths, ingest_file
    from ecoplan.store.workspace import Workspace

    ws = Workspace()
    files = expand_paths(paths)
    if not files:
        from ecoplan.errors import InputFileError

        raise InputFileError("没有找到可导入的文件", "No files to ingest were found")
    summaries = []
    with progress() as bar:
        task = bar.add_task(tr("导入", "Ingesting"), total=len(files))
        for f in files:
            bar.update(task, description=f"{f.name}")

            def step(done: int, total: int, _src: str, _f: Path = f) -> None:
                names = {1: tr("校验", "validate"), 2: tr("写入", "write"), 3: tr("提交", "commit")}
                bar.update(task, description=f"{_f.name} · {names.get(done, '')}")

            summaries.append(ingest_file(ws, dataset, f, kind="correction" if correction
                                         else "load", dry_run=dry_run, progress=step))
            bar.advance(task)
    if as_json:
        emit_json([s.as_dict() for s in summaries])
    else:
        _print_summaries(summaries)
    code = exit_code(summaries)
    if code:
        raise typer.Exit(code)


#: Exit code of a load that stored data but quarantined rows or values (documented in README
#: and ``ecoplan ingest --help``).
EXIT_PARTIAL = 3


def exit_code(summaries: list[Any]) -> int:
    """0 everything accepted (or already loaded); 3 some rows or values quarantined; 1 a file
    refused or nothing accepted at all."""
    if any(s.status == "rejected" for s in summaries):
        return 1
    fresh = [s for s in summaries if s.status != "duplicate"]
    if fresh and sum(s.rows_read for s in fresh) and not sum(s.rows_accepted for s in fresh):
        return 1
    if any(s.rows_quarantined or s.values_quarantined for s in fresh):
        return EXIT_PARTIAL
    return 0


#: How each kind of problem is summed up in one line ({n} occurrences, {k} distinct values).
KIND_TEXT: dict[str, tuple[str, str]] = {
    "unknown_site": ("{k} 个未知站点（{n} 行，已隔离）", "{k} unknown sites ({n} rows, quarantined)"),
    "bad_timestamp": ("{n} 行时间无法识别（已隔离）", "{n} rows with an unreadable time (quarantined)"),
    "duplicate": ("{n} 行与前面的行重复（已隔离）", "{n} rows repeat an earlier row (quarantined)"),
    "conflict": ("{n} 行与已入库数据冲突（如为更正请用 --correction）",
                 "{n} rows conflict with stored data (use --correction for a correction)"),
    "bad_line": ("{n} 行字段数与表头不符（已隔离）", "{n} lines with a wrong number of fields "
                 "(quarantined)"),
    "no_values": ("{n} 行没有任何有效测量值（已隔离）", "{n} rows without any valid measured value "
                  "(quarantined)"),
    "missing_station": ("{n} 行缺少站点编码（已隔离）", "{n} rows without a station code (quarantined)"),
    "not_a_number": ("{n} 个数值不是数字（仅隔离该值）", "{n} values are not numbers (only that value "
                     "quarantined)"),
    "invalid_marker": ("{n} 个数值标为无效/未检出等（仅隔离该值）", "{n} values marked invalid / not "
                       "detected … (only that value quarantined)"),
    "negative": ("{n} 个负值（仅隔离该值）", "{n} negative values (only that value quarantined)"),
    "out_of_range": ("{n} 个数值超出合理范围，可能单位错误（仅隔离该值）", "{n} values out of the "
                     "plausible range, wrong unit? (only that value quarantined)"),
    "bad_unit": ("{n} 个数值的单位无法识别（仅隔离该值）", "{n} values with an unknown unit (only that "
                 "value quarantined)"),
    "dash_missing": ("{n} 个数值写作“—”，按缺测处理", "{n} values written as a dash, read as missing"),
    "note_row": ("{n} 行表尾说明未作为数据导入", "{n} note rows at the end not loaded as data"),
    "ignored_column": ("{k} 个未识别的列未导入", "{k} columns not recognised, not loaded"),
    "unreadable_file": ("文件无法读取，已拒收", "the file cannot be read and is refused"),
}


def problem_lines(summaries: list[Any]) -> list[str]:
    """One line per kind of problem over all files, with counts and the first values."""
    merged: dict[str, dict[str, Any]] = {}
    for s in summaries:
        for code, k in (s.problem_kinds or {}).items():
            m = merged.setdefault(code, {"count": 0, "distinct": 0, "values": [],
                                         "reason_zh": k["reason_zh"],
                                         "reason_en": k["reason_en"]})
            m["count"] += k["count"]
            m["distinct"] += k["distinct"]
            m["values"] += [x for x in k["values"] if x not in m["values"]][:8 - len(m["values"])]
        if s.status == "rejected" and not s.problem_kinds:
            for p in s.problems:
                merged.setdefault(p["code"], {"count": 1, "distinct": 1, "values": [],
                                              "reason_zh": p["reason_zh"],
                                              "reason_en": p["reason_en"]})
    lines = []
    for code, m in merged.items():
        zh, en = KIND_TEXT.get(code, ("{n} 处：" + m["reason_zh"], "{n}: " + m["reason_en"]))
        text = tr(zh, en).format(n=m["count"], k=m["distinct"])
        if code == "unreadable_file":
            text += tr("：", ": ") + tr(m["reason_zh"], m["reason_en"])
        elif m["values"]:
            more = " …" if m["distinct"] > len(m["values"]) else ""
            text += tr("：", ": ") + ", ".join(m["values"]) + more
        lines.append(text)
    return lines


def _status_text(status: str) -> str:
    return {"committed": tr("已入库", "committed"), "duplicate": tr("重复文件，未写入", "duplicate, "
                                                                  "nothing added"),
            "dry_run": tr("试运行", "dry run"), "empty": tr("空文件", "empty"),
            "rejected": tr("无法读取，已拒收", "unreadable, rejected")}.get(status, status)


def _print_summaries(summaries: list[Any]) -> None:
    rows = []
    tot = {"read": 0, "accepted": 0, "quarantined": 0, "superseded": 0, "unchanged": 0,
           "reflagged": 0}
    for s in summaries:
        rows.append((Path(s.source).name, s.batch_id or (f"= {s.duplicate_of}" if s.duplicate_of
                                                         else "—"),
                     _status_text(s.status), s.rows_read, s.rows_accepted, s.rows_quarantined,
                     s.rows_superseded, s.rows_unchanged, s.rows_reflagged,
                     ", ".join(f"{k} {v}" for k, v in sorted(s.flags.items())) or "—"))
        tot["read"] += s.rows_read
        tot["accepted"] += s.rows_accepted
        tot["quarantined"] += s.rows_quarantined
        tot["superseded"] += s.rows_superseded
        tot["unchanged"] += s.rows_unchanged
        tot["reflagged"] += s.rows_reflagged
    if len(summaries) > 1:
        rows.append((tr("合计", "total"), "", "", tot["read"], tot["accepted"], tot["quarantined"],
                     tot["superseded"], tot["unchanged"], tot["reflagged"], ""))
    headers = [tr("文件", "file"), tr("批次", "batch"), tr("状态", "status"), tr("读取", "read"),
               tr("接受", "accepted"), tr("隔离", "quarantined"), tr("被替换", "superseded"),
               tr("未变化", "unchanged"), tr("标记变更", "reflagged"), tr("质量标记", "flags")]
    if not tot["reflagged"]:  # the column only when a source flag changed
        headers.pop(8)
        rows = [r[:8] + r[9:] for r in rows]
    print_table(tr("导入结果", "Ingest summary"), headers, rows)
    per: dict[str, dict[str, int]] = {}
    for s in summaries:
        for site, c in s.per_site.items():
            d = per.setdefault(site, {"read": 0, "accepted": 0, "quarantined": 0, "superseded": 0})
            for k in d:
                d[k] += c.get(k, 0)
    if per:
        items = sorted(per.items())
        note = ""
        if len(items) > PER_SITE_LIMIT:
            items = sorted(per.items(), key=lambda kv: (-kv[1]["quarantined"], kv[0]))
            items = items[:PER_SITE_LIMIT]
            note = tr(f"（共 {len(per)} 个站点，仅列出隔离最多的 {PER_SITE_LIMIT} 个；完整结果用 --json）",
                      f" ({len(per)} sites; the {PER_SITE_LIMIT} with most quarantined rows shown; "
                      "--json for all)")
        print_table(tr("按站点", "Per site") + note,
                    [tr("站点", "site"), tr("读取", "read"), tr("接受", "accepted"),
                     tr("隔离", "quarantined"), tr("被替换", "superseded")],
                    [(k, v["read"], v["accepted"], v["quarantined"], v["superseded"])
                     for k, v in items])
    values = [(s.values_read, s.values_accepted, s.values_quarantined) for s in summaries]
    if any(v[2] for v in values):
        vr, va, vq = (sum(v[i] for v in values) for i in range(3))
        console.print(tr(f"数值：读取 {vr}，接受 {va}，隔离 {vq}（坏值只隔离该值，同一小时的其他污染物保留）",
                         f"Values: read {vr}, accepted {va}, quarantined {vq} (a bad value is "
                         "quarantined alone; the other pollutants of the hour are kept)"),
                      highlight=False)
    for line in problem_lines(summaries):
        err_console.print(f"[yellow]![/yellow] {line}", markup=True, highlight=False)
    if any(s.rows_quarantined or s.values_quarantined for s in summaries):
        err_console.print(tr("被隔离的行和数值（文件、行、字段、原因）可用 ecoplan ingest show 批次号 或 "
                             "ecoplan flags list 查看。",
                             "See the quarantined rows and values (file, row, field, reason) with "
                             "`ecoplan ingest show BATCH` or `ecoplan flags list`."))


@ingest_app.command("air")
def ingest_air(paths: PathsArg, dry_run: DryRunOpt = False, correction: CorrectionOpt = False,
               as_json: JsonOpt = False) -> None:
    """导入空气小时数据（CNEMC china_sites、实时快照、标准小时表 CSV/Parquet/XLSX，含标题行、合并表头、
    单位行的部门表格）/ air hourly data (also department sheets with titles, merged headers, units).

    退出码 / exit codes: 0 全部接受 / all accepted; 3 部分行或数值被隔离 / some rows or values
    quarantined; 1 文件被拒收或没有数据被接受 / a file refused or nothing accepted."""
    _run("air_hourly", paths, dry_run, correction, as_json)


@ingest_app.command("water")
def ingest_water(paths: PathsArg, dry_run: DryRunOpt = False, correction: CorrectionOpt = False,
                 as_json: JsonOpt = False) -> None:
    """导入地表水数据（长表 CSV/XLSX、CNEMC 实时 JSON）/ surface-water data."""
    _run("water_samples", paths, dry_run, correction, as_json)


@ingest_app.command("groundwater")
def ingest_groundwater(paths: PathsArg, dry_run: DryRunOpt = False,
                       correction: CorrectionOpt = False, as_json: JsonOpt = False) -> None:
    """导入地下水数据（长表 CSV/XLSX）/ groundwater data."""
    _run("groundwater_samples", paths, dry_run, correction, as_json)


@ingest_app.command("online-monitoring")
def ingest_online(paths: PathsArg, dry_run: DryRunOpt = False, correction: CorrectionOpt = False,
                  as_json: JsonOpt = False) -> None:
    """导入企业在线监测数据（排放口分钟/小时/日长表 CSV/XLSX）/ enterprise online monitoring
    (outlet minute/hour/day long table)."""
    _run("online_monitoring", paths, dry_run, correction, as_json)


@ingest_app.command("air-minute")
def ingest_air_minute(paths: PathsArg, dry_run: DryRunOpt = False,
                      correction: CorrectionOpt = False, as_json: JsonOpt = False) -> None:
    """导入空气站、扬尘监测设备的分钟数据（长表）/ air-station and dust-monitor minute values."""
    _run("air_minute", paths, dry_run, correction, as_json)


@ingest_app.command("air-daily-device")
def ingest_air_daily_device(paths: PathsArg, dry_run: DryRunOpt = False,
                            correction: CorrectionOpt = False, as_json: JsonOpt = False) -> None:
    """导入设备自报的日数据（长表，与由小时值计算的日均值分开）/ the devices' own day values."""
    _run("air_daily_device", paths, dry_run, correction, as_json)


#: what each dataset of the ingestion path holds (``ecoplan ingest datasets``, ``lake summary``)
DATASET_TEXT = {
    "air_hourly": ("空气小时数据（小时末标记）", "air hourly values (hour-ending labels)"),
    "water_samples": ("地表水监测数据", "surface-water samples"),
    "groundwater_samples": ("地下水监测数据", "groundwater samples"),
    "air_minute": ("空气站、扬尘设备分钟数据（HJ 212 2051，时间为时段起点）",
                   "air-station and dust-monitor minute values (HJ 212 2051, period start)"),
    "air_daily_device": ("设备自报日数据（HJ 212 2031，时间为时段起点）",
                         "the devices' own day values (HJ 212 2031, period start)"),
    "online_monitoring": ("企业在线监测：烟气 CEMS、废水排放口分钟/小时/日数据（时间为时段起点）",
                          "enterprise online monitoring: CEMS and waste-water outlets, "
                          "minute/hour/day (period start)"),
}


@ingest_app.command("datasets")
def ingest_datasets(as_json: JsonOpt = False) -> None:
    """列出可导入的数据集及其键、站点登记表 / the datasets of the ingestion path."""
    from ecoplan.ingest.rules import datasets, rules_for

    rows = []
    for name in datasets():
        r = rules_for(name)
        zh, en = DATASET_TEXT.get(name, (name, name))
        rows.append({"dataset": name, "description": tr(zh, en), "key": list(r.key),
                     "time": r.time_column, "site": r.site_column,
                     "registries": list(r.registries), "parameters": sorted(r.parameters)})
    if as_json:
        emit_json(rows)
        return
    print_table(tr("数据集", "Datasets"),
                [tr("数据集", "dataset"), tr("说明", "description"), tr("键", "key"),
                 tr("登记表", "registry")],
                [(r["dataset"], r["description"], ", ".join(r["key"]), "/".join(r["registries"]))
                 for r in rows])


@ingest_app.command("list")
def ingest_list(
    limit: Annotated[int, typer.Option("--limit", help="最多显示条数 / max rows")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """列出导入批次 / list ingest batches."""
    from sqlalchemy import select

    from ecoplan.store.models import IngestBatch
    from ecoplan.store.workspace import Workspace

    ws = Workspace()
    with ws.session() as s:
        rows = [{"id": b.id, "dataset": b.dataset, "kind": b.kind, "status": b.status,
                 "started_at": b.started_at, "rows_read": b.rows_read,
                 "rows_accepted": b.rows_accepted, "rows_quarantined": b.rows_quarantined,
                 "rows_superseded": b.rows_superseded, "source_file": b.source_file}
                for b in s.scalars(select(IngestBatch).order_by(IngestBatch.id.desc())
                                   .limit(limit))]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("导入批次", "Ingest batches"),
                ["id", tr("数据集", "dataset"), tr("类型", "kind"), tr("状态", "status"),
                 tr("读取", "read"), tr("接受", "accepted"), tr("隔离", "quarantined"),
                 tr("被替换", "superseded"), tr("文件", "file")],
                [(r["id"], r["dataset"], r["kind"], r["status"], r["rows_read"],
                  r["rows_accepted"], r["rows_quarantined"], r["rows_superseded"],
                  Path(r["source_file"]).name) for r in rows])


@ingest_app.command("show")
def ingest_show(
    batch: Annotated[int, typer.Argument(help="批次号 / batch id")],
    limit: Annotated[int, typer.Option("--limit", help="最多列出的隔离行 / max quarantined rows")]
    = 100,
    as_json: JsonOpt = False,
) -> None:
    """显示一个批次及其隔离的行（文件、行、字段、原因）/ a batch and its quarantined rows."""
    from sqlalchemy import func, select

    from ecoplan.errors import ValidationError
    from ecoplan.store.ingest_models import QualityFlag, Supersession
    from ecoplan.store.models import IngestBatch, QuarantinedRow
    from ecoplan.store.workspace import Workspace

    ws = Workspace()
    with ws.session() as s:
        b = s.get(IngestBatch, batch)
        if b is None:
            raise ValidationError(f"没有批次 {batch}", f"No batch {batch}")
        info = {"id": b.id, "dataset": b.dataset, "kind": b.kind, "status": b.status,
                "source_file": b.source_file, "file_hash": b.file_hash,
                "started_at": b.started_at, "finished_at": b.finished_at,
                "rows_read": b.rows_read, "rows_accepted": b.rows_accepted,
                "rows_quarantined": b.rows_quarantined, "rows_superseded": b.rows_superseded,
                "lake_files": [e.get("path") for e in (b.lake_files or []) if e.get("op") == "add"],
                "message": b.message}
        q = [{"file": r.file, "row": r.row, "field": r.field, "value": r.value,
              "reason": r.reason} for r in s.scalars(
                  select(QuarantinedRow).where(QuarantinedRow.batch_id == batch)
                  .order_by(QuarantinedRow.id).limit(limit))]
        n_q = s.scalar(select(func.count()).select_from(QuarantinedRow)
                       .where(QuarantinedRow.batch_id == batch))
        flags = dict(s.execute(select(QualityFlag.flag, func.count()).where(
            QualityFlag.batch_id == batch).group_by(QualityFlag.flag)).all())
        sup = [{"superseded_batch": r.superseded_batch_id, "rows": r.rows}
               for r in s.scalars(select(Supersession).where(Supersession.batch_id == batch))]
    data = {"batch": info, "quarantine_total": n_q, "quarantine": q, "flags": flags,
            "supersessions": sup}
    if as_json:
        emit_json(data)
        return
    print_table(tr(f"批次 {batch}", f"Batch {batch}"), [tr("项", "item"), tr("值", "value")],
                [(k, v) for k, v in info.items() if k not in {"lake_files", "message"}]
                + [(tr("质量标记", "flags"), ", ".join(f"{k} {v}" for k, v in flags.items()) or "—"),
                   (tr("替换的批次", "superseded batches"),
                    ", ".join(f"{d['superseded_batch']} ({d['rows']})" for d in sup) or "—")])
    lang = get_lang()

    def reason(text: str) -> str:
        if " / " in text:
            zh, en = text.split(" / ", 1)
            return zh if lang == "zh" else en
        return text

    if q:
        print_table(tr(f"隔离的行（共 {n_q}，列出 {len(q)}）", f"Quarantined rows ({n_q}, "
                                                        f"{len(q)} shown)"),
                    [tr("文件", "file"), tr("行", "row"), tr("字段", "field"), tr("值", "value"),
                     tr("原因", "reason")],
                    [(Path(r["file"]).name, r["row"], r["field"], r["value"], reason(r["reason"]))
                     for r in q])
    else:
        console.print(tr("本批次没有隔离的行。", "No quarantined rows in this batch."))


@ingest_app.command("flag")
def ingest_flag(
    dataset: Annotated[str, typer.Argument(help="数据集 air_hourly|water_samples|… / dataset")],
    site: Annotated[str, typer.Argument(help="站点/点位编码 / site code")],
    time: Annotated[str, typer.Argument(help="时间（北京时间，小时末）/ time, e.g. 2019-01-01T08:00")],
    parameter: Annotated[str, typer.Argument(help="项目，如 pm25 / parameter")],
    flag: Annotated[str, typer.Argument(help="标记 valid|invalid|suspect|dust|… / flag")],
    reason: Annotated[str, typer.Option("--reason", help="理由（必填）/ reason (required)")],
    actor: Annotated[str, typer.Option("--actor", help="审核人 / reviewer")] = "cli",
    as_json: JsonOpt = False,
) -> None:
    """为一个数值追加质量标记（只追加，不覆盖）/ append a quality flag to one value."""
    from ecoplan.ingest.flags import append_flag, flag_history
    from ecoplan.store.workspace import Workspace

    ws = Workspace()
    ts = datetime.fromisoformat(time)
    append_flag(ws.engine, dataset, site, ts, parameter, flag, reason=reason, actor=actor)
    hist = flag_history(ws.engine, dataset, site, ts, parameter)
    if as_json:
        emit_json(hist)
        return
    print_table(tr("质量标记历史", "Flag history"),
                [tr("时间", "recorded"), tr("标记", "flag"), tr("理由", "reason"),
                 tr("人员", "actor"), tr("批次", "batch")],
                [(h["recorded_at"], h["flag"], h["reason"], h["actor"], h["batch_id"])
                 for h in hist])


# ------------------------------------------------------------------------------ templates
def template(
    kind: Annotated[str, typer.Argument(help="air | water | groundwater")],
    output: Annotated[Path, typer.Option("-o", "--output", help="输出 XLSX 文件 / output .xlsx")],
) -> None:
    """生成带中文表头和数据有效性的 XLSX 填报模板 / write an XLSX template with validation."""
    from ecoplan.ingest.templates import write_template

    engine = None
    try:
        from ecoplan.store.workspace import Workspace

        engine = Workspace().engine
    except Exception:  # noqa: BLE001 - a template without a workspace has no site list
        engine = None
    path = write_template(kind, output, engine=engine)
    ok(f"模板已写入 {path}", f"Template written to {path}")


# ------------------------------------------------------------------------------ registries
@registry_app.command("import")
def registry_import(
    kind: Annotated[str | None, typer.Argument(
        help="station | section | drinking_source | groundwater_point")] = None,
    file: Annotated[Path | None, typer.Argument(help="CSV/XLSX 文件 / file", exists=True)] = None,
    bundled: Annotated[list[str] | None, typer.Option(
        "--bundled", help="内置登记表 shanxi | jiaocheng | shanxi_water | national / bundled registry")] = None,
    as_json: JsonOpt = False,
) -> None:
    """从 CSV/XLSX 导入登记表，或导入内置登记表 / import a registry file or a bundled one."""
    from ecoplan.errors import ValidationError
    from ecoplan.ingest.registry import import_bundled, import_file
    from ecoplan.store.workspace import Workspace

    ws = Workspace()
    results = []
    if bundled:
        results += import_bundled(ws.engine, tuple(bundled), only_if_missing=False)
    if kind and file:
        results.append(import_file(ws.engine, kind, file))
    elif not bundled:
        raise ValidationError("请给出 类型 和 文件，或 --bundled 名称",
                              "Give KIND and FILE, or --bundled NAME")
    if as_json:
        emit_json(results)
        return
    print_table(tr("登记表导入", "Registry import"),
                [tr("类型", "kind"), tr("文件", "file"), tr("新增", "inserted"),
                 tr("更新", "updated"), tr("别名", "aliases"), tr("问题", "problems")],
                [(r.kind, Path(r.file).name, r.inserted, r.updated, r.aliases, len(r.problems))
                 for r in results])
    lang = get_lang()
    for r in results:
        for p in r.problems[:20]:
            err_console.print(f"[yellow]![/yellow] {Path(p['file']).name}, {p['row']}, "
                              f"{p['field']}: {p['zh'] if lang == 'zh' else p['en']}",
                              markup=True, highlight=False)


@registry_app.command("list")
def registry_list(
    kind: Annotated[str, typer.Argument(
        help="station | section | drinking_source | groundwater_point")],
    as_json: JsonOpt = False,
) -> None:
    """列出登记表 / list a registry."""
    from ecoplan.ingest.registry import list_sites
    from ecoplan.store.workspace import Workspace

    rows = list_sites(Workspace().engine, kind)
    if as_json:
        emit_json(rows)
        return
    if not rows:
        console.print(tr("登记表为空（可用 ecoplan registry import --bundled shanxi）",
                         "The registry is empty (try `ecoplan registry import --bundled shanxi`)"))
        return
    cols = list(rows[0].keys())
    print_table(tr("登记表", "Registry"), cols,
                [[", ".join(v) if isinstance(v, list) else v for v in r.values()] for r in rows])


@registry_app.command("set")
def registry_set(
    kind: Annotated[str, typer.Argument(
        help="station | section | drinking_source | groundwater_point")],
    code: Annotated[str, typer.Argument(help="编码 / code")],
    field_values: Annotated[list[str] | None, typer.Option(
        "--set", help="字段=值，如 name=交城 county_town=是 / field=value")] = None,
    alias: Annotated[list[str] | None, typer.Option("--alias", help="别名 / alias")] = None,
    as_json: JsonOpt = False,
) -> None:
    """新建或修改一个站点/断面/点位 / create or edit one site."""
    from ecoplan.errors import ValidationError
    from ecoplan.ingest.registry import set_site
    from ecoplan.store.workspace import Workspace

    values: dict[str, str] = {}
    for fv in field_values or []:
        if "=" not in fv:
            raise ValidationError(f"应为 字段=值：{fv}", f"expected field=value: {fv}")
        k, v = fv.split("=", 1)
        values[k.strip()] = v.strip()
    row = set_site(Workspace().engine, kind, code, values, alias)
    if as_json:
        emit_json(row)
        return
    ok(f"已保存 {code}", f"Saved {code}")
    print_table(code, [tr("字段", "field"), tr("值", "value")], list(row.items()))


# ------------------------------------------------------------------------------ lake compact
def lake_compact(
    dataset: Annotated[list[str] | None, typer.Argument(help="数据集（默认全部）/ datasets")] = None,
    as_json: JsonOpt = False,
) -> None:
    """合并数据湖分区中的小文件（原子，可恢复）/ merge small files of each partition."""
    from ecoplan.ingest.compact import compact
    from ecoplan.store.workspace import Workspace

    results = compact(Workspace(), dataset or None)
    if as_json:
        emit_json(results)
        return
    print_table(tr("数据湖合并", "Lake compaction"),
                [tr("数据集", "dataset"), tr("分区", "partitions"), tr("合并前文件", "files before"),
                 tr("合并后文件", "files after"), tr("行", "rows"), tr("批次", "batch")],
                [(r.dataset, r.partitions, r.files_before, r.files_after, r.rows, r.batch_id or "—")
                 for r in results])


def lake_summary(as_json: JsonOpt = False) -> None:
    """每个入库数据集的行数、时间范围、站点数、批次与隔离行 / per dataset of the ingestion path:
    rows, time range, sites, batches, quarantined rows."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq
    from sqlalchemy import func, select

    from ecoplan.ingest.rules import datasets, rules_for
    from ecoplan.store.models import IngestBatch, QuarantinedRow
    from ecoplan.store.workspace import Workspace

    ws = Workspace()
    with ws.session() as s:
        batches = dict(s.execute(select(IngestBatch.dataset, func.count()).where(
            IngestBatch.status == "committed").group_by(IngestBatch.dataset)).all())
        quarantined = dict(s.execute(
            select(IngestBatch.dataset, func.count()).join(
                QuarantinedRow, QuarantinedRow.batch_id == IngestBatch.id)
            .where(QuarantinedRow.resolved.is_(False)).group_by(IngestBatch.dataset)).all())
    rows = []
    for name in datasets():
        r = rules_for(name)
        files = ws.lake.files(name)
        n, first, last, sites = 0, None, None, set()
        for f in files:
            t = pq.read_table(f, columns=[r.site_column, r.time_column])
            n += t.num_rows
            if t.num_rows:
                mm = pc.min_max(t.column(r.time_column)).as_py()
                first = mm["min"] if first is None else min(first, mm["min"])
                last = mm["max"] if last is None else max(last, mm["max"])
                sites.update(pc.unique(t.column(r.site_column)).to_pylist())
        zh, en = DATASET_TEXT.get(name, (name, name))
        rows.append({"dataset": name, "description": tr(zh, en), "files": len(files), "rows": n,
                     "first": first, "last": last, "sites": len(sites),
                     "batches": batches.get(name, 0), "quarantined": quarantined.get(name, 0)})
    if as_json:
        emit_json(rows)
        return
    print_table(tr("数据湖概况", "Lake summary"),
                [tr("数据集", "dataset"), tr("行", "rows"), tr("文件", "files"),
                 tr("站点/排放口", "sites"), tr("最早", "first"), tr("最晚", "last"),
                 tr("批次", "batches"), tr("待处理隔离行", "quarantined")],
                [(r["dataset"], r["rows"], r["files"], r["sites"], r["first"] or "—",
                  r["last"] or "—", r["batches"], r["quarantined"]) for r in rows])


# ------------------------------------------------------------------------------ benchmark
def bench_ingest(
    runs: Annotated[int, typer.Option("--runs", help="重复次数（取中位数）/ runs (median)")] = 5,
    days: Annotated[int, typer.Option("--days", help="CNEMC 日文件个数 / CNEMC daily files")] = 7,
    as_json: JsonOpt = False,
) -> None:
    """导入吞吐量（站点·小时/秒）：标准 Parquet 与 CNEMC CSV / ingestion throughput."""
    from ecoplan.ingest.bench import run_benchmark

    with err_console.status(tr("正在测量……", "Measuring…")):
        result = run_benchmark(runs=runs, days=days)
    if as_json:
        emit_json(result)
        return
    print_table(tr("导入吞吐量（站点·小时/秒，中位数）", "Ingestion throughput (station-hours/s, median)"),
                [tr("场景", "case"), tr("站点·小时", "station-hours"), tr("中位数", "median"),
                 tr("最小", "min"), tr("最大", "max"), tr("每 CPU 秒", "per CPU second"),
                 tr("次数", "runs")],
                [(c["case"], c["station_hours"], f"{c['median']:,.0f}", f"{c['min']:,.0f}",
                  f"{c['max']:,.0f}", f"{c['cpu_median']:,.0f}", c["runs"])
                 for c in result["cases"]])
    console.print(result["machine"])
    console.print(tr(f"负载（前/后）：{result['load_average_before']} / {result['load_average_after']}",
                     f"load average (before/after): {result['load_average_before']} / "
                     f"{result['load_average_after']}"))
