"""Workspace, settings and database commands: ``init``, ``config``, ``db``, ``lake``."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from ecoplan.console import console, emit_json, ok, print_table
from ecoplan.i18n import tr

db_app = typer.Typer(help="元数据数据库 / metadata database", no_args_is_help=True)
lake_app = typer.Typer(help="监测数据湖（Parquet）/ measurement lake", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("config")(config)
    app.add_typer(db_app, name="db")
    app.add_typer(lake_app, name="lake")


def init(
    directory: Annotated[
        Path | None, typer.Argument(help="工作区目录（默认 ECOPLAN_HOME 或 ~/ecoplan）/ workspace")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="数据库地址 / SQLAlchemy URL")
    ] = None,
    no_registry: Annotated[
        bool, typer.Option("--no-registry",
                           help="不登记内置的全国国控空气站点 / skip the bundled national station list")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """初始化工作区：目录、密钥、数据库结构、全国国控站点 / create a workspace (folders, secret,
    schema, national air stations)."""
    from ecoplan.ingest.registry import import_bundled
    from ecoplan.store import db
    from ecoplan.store.workspace import init_workspace

    result = init_workspace(directory, database_url=database_url)
    stations = None
    if not no_registry:
        # CNEMC's public national station list, so that national files (china_sites_….csv) load
        # at once; only when some of its stations are missing, so edits made since are kept. The
        # 59 Shanxi stations then get the fuller rows of the bundled Shanxi list (city 吕梁市 …).
        engine = db.make_engine(result.database_url)
        try:
            imported = import_bundled(engine, ("national",), only_if_missing=True)
            if imported:
                import_bundled(engine, ("shanxi",), only_if_missing=False)
        finally:
            engine.dispose()
        stations = sum(r.inserted for r in imported)
    if as_json:
        emit_json({**asdict(result), "national_stations_registered": stations})
        return
    ok(f"工作区已就绪：{result.home}", f"Workspace ready: {result.home}")
    if result.secret_generated:
        ok("已生成随机密钥（ecoplan.env）", "Generated a random secret key (ecoplan.env)")
    ok(f"数据库结构已更新至 {', '.join(result.revisions)}",
       f"Database schema at {', '.join(result.revisions)}")
    if stations:
        ok(f"已登记全国国控空气站点 {stations} 个（CNEMC 站点列表，ecoplan registry list station）",
           f"Registered {stations} national air stations (CNEMC station list, "
           "ecoplan registry list station)")


def config(as_json: JsonOpt = False) -> None:
    """显示当前生效的设置（密钥已隐藏）/ show the effective settings, secrets masked."""
    from ecoplan.settings import load_settings

    values = load_settings().masked()
    if as_json:
        emit_json(values)
        return
    print_table(tr("生效设置", "Effective settings"), [tr("设置项", "setting"), tr("值", "value")],
                values.items())


@db_app.command("upgrade")
def db_upgrade(as_json: JsonOpt = False) -> None:
    """将数据库结构升级到最新版本 / apply all migrations."""
    from ecoplan.settings import load_settings
    from ecoplan.store import db

    settings = load_settings()
    revisions = db.upgrade(settings.effective_database_url)
    if as_json:
        emit_json({"database_url": settings.masked()["database_url"], "revisions": revisions})
        return
    ok(f"数据库结构已是最新：{', '.join(revisions)}", f"Schema up to date: {', '.join(revisions)}")


@db_app.command("current")
def db_current(as_json: JsonOpt = False) -> None:
    """显示数据库当前结构版本 / show the schema revision."""
    from ecoplan.settings import load_settings
    from ecoplan.store import db

    settings = load_settings()
    engine = db.make_engine(settings.effective_database_url)
    db.check_connection(engine)
    current, heads = db.current_revisions(engine), db.head_revisions()
    data = {"current": current, "heads": heads, "up_to_date": current == heads}
    if as_json:
        emit_json(data)
        return
    console.print(tr(f"当前版本：{current or '（空）'}；最新：{heads}",
                     f"current: {current or '(empty)'}; latest: {heads}"))


@lake_app.command("list")
def lake_list(as_json: JsonOpt = False) -> None:
    """列出数据湖中的数据集 / list lake datasets with file and row counts."""
    import pyarrow.parquet as pq

    from ecoplan.store.workspace import Workspace

    lake = Workspace().lake
    rows = []
    for name in lake.datasets():
        files = lake.files(name)
        n = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        rows.append({"dataset": name, "files": len(files), "rows": n})
    if as_json:
        emit_json(rows)
        return
    print_table(tr("数据湖", "Lake"), ["dataset", "files", "rows"],
                [(r["dataset"], r["files"], r["rows"]) for r in rows])
