"""Language selection for user-facing text (zh-CN by default, English on request).

Text shown to users is written as a pair ``tr("中文", "English")``; the active language is
chosen once per process from ``--lang``, ``ECOPLAN_LANG`` or ``LANG``.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from typing import Literal

Lang = Literal["zh", "en"]

_current: ContextVar[Lang | None] = ContextVar("ecoplan_lang", default=None)


def normalise_lang(value: str | None) -> Lang | None:
    """Map ``zh_CN.UTF-8``, ``zh-CN``, ``en_US`` … to ``zh`` or ``en``; None if unknown."""
    if not value:
        return None
    v = value.strip().lower()
    if v.startswith("zh"):
        return "zh"
    if v.startswith("en") or v in {"c", "posix", "c.utf-8"}:
        return "en" if v.startswith("en") else None
    return None


def detect_lang() -> Lang:
    """Language from ECOPLAN_LANG, then LANG; Chinese when neither says otherwise."""
    for var in ("ECOPLAN_LANG", "LANG"):
        lang = normalise_lang(os.environ.get(var))
        if lang:
            return lang
    return "zh"


def set_lang(lang: str | None) -> Lang:
    chosen = normalise_lang(lang) or detect_lang()
    _current.set(chosen)
    return chosen


def get_lang() -> Lang:
    lang = _current.get()
    return lang if lang is not None else detect_lang()


def tr(zh: str, en: str) -> str:
    """Pick the Chinese or English wording for the active language."""
    return zh if get_lang() == "zh" else en
