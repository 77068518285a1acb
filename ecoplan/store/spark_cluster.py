"""A Spark standalone cluster on this machine, started from the installed PySpark distribution:
one master and N workers on 127.0.0.1 with free ports (the tests' cluster and
``ecoplan bench spark``). A real deployment uses the provincial data centre's cluster instead
(docs/scale-out.md); nothing here is needed for that.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from ecoplan.errors import ConfigError


def spark_home() -> Path:
    """The PySpark distribution (``bin/spark-class``, ``jars/``)."""
    import pyspark  # deferred: PySpark is optional and slow to load

    return Path(pyspark.__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class StandaloneCluster:
    """A running master and its workers (stop with :meth:`stop`, also used as a context)."""

    workdir: Path
    workers: int = 2
    cores: int = 1
    memory: str = "1g"
    master_url: str = ""
    web_port: int = 0
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        home = spark_home()
        java = shutil.which("java")
        if java is None:
            raise ConfigError("没有找到 Java（Spark 需要；Debian：apt-get install default-jre-headless）",
                              "Java not found (Spark needs it; Debian: apt-get install "
                              "default-jre-headless)")
        env = {**os.environ, "SPARK_HOME": str(home), "SPARK_LOCAL_IP": "127.0.0.1",
               "SPARK_LOG_DIR": str(self.workdir / "logs"), "SPARK_NO_DAEMONIZE": "1",
               "SPARK_DAEMON_MEMORY": "256m",
               # the master and workers only schedule: a quick JIT and one GC thread suffice
               "SPARK_DAEMON_JAVA_OPTS": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
               "SPARK_WORKER_DIR": str(self.workdir / "work")}
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - kept open while it runs
        proc = subprocess.Popen([str(home / "bin" / "spark-class"), *args], env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append(proc)
        return proc

    def start(self, timeout: float = 120.0) -> StandaloneCluster:
        self.workdir.mkdir(parents=True, exist_ok=True)
        port, self.web_port = free_port(), free_port()
        self.master_url = f"spark://127.0.0.1:{port}"
        self._spawn("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                    "--port", str(port), "--webui-port", str(self.web_port))
        self._wait(lambda s: s is not None, timeout, "master")
        for i in range(self.workers):
            self._spawn(f"worker{i}", "org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--port", str(free_port()),
                        "--webui-port", str(free_port()), "--cores", str(self.cores),
                        "--memory", self.memory, "--work-dir", str(self.workdir / f"work{i}"),
                        self.master_url)
        self._wait(lambda s: s is not None and self.alive_workers(s) >= self.workers,
                   timeout, "workers")
        return self

    def state(self) -> dict[str, object] | None:
        """The master's state (its web UI's JSON), None while it is not up."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}/json/",
                                        timeout=5) as r:
                return json.loads(r.read().decode())  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return None

    @staticmethod
    def alive_workers(state: dict[str, object]) -> int:
        workers = state.get("workers") or []
        return sum(1 for w in workers if isinstance(w, dict)  # type: ignore[union-attr]
                   and w.get("state") == "ALIVE")

    def _wait(self, ready: object, timeout: float, what: str) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if any(p.poll() is not None for p in self.processes):
                break
            if ready(self.state()):  # type: ignore[operator]
                return
            time.sleep(0.5)
        logs = "\n".join((self.workdir / f).read_text(errors="replace")[-1500:]
                         for f in os.listdir(self.workdir) if f.endswith(".log"))
        self.stop()
        raise ConfigError(f"Spark 独立集群未能启动（{what}）", f"The Spark standalone cluster did "
                          f"not start ({what}):\n{logs}")

    def stop(self) -> None:
        """Stop the workers, then the master (their executors go with them)."""
        for proc in reversed(self.processes):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for proc in reversed(self.processes):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        self.processes.clear()

    def __enter__(self) -> StandaloneCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
