"""Heavy-pollution-weather warning level from a forecast daily AQI series (环办大气函〔2018〕875号).

The rules live in ``data/air_warning.yaml``: the national unified grading of 2018 and local
variants (e.g. 忻州 2021, orange without the "AQI > 300" clause). An episode is a run of
consecutive forecast days with AQI > 200; its level is the highest level whose conditions it
meets (red → orange → yellow). A gap in the dates ends an episode.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ecoplan.errors import StandardError

DATA_FILE = Path(__file__).parent / "data" / "air_warning.yaml"
LEVEL_ORDER: tuple[str, ...] = ("yellow", "orange", "red")


@cache
def warning_rules() -> dict[str, Any]:
    """The warning gradings of ``air_warning.yaml`` (national 2018 and local variants)."""
    with open(DATA_FILE, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def variants() -> tuple[str, ...]:
    """Names of the configured gradings (``national_2018`` first)."""
    return tuple(warning_rules()["variants"])


@dataclass(frozen=True)
class Episode:
    """A heavy-pollution episode in a forecast and the warning level it calls for."""

    start: date
    end: date
    days: int
    days_above_300: int
    days_at_500: int
    max_aqi: int
    warning_level: str | None
    name_zh: str | None
    name_en: str | None


def _meets(cond: dict[str, Any], run: Sequence[int]) -> bool:
    """Whether one condition of a level holds for the AQIs of an episode."""
    if len(run) < int(cond.get("min_consecutive_days_above_200", 0)):
        return False
    if sum(1 for a in run if a > 300) < int(cond.get("min_days_above_300", 0)):
        return False
    return sum(1 for a in run if a >= 500) >= int(cond.get("min_days_at_or_above_500", 0))


def episode_level(run: Sequence[int], variant: str = "national_2018") -> dict[str, Any] | None:
    """Warning level (yellow/orange/red) of one episode of daily AQI > 200 (2018 grading)."""
    rules = warning_rules()["variants"].get(variant)
    if rules is None:
        raise StandardError(f"未知的预警分级方案：{variant}（可选：{', '.join(variants())}）",
                            f"Unknown warning grading: {variant} (choose {', '.join(variants())})")
    for level in rules["levels"]:  # highest first
        if any(_meets(c, run) for c in level["any_of"]):
            return level
    return None


def warning_episodes(days: Sequence[date], aqis: Sequence[int | None],
                     variant: str = "national_2018") -> list[Episode]:
    """Episodes of consecutive forecast days with AQI > 200 and their warning levels (2018)."""
    if len(days) != len(aqis):
        raise StandardError("日期与 AQI 的个数不一致", "Dates and AQI values differ in number")
    heavy = int(warning_rules()["heavy_aqi_exclusive"])
    pairs = sorted(zip(days, aqis, strict=True), key=lambda x: x[0])
    episodes: list[Episode] = []
    run: list[tuple[date, int]] = []

    def close() -> None:
        if not run:
            return
        values = [a for _, a in run]
        level = episode_level(values, variant)
        episodes.append(Episode(
            start=run[0][0], end=run[-1][0], days=len(run),
            days_above_300=sum(1 for a in values if a > 300),
            days_at_500=sum(1 for a in values if a >= 500), max_aqi=max(values),
            warning_level=level["level"] if level else None,
            name_zh=level["name_zh"] if level else None,
            name_en=level["name_en"] if level else None,
        ))
        run.clear()

    for day, value in pairs:
        if run and day != run[-1][0] + timedelta(days=1):
            close()
        if value is not None and value > heavy:
            run.append((day, int(value)))
        else:
            close()
    close()
    return episodes


def warning_level(days: Sequence[date], aqis: Sequence[int | None],
                  variant: str = "national_2018") -> str | None:
    """Highest warning level a forecast daily AQI series calls for (2018 grading), or None."""
    levels = [e.warning_level for e in warning_episodes(days, aqis, variant) if e.warning_level]
    return max(levels, key=LEVEL_ORDER.index) if levels else None
