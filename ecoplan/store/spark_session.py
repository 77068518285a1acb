"""Spark sessions for ecoplan: local mode (the default of ``--engine pyspark``) or a cluster.

The master is, in order: the ``--master`` option of a command (:func:`use_master`), the
``ECOPLAN_SPARK_MASTER`` setting, the workspace setting ``spark_master``, ``local[2]``. Any
master Spark accepts works: ``local[N]``, ``spark://host:7077`` (standalone), ``yarn``,
``k8s://https://…``. On a cluster the ecoplan package is zipped once per process and shipped to
the executors (:func:`code_archive`, ``SparkContext.addPyFile``), and the executors read the lake
and input files themselves from a path or URI they all see (``ECOPLAN_LAKE_URI``; see
docs/scale-out.md). Extra Spark settings come from ``ECOPLAN_SPARK_CONF``
(``key=value`` pairs separated by ``;``), e.g. ``spark.executor.memory=4g;spark.cores.max=16``.

PySpark is imported inside the functions: it is optional and slow to load.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from ecoplan.errors import ConfigError

DEFAULT_MASTER = "local[2]"
_PACKAGE_DIR = Path(__file__).resolve().parents[1]

_session: Any = None
_session_master: str | None = None
_master_override: str | None = None
_archive: Path | None = None


def use_master(master: str | None) -> None:
    """Make ``master`` the default of this process (the ``--master`` option of a command)."""
    global _master_override
    _master_override = master or None


def resolve_master(master: str | None = None) -> str:
    """The Spark master to use: the given one, ``--master``, ``ECOPLAN_SPARK_MASTER``, local."""
    return (_master_override or master or os.environ.get("ECOPLAN_SPARK_MASTER")
            or DEFAULT_MASTER)


def is_local(master: str) -> bool:
    return master.startswith("local")


def extra_conf(text: str | None = None) -> dict[str, str]:
    """``ECOPLAN_SPARK_CONF``: ``key=value`` pairs separated by ``;`` (or new lines)."""
    text = os.environ.get("ECOPLAN_SPARK_CONF", "") if text is None else text
    out: dict[str, str] = {}
    for part in text.replace("\n", ";").split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip().startswith("spark."):
            raise ConfigError(f"ECOPLAN_SPARK_CONF 的项应为 spark.键=值：{part!r}",
                              f"ECOPLAN_SPARK_CONF items must be spark.key=value: {part!r}")
        out[key.strip()] = value.strip()
    return out


def code_archive(folder: Path | None = None) -> Path:
    """A zip of the ecoplan package (sources and data files) for the executors' Python path.

    Built once per process in a temporary folder; its name carries a hash of the contents, so
    executors never mix two versions of the code."""
    global _archive
    if _archive is not None and _archive.exists() and folder is None:
        return _archive
    files = sorted(p for p in _PACKAGE_DIR.rglob("*")
                   if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
                   and "sample_data" not in p.parts)  # executors need no sample data
    digest = hashlib.sha256()
    for p in files:
        digest.update(str(p.relative_to(_PACKAGE_DIR)).encode())
        digest.update(str(p.stat().st_mtime_ns).encode())
    folder = folder or Path(tempfile.mkdtemp(prefix="ecoplan-spark-"))
    target = folder / f"ecoplan-{digest.hexdigest()[:12]}.zip"
    if not target.exists():
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in files:
                zf.write(p, Path("ecoplan") / p.relative_to(_PACKAGE_DIR))
    _archive = target
    return target


def session_conf(master: str) -> dict[str, str]:
    """The Spark settings ecoplan needs (docs/scale-out.md), then ``ECOPLAN_SPARK_CONF``."""
    conf = {
        "spark.app.name": "ecoplan",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # every timestamp is a naive local time stored as UTC: no shift anywhere
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.executor.extraJavaOptions": "-Duser.timezone=UTC",
        "spark.driver.memory": "2g",
    }
    if is_local(master):
        conf["spark.sql.shuffle.partitions"] = "4"
    else:
        conf["spark.pyspark.python"] = os.environ.get("PYSPARK_PYTHON", sys.executable)
        conf["spark.executor.memory"] = os.environ.get("ECOPLAN_SPARK_EXECUTOR_MEMORY", "1g")
        conf["spark.sql.shuffle.partitions"] = "8"
        host = os.environ.get("ECOPLAN_SPARK_DRIVER_HOST")
        if host:
            conf["spark.driver.host"] = host
    for key, value in extra_conf().items():
        if key.endswith("extraJavaOptions") and key in conf:
            value = f"{conf[key]} {value}"  # keep UTC: options are added, not replaced
        conf[key] = value
    return conf


def spark_session(master: str | None = None) -> Any:
    """The process-wide Spark session on ``master`` (:func:`resolve_master`); a session on
    another master is stopped first (one SparkContext per process)."""
    global _session, _session_master
    wanted = resolve_master(master)
    if _session is not None and _session_master == wanted:
        return _session
    if _session is not None:
        stop_session()
    if is_local(wanted) or "127.0.0.1" in wanted or "localhost" in wanted:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession  # deferred: PySpark is optional and slow to load

    builder = SparkSession.builder.master(wanted)
    for key, value in session_conf(wanted).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    if not is_local(wanted):
        session.sparkContext.addPyFile(str(code_archive()))
    _session, _session_master = session, wanted
    return session


def stop_session() -> None:
    """Stop the process's Spark session (the JVM stays up for the next one)."""
    global _session, _session_master
    if _session is not None:
        _session.stop()
    _session, _session_master = None, None


def current_master() -> str | None:
    """The master of the running session (None when none runs)."""
    return _session_master


def executor_code_origin(session: Any) -> list[str]:
    """Where the executors import ``ecoplan`` from (a check that the shipped code arrived)."""
    sc = session.sparkContext
    n = max(2, sc.defaultParallelism)

    def origin(_: Any) -> Any:
        import ecoplan

        yield str(Path(ecoplan.__file__).parent)

    return sorted(set(sc.parallelize(range(n), n).mapPartitions(origin).collect()))


def lake_uri(dataset_dir: Path) -> str:
    """Where executors read a lake dataset: ``ECOPLAN_LAKE_URI``/<dataset> when set (a path or
    ``hdfs://``/``s3a://`` URI all executors see), else the local folder."""
    base = os.environ.get("ECOPLAN_LAKE_URI", "").strip()
    if not base:
        return str(dataset_dir)
    return f"{base.rstrip('/')}/{dataset_dir.name}"
