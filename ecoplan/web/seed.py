"""Demo accounts for ``make demo``: the departments of the plan and one user per role."""

from __future__ import annotations

from collections.abc import Callable

from ecoplan.console import info
from ecoplan.store.workspace import Workspace
from ecoplan.web.accounts import ensure_demo_accounts


def seed_demo_accounts(workspace: Workspace, say: Callable[[str, str], None] | None = None
                       ) -> list[dict[str, str]]:
    """Create the demo departments and users in ``workspace`` (idempotent), print the logins
    (through ``say(zh, en)`` when given, else on stderr) and return them."""
    with workspace.session() as session:
        logins = ensure_demo_accounts(session)
    lines = [f"{x['username']:<8} {x['password']}  ({x['role']}{' · ' + x['department'] if x['department'] else ''})"
             for x in logins]
    if say is not None:
        say("演示账号：\n  " + "\n  ".join(lines), "Demo logins:\n  " + "\n  ".join(lines))
    else:
        info("演示账号：\n  " + "\n  ".join(lines), "Demo logins:\n  " + "\n  ".join(lines))
    return logins
