"""Real published monitoring files bundled with ecoplan (see PROVENANCE.md)."""

from __future__ import annotations

from pathlib import Path

SAMPLE_DIR = Path(__file__).parent


def sample_path(*parts: str) -> Path:
    """Path of a bundled sample file, e.g. ``sample_path("realdata", "shanxi_hourly_2019.csv.gz")``."""
    return SAMPLE_DIR.joinpath(*parts)
