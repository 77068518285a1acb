"""``ecoplan bench …``: benchmarks whose figures are written down in docs/performance.md.

Each capability adds its benchmark to :data:`app` from its own command module, e.g.
``from ecoplan.commands.bench import app as bench_app`` then ``@bench_app.command("air")``.
"""

from __future__ import annotations

import typer

NAME = "bench"
app = typer.Typer(
    help="性能基准测试（结果记录在 docs/performance.md）/ benchmarks", no_args_is_help=True
)
