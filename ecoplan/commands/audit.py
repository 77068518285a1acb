"""``ecoplan audit …``: the tamper-evident audit log (hash chain, ``ecoplan.web.audit``)."""

from __future__ import annotations

from typing import Annotated

import typer

from ecoplan.console import emit_json, ok, print_table
from ecoplan.errors import EcoplanError
from ecoplan.i18n import tr

app = typer.Typer(help="审计日志（防篡改哈希链）/ audit log (tamper-evident hash chain)",
                  no_args_is_help=True)


class AuditChainBroken(EcoplanError):
    """``audit verify`` found an edited, deleted or unchained row."""


@app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出 / print JSON")] = False,
) -> None:
    """校验审计日志哈希链：发现被修改、删除或插入的行 / verify the audit log's hash chain:
    finds edited, deleted or inserted rows (exit code 1 when broken)."""
    from ecoplan.store.workspace import Workspace
    from ecoplan.web.audit import verify as run

    ws = Workspace()
    with ws.engine.connect() as conn:
        result = run(conn)
    if as_json:
        emit_json({"rows": result.rows, "ok": result.ok, "problems": result.problems})
    elif result.problems:
        print_table(tr("审计日志问题", "Audit log problems"), [tr("行号", "row id"),
                    tr("问题", "problem")],
                    [(p["id"], tr(p["zh"], p["en"])) for p in result.problems])
    if not result.ok:
        first = result.problems[0]
        raise AuditChainBroken(
            f"审计日志哈希链已断开：{len(result.problems)} 处问题，第一处在第 {first['id']} 行"
            f"（{first['zh']}）。",
            f"The audit log's hash chain is broken: {len(result.problems)} problem(s), the "
            f"first at row {first['id']} ({first['en']}).")
    ok(f"审计日志完整：{result.rows} 行，哈希链无断点。",
       f"Audit log intact: {result.rows} rows, the hash chain is unbroken.")
