"""ecoplan/plan imports nothing of ecoplan except the leaf modules errors and i18n."""

from __future__ import annotations

import ast
from pathlib import Path

import ecoplan.plan

ALLOWED = ("ecoplan.plan", "ecoplan.errors", "ecoplan.i18n")


def test_plan_package_imports_only_leaf_modules() -> None:
    root = Path(ecoplan.plan.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name.startswith("ecoplan") and not name.startswith(ALLOWED):
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []
