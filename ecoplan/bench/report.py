"""``ecoplan bench report``: generated example data, the 2025 assessment and the final report
(Word and PDF) on a fresh workspace (figures in docs/performance.md)."""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ecoplan.assess.indicators import assess_indicators
from ecoplan.demo.air_series import build_demo_series
from ecoplan.plan import bundled_plan_path, load_plan
from ecoplan.reports.build import build_report
from ecoplan.settings import load_settings
from ecoplan.store.workspace import Workspace, init_workspace


def run_benchmark(repeat: int = 3, *, advance: Callable[[], Any] | None = None
                  ) -> dict[str, dict[str, Any]]:
    """Median and runs (s) of each stage; ``advance()`` is called after the example data and
    after each repetition (1 + ``repeat`` steps)."""
    plan = load_plan(bundled_plan_path("jiaocheng-2021-2025"))
    times: dict[str, list[float]] = {"demo_series": [], "assess_2025": [], "report_docx": [],
                                     "report_pdf": []}
    step = advance or (lambda: None)
    with tempfile.TemporaryDirectory(prefix="ecoplan-bench-report-") as tmp:
        home = Path(tmp) / "home"
        init_workspace(home)
        t0 = time.perf_counter()
        build_demo_series(Workspace(load_settings(home=home)))
        times["demo_series"].append(time.perf_counter() - t0)
        step()
        for i in range(repeat):
            stages: tuple[tuple[str, Callable[[Workspace], Any]], ...] = (
                ("assess_2025", lambda ws: assess_indicators(ws, plan, 2025)),
                ("report_docx", lambda ws, i=i: build_report(
                    ws, plan, kind="final", year=2025, out=Path(tmp) / f"r{i}.docx")),
                ("report_pdf", lambda ws, i=i: build_report(
                    ws, plan, kind="final", year=2025, out=Path(tmp) / f"p{i}.docx", fmt="pdf")),
            )
            for key, fn in stages:
                ws = Workspace(load_settings(home=home))  # fresh: nothing memoised
                t0 = time.perf_counter()
                fn(ws)
                times[key].append(time.perf_counter() - t0)
                ws.engine.dispose()
            step()
    return {k: {"median_s": round(statistics.median(v), 2), "runs": [round(x, 2) for x in v]}
            for k, v in times.items()}
