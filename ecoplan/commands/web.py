"""``ecoplan serve``, ``users``, ``departments``, ``tokens`` and ``bench web``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from ecoplan.commands.bench import app as bench_app
from ecoplan.console import console, emit_json, ok, print_table
from ecoplan.i18n import tr

users_app = typer.Typer(help="用户账号 / user accounts", no_args_is_help=True)
departments_app = typer.Typer(help="部门 / departments", no_args_is_help=True)
tokens_app = typer.Typer(help="API 令牌 / API tokens", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")]
ACTOR = "cli"
ROLE_NAMES = {"admin": ("系统管理员", "admin"), "analyst": ("业务人员", "analyst"),
              "department": ("部门填报", "department"), "leader": ("领导（只读）", "leader")}


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(users_app, name="users")
    app.add_typer(departments_app, name="departments")
    app.add_typer(tokens_app, name="tokens")


def _workspace():  # type: ignore[no-untyped-def]
    from ecoplan.store.workspace import Workspace

    return Workspace()


def _ask_password(password: str | None) -> str:
    if password:
        return password
    return typer.prompt(tr("密码", "Password"), hide_input=True, confirmation_prompt=True)


def serve(
    host: Annotated[str | None, typer.Option("--host", help="监听地址 / address")] = None,
    port: Annotated[int | None, typer.Option("--port", help="端口 / port")] = None,
    workers: Annotated[int, typer.Option("--workers", help="进程数 / worker processes")] = 1,
    secure_cookies: Annotated[
        bool | None,
        typer.Option("--secure-cookies/--no-secure-cookies",
                     help="强制/关闭 Cookie 的 Secure 属性（默认：HTTPS 时开启）/ force the "
                     "Secure cookie flag (default: on over HTTPS)"),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option("--forwarded-allow-ips",
                     help="反向代理地址（逗号分隔）；只信任来自这些地址的 X-Forwarded-For/-Proto，"
                     "默认不信任 / addresses of the reverse proxy whose X-Forwarded-For and "
                     "X-Forwarded-Proto are trusted (default: none)"),
    ] = None,
    timeout_keep_alive: Annotated[
        int, typer.Option("--timeout-keep-alive", help="空闲连接保持秒数 / idle keep-alive seconds")
    ] = 5,
) -> None:
    """启动网页平台（拒绝默认密钥）/ serve the web platform (refuses a default secret)."""
    import os

    import uvicorn

    from ecoplan.settings import load_settings
    from ecoplan.store import db

    settings = load_settings()
    settings.require_secret()
    engine = db.make_engine(settings.effective_database_url)
    db.require_current(engine)
    engine.dispose()
    host = host or settings.web_host
    port = port or settings.web_port
    if secure_cookies is not None:
        os.environ["ECOPLAN_WEB_SECURE_COOKIES"] = "1" if secure_cookies else "0"
    ok(f"网页平台地址：http://{host}:{port}/  （公众页面 /public，API 文档 /api/docs）",
       f"Web platform at http://{host}:{port}/  (public pages /public, API docs /api/docs)")
    # X-Forwarded-* is honoured only from the proxy named here (never by default, so a client
    # cannot choose the address that login throttling and the audit log see); slow clients are
    # cut off by the keep-alive timeout and the request limits of ecoplan.web.limits.
    uvicorn.run("ecoplan.web.asgi:app", host=host, port=port, workers=max(1, workers),
                log_level="warning", access_log=False, factory=False,
                proxy_headers=bool(forwarded_allow_ips),
                forwarded_allow_ips=forwarded_allow_ips or "",
                timeout_keep_alive=timeout_keep_alive, limit_concurrency=1000,
                h11_max_incomplete_event_size=64 * 1024)


# ---------------------------------------------------------------- users
@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="用户名 / user name")],
    role: Annotated[str, typer.Option("--role", help="admin|analyst|department|leader")],
    department: Annotated[str | None, typer.Option("--department", help="部门代码 / code")] = None,
    name: Annotated[str | None, typer.Option("--name", help="姓名 / display name")] = None,
    password: Annotated[str | None, typer.Option("--password", help="密码（不填则提示输入）/ "
                                                 "password (prompted when absent)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """新建用户 / add a user."""
    from ecoplan.web import accounts

    pw = _ask_password(password)
    with _workspace().session() as s:
        user = accounts.create_user(s, ACTOR, username, pw, role, name, department)
        data = accounts.user_dict(user)
    if as_json:
        emit_json(data)
        return
    ok(f"已创建用户 {username}（{role}）", f"Created user {username} ({role})")


@users_app.command("list")
def users_list(as_json: JsonOpt = False) -> None:
    """列出用户 / list users."""
    from ecoplan.web import accounts

    with _workspace().session() as s:
        depts = {d.id: d.code for d in accounts.list_departments(s)}
        rows = [{**accounts.user_dict(u), "department": depts.get(u.department_id or -1)}
                for u in accounts.list_users(s)]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("用户", "Users"), [tr("登录名", "user name"), tr("姓名", "display name"),
                                     tr("角色", "role"), tr("部门", "department"),
                                     tr("启用", "active")],
                [(r["username"], r["display_name"], tr(*ROLE_NAMES.get(r["role"], (r["role"],) * 2)),
                  r["department"] or "", tr("是", "yes") if r["active"] else tr("否", "no"))
                 for r in rows])


@users_app.command("passwd")
def users_passwd(
    username: Annotated[str, typer.Argument(help="用户名 / user name")],
    password: Annotated[str | None, typer.Option("--password", help="新密码 / new password")] = None,
) -> None:
    """重设密码（并注销其全部会话）/ set a password (ends the user's sessions)."""
    from ecoplan.web import accounts

    pw = _ask_password(password)
    with _workspace().session() as s:
        accounts.set_password(s, ACTOR, username, pw)
    ok(f"已重设 {username} 的密码", f"Password of {username} set")


@users_app.command("disable")
def users_disable(username: Annotated[str, typer.Argument(help="用户名 / user name")]) -> None:
    """停用账号 / disable an account."""
    from ecoplan.web import accounts

    with _workspace().session() as s:
        accounts.set_active(s, ACTOR, username, False)
    ok(f"已停用 {username}", f"Disabled {username}")


@users_app.command("unlock")
def users_unlock(username: Annotated[str, typer.Argument(help="用户名 / user name")],
                 totp: Annotated[bool, typer.Option(
                     "--totp", help="同时清除动态口令（丢失身份验证器时）/ also clear the "
                     "one-time-password key (lost authenticator)")] = False) -> None:
    """解除账号锁定（可同时清除动态口令）/ unlock an account (and optionally clear its TOTP key)."""
    from ecoplan.web import accounts

    with _workspace().session() as s:
        accounts.unlock(s, ACTOR, username, clear_totp=totp)
    ok(f"已解除 {username} 的锁定" + ("并清除动态口令" if totp else ""),
       f"Unlocked {username}" + (" and cleared the one-time-password key" if totp else ""))


@users_app.command("enable")
def users_enable(username: Annotated[str, typer.Argument(help="用户名 / user name")]) -> None:
    """启用账号 / enable an account."""
    from ecoplan.web import accounts

    with _workspace().session() as s:
        accounts.set_active(s, ACTOR, username, True)
    ok(f"已启用 {username}", f"Enabled {username}")


@users_app.command("seed-demo")
def users_seed_demo(as_json: JsonOpt = False) -> None:
    """创建演示部门与账号 / create the demo departments and users."""
    from ecoplan.web.seed import seed_demo_accounts

    logins = seed_demo_accounts(_workspace(), None if not as_json else (lambda zh, en: None))
    if as_json:
        emit_json(logins)


# ---------------------------------------------------------------- departments
@departments_app.command("add")
def departments_add(
    code: Annotated[str, typer.Argument(help="部门代码 / code")],
    name_zh: Annotated[str, typer.Argument(help="中文名称 / Chinese name")],
    name_en: Annotated[str | None, typer.Option("--en", help="英文名称 / English name")] = None,
) -> None:
    """新建部门 / add a department."""
    from ecoplan.web import accounts

    with _workspace().session() as s:
        accounts.create_department(s, ACTOR, code, name_zh, name_en)
    ok(f"已创建部门 {code} {name_zh}", f"Created department {code}")


@departments_app.command("list")
def departments_list(as_json: JsonOpt = False) -> None:
    """列出部门 / list departments."""
    from ecoplan.web import accounts

    with _workspace().session() as s:
        rows = [{"code": d.code, "name_zh": d.name_zh, "name_en": d.name_en}
                for d in accounts.list_departments(s)]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("部门", "Departments"),
                [tr("代码", "code"), tr("中文名称", "Chinese name"), tr("英文名称", "English name")],
                [(r["code"], r["name_zh"], r["name_en"] or "") for r in rows])


_OWNER_KINDS = {"project": ("重点工程", "key project"), "task": ("任务", "task"),
                "indicator": ("指标", "indicator")}


@departments_app.command("owners")
def departments_owners(
    kind: Annotated[str | None, typer.Option("--kind", help="project|task|indicator")] = None,
    department: Annotated[str | None, typer.Option("--department", help="部门名称或代码 / department")] = None,
    plan: Annotated[str | None, typer.Option("--plan", help="规划代码 / plan code")] = None,
    as_json: JsonOpt = False,
) -> None:
    """各重点工程、任务、指标的责任部门（plan load 时按规划创建）/ responsible departments."""
    from ecoplan.assess.owners import all_owners, normalise
    from ecoplan.commands.assess import open_plan

    ws = _workspace()
    p = open_plan(ws, plan)
    with ws.session() as s:
        owners = all_owners(s, p.code)
    rows = [{"kind": k, "subject": subj, "departments": names}
            for (k, subj), names in sorted(owners.items(), key=lambda kv: (
                kv[0][0], [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", kv[0][1])]))
            if (kind is None or k == kind)
            and (department is None or any(normalise(department) == normalise(n) or department == n
                                           for n in names))]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("责任部门", "Responsible departments"),
                [tr("类型", "kind"), tr("事项", "item"), tr("责任部门", "departments")],
                [(tr(*_OWNER_KINDS[r["kind"]]), r["subject"], "、".join(r["departments"]))
                 for r in rows])
    if not owners:
        ok("尚无责任部门：先运行 ecoplan plan load", "No owners yet: run ecoplan plan load first")


@departments_app.command("assign")
def departments_assign(
    kind: Annotated[str, typer.Argument(help="project|task|indicator")],
    subject: Annotated[str, typer.Argument(help="工程序号、任务编号或指标键 / number or key")],
    departments: Annotated[list[str], typer.Argument(help="部门名称或代码，可多个 / departments")],
    plan: Annotated[str | None, typer.Option("--plan", help="规划代码 / plan code")] = None,
    actor: Annotated[str, typer.Option("--user", envvar="ECOPLAN_USER",
                                       help="操作人 / who does it")] = ACTOR,
) -> None:
    """调整某事项的责任部门（重新载入规划时保留）/ set the departments responsible for an item."""
    from ecoplan.assess.owners import assign
    from ecoplan.commands.assess import open_plan

    ws = _workspace()
    p = open_plan(ws, plan)
    with ws.session() as s:
        names = assign(s, p, kind, subject, departments, actor=actor)
    ok(f"{tr(*_OWNER_KINDS.get(kind, (kind, kind)))} {subject} 的责任部门：{'、'.join(names)}",
       f"{kind} {subject} is now owned by {', '.join(names)}")


# ---------------------------------------------------------------- tokens
@tokens_app.command("create")
def tokens_create(
    username: Annotated[str, typer.Argument(help="用户名 / user name")],
    name: Annotated[str, typer.Option("--name", help="用途 / purpose")] = "cli",
    days: Annotated[int, typer.Option("--days", help="有效天数（0 = 不过期）/ days valid")] = 365,
    as_json: JsonOpt = False,
) -> None:
    """为用户创建 API 令牌（只显示一次）/ create an API token (shown once)."""
    from ecoplan.web import accounts

    with _workspace().session() as s:
        new = accounts.create_token(s, ACTOR, username, name, days or None)
    if as_json:
        emit_json({"id": new.id, "user": new.username, "name": new.name, "token": new.token,
                   "expires_at": new.expires_at})
        return
    console.print(new.token, highlight=False)
    ok(f"令牌 {new.id} 已创建，只显示这一次", f"Token {new.id} created; shown only once")


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[int, typer.Argument(help="令牌编号 / token id")]) -> None:
    """吊销 API 令牌 / revoke an API token."""
    from ecoplan.web import accounts

    with _workspace().session() as s:
        accounts.revoke_token(s, ACTOR, token_id)
    ok(f"令牌 {token_id} 已吊销", f"Token {token_id} revoked")


@tokens_app.command("list")
def tokens_list(as_json: JsonOpt = False) -> None:
    """列出 API 令牌（不含明文）/ list API tokens (no secrets)."""
    from ecoplan.web import accounts

    with _workspace().session() as s:
        rows = [{"id": t.id, "user": u, "name": t.name, "created_at": t.created_at,
                 "expires_at": t.expires_at} for t, u in accounts.list_tokens(s)]
    if as_json:
        emit_json(rows)
        return
    print_table(tr("API 令牌", "API tokens"), ["id", "user", "name", "expires_at"],
                [(r["id"], r["user"], r["name"], r["expires_at"] or "") for r in rows])


# ---------------------------------------------------------------- benchmark
@bench_app.command("web")
def bench_web(
    users: Annotated[int, typer.Option("--users", help="并发用户数 / concurrent users")] = 50,
    seconds: Annotated[float, typer.Option("--seconds", help="每轮时长（秒）/ seconds per run")] = 20.0,
    runs: Annotated[int, typer.Option("--runs", help="轮数（取中位数）/ runs (median)")] = 3,
    think: Annotated[float, typer.Option("--think", help="每个用户两次请求间的平均间隔（秒）/ "
                                         "mean think time per user")] = 1.0,
    home: Annotated[Path | None, typer.Option("--home", help="工作区（默认新建演示工作区）/ "
                                              "workspace (default: a fresh demo one)")] = None,
    workers: Annotated[int, typer.Option("--workers", help="服务进程数 / server workers")] = 1,
    as_json: JsonOpt = False,
) -> None:
    """网页平台负载测试（仅 127.0.0.1）/ web load test on loopback only."""
    from ecoplan.web.bench import run_bench

    result = run_bench(users=users, seconds=seconds, runs=runs, think=think, home=home,
                       workers=workers)
    if as_json:
        emit_json(result)
        return
    print_table(tr("网页负载（中位数）", "Web load (median of runs)"),
                ["endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms"],
                [(e["endpoint"], e["requests"], e["errors"], e["p50_ms"], e["p95_ms"],
                  e["p99_ms"]) for e in result["endpoints"]])
    console.print(tr(f"总计：{result['requests']} 次请求，{result['errors']} 个错误，p95 "
                     f"{result['p95_ms']} ms；服务端每请求 CPU {result['server_cpu_ms_per_request']} ms",
                     f"All: {result['requests']} requests, {result['errors']} errors, p95 "
                     f"{result['p95_ms']} ms; server CPU per request "
                     f"{result['server_cpu_ms_per_request']} ms"))
