"""The ``ecoplan`` command line (Typer + Rich).

Exit codes: 0 success; 1 a user error (one paragraph naming the file/row/field, no traceback);
2 an internal error (traceback only with ``--debug``). Command groups live in
:mod:`ecoplan.commands`; each module there exposes ``app`` (a group) or ``register(app)``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
import traceback
from typing import Annotated

import typer
from rich.markup import escape

from ecoplan import __version__
from ecoplan.console import err_console
from ecoplan.errors import EcoplanError
from ecoplan.i18n import get_lang, set_lang, tr

app = typer.Typer(
    name="ecoplan",
    help="ecoplan：县级生态环境保护规划的数据、监测、评估与报告平台 / "
    "eco-environment plan platform: plan data, monitoring, assessment and reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}

# Command modules in ecoplan.commands, in the order they appear in --help. A module that is not
# present (a capability not installed in this build) is simply not offered.
COMMAND_MODULES = (
    "core",
    "plan",
    "air",
    "air_stats",
    "water",
    "ingest",
    "assess",
    "report",
    "web",
    "hj212",
    "devkeys",
    "emergency",
    "dust",
    "bench",
    "demo",
    "sources",
    "risk",
    "hazwaste",
    "radiation",
    "alerts",
    "map",
    "inspect",
    "cases",
    "complaints",
    "credit",
    "audit",
    "audit_day",
    "bulletin",
    "flags",
    "ops",
)


def package_version() -> str:
    """The installed distribution's version (package metadata, i.e. pyproject.toml)."""
    try:
        return importlib.metadata.version("ecoplan")
    except importlib.metadata.PackageNotFoundError:  # running from a source tree not installed
        return __version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"ecoplan {package_version()}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True,
                           help="显示版本并退出 / show the version and exit")
    ] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", help="界面语言 zh|en（默认读取 LANG）/ language")
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="出错时显示完整堆栈 / show tracebacks")
    ] = False,
) -> None:
    set_lang(lang)
    _state["debug"] = debug or os.environ.get("ECOPLAN_DEBUG") == "1"


def _load_commands() -> None:
    for name in COMMAND_MODULES:
        modname = f"ecoplan.commands.{name}"
        if importlib.util.find_spec(modname) is None:
            continue
        module = importlib.import_module(modname)
        if hasattr(module, "register"):
            module.register(app)
        elif hasattr(module, "app"):
            app.add_typer(module.app, name=getattr(module, "NAME", name))


_load_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI and turn errors into the documented exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--debug" in args:
        _state["debug"] = True
    lang_arg = None
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            lang_arg = args[i + 1]
        elif a.startswith("--lang="):
            lang_arg = a.split("=", 1)[1]
    set_lang(lang_arg)
    try:
        result = app(args=args, prog_name="ecoplan", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except typer.Exit as exc:
        return int(getattr(exc, "exit_code", 0) or 0)
    except typer.Abort:
        err_console.print(tr("已取消。", "Aborted."))
        return 1
    except typer.TyperException as exc:  # usage errors: unknown command, bad option …
        show = getattr(exc, "show", None)
        if callable(show):
            show(file=sys.stderr)
        else:
            err_console.print(str(exc))
        return 1
    except EcoplanError as exc:
        err_console.print(f"[bold red]{tr('错误', 'Error')}：[/bold red]{escape(exc.message(get_lang()))}",
                          highlight=False, markup=True, soft_wrap=True)
        if _state["debug"]:
            traceback.print_exc()
        return 1
    except KeyboardInterrupt:
        err_console.print(tr("已中断。", "Interrupted."))
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        err_console.print(
            tr(
                f"[bold red]内部错误[/bold red]：{type(exc).__name__}: {escape(str(exc))}。"
                "这是 ecoplan 的缺陷，请加 --debug 重试并报告完整输出。",
                f"[bold red]Internal error[/bold red]: {type(exc).__name__}: {escape(str(exc))}. "
                "This is a bug in ecoplan; re-run with --debug and report the full output.",
            ),
            highlight=False,
            soft_wrap=True,
        )
        if _state["debug"]:
            traceback.print_exc()
        return 2


def run() -> None:  # pragma: no cover - console-script shim
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
