"""The layers of docs/architecture.md hold: the import-linter contracts (.importlinter) pass, and
no production module imports the demo, the benchmarks or the sample data when it is loaded."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ON_TOP = ("demo", "bench", "commands")  # may use the sample data and each other freely


def test_layer_contracts() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("lint-imports is not installed (pip install -e '.[dev]')")
    proc = subprocess.run([exe, str(ROOT / ".importlinter")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def _module_level_imports(path: Path) -> list[str]:
    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    return names


def test_production_modules_do_not_load_demo_or_sample_data() -> None:
    bad = []
    for path in sorted((ROOT / "ecoplan").rglob("*.py")):
        rel = path.relative_to(ROOT / "ecoplan").parts
        if rel[0] in ON_TOP or rel[0] == "sample_data":
            continue
        for name in _module_level_imports(path):
            if name.startswith(("ecoplan.sample_data", "ecoplan.demo", "ecoplan.bench")):
                bad.append(f"{path.relative_to(ROOT)}: {name}")
    assert bad == []


def test_loading_the_cli_imports_no_heavy_library() -> None:
    """``ecoplan --help`` loads every command module: none may pull in the data stack."""
    heavy = ("pandas", "numpy", "ibis", "pyarrow", "duckdb", "sqlalchemy", "fastapi", "docx",
             "matplotlib", "pyspark")
    code = ("import sys, ecoplan.cli; "
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.strip() == ""
