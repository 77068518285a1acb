"""The web platform: FastAPI app (pages, public disclosure, REST API under /api/v1).

``create_app(settings)`` builds the application; ``seed_demo_accounts(workspace)`` creates the
demo users. Heavy imports stay inside the functions so that ``import ecoplan.web`` is cheap.
"""

from __future__ import annotations

from typing import Any


def create_app(*args: Any, **kwargs: Any) -> Any:
    from ecoplan.web.app import create_app as _create

    return _create(*args, **kwargs)


def seed_demo_accounts(workspace: Any, say: Any = None) -> list[dict[str, str]]:
    from ecoplan.web.seed import seed_demo_accounts as _seed

    return _seed(workspace, say)


__all__ = ["create_app", "seed_demo_accounts"]
