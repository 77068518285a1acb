"""Safe use of key construction land (重点建设用地安全利用), the rule behind indicator 14.

Key construction land (重点建设用地): a suspected or confirmed contaminated plot whose use changes
to housing or public administration and public services (“一住两公”, GB 50137-2011 classes R and
A) — 《“十四五”土壤、地下水和农村生态环境保护规划》 and 《土壤污染防治法》 §59.
A plot counts as safely used when, before it is reused (供地/开工), it has a soil-pollution survey
(土壤污染状况调查) and either the survey found it not contaminated (GB 36600-2018 screening
values met) or its risk control / remediation is complete, the effect evaluated and the plot is
off the 建设用地土壤污染风险管控和修复名录 (§66: a listed plot may not be developed for projects
unrelated to risk control or remediation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

#: planned uses (GB 50137-2011 major classes) that make a plot key construction land
SENSITIVE_USES = ("R", "A")
SURVEY_STATES = ("none", "clean", "contaminated")
CONTROL_STATES = ("none", "in_progress", "completed")


@dataclass(frozen=True)
class PlotJudgement:
    key: bool
    safe: bool | None  # None: not reused yet
    reason_zh: str
    reason_en: str


def judge_plot(planned_use: str, survey_state: str, survey_on: date | None, control_state: str,
               control_done_on: date | None, delisted_on: date | None,
               reused_on: date | None) -> PlotJudgement:
    """Whether a plot is key construction land and, once reused, whether it was reused safely."""
    key = str(planned_use or "").strip().upper()[:1] in SENSITIVE_USES
    if reused_on is None:
        return PlotJudgement(key, None, "尚未再开发利用", "not reused yet")
    if survey_state == "none" or survey_on is None or survey_on > reused_on:
        return PlotJudgement(key, False, "再开发利用前未完成土壤污染状况调查",
                             "reused before a soil-pollution survey was completed")
    if survey_state == "clean":
        return PlotJudgement(key, True, "调查表明未受污染（满足 GB 36600-2018 筛选值）",
                             "survey found it not contaminated (GB 36600-2018 screening values)")
    if control_state != "completed" or control_done_on is None or control_done_on > reused_on:
        return PlotJudgement(key, False, "污染地块在风险管控/修复完成前再开发利用",
                             "contaminated plot reused before risk control / remediation was complete")
    if delisted_on is None or delisted_on > reused_on:
        return PlotJudgement(key, False, "再开发利用时仍在风险管控和修复名录内",
                             "still on the risk control and remediation list when reused")
    return PlotJudgement(key, True, "风险管控/修复完成、效果评估通过并移出名录后再开发利用",
                         "reused after risk control / remediation, effect evaluation and delisting")
