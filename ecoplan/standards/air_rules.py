"""Which air rule set applies: HJ 633/GB 3095/HJ 663 of 2012 or of 2026, chosen by data time.

The 2026 standards (GB 3095-2026, HJ 633-2026, HJ 663-2026) took effect on 2026-03-01. Data
*measured* before that instant are judged by the 2012-era rules, data from then on by the 2026
rules — whatever the date of the computation. A rule set can be forced ("2025 under both rule
sets") with ``ruleset="2012"`` or ``"2026"``; ``"auto"`` chooses by timestamp.

Hour-ending labels: CNEMC labels the hour 23:00–24:00 of 2026-02-28 as ``2026-03-01 00:00``;
that value was measured before the switch, so a label of exactly 2026-03-01 00:00 still belongs
to the 2012 era (the first 2026-era hour is labelled 01:00). Daily values are dated by their
natural day, so the day 2026-03-01 is the first 2026-era day.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import ibis

from ecoplan.errors import StandardError

RulesetName = Literal["2012", "2026"]
RulesetChoice = Literal["2012", "2026", "auto"]

RULESETS: tuple[RulesetName, ...] = ("2012", "2026")
CHOICES: tuple[RulesetChoice, ...] = ("2012", "2026", "auto")

#: First day of the 2026-era rules (GB 3095-2026 / HJ 633-2026 / HJ 663-2026 in force).
SWITCH_DATE = date(2026, 3, 1)
#: Hour-ending label of the first hour measured under the 2026 rules.
SWITCH_HOUR_LABEL = datetime(2026, 3, 1, 1, 0)

#: The standards of each rule set (number and title), for citing in outputs.
STANDARDS: dict[RulesetName, dict[str, str]] = {
    "2012": {"aqi": "HJ 633-2012", "limits": "GB 3095-2012", "evaluation": "HJ 663-2013"},
    "2026": {"aqi": "HJ 633-2026", "limits": "GB 3095-2026", "evaluation": "HJ 663-2026"},
}


def check_choice(ruleset: str) -> RulesetChoice:
    """Validate a ``--rules`` value: "2012", "2026" or "auto"."""
    value = str(ruleset).strip().lower()
    if value not in CHOICES:
        raise StandardError(
            f"规则版本无效：{ruleset!r}（应为 2012、2026 或 auto）",
            f"Invalid rule set {ruleset!r} (expected 2012, 2026 or auto)",
        )
    return value  # type: ignore[return-value]


def ruleset_for_hour(label: datetime, ruleset: str = "auto") -> RulesetName:
    """Rule set of an hourly value with hour-ending ``label`` (HJ 633-2026 in force 2026-03-01)."""
    choice = check_choice(ruleset)
    if choice != "auto":
        return choice
    return "2026" if label >= SWITCH_HOUR_LABEL else "2012"


def ruleset_for_day(day: date, ruleset: str = "auto") -> RulesetName:
    """Rule set of a daily value of natural day ``day`` (GB 3095-2026 in force 2026-03-01)."""
    choice = check_choice(ruleset)
    if choice != "auto":
        return choice
    if isinstance(day, datetime):
        day = day.date()
    return "2026" if day >= SWITCH_DATE else "2012"


def select_ruleset(when: date | datetime | str, ruleset: str = "auto") -> RulesetName:
    """Rule set for a timestamp (hour-ending label) or a day; ``ruleset`` forces one."""
    if isinstance(when, str):
        text = when.strip()
        try:
            when = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
        except ValueError as exc:
            raise StandardError(f"无法识别的日期时间：{when!r}",
                                f"Unrecognised date/time: {when!r}") from exc
    if isinstance(when, datetime):
        return ruleset_for_hour(when, ruleset)
    return ruleset_for_day(when, ruleset)


def ruleset_expr_hourly(timestamp: Any, ruleset: str = "auto") -> Any:
    """Ibis string expression "2012"/"2026" per row from an hour-ending timestamp column."""
    choice = check_choice(ruleset)
    if choice != "auto":
        return ibis.literal(choice)
    return ibis.ifelse(timestamp >= ibis.literal(SWITCH_HOUR_LABEL), "2026", "2012")


def ruleset_expr_daily(day: Any, ruleset: str = "auto") -> Any:
    """Ibis string expression "2012"/"2026" per row from a date column."""
    choice = check_choice(ruleset)
    if choice != "auto":
        return ibis.literal(choice)
    return ibis.ifelse(day >= ibis.literal(SWITCH_DATE), "2026", "2012")

