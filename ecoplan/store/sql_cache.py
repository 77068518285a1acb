"""Compiled SQL of the air pipeline, kept between runs (DuckDB only).

Building and compiling the Ibis expressions of the daily AQI and the HJ 663 period statistics
(hundreds of operations each) costs about a second per command — as much as DuckDB then needs
to run them on a national year. The SQL depends only on the code, the rule set and options, and
the input tables' schemas, so it is compiled once and kept in ``$ECOPLAN_SQL_CACHE`` (default
``$ECOPLAN_HOME/cache/sql``, else ``$XDG_CACHE_HOME/ecoplan/sql`` or ``~/.cache/ecoplan/sql``;
``ECOPLAN_SQL_CACHE=off`` disables it). A file's name is the SHA-256 of the key parts, the input schemas and a fingerprint of every
source and rule file the SQL is derived from (``ecoplan/standards``, the air pipeline, this
module) and of the Ibis, sqlglot and DuckDB versions: any change to them is a different file.
The input tables' names are stored as placeholders and replaced by this run's names. A process
also remembers what it kept, so a file deleted or damaged since — or the same key in another
cache folder — is written again without compiling.

A miss and a hit run the same way — DuckDB executes the SQL text (no Ibis expression is built,
compiled or parsed on a hit) and a frame is converted to the expression's schema as Ibis's
``execute`` converts it — so results never depend on the cache; ``tests/air/test_sql_cache.py``
checks that a hit gives the same tables as a miss and as the expression executed by Ibis.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pandas as pd
import pyarrow.types as pat
from ibis.backends.duckdb.converter import DuckDBPandasData

from ecoplan.store.engine import materialise

log = logging.getLogger(__name__)

_ROOT = Path(__file__).resolve().parents[1]
#: what the cached SQL is derived from (besides the library versions)
_SOURCES = ("standards", "assess/air_pipeline.py", "store/sql_cache.py", "nomenclature.py")
_PLACEHOLDER = "__ecoplan_sql_cache_input_{}__"


def cache_dir() -> Path | None:
    """Where compiled SQL is kept; None when switched off."""
    value = os.environ.get("ECOPLAN_SQL_CACHE", "").strip()
    if value.lower() in ("0", "off", "no", "false"):
        return None
    if value:
        return Path(value)
    if os.environ.get("ECOPLAN_HOME"):
        return Path(os.environ["ECOPLAN_HOME"]) / "cache" / "sql"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "ecoplan" / "sql"


@cache
def fingerprint() -> str:
    """SHA-256 of the source and rule files the SQL comes from and of the library versions."""
    h = hashlib.sha256()
    for part in _SOURCES:
        path = _ROOT / part
        files = sorted(p for p in path.rglob("*") if p.suffix in (".py", ".yaml", ".yml",
                                                                  ".csv", ".json")) \
            if path.is_dir() else [path]
        for f in files:
            h.update(str(f.relative_to(_ROOT)).encode())
            h.update(f.read_bytes())
    for lib in ("ibis-framework", "sqlglot", "duckdb"):
        try:
            h.update(f"{lib}={metadata.version(lib)}".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib}=?".encode())
    return h.hexdigest()


def _table_name(table: ir.Table) -> str | None:
    op = table.op()
    return op.name if isinstance(op, ops.DatabaseTable) else None


def _kept(backend: Any, key: Sequence[object], inputs: Sequence[ir.Table]
          ) -> tuple[Path, list[str], str | None, Any] | None:
    """(file, input names, kept SQL or None, kept schema or None); None when not cacheable."""
    folder = cache_dir()
    names = [_table_name(t) for t in inputs]
    if folder is None or getattr(backend, "name", "") != "duckdb" or None in names:
        return None
    parts = repr((fingerprint(), tuple(key), [str(t.schema()) for t in inputs]))
    path = folder / f"{hashlib.sha256(parts.encode()).hexdigest()}.json"
    try:
        kept = _load(path)
        sql, schema = str(kept["sql"]), ibis.schema(
            {k: ibis.dtype(v) for k, v in kept["schema"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return path, [str(n) for n in names], None, None
    for i, name in enumerate(names):
        sql = sql.replace(_PLACEHOLDER.format(i), str(name))
    return path, [str(n) for n in names], sql, schema


def _compiled(backend: Any, path: Path, names: Sequence[str], expr: ir.Table) -> tuple[str, Any]:
    sql, schema = backend.compile(expr), expr.schema()
    _store(path, sql, schema, names)
    return sql, schema


def table(backend: Any, key: Sequence[object], inputs: Sequence[ir.Table],
          build: Callable[[], ir.Table]) -> ir.Table:
    """``build()``'s table computed once into a temporary table of the engine
    (:func:`ecoplan.store.engine.materialise`), from compiled SQL kept by an earlier run when
    there is one for ``key`` and these inputs' schemas (``inputs``: the tables ``build`` reads).
    The SQL is run by DuckDB as it is: no Ibis expression is built or parsed."""
    found = _kept(backend, key, inputs)
    if found is None:
        return materialise(backend, build())
    path, names, sql, _ = found
    if sql is None:
        sql, _ = _compiled(backend, path, names, build())
    name = f"air_tmp_{uuid.uuid4().hex[:12]}"
    backend.raw_sql(f'CREATE TEMP TABLE "{name}" AS {sql}')
    return backend.table(name)


def frame(backend: Any, key: Sequence[object], inputs: Sequence[ir.Table],
          build: Callable[[], ir.Table]) -> pd.DataFrame:
    """``build()``'s rows as a pandas frame — what ``backend.execute(build())`` returns (the
    same column types: Ibis's own conversion of DuckDB's Arrow result to the expression's
    schema) — from compiled SQL kept by an earlier run when there is one."""
    found = _kept(backend, key, inputs)
    if found is None:
        return backend.execute(build())
    path, names, sql, schema = found
    if sql is None:
        sql, schema = _compiled(backend, path, names, build())
    result = backend.con.sql(sql).to_arrow_table()  # the DuckDB connection itself
    df = pd.DataFrame({
        name: (col.to_pylist() if pat.is_nested(col.type) or pat.is_dictionary(col.type)
               or col.null_count else col.to_pandas())
        for name, col in zip(result.column_names, result.columns, strict=True)})
    return DuckDBPandasData.convert_table(df, schema)


def output_types(backend: Any, key: Sequence[object], inputs: Sequence[ir.Table],
                 build: Callable[[], ir.Table]) -> tuple[Any, dict[str, str]] | None:
    """The schema of ``build()``'s table and DuckDB's type of each column, kept between runs
    like the SQL (building a large expression only to learn its columns costs a tenth of a
    second); None when nothing can be kept (another engine, the cache off, inputs unnamed)."""
    found = _kept(backend, ("types", *key), inputs)
    if found is None:
        return None
    path, names, _sql, kept = found
    if kept is not None:
        try:
            types = _load(path)["types"]
            return kept, {str(k): str(v) for k, v in types.items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass
    expr = build()
    sql = backend.compile(expr)
    described = backend.con.sql(f"DESCRIBE {sql}").fetchall()
    types = {str(row[0]): str(row[1]) for row in described}
    schema = expr.schema()
    _store(path, "", schema, [], types)
    return schema, types


#: what this process kept, by file name: a file removed or damaged since (or another cache
#: folder with the same key, as in a test suite) is written again without compiling
_MEMORY: dict[str, str] = {}
_MEMORY_MAX = 512


def _load(path: Path) -> dict[str, Any]:
    """A kept file's content; from this process's memory when the file is missing or damaged
    (then the file is written again). Raises ValueError/OSError when neither has it."""
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        text = _MEMORY.get(path.name)
        if text is None:
            raise
        _write(path, text)
        return dict(json.loads(text))


def _write(path: Path, text: str) -> None:
    """Write a kept file atomically (failures are only logged)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".sql-", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        log.info("compiled SQL not kept in %s: %s", path.parent, exc)


def _store(path: Path, sql: str, schema: Any, names: Sequence[str | None],
           types: dict[str, str] | None = None) -> None:
    """Keep ``sql`` and its schema with the input names as placeholders (atomically; failures
    are only logged)."""
    for i, name in enumerate(names):
        if not name or name not in sql:
            return  # an input the SQL does not name: not cached
        sql = sql.replace(str(name), _PLACEHOLDER.format(i))
    kept: dict[str, Any] = {"sql": sql, "schema": {k: str(v) for k, v in schema.items()}}
    if types is not None:
        kept["types"] = types
    text = json.dumps(kept, ensure_ascii=False)
    if len(_MEMORY) >= _MEMORY_MAX:
        _MEMORY.pop(next(iter(_MEMORY)))
    _MEMORY[path.name] = text
    _write(path, text)
