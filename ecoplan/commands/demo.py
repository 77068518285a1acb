"""``ecoplan demo``: build the demo workspace from the embedded sample data."""

from __future__ import annotations

# Deliberately deferred: the working modules (and pandas, SQLAlchemy, Ibis …) are imported
# inside the commands, because `ecoplan --help` loads every command module and must stay
# fast (see ecoplan/commands/__init__.py).
import os
from pathlib import Path
from typing import Annotated

import typer

from ecoplan.console import emit_json, ok


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


def demo(
    home: Annotated[Path, typer.Option("--home", help="演示工作区目录 / demo workspace")] = Path(
        "demo-workspace"
    ),
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    """运行演示：初始化工作区、载入规划与真实样例数据、计算并输出结果 / run the demo job."""
    from ecoplan.demo.steps import run_demo

    home = home.resolve()
    os.environ["ECOPLAN_HOME"] = str(home)
    result = run_demo(home, lambda zh, en: ok(zh, en))
    if as_json:
        emit_json(result)
        return
    ok(f"演示完成，工作区：{result.home}", f"Demo finished; workspace: {result.home}")
