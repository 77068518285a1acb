"""Operations: ``deploy`` (service files), ``backup`` and ``restore`` (docs/operations.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ecoplan.console import console, emit_json, info, ok
from ecoplan.i18n import tr

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]


def register(app: typer.Typer) -> None:
    app.command("deploy")(deploy)
    app.command("backup")(backup)
    app.command("restore")(restore)


def deploy(
    out: Annotated[Path, typer.Option("--out", "-o", help="输出目录 / output folder")] = Path(
        "deploy"),
    user: Annotated[str, typer.Option("--user", help="运行服务的系统用户 / service user")] = "ecoplan",
    server_name: Annotated[str, typer.Option("--server-name", help="网站域名（nginx）/ site name")
                           ] = "ecoplan.example.gov.cn",
    web_port: Annotated[int | None, typer.Option("--web-port", help="网页服务端口（本机）/ web port "
                                                 "(loopback)")] = None,
    web_workers: Annotated[int, typer.Option("--web-workers", min=1, help="网页服务进程数 / "
                                             "web worker processes")] = 2,
    gateway_host: Annotated[str, typer.Option("--gateway-host", help="HJ 212 网关监听地址 / "
                                              "gateway listen address")] = "0.0.0.0",
    gateway_port: Annotated[int, typer.Option("--gateway-port", help="HJ 212 网关端口 / "
                                              "gateway port")] = 30024,
    gateway_workers: Annotated[int, typer.Option("--gateway-workers", min=1, help="网关进程数 / "
                                                 "gateway processes")] = 1,
    backup_dir: Annotated[Path, typer.Option("--backup-dir", help="定时备份目录 / folder of the "
                                             "scheduled backups")] = Path("/var/backups/ecoplan"),
    backup_keep: Annotated[int, typer.Option("--backup-keep", min=1, help="保留备份份数 / "
                                             "archives kept")] = 14,
    as_json: JsonOpt = False,
) -> None:
    """生成 systemd 服务、nginx 站点、PostgreSQL 与备份配置（使用本工作区的实际路径）/ write
    systemd units, an nginx site, the PostgreSQL recipe and the backup timer for this workspace."""
    from ecoplan.ops.deploy import DeployOptions, write_deploy
    from ecoplan.settings import load_settings
    from ecoplan.store.workspace import Workspace

    settings = load_settings()
    Workspace(settings)  # refuse, with the usual message, when there is no workspace
    opts = DeployOptions(user=user, server_name=server_name,
                         web_port=web_port or settings.web_port, web_workers=web_workers,
                         gateway_host=gateway_host, gateway_port=gateway_port,
                         gateway_workers=gateway_workers, backup_dir=backup_dir.resolve(),
                         backup_keep=backup_keep)
    files = write_deploy(out.resolve(), settings, opts)
    if as_json:
        emit_json({"out": str(out.resolve()), "files": [str(f) for f in files]})
        return
    ok(f"已生成 {len(files)} 个部署文件：{out.resolve()}",
       f"Wrote {len(files)} deployment files to {out.resolve()}")
    for f in files:
        console.print(f"  {f}", highlight=False)
    info(f"下一步见 {out.resolve() / 'README.md'}（以 root 运行 install.sh）",
         f"Next: see {out.resolve() / 'README.md'} (run install.sh as root)")


def backup(
    out: Annotated[str, typer.Option("--out", "-o", help="备份文件（.tar.gz），或目录（以 / 结尾或已"
                                     "存在，自动命名）/ archive file, or a folder (timestamped "
                                     "name)")],
    include_secrets: Annotated[bool, typer.Option(
        "--include-secrets", help="包含密钥和数据库密码 / include the secret key and database "
        "password")] = False,
    keep: Annotated[int | None, typer.Option("--keep", min=1, help="只保留该目录中最新的 N 份 / "
                                             "keep the newest N archives in that folder")] = None,
    as_json: JsonOpt = False,
) -> None:
    """备份工作区（数据库、数据湖、设置、报告）为一个归档文件 / back up the workspace into one
    archive (safe while the web server, gateway and loads run)."""
    from ecoplan.ops.backup import backup as run_backup
    from ecoplan.ops.backup import result_dict

    result = run_backup(out, include_secrets=include_secrets, keep=keep)
    if as_json:
        emit_json(result_dict(result))
        return
    mb = result.bytes / 1e6
    ok(f"备份已写入 {result.path}（{mb:.1f} MB，{result.files} 个文件，其中数据湖 "
       f"{result.lake_files} 个；已提交批次 {result.batches_committed} 个；{result.seconds} 秒）",
       f"Backup written to {result.path} ({mb:.1f} MB, {result.files} files, "
       f"{result.lake_files} of them in the lake; {result.batches_committed} committed batches; "
       f"{result.seconds} s)")
    if not include_secrets:
        info("备份不含密钥与数据库密码（恢复时用 --new-secret 生成新密钥，或提供原 ecoplan.env）",
             "The backup holds no secret key or database password (restore with --new-secret "
             "to generate a key, or supply the original ecoplan.env)")
    for p in result.removed_old:
        info(f"已删除旧备份 {p}", f"Removed old backup {p}")


def restore(
    archive: Annotated[Path, typer.Argument(help="备份文件 / backup archive")],
    home: Annotated[Path | None, typer.Option("--home", help="恢复到的工作区目录 / target "
                                              "workspace")] = None,
    check: Annotated[bool, typer.Option("--check", help="只校验备份文件，不恢复 / only verify the "
                                        "archive")] = False,
    force: Annotated[bool, typer.Option("--force", help="替换非空目录（或非空数据库）中的内容 / "
                                        "replace a non-empty folder or database")] = False,
    database_url: Annotated[str | None, typer.Option(
        "--database-url", help="恢复到的数据库（PostgreSQL 备份必填）/ target database URL")] = None,
    new_secret: Annotated[bool, typer.Option(
        "--new-secret", help="备份不含密钥时生成新密钥 / generate a secret key when the backup has "
        "none")] = False,
    as_json: JsonOpt = False,
) -> None:
    """校验并恢复备份到工作区目录（先校验全部校验和，再改动）/ verify every checksum, then
    restore a backup into a workspace folder."""
    from ecoplan.errors import ConfigError
    from ecoplan.ops.backup import check_archive, result_dict
    from ecoplan.ops.backup import restore as run_restore

    if check:
        summary = check_archive(archive)
        if as_json:
            emit_json(summary)
            return
        ok(f"备份文件完好：{summary['files']} 个文件校验通过（{summary['created_at']} 由 ecoplan "
           f"{summary['ecoplan_version']} 生成，{summary['database']}，结构版本 "
           f"{', '.join(summary['schema_revisions'] or [])}，已提交批次 "
           f"{summary['batches_committed']} 个）",
           f"Archive intact: {summary['files']} files verified (made {summary['created_at']} by "
           f"ecoplan {summary['ecoplan_version']}, {summary['database']}, schema "
           f"{', '.join(summary['schema_revisions'] or [])}, {summary['batches_committed']} "
           "committed batches)")
        return
    if home is None:
        raise ConfigError("请用 --home 指定恢复到的目录（或用 --check 只校验）。",
                          "Give the target folder with --home (or only verify with --check).")
    result = run_restore(archive, home, force=force, database_url=database_url,
                         new_secret=new_secret)
    if as_json:
        emit_json(result_dict(result))
        return
    ok(f"已恢复到 {result.home}（{result.files} 个文件校验通过，数据库 {result.database_url}）",
       f"Restored into {result.home} ({result.files} files verified; database "
       f"{result.database_url})")
    if result.secret_generated:
        ok("已生成新密钥（原有网页会话失效，用户需重新登录）",
           "Generated a new secret key (existing web sessions end; users log in again)")
    elif not result.secret_restored:
        info("备份中没有密钥：网页服务启动前请加 --force --new-secret 重新恢复，或把原 ecoplan.env 中的 "
             f"ECOPLAN_SECRET_KEY 行加入 {result.home / 'ecoplan.env'}",
             "The backup holds no secret key: before starting the web server restore again with "
             f"--force --new-secret, or add the ECOPLAN_SECRET_KEY line of the original ecoplan.env to "
             f"{result.home / 'ecoplan.env'}")
    if result.needs_upgrade:
        revs = ", ".join(result.revisions) or "-"
        info(f"恢复的数据库结构（{revs}）比本版 ecoplan 旧：请运行 ECOPLAN_HOME={result.home} "
             "ecoplan db upgrade",
             f"The restored database schema ({revs}) is older than this ecoplan: run "
             f"ECOPLAN_HOME={result.home} ecoplan db upgrade")
    console.print(tr(f"使用：export ECOPLAN_HOME={result.home}",
                     f"Use it: export ECOPLAN_HOME={result.home}"), highlight=False)
